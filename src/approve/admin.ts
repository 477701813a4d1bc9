/*
 * The orchestration behind `sf jwt approve`: the headless admin pre-authorization (--admin-org) built on
 * the grant planner (grants.ts), and the JWT verification with --wait that both modes end with.
 *
 * Nothing here returns or prints a token, key or assertion: the verification keeps only the diagnosis
 * (cause code, words), and the admin mode only record ids and names.
 */
import { Messages, SfError, type Connection } from '@salesforce/core';
import type { Cause, CauseCode } from '../diagnose/types.js';
import type { JwtInputs } from '../org/inputs.js';
import type { OrgEvidence } from '../org/types.js';
import { withDeadline } from '../utils/deadline.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { runDiagnosis } from '../diagnose/diagnose.js';
import { readStoredAuth, resolveJwtInputs, resolveUsername, type IdentityFlags } from '../org/inputs.js';
import { adminOrgFacts, refuseOtherOrg } from '../org/orgMatch.js';
import { shellQuote } from '../utils/shell.js';
import { approvalStatus } from '../status/status.js';
import { resolveApp } from '../org/apps.js';
import { type EvidenceError } from '../org/query.js';
import {
  applyGrant,
  planGrant,
  selfAuthorizeExplanation,
  type GrantPlan,
  type GrantSObject,
  type GrantStep,
} from '../org/grants.js';
import { redirectTarget } from './listener.js';
import { adminOk } from './result.js';
import type { ApproveUi, JwtApproveAdminResult } from './result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

// ---------------------------------------------------------------------------------------------
// verification
// ---------------------------------------------------------------------------------------------

export type Verification = {
  ok: boolean;
  tries: number;
  elapsedSeconds: number;
  cause: Cause | null;
  message: string;
};

/** Causes that waiting can fix: the approval, the grant or the app may not have propagated yet. */
export const RETRYABLE: ReadonlySet<CauseCode> = new Set<CauseCode>([
  'USER_NOT_APPROVED',
  'APPROVAL_NOT_PROPAGATED',
  'APP_NOT_INSTALLED',
  'INVALID_CLIENT_ID',
  'NETWORK_ERROR',
  'UNEXPECTED_RESPONSE',
]);

/** After an admin grant, "not pre-authorized" answers are also propagation delays worth waiting for. */
export const RETRYABLE_AFTER_GRANT: ReadonlySet<CauseCode> = new Set<CauseCode>([
  ...RETRYABLE,
  'USER_NOT_PREAUTHORIZED',
  'NOT_ADMIN_APPROVED',
]);

/**
 * When nothing was changed (a self-authorize app in admin mode) and the admin org's records tell the causes
 * apart: an approval that is on the user record but not applied yet is worth waiting for; a missing one is not.
 */
export const RETRYABLE_UNCHANGED: ReadonlySet<CauseCode> = new Set<CauseCode>(
  [...RETRYABLE].filter((code) => code !== 'USER_NOT_APPROVED'),
);

export const FIRST_DELAY_MS = 2000;
export const MAX_DELAY_MS = 30_000;

/** The pause between verification tries (it ends early when the signal aborts); replaceable in tests. */
export const approveTiming = {
  sleep: (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** The wait was stopped from outside (a signal) before it was decided. */
function abortedError(): SfError {
  return messages.createError('error.Aborted');
}

/** Ends the wait when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

export type VerifyOptions = {
  /** How long to keep retrying; 0 = one try. */
  waitMs: number;
  timeoutMs: number;
  /** With an admin org, a failing try is diagnosed with org-side evidence. */
  adminOrg?: string;
  retryable?: ReadonlySet<CauseCode>;
  /** Called before each pause (for a spinner): the try that failed, its cause, the pause. */
  onRetry?: (tries: number, cause: CauseCode, delayMs: number) => void;
  /** Stops the retries: the promise then rejects with an AbortedError. */
  signal?: AbortSignal;
};

/**
 * Tries the JWT login exactly as `sf org login jwt` does; with a wait, retries with doubling pauses
 * (2 s, 4 s, … up to 30 s) while the cause is one that time can fix and the next try fits in the wait.
 */
export async function verifyJwtLogin(inputs: JwtInputs, opts: VerifyOptions): Promise<Verification> {
  const retryable = opts.retryable ?? RETRYABLE;
  const started = Date.now();
  const deadline = started + opts.waitMs;
  let delay = FIRST_DELAY_MS;
  let tries = 0;
  for (;;) {
    throwIfAborted(opts.signal);
    tries++;
    // eslint-disable-next-line no-await-in-loop -- one login attempt at a time, on purpose
    const diagnosis = await runDiagnosis(inputs, { timeoutMs: opts.timeoutMs, adminOrg: opts.adminOrg });
    throwIfAborted(opts.signal);
    const cause = diagnosis.cause;
    const retry = cause !== null && retryable.has(cause.code) && Date.now() + delay <= deadline;
    if (!retry) {
      return {
        ok: diagnosis.ok,
        tries,
        elapsedSeconds: Math.round((Date.now() - started) / 1000),
        cause,
        message: cause
          ? messages.getMessage('verification.failed', [inputs.username, cause.code, cause.message])
          : messages.getMessage('verification.ok', [inputs.username]),
      };
    }
    opts.onRetry?.(tries, cause.code, delay);
    // eslint-disable-next-line no-await-in-loop
    await approveTiming.sleep(delay, opts.signal);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/** The spinner's status for each retry of the JWT login: how many tries, the cause, the pause. */
export function retryStatus(ui: ApproveUi): NonNullable<VerifyOptions['onRetry']> {
  return (tries, cause, delayMs) =>
    ui.spinner.status(messages.getMessage('spinner.retry', [String(tries), cause, String(Math.round(delayMs / 1000))]));
}

/** verifyJwtLogin with a spinner: which user, and each retry with its cause and pause. */
export async function verifyWithProgress(inputs: JwtInputs, opts: VerifyOptions, ui: ApproveUi): Promise<Verification> {
  ui.spinner.start(messages.getMessage('spinner.verifying', [inputs.username]));
  try {
    return await verifyJwtLogin(inputs, { ...opts, onRetry: retryStatus(ui) });
  } finally {
    ui.spinner.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// admin pre-authorization
// ---------------------------------------------------------------------------------------------

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
  if (!app) {
    const err = appNotResolved(opts, errors, app);
    return { ...result, error: errorOf(err), message: err.message, actions: err.actions ?? [] };
  }
  result.app = {
    ...(app.id ? { id: app.id } : {}),
    name: app.name,
    label: app.label,
    kind: app.kind,
    policy: policyOf(app),
    ...(app.callbackUrls ? { callbackUrls: app.callbackUrls } : {}),
  };

  let plan: GrantPlan;
  try {
    plan = await planGrant(conn, { username: opts.username, app, permissionSet: opts.permissionSet });
  } catch (err) {
    if (err instanceof SfError && err.exitCode === 2) throw err;
    const e = errorOf(err);
    return { ...result, error: e, message: e.message, actions: e.actions };
  }

  if (plan.selfAuthorize) {
    const words = selfAuthorizeExplanation(plan);
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
    // what was done before the failure is in the error's data (grants.ts)
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

// ---------------------------------------------------------------------------------------------
// admin mode: the grant, then the JWT login and the user record
// ---------------------------------------------------------------------------------------------

/**
 * Nothing is granted through an admin org that is provably another org than the user's (by the org ids of the
 * stored logins, or the login URL given or stored): a usage error, exit code 2. A default login URL proves
 * nothing here.
 */
async function refuseGrantToOtherOrg(
  adminOrg: string,
  conn: Parameters<typeof adminOrgFacts>[1],
  username: string,
  inputs: JwtInputs | undefined,
): Promise<void> {
  // resolveJwtInputs has read the stored login already; without inputs, read it here
  const orgId = inputs ? inputs.orgId : (await readStoredAuth(username))?.orgId;
  const loginUrl = inputs && inputs.source.loginUrl !== 'default' ? inputs.loginUrl : undefined;
  refuseOtherOrg(adminOrg, conn, { username, orgId, loginUrl });
}

/** Planning and applying a grant takes a few round trips (grants.ts), each within --timeout. */
const ADMIN_ROUNDS = 8;

export type AdminModeOptions = {
  /** The identity flags as given (the client id and key may come from the stored login). */
  flags: IdentityFlags;
  adminOrg: string;
  permissionSet: string;
  dryRun: boolean;
  /** The redirect URI a browser approval would use (checked against a self-authorize app's callback URLs). */
  redirectUri?: string;
  waitMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
};

/**
 * `sf jwt approve --admin-org`: grants the app through a permission set (or, with --dry-run, plans it),
 * then tries the JWT login (with --wait, until it works) and reads the user record, as `sf jwt status` does.
 */
export async function runAdminMode(opts: AdminModeOptions, ui: ApproveUi): Promise<JwtApproveAdminResult> {
  const { flags, adminOrg, permissionSet, dryRun } = opts;
  // The client id and key may come from the stored JWT login; with --app-name the client id is optional.
  let inputs: JwtInputs | undefined;
  let username: string;
  try {
    inputs = await resolveJwtInputs(flags, { requireKey: false });
    username = inputs.username;
  } catch (error) {
    if (!flags['app-name'] || !flags.username) throw error;
    username = await resolveUsername(flags.username);
  }
  const clientId = inputs?.clientId?.trim();

  const conn = await connectAdminOrg(adminOrg);
  await refuseGrantToOtherOrg(adminOrg, conn, username, inputs);
  ui.spinner.start(messages.getMessage(dryRun ? 'spinner.planning' : 'spinner.granting', [adminOrg]));
  const budgetMs = opts.timeoutMs * ADMIN_ROUNDS;
  let admin: AdminApproval;
  try {
    admin = await withDeadline(
      runAdminApproval(conn, {
        username,
        clientId,
        appName: flags['app-name'],
        permissionSet,
        dryRun,
        redirectUri: opts.redirectUri,
      }),
      budgetMs,
      () => messages.createError('error.AdminNoAnswer', [adminOrg, String(Math.round(budgetMs / 1000))]),
    );
  } finally {
    ui.spinner.stop();
  }

  const result: JwtApproveAdminResult = {
    mode: 'admin',
    ok: false,
    username,
    ...(clientId ? { clientId } : {}),
    adminOrg,
    ...admin,
  };

  if (!admin.error && !dryRun) {
    if (inputs?.jwtKeyFile) {
      // A self-authorize app was not changed: waiting helps only while the user's approval is on the record
      // but not applied yet (APPROVAL_NOT_PROPAGATED), never for a missing one.
      result.verification = await verifyWithProgress(
        inputs,
        {
          waitMs: opts.waitMs,
          timeoutMs: opts.timeoutMs,
          adminOrg,
          retryable: admin.selfAuthorize ? RETRYABLE_UNCHANGED : RETRYABLE_AFTER_GRANT,
          signal: opts.signal,
        },
        ui,
      );
    }
    ui.spinner.start(messages.getMessage('spinner.userRecord', [username]));
    try {
      result.userRecord = await approvalStatus(conn, {
        username,
        appName: admin.app?.name,
        clientId: admin.app ? undefined : clientId,
      });
    } finally {
      ui.spinner.stop();
    }
  }

  result.ok = adminOk(result);
  return result;
}
