/*
 * Browser mode of `sf jwt approve`: the check of the authorize URL, the listener, opening or printing the URL,
 * the wait for what can confirm the approval (the redirect, the JWT login), and what the redirect and the code
 * exchange mean for the approval. The code, the verifier and every token stay inside this module's calls: the
 * result says only what happened.
 */
import { Messages, SfError } from '@salesforce/core';
import { browser, type BrowserName } from '../utils/browser.js';
import { bullets } from '../utils/bullets.js';
import { describeDuration } from '../utils/duration.js';
import { MIN_REQUEST_MS, timeoutWithin } from '../utils/deadline.js';
import type { JwtInputs } from '../org/inputs.js';
import { diagnoseCommand, suggestedLoginOf } from '../org/suggest.js';
import { buildAuthorizeUrl, createPkce, createState } from '../org/authorizeUrl.js';
import {
  retryStatus,
  throwIfAborted,
  verifyJwtLogin,
  verifyWithProgress,
  type VerifyOptions,
} from '../diagnose/verify.js';
import { checkAuthorizeUrl, describeRefusal } from './precheck.js';
import {
  browserOk,
  type ApprovalStatus,
  type ApproveUi,
  type BrowserApproval,
  type JwtApproveBrowserResult,
} from './result.js';
import { consumerSecretFromEnv, exchangeCode } from './codeExchange.js';
import { describeAuthorizeError } from './authorizeErrors.js';
import {
  listenForRedirect,
  redirectTarget,
  type RedirectListener,
  type RedirectResult,
  type RedirectTarget,
} from './listener.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

export type CompleteApprovalOptions = {
  loginUrl: string;
  clientId: string;
  redirectUri: string;
  /** The PKCE verifier of the authorize URL's challenge. */
  verifier: string;
  timeoutMs: number;
  username: string;
  /** Called once the redirect brought a code, before the exchange (for a spinner). */
  onExchange?: () => void;
};

/**
 * Waits for the redirect, then completes the code exchange (PKCE; a consumer secret only from the
 * environment), so the approval carries a refresh token. The tokens are discarded by exchangeCode.
 */
export async function completeApproval(
  listener: RedirectListener,
  opts: CompleteApprovalOptions,
): Promise<BrowserApproval> {
  let redirect: RedirectResult;
  try {
    redirect = await listener.result;
  } catch (error) {
    const err = error instanceof SfError ? error : SfError.wrap(error as Error);
    return {
      status: 'no-redirect',
      message: messages.getMessage('approval.noRedirect', [err.message]),
      actions: err.actions ?? [],
    };
  }
  if (!('code' in redirect)) {
    const words = describeAuthorizeError(redirect.error, redirect.errorDescription);
    return {
      status: 'failed',
      message: messages.getMessage('approval.failed', [words.message]),
      actions: words.actions,
      error: redirect.error,
      ...(redirect.errorDescription ? { errorDescription: redirect.errorDescription } : {}),
    };
  }

  opts.onExchange?.();
  const clientSecret = consumerSecretFromEnv();
  const exchanged = await exchangeCode({
    loginUrl: opts.loginUrl,
    clientId: opts.clientId,
    redirectUri: opts.redirectUri,
    code: redirect.code,
    codeVerifier: opts.verifier,
    timeoutMs: opts.timeoutMs,
    ...(clientSecret ? { clientSecret } : {}),
  });
  if (!exchanged.ok) {
    const words = describeAuthorizeError(exchanged.error, exchanged.errorDescription);
    return {
      status: 'exchange-failed',
      message: messages.getMessage('approval.exchangeFailed', [words.message]),
      actions: words.actions,
      error: exchanged.error,
      ...(exchanged.errorDescription ? { errorDescription: exchanged.errorDescription } : {}),
    };
  }
  const scope = exchanged.scope ? { scope: exchanged.scope } : {};
  if (!exchanged.hasRefreshToken) {
    return {
      status: 'approved-without-refresh-token',
      message: messages.getMessage('approval.noRefreshToken', [exchanged.scope ?? '?']),
      actions: messages.getMessages('approval.noRefreshToken.actions'),
      refreshToken: false,
      ...scope,
    };
  }
  return {
    status: 'approved',
    message: exchanged.scope
      ? messages.getMessage('approval.approved', [opts.username, exchanged.scope])
      : messages.getMessage('approval.approvedNoScope', [opts.username]),
    actions: [],
    refreshToken: true,
    ...scope,
  };
}

// ---------------------------------------------------------------------------------------------
// browser mode: check the URL, listen, open or print it, and wait for what can confirm the approval
// ---------------------------------------------------------------------------------------------

export type BrowserModeOptions = {
  inputs: JwtInputs;
  redirectUri: string;
  scope: string;
  /** Print the URL instead of opening a browser; without a wait, return at once. */
  urlOnly: boolean;
  browser?: BrowserName;
  /** --wait: how long to retry the JWT login (and, with --url-only, to wait at all); 0 = no wait. */
  waitMs: number;
  /** --approval-timeout: how long the listener waits for the browser (browser mode). */
  approvalTimeoutMs: number;
  /** --timeout: per request. */
  timeoutMs: number;
  /** SF_CONTAINER_MODE: no browser is opened (the listener still waits). */
  containerMode?: boolean;
  /** Ends every wait (the listener is closed); the promise then rejects with an AbortedError. */
  signal?: AbortSignal;
};

/** SF_CONTAINER_MODE (or SFDX_CONTAINER_MODE), as `sf org login web` reads it: no browser is opened. */
export function isContainerMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.SF_CONTAINER_MODE ?? env.SFDX_CONTAINER_MODE;
  return value !== undefined && value !== '' && value !== 'false';
}

/** The redirect could not be received (a failed approval): waiting for the JWT login cannot help. */
const APPROVAL_FAILED: ReadonlySet<ApprovalStatus> = new Set<ApprovalStatus>([
  'failed',
  'no-redirect',
  'exchange-failed',
  'approved-without-refresh-token',
]);

/** A login URL or redirect URI the approval cannot use is the user's input to fix: exit code 2. */
function usage(error: unknown): SfError {
  const err: SfError = error instanceof SfError ? (error as SfError) : SfError.wrap(error as Error);
  err.exitCode = 2;
  return err;
}

/** The http form of an https loopback redirect URI (what the listener could receive). */
function httpForm(redirectUri: string): string {
  return redirectUri.replace(/^https:/i, 'http:');
}

type Plan = {
  target: RedirectTarget;
  /** Start the loopback listener. */
  listen: boolean;
  /** Retry the JWT login while waiting for the approval (not after it: that is the verification). */
  poll: boolean;
};

/**
 * What browser mode will watch. With --url-only, nothing without --wait; with it, the listener (loopback
 * redirect URI) and the JWT login (a key is known), whichever confirms first. Without --url-only, the
 * listener when the redirect URI is loopback, else the JWT login with --wait. Asking to wait for what
 * nothing can see is a usage error.
 */
function planWatch(opts: BrowserModeOptions): Plan {
  const target = redirectTarget(opts.redirectUri);
  const loopback = target.kind === 'loopback';
  const hasKey = Boolean(opts.inputs.jwtKeyFile);
  const waiting = opts.waitMs > 0;
  const listen = loopback && (!opts.urlOnly || waiting);
  const poll = waiting && hasKey && (opts.urlOnly || !loopback);
  if (waiting && (opts.urlOnly || !loopback) && !listen && !poll) {
    throw messages.createError('error.NothingToWaitFor', [opts.redirectUri, opts.inputs.username], [], 2);
  }
  return { target, listen, poll };
}

/** The outcome was not seen: `not-received` when the redirect URI can't reach this command, else `not-observed` (--url-only). */
function notObserved(
  status: 'not-observed' | 'not-received',
  key: string,
  tokens: string[],
  actions: string[],
): BrowserApproval {
  return { status, message: messages.getMessage(key, tokens), actions };
}

/**
 * Browser mode of `sf jwt approve`: checks the authorize URL (a refusal before sign-in ends it, with
 * nothing opened), starts the listener, prints or opens the URL, then waits for what can confirm the
 * approval and tries the JWT login. Usage errors (exit code 2) are thrown before anything is sent.
 */
export async function runBrowserApproval(opts: BrowserModeOptions, ui: ApproveUi): Promise<JwtApproveBrowserResult> {
  const { inputs, redirectUri } = opts;
  const { endsAt, left } = budgetOf(opts);
  const username = inputs.username;
  const clientId = (inputs.clientId ?? '').trim();
  const plan = planWatch(opts);
  const pkce = createPkce();
  const state = createState();
  let authorizeUrl: string;
  try {
    authorizeUrl = buildAuthorizeUrl({
      loginUrl: inputs.loginUrl,
      clientId,
      redirectUri,
      scope: opts.scope,
      state,
      codeChallenge: pkce.challenge,
    });
  } catch (error) {
    throw usage(error);
  }

  const result: JwtApproveBrowserResult = {
    mode: 'browser',
    ok: false,
    username,
    clientId,
    loginUrl: inputs.loginUrl,
    redirectUri,
    authorizeUrl,
    browserOpened: false,
    urlOnly: opts.urlOnly,
    authorizeCheck: { status: 'passed' },
    approval: { status: 'not-observed', message: '', actions: [] },
  };

  // Before anything is opened or printed: what Salesforce refuses before sign-in never comes back.
  const check = await checkAuthorizeUrl(authorizeUrl, {
    redirectUri,
    timeoutMs: timeoutWithin(opts.timeoutMs, endsAt),
  });
  if (check.status === 'refused') {
    const words = describeRefusal(check.refusal, {
      username,
      clientId,
      loginUrl: inputs.loginUrl,
      redirectUri,
      login: suggestedLoginOf(inputs),
    });
    result.authorizeCheck = { status: 'refused' };
    result.refusal = { ...check.refusal, ...(words.code ? { code: words.code } : {}) };
    result.approval = {
      status: 'refused',
      message: messages.getMessage('approval.refused', [words.message]),
      actions: words.actions,
      error: check.refusal.error,
      ...(check.refusal.error_description ? { errorDescription: check.refusal.error_description } : {}),
    };
    return result;
  }
  if (check.status === 'unchecked') {
    result.authorizeCheck = { status: 'unchecked', reason: check.reason };
    ui.warn(messages.getMessage('warning.checkUnreachable', [inputs.loginUrl, check.reason]));
  }

  // Listen before showing anything: a port in use is reported before a browser shows a dead end.
  const listener = plan.listen
    ? await listenForRedirect({
        redirectUri,
        state,
        timeoutMs: opts.urlOnly ? left() : opts.approvalTimeoutMs,
        signal: opts.signal,
      })
    : undefined;

  ui.url(messages.getMessage('info.url', [username, authorizeUrl]), Boolean(listener) || plan.poll);
  result.browserOpened = await openOrTell(opts, authorizeUrl, plan, listener, ui);

  const confirm = bullets(messages, 'approval.confirm.actions', [diagnoseCommand(suggestedLoginOf(inputs))]);
  const completeOpts: CompleteApprovalOptions = {
    loginUrl: inputs.loginUrl,
    clientId,
    redirectUri,
    verifier: pkce.verifier,
    timeoutMs: opts.timeoutMs,
    username,
    onExchange: () => ui.spinner.status(messages.getMessage('spinner.exchanging')),
  };
  const verifyOpts = (waitMs: number): VerifyOptions => ({
    waitMs,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    ...(endsAt !== undefined ? { endsAt } : {}),
  });

  if (listener && plan.poll) {
    Object.assign(result, await raceRedirectAndLogin({ ...opts, endsAt }, listener, completeOpts, ui));
  } else if (listener) {
    result.approval = await receive(listener, completeOpts, ui);
    if (opts.urlOnly) result.approval = noRedirectHere(result.approval, listener.port, inputs, false);
    throwIfAborted(opts.signal);
    if (inputs.jwtKeyFile) {
      // After a failed approval, waiting cannot help: try once, to say whether the login works anyway.
      const waitMs = APPROVAL_FAILED.has(result.approval.status) ? 0 : opts.waitMs;
      result.verification = await verifyWithProgress(inputs, verifyOpts(waitMs), ui.spinner);
    }
  } else {
    const why = unobservedWords(opts, plan.target);
    const status = plan.target.kind === 'loopback' ? 'not-observed' : 'not-received';
    result.approval = notObserved(status, why.key, why.tokens, plan.poll ? [] : confirm);
    if (plan.poll) result.verification = await verifyWithProgress(inputs, verifyOpts(opts.waitMs), ui.spinner);
  }

  result.ok = browserOk(result.approval, result.verification);
  return result;
}

/**
 * --url-only --wait: the wait bounds the whole command, from its start; the check, the listener and each login
 * get what is left of it (`left`, at least MIN_REQUEST_MS). Without it, `endsAt` is undefined and `left` the wait.
 */
function budgetOf(opts: BrowserModeOptions): { endsAt?: number; left: () => number } {
  const endsAt = opts.urlOnly && opts.waitMs > 0 ? Date.now() + opts.waitMs : undefined;
  return {
    endsAt,
    left: (): number => (endsAt === undefined ? opts.waitMs : Math.max(MIN_REQUEST_MS, endsAt - Date.now())),
  };
}

/** With --url-only, a redirect that never came most often went to a browser on another machine: say what to do then. */
function noRedirectHere(
  approval: BrowserApproval,
  port: number,
  inputs: JwtInputs,
  loginTried: boolean,
): BrowserApproval {
  if (approval.status !== 'no-redirect') return approval;
  const p = String(port);
  // never what this run already did: it printed the URL, and with the key it tried the login
  const key = loginTried ? 'approval.noRedirect.urlOnly.loginTried.actions' : 'approval.noRedirect.urlOnly.actions';
  return { ...approval, actions: bullets(messages, key, [p, p, p, diagnoseCommand(suggestedLoginOf(inputs))]) };
}

/** Why the outcome is not observed, in words. */
function unobservedWords(opts: BrowserModeOptions, target: RedirectTarget): { key: string; tokens: string[] } {
  if (target.kind === 'loopback-https')
    return { key: 'approval.notObserved.https', tokens: [opts.redirectUri, httpForm(opts.redirectUri)] };
  if (target.kind === 'remote') return { key: 'approval.notObserved.remote', tokens: [opts.redirectUri] };
  return { key: 'approval.notObserved.urlOnly', tokens: [] };
}

/** Why no browser opened, in words: a browser (or the system's launcher) that is not installed is named as such. */
export function browserFailure(error: unknown, name?: BrowserName): string {
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  if (code === 'ENOENT' || error instanceof AggregateError) {
    return name ? messages.getMessage('browser.notInstalled', [name]) : messages.getMessage('browser.noLauncher');
  }
  return error instanceof Error ? error.message : String(error);
}

/** Opens the URL (unless --url-only or container mode) and says what happens next. Returns whether a browser opened. */
async function openOrTell(
  opts: BrowserModeOptions,
  url: string,
  plan: Plan,
  listener: RedirectListener | undefined,
  ui: ApproveUi,
): Promise<boolean> {
  const port = String(listener?.port ?? '');
  let opened = false;
  if (opts.urlOnly) {
    if (listener) ui.info(messages.getMessage('info.urlOnly', [port, port, port]));
  } else if (opts.containerMode) {
    ui.info(messages.getMessage('info.containerMode'));
  } else {
    try {
      await browser.open(url, opts.browser ? { app: opts.browser } : undefined);
      opened = true;
    } catch (error) {
      ui.warn(messages.getMessage('warning.browserNotOpened', [browserFailure(error, opts.browser)]));
    }
  }
  if (plan.poll) {
    // The outcome shows at the end; while the command waits, say why it retries the login instead.
    if (plan.target.kind === 'loopback-https') {
      ui.info(messages.getMessage('info.httpsLoopback', [opts.redirectUri, httpForm(opts.redirectUri)]));
    } else if (plan.target.kind === 'remote') {
      ui.info(messages.getMessage('info.remoteRedirect', [opts.redirectUri]));
    }
    ui.info(messages.getMessage('info.retryLogin', [opts.inputs.username, describeDuration(opts.waitMs)]));
  }
  return opened;
}

/** Waits for the redirect, then completes the code exchange, with a spinner. */
async function receive(
  listener: RedirectListener,
  opts: CompleteApprovalOptions,
  ui: ApproveUi,
): Promise<BrowserApproval> {
  ui.spinner.start(messages.getMessage('spinner.waiting'));
  try {
    return await completeApproval(listener, opts);
  } finally {
    ui.spinner.stop();
  }
}

/**
 * --url-only --wait with a loopback redirect URI and a key: the listener and the retried JWT login run
 * side by side, and whichever confirms first decides. A login that works closes the listener (the browser
 * was on another machine); a redirect stops the retries, and the login is then verified as after any approval.
 */
async function raceRedirectAndLogin(
  opts: BrowserModeOptions & { endsAt?: number },
  listener: RedirectListener,
  completeOpts: CompleteApprovalOptions,
  ui: ApproveUi,
): Promise<Pick<JwtApproveBrowserResult, 'approval' | 'verification'>> {
  const { inputs } = opts;
  const endsAt = opts.endsAt ?? Date.now() + opts.waitMs;
  const stopLogin = new AbortController();
  const onAbort = (): void => stopLogin.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  ui.spinner.start(messages.getMessage('spinner.waitingBoth', [String(listener.port), inputs.username]));
  try {
    const login = verifyJwtLogin(inputs, {
      waitMs: opts.waitMs,
      endsAt,
      timeoutMs: opts.timeoutMs,
      signal: stopLogin.signal,
      onRetry: retryStatus(ui.spinner),
    }).then(
      (verification) => ({ kind: 'login' as const, verification }),
      (error: unknown) => ({ kind: 'login-stopped' as const, error }),
    );
    const redirect = completeApproval(listener, completeOpts).then((approval) => ({
      kind: 'redirect' as const,
      approval,
    }));

    const first = await Promise.race([login, redirect]);
    throwIfAborted(opts.signal);
    if (first.kind === 'login' && first.verification.ok) {
      listener.close();
      await redirect;
      return {
        approval: notObserved('not-observed', 'approval.notObserved.confirmedByLogin', [inputs.username], []),
        verification: first.verification,
      };
    }
    if (first.kind !== 'redirect') {
      // The login gave up (a cause time can't fix, or the wait is over): the redirect may still come.
      const { approval } = await redirect;
      throwIfAborted(opts.signal);
      const seen = noRedirectHere(approval, listener.port, inputs, true);
      return first.kind === 'login' ? { approval: seen, verification: first.verification } : { approval: seen };
    }
    stopLogin.abort();
    await login;
    ui.spinner.stop();
    throwIfAborted(opts.signal);
    const remaining = Math.max(0, endsAt - Date.now());
    const waitMs = APPROVAL_FAILED.has(first.approval.status) ? 0 : remaining;
    const verification = await verifyWithProgress(
      inputs,
      { waitMs, timeoutMs: opts.timeoutMs, signal: opts.signal, endsAt },
      ui.spinner,
    );
    return { approval: first.approval, verification };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stopLogin.abort();
    ui.spinner.stop();
  }
}
