/*
 * The admin pre-authorization of `sf jwt approve --admin-org`: the app found from its client id or name,
 * then a permission set that grants it and is assigned to the user (org/grants.ts plans and applies it), or,
 * for a self-authorize app, the two ways forward. Nothing here returns a token, key or assertion: only record
 * ids and names.
 */
import { Messages, SfError, type Connection } from '@salesforce/core';
import type { OrgEvidence } from '../org/types.js';
import { resolveApp } from '../org/apps.js';
import type { EvidenceError } from '../org/query.js';
import {
  applyGrant,
  planGrant,
  selfAuthorizeExplanation,
  type GrantPlan,
  type GrantSObject,
  type GrantStep,
} from '../org/grants.js';
import type { SuggestedLogin } from '../org/suggest.js';
import { shellQuote } from '../utils/shell.js';
import { redirectTarget } from './listener.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

export type AdminStep = {
  sobject: GrantSObject;
  /** created / exists after a run; would-create (or exists) with --dry-run. */
  action: 'created' | 'exists' | 'would-create';
  id?: string;
  /** The record in words: the permission set, "<permission set> → <app>", "<permission set> → <user>". */
  name: string;
  description: string;
};

export type AppPolicy = 'admin-approved' | 'self-authorize' | 'unknown';

export type AdminApproval = {
  app?: {
    id?: string;
    name: string;
    label?: string;
    kind: NonNullable<OrgEvidence['app']>['kind'];
    policy: AppPolicy;
    /** The app's callback URLs, when the admin org could read them (a browser approval's redirect URI must be one). */
    callbackUrls?: string[];
  };
  permissionSet: string;
  dryRun: boolean;
  steps: AdminStep[];
  /** Records created by this run (0 with --dry-run). */
  changed: number;
  /** Records a run without --dry-run would create. */
  planned: number;
  /** The app lets users self-authorize: nothing was changed; `actions` gives the two ways forward. */
  selfAuthorize: boolean;
  message: string;
  actions: string[];
  /** Why the grant could not be completed (insufficient access, app not found, …). */
  error?: { name: string; message: string; actions: string[] };
};

export type AdminApprovalOptions = {
  username: string;
  clientId?: string;
  appName?: string;
  permissionSet: string;
  dryRun: boolean;
  /** The redirect URI a browser approval would send (for a self-authorize app, checked against the callback URLs). */
  redirectUri?: string;
  /** The login as given, for the commands the result suggests. */
  login?: SuggestedLogin;
};

const policyOf = (app: NonNullable<OrgEvidence['app']>): AppPolicy =>
  app.adminApprovedOnly === true ? 'admin-approved' : app.adminApprovedOnly === false ? 'self-authorize' : 'unknown';

function stepName(sobject: GrantSObject, plan: Pick<GrantPlan, 'permissionSet' | 'app' | 'username'>): string {
  if (sobject === 'PermissionSet') return plan.permissionSet;
  if (sobject === 'SetupEntityAccess') return `${plan.permissionSet} → ${plan.app.label ?? plan.app.name}`;
  return `${plan.permissionSet} → ${plan.username}`;
}

function toSteps(plan: GrantPlan): AdminStep[] {
  return plan.steps.map((s: GrantStep) => ({
    sobject: s.sobject,
    action: s.action === 'create' ? 'would-create' : s.action,
    ...(s.id ? { id: s.id } : {}),
    name: stepName(s.sobject, plan),
    description: s.description,
  }));
}

function errorOf(err: unknown): NonNullable<AdminApproval['error']> {
  const sf = err instanceof SfError ? err : SfError.wrap(err instanceof Error ? err : new Error(String(err)));
  return { name: sf.name, message: sf.message, actions: sf.actions ?? [] };
}

function appNotResolved(opts: AdminApprovalOptions, errors: EvidenceError[], found: null | undefined): SfError {
  const what = opts.appName ? `--app-name ${opts.appName}` : `--client-id ${opts.clientId ?? ''}`;
  const reasons = errors.map((e) => `${e.what}: ${e.message}`).join('; ');
  if (found === null) {
    return messages.createError('error.AppNotFound', [what], [opts.username]);
  }
  const insufficient = /INSUFFICIENT_ACCESS|INSUFFICIENT_PRIVILEGES/i.test(reasons);
  return insufficient
    ? messages.createError('error.AppUnreadableAccess', [what, reasons])
    : messages.createError('error.AppUnreadable', [what, reasons || 'unknown']);
}

/** The app as the result shows it. */
const appSummary = (app: NonNullable<OrgEvidence['app']>): NonNullable<AdminApproval['app']> => ({
  ...(app.id ? { id: app.id } : {}),
  name: app.name,
  label: app.label,
  kind: app.kind,
  policy: policyOf(app),
  ...(app.callbackUrls ? { callbackUrls: app.callbackUrls } : {}),
});

/** An app found (by its metadata) whose record could not be read: unknown, not an app without a record. */
const unreadRecord = (app: NonNullable<OrgEvidence['app']>, errors: EvidenceError[]): boolean =>
  !app.id && errors.length > 0;

/**
 * For the browser approval of a self-authorize app: whether the redirect URI it would send is one of the
 * app's callback URLs, and if not, which to use instead. undefined when the callback URLs are unknown.
 */
export function callbackAdvice(
  callbackUrls: string[] | undefined,
  redirectUri: string | undefined,
): string | undefined {
  if (!callbackUrls || !redirectUri) return undefined;
  if (callbackUrls.length === 0) return messages.getMessage('admin.callbackUrls.none', [redirectUri]);
  if (callbackUrls.includes(redirectUri)) return undefined;
  const loopback = callbackUrls.find((url) => {
    try {
      return redirectTarget(url).kind === 'loopback';
    } catch {
      return false;
    }
  });
  return loopback
    ? messages.getMessage('admin.callbackUrls.useLoopback', [redirectUri, shellQuote(loopback)])
    : messages.getMessage('admin.callbackUrls.noLoopback', [redirectUri, redirectUri]);
}

/**
 * Makes the permission set grant the app to the user (creating what is missing), or with `dryRun` only
 * plans it. Failures after the admin org answered are returned in `error` with what was done so far; only
 * usage errors (exit code 2, such as an invalid permission set name) are thrown.
 */
export async function runAdminApproval(conn: Connection, opts: AdminApprovalOptions): Promise<AdminApproval> {
  const result: AdminApproval = {
    permissionSet: opts.permissionSet,
    dryRun: opts.dryRun,
    steps: [],
    changed: 0,
    planned: 0,
    selfAuthorize: false,
    message: '',
    actions: [],
  };

  const errors: EvidenceError[] = [];
  const app = await resolveApp(conn, { clientId: opts.clientId, appName: opts.appName }, errors);
  if (!app || unreadRecord(app, errors)) {
    const err = appNotResolved(opts, errors, app ? undefined : app);
    return { ...result, error: errorOf(err), message: err.message, actions: err.actions ?? [] };
  }
  result.app = appSummary(app);

  let plan: GrantPlan;
  try {
    plan = await planGrant(conn, { username: opts.username, app, permissionSet: opts.permissionSet });
  } catch (err) {
    if (err instanceof SfError && err.exitCode === 2) throw err;
    const e = errorOf(err);
    return { ...result, error: e, message: e.message, actions: e.actions };
  }

  if (plan.selfAuthorize) {
    const words = selfAuthorizeExplanation(plan, opts.login);
    const callback = callbackAdvice(app.callbackUrls, opts.redirectUri);
    return {
      ...result,
      selfAuthorize: true,
      message: words.message,
      actions: callback ? [...words.actions, callback] : words.actions,
    };
  }

  result.planned = plan.changes;
  if (opts.dryRun) {
    result.steps = toSteps(plan);
    result.message =
      plan.changes === 0
        ? messages.getMessage('admin.nothingToChange', [opts.permissionSet, app.label ?? app.name, opts.username])
        : messages.getMessage('admin.dryRun', [String(plan.changes)]);
    return result;
  }

  try {
    const applied = await applyGrant(conn, plan);
    result.steps = toSteps(applied);
    result.changed = applied.changes;
  } catch (err) {
    // what was done before the failure is in the error's data (org/grants.ts)
    const done = (err instanceof SfError ? (err.data as { plan?: GrantPlan } | undefined)?.plan : undefined) ?? plan;
    result.steps = toSteps(done);
    result.changed = done === plan ? 0 : done.changes;
    const e = errorOf(err);
    return { ...result, error: e, message: e.message, actions: e.actions };
  }
  result.message =
    result.changed === 0
      ? messages.getMessage('admin.nothingToChange', [opts.permissionSet, app.label ?? app.name, opts.username])
      : messages.getMessage('admin.changed', [
          String(result.changed),
          opts.permissionSet,
          app.label ?? app.name,
          opts.username,
        ]);
  return result;
}
