/*
 * A JWT login verified as `sf org login jwt` makes it (the diagnosis's token exchange), retried with backoff
 * while the cause is one that time can fix: an approval, a grant or an app that has not propagated yet. Used
 * by `sf jwt approve` and `sf jwt setup`. Only the diagnosis is kept (cause code, words): never a token.
 */
import { Messages, type SfError } from '@salesforce/core';
import type { JwtInputs } from '../org/inputs.js';
import type { Spinner } from '../utils/view.js';
import type { Cause, CauseCode } from './types.js';
import { runDiagnosis } from './diagnose.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.verify');

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
export const retryTiming = {
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
  /**
   * When the wait ends (epoch ms), if it began before this call (--url-only --wait counts from the start of the
   * command); by default `waitMs` from now.
   */
  endsAt?: number;
};

/**
 * A cause that time can fix in general, but not this time: the app refuses the login host (the login works through
 * the org's My Domain), or the admin org shows that the app is not in the org at all.
 */
function waitWontFix(cause: Cause): boolean {
  return cause.evidence?.workingLoginUrl !== undefined || cause.evidence?.appInOrg === false;
}

/**
 * Tries the JWT login exactly as `sf org login jwt` does; with a wait, retries with doubling pauses
 * (2 s, 4 s, … up to 30 s) while the cause is one that time can fix and the next try fits in the wait. The wait is
 * a budget: each request of a try gets what is left of it (at least a second), never a whole --timeout past it.
 */
export async function verifyJwtLogin(inputs: JwtInputs, opts: VerifyOptions): Promise<Verification> {
  const retryable = opts.retryable ?? RETRYABLE;
  const started = Date.now();
  const deadline = opts.endsAt ?? started + opts.waitMs;
  const endsAt = opts.waitMs > 0 || opts.endsAt !== undefined ? deadline : undefined;
  // one login attempt at a time; after a retryable failure, a pause that doubles each time
  const attempt = async (tries: number, delay: number): Promise<Verification> => {
    throwIfAborted(opts.signal);
    const diagnosis = await runDiagnosis(inputs, { timeoutMs: opts.timeoutMs, adminOrg: opts.adminOrg, endsAt });
    throwIfAborted(opts.signal);
    const cause = diagnosis.cause;
    if (cause === null || !retryable.has(cause.code) || waitWontFix(cause) || Date.now() + delay > deadline) {
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
    await retryTiming.sleep(delay, opts.signal);
    return attempt(tries + 1, Math.min(delay * 2, MAX_DELAY_MS));
  };
  return attempt(1, FIRST_DELAY_MS);
}

/** The spinner's status for each retry of the JWT login: how many tries, the cause, the pause. */
export function retryStatus(spinner: Spinner): NonNullable<VerifyOptions['onRetry']> {
  return (tries, cause, delayMs) =>
    spinner.status(messages.getMessage('spinner.retry', [String(tries), cause, String(Math.round(delayMs / 1000))]));
}

/** verifyJwtLogin with a spinner: which user, and each retry with its cause and pause. */
export async function verifyWithProgress(
  inputs: JwtInputs,
  opts: VerifyOptions,
  spinner: Spinner,
): Promise<Verification> {
  spinner.start(messages.getMessage('spinner.verifying', [inputs.username]));
  try {
    return await verifyJwtLogin(inputs, { ...opts, onRetry: retryStatus(spinner) });
  } finally {
    spinner.stop();
  }
}
