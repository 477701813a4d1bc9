/*
 * The orchestration behind `sf jwt approve`: the headless admin pre-authorization (--admin-org) built on
 * the grant planner (grants.ts), and the JWT verification with --wait that both modes end with.
 *
 * Nothing here returns or prints a token, key or assertion: the verification keeps only the diagnosis
 * (cause code, words), and the admin mode only record ids and names.
 */
import { Messages, SfError, type Connection } from '@salesforce/core';
import type { Cause, CauseCode, JwtInputs, OrgEvidence } from './types.js';
import { runDiagnosis } from './diagnose.js';
import { resolveApp, type EvidenceError } from './evidence.js';
import {
  applyGrant,
  planGrant,
  selfAuthorizeExplanation,
  type GrantPlan,
  type GrantSObject,
  type GrantStep,
} from './grants.js';

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

export const FIRST_DELAY_MS = 2000;
export const MAX_DELAY_MS = 30_000;

/** The pause between verification tries; replaceable in tests. */
export const approveTiming = {
  sleep: (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type VerifyOptions = {
  /** How long to keep retrying; 0 = one try. */
  waitMs: number;
  timeoutMs: number;
  /** With an admin org, a failing try is diagnosed with org-side evidence. */
  adminOrg?: string;
  retryable?: ReadonlySet<CauseCode>;
  /** Called before each pause (for a spinner): the try that failed, its cause, the pause. */
  onRetry?: (tries: number, cause: CauseCode, delayMs: number) => void;
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
    tries++;
    // eslint-disable-next-line no-await-in-loop -- one login attempt at a time, on purpose
    const diagnosis = await runDiagnosis(inputs, { timeoutMs: opts.timeoutMs, adminOrg: opts.adminOrg });
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
    await approveTiming.sleep(delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
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
  app?: { id?: string; name: string; label?: string; kind: NonNullable<OrgEvidence['app']>['kind']; policy: AppPolicy };
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
    return { ...result, selfAuthorize: true, message: words.message, actions: words.actions };
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
