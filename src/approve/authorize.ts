/*
 * The browser approval flow of `sf jwt approve`: the authorize URL, PKCE, the one-shot loopback listener
 * that catches the redirect, and the code exchange that makes the approval carry a refresh token.
 *
 * Nothing here returns, stores or logs an authorization code, code verifier, token or consumer secret:
 * the code lives only between the listener and `exchangeCode`, and the tokens are dropped as soon as the
 * token endpoint's answer has been read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Messages, SfError } from '@salesforce/core';
import { checkLoginUrl, isLoopbackHost, mayCarryCredentials } from '../diagnose/checks/loginUrl.js';
import { http } from '../utils/http.js';
import { describeNetworkFailure } from '../utils/networkError.js';
import { onInterrupt } from '../utils/interrupt.js';
import { serverLine } from '../utils/printable.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.authorize');

/** The CLI's own default (`sf org login web`); the app must list it as a callback URL. */
export const DEFAULT_REDIRECT_URI = 'http://localhost:1717/OauthRedirect';
/** The CLI's default scope; `refresh_token` is what makes an approval usable by the JWT flow. */
export const DEFAULT_SCOPE = 'refresh_token api web';
/** The only place a consumer secret is read from (never a flag: flags end up in shell history and CI logs). */
export const CONSUMER_SECRET_ENV = 'SF_JWT_CONSUMER_SECRET';

export type RedirectResult = { code: string } | { error: string; errorDescription?: string };

export type ExchangeResult =
  | { ok: true; scope?: string; hasRefreshToken: boolean }
  | { ok: false; status?: number; error: string; errorDescription?: string };

/* ------------------------------------------------------------------------------------------------ */
/* Scope, PKCE, state                                                                               */
/* ------------------------------------------------------------------------------------------------ */

/** Splits an OAuth scope string (space separated; `+` tolerated when pasted from a URL). */
export function scopeList(scope: string): string[] {
  return scope.split(/[\s+]+/).filter((s) => s.length > 0);
}

/** True when an approval made with this scope can serve the JWT flow (it includes a refresh token). */
export function scopeAllowsJwt(scope: string): boolean {
  return scopeList(scope).some((s) => s === 'refresh_token' || s === 'offline_access');
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** PKCE (RFC 7636) with S256: a 43-character verifier from 32 random bytes and its SHA-256 challenge. */
export function createPkce(): { verifier: string; challenge: string; method: 'S256' } {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier, 'ascii').digest());
  return { verifier, challenge, method: 'S256' };
}

/** An unguessable `state` value for one authorize round trip. */
export function createState(): string {
  return base64url(randomBytes(24));
}

/* ------------------------------------------------------------------------------------------------ */
/* URLs                                                                                             */
/* ------------------------------------------------------------------------------------------------ */

/** localhost, 127.0.0.0/8 or ::1: the login URL check's rule, re-exported for the authorize flow's callers. */
export { isLoopbackHost };

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * The login URL as the base of Salesforce's OAuth endpoints: origin plus any path prefix (an Experience
 * Cloud site has one), without a trailing slash, query or fragment. Throws for anything that is not
 * https, or plain http to a loopback host: the user's password and the code must never travel in clear.
 */
export function oauthBase(loginUrl: string): string {
  const url = parseUrl(loginUrl.trim());
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw messages.createError('error.InvalidLoginUrl', [loginUrl]);
  }
  if (!mayCarryCredentials(url)) {
    throw messages.createError('error.InsecureLoginUrl', [loginUrl]);
  }
  // the structural rules of the login URL check: no user name or password, query, fragment or page path
  const check = checkLoginUrl(loginUrl).check;
  if (check.status === 'fail') {
    throw messages.createError('error.LoginUrlNotUsable', [check.message], [(check.actions ?? []).join(' ')]);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/** RFC 3986 encoding for a query value: spaces become %20 (never +), and !'()* are escaped too. */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `<login URL>/services/oauth2/authorize?response_type=code&client_id=…&redirect_uri=…&scope=…&prompt=login%20consent&state=…`
 * plus `code_challenge` / `code_challenge_method=S256` when a challenge is given. The redirect URI is sent
 * exactly as given (no normalization: Salesforce compares it character by character with the callback URL).
 */
export function buildAuthorizeUrl(opts: {
  loginUrl: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge?: string;
}): string {
  const params: Array<[string, string]> = [
    ['response_type', 'code'],
    ['client_id', opts.clientId],
    ['redirect_uri', opts.redirectUri],
    ['scope', scopeList(opts.scope).join(' ')],
    ['prompt', 'login consent'],
    ['state', opts.state],
  ];
  if (opts.codeChallenge) {
    params.push(['code_challenge', opts.codeChallenge], ['code_challenge_method', 'S256']);
  }
  const query = params.map(([k, v]) => `${k}=${encodeQueryValue(v)}`).join('&');
  return `${oauthBase(opts.loginUrl)}/services/oauth2/authorize?${query}`;
}

/**
 * True when the plugin itself can receive the redirect: plain http to a loopback host. (An https or
 * remote redirect URI lands elsewhere; the approval then happens without the code exchange.)
 */
export function isLoopbackRedirect(redirectUri: string): boolean {
  const url = parseUrl(redirectUri);
  return url !== undefined && url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/**
 * Where a redirect to this URI lands, for this command:
 * - `loopback`: plain http on this machine, with the port the listener binds;
 * - `loopback-https`: on this machine, but https: the listener speaks plain http, so a browser can't hand it the redirect;
 * - `remote`: another host; this command can't see the redirect.
 */
export type RedirectTarget = { kind: 'loopback'; port: number } | { kind: 'loopback-https' } | { kind: 'remote' };

/** The port as written in the URI's authority (`new URL` drops a default port such as :80). */
function explicitPort(uri: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::(\d*))?/i.exec(uri.trim())?.[1];
}

/**
 * How this command can receive a redirect to `redirectUri` (see RedirectTarget). A loopback http URI must
 * name its port: without one the browser goes to port 80, and port 0 would make the system pick a port the
 * URL sent to Salesforce doesn't name; both are usage errors (exit code 2). The URI must parse.
 */
export function redirectTarget(redirectUri: string): RedirectTarget {
  const url = parseUrl(redirectUri);
  if (!url || !isLoopbackHost(url.hostname)) return { kind: 'remote' };
  if (url.protocol === 'https:') return { kind: 'loopback-https' };
  if (url.protocol !== 'http:') return { kind: 'remote' };
  const port = explicitPort(redirectUri);
  if (port === undefined || port === '') throw messages.createError('error.RedirectPortMissing', [redirectUri], [], 2);
  if (Number(port) === 0) throw messages.createError('error.RedirectPortZero', [redirectUri], [], 2);
  return { kind: 'loopback', port: Number(port) };
}

/* ------------------------------------------------------------------------------------------------ */
/* The one-shot loopback listener                                                                   */
/* ------------------------------------------------------------------------------------------------ */

export type RedirectListener = {
  /** The address the listener is bound to (always a loopback address). */
  address: string;
  /** The port it listens on (the redirect URI's port, or the one the system chose for port 0). */
  port: number;
  /** Settles once: the redirect's outcome, or an error (timeout, aborted). */
  result: Promise<RedirectResult>;
  /** Stops listening without a result (the result then rejects as aborted, if still pending). */
  close: () => void;
};

type ListenOptions = { redirectUri: string; state: string; timeoutMs: number; signal?: AbortSignal };

/** The loopback address to bind for a redirect URI's host: localhost → 127.0.0.1; never 0.0.0.0. */
export function loopbackBindAddress(hostname: string): string {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return '127.0.0.1';
  if (host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)) return host;
  throw messages.createError('error.RedirectNotLoopback', [hostname]);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Server-supplied text made safe for a terminal: no control characters, bounded length. */
function printable(text: string | undefined, max = 500): string | undefined {
  return text === undefined ? undefined : serverLine(text, max);
}

function page(res: ServerResponse, status: number, title: string, body: string): Promise<void> {
  const html =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`;
  return new Promise((resolve) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      connection: 'close',
    });
    res.end(html, () => resolve());
  });
}

function describeForPage(result: RedirectResult): { status: number; title: string; body: string } {
  if ('code' in result) {
    return {
      status: 200,
      title: messages.getMessage('page.approved.title'),
      body: messages.getMessage('page.approved.body'),
    };
  }
  const { message } = describeAuthorizeError(result.error, result.errorDescription);
  return {
    status: 400,
    title: messages.getMessage('page.failed.title'),
    body: `${message} ${messages.getMessage('page.failed.body')}`,
  };
}

function listenError(err: NodeJS.ErrnoException, port: number, redirectUri: string): SfError {
  if (err.code === 'EADDRINUSE') {
    return messages.createError(
      'error.RedirectPortInUse',
      [String(port), redirectUri],
      [String(port), String(port), String(port)],
      undefined,
      err,
    );
  }
  if (err.code === 'EACCES') {
    return messages.createError('error.RedirectPortDenied', [String(port), redirectUri], [], undefined, err);
  }
  return messages.createError('error.RedirectListenFailed', [redirectUri, err.message], [], undefined, err);
}

/**
 * Starts the one-shot listener and resolves once it is listening, so a browser is opened only when the
 * redirect can be received (a port in use is reported before anything opens). See `waitForRedirect`.
 */
export async function listenForRedirect(opts: ListenOptions): Promise<RedirectListener> {
  const url = parseUrl(opts.redirectUri);
  // an http loopback URI with a usable port (redirectTarget names a missing or zero port)
  const target = redirectTarget(opts.redirectUri);
  if (!url || target.kind !== 'loopback') {
    throw messages.createError('error.RedirectNotLoopback', [opts.redirectUri]);
  }
  const address = loopbackBindAddress(url.hostname);
  const requestedPort = target.port;
  const expectedPath = url.pathname;

  if (opts.signal?.aborted) throw messages.createError('error.RedirectAborted');

  let settle: { resolve: (r: RedirectResult) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<RedirectResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may attach its handlers later (after opening the browser); never an unhandled rejection.
  result.catch(() => {});

  let done = false;
  let answered = false;
  const timers: { timeout?: NodeJS.Timeout; unregisterInterrupt?: () => void } = {};
  const server: Server = createServer();
  const servers: Server[] = [server];

  const shutdown = (): void => {
    if (timers.timeout) clearTimeout(timers.timeout);
    opts.signal?.removeEventListener('abort', onAbort);
    timers.unregisterInterrupt?.();
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
  };
  const finish = (outcome: RedirectResult | Error): void => {
    if (done) return;
    done = true;
    shutdown();
    if (outcome instanceof Error) settle?.reject(outcome);
    else settle?.resolve(outcome);
  };
  function onAbort(): void {
    finish(messages.createError('error.RedirectAborted'));
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const reqUrl = new URL(req.url ?? '/', `http://${url.host}`);
    if (answered || done || reqUrl.pathname !== expectedPath) {
      // favicon.ico, probes, anything but the redirect path; and any request after the one that counted
      await page(res, 404, messages.getMessage('page.notFound.title'), messages.getMessage('page.notFound.body'));
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      await page(res, 405, messages.getMessage('page.notFound.title'), messages.getMessage('page.notFound.body'));
      return;
    }
    const q = reqUrl.searchParams;
    const code = q.get('code');
    const error = q.get('error');
    if ((code !== null || error !== null) && q.get('state') !== opts.state) {
      // Not the answer to this command's request (an older tab, another run, a stray page): Salesforce sends
      // back the state it was given, on codes and errors alike. Answered, ignored, and the wait goes on.
      await page(res, 400, messages.getMessage('page.ignored.title'), messages.getMessage('page.ignored.body'));
      return;
    }
    let outcome: RedirectResult;
    if (error !== null) {
      outcome = {
        error: printable(error, 100) ?? error,
        errorDescription: printable(q.get('error_description') ?? undefined),
      };
    } else if (code !== null && code.length > 0) {
      outcome = { code };
    } else {
      // The right path without code or error (a reload, a prefetch): not the redirect, keep waiting.
      await page(res, 400, messages.getMessage('page.noCode.title'), messages.getMessage('page.noCode.body'));
      return;
    }
    answered = true; // later requests get a 404 while this page is written
    const view = describeForPage(outcome);
    await page(res, view.status, view.title, view.body);
    finish(outcome);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end();
      finish(SfError.wrap(err));
    });
  };
  server.on('request', onRequest);

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.close();
      reject(listenError(err, requestedPort, opts.redirectUri));
    };
    server.once('error', onError);
    server.listen({ host: address, port: requestedPort, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => finish(SfError.wrap(err)));

  const bound = server.address() as AddressInfo;
  if (url.hostname.toLowerCase() === 'localhost') {
    // A browser may resolve localhost to ::1 first: listen there too, on the same port, when the machine has IPv6.
    const v6 = createServer(onRequest);
    const listening = await new Promise<boolean>((resolve) => {
      v6.once('error', () => resolve(false));
      v6.listen({ host: '::1', port: bound.port, exclusive: true, ipv6Only: true }, () => resolve(true));
    });
    if (listening) servers.push(v6);
  }
  const seconds = Math.ceil(opts.timeoutMs / 1000);
  timers.timeout = setTimeout(
    () => finish(messages.createError('error.RedirectTimeout', [String(seconds), opts.redirectUri])),
    opts.timeoutMs,
  );
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Ctrl-C closes the listener (and its port) before the process ends
  timers.unregisterInterrupt = onInterrupt(onAbort);

  return {
    address: bound.address,
    port: bound.port,
    result,
    close: () => finish(messages.createError('error.RedirectAborted')),
  };
}

/**
 * Listens once on the redirect URI's loopback address, port and path, and resolves with the code or the
 * authorize error. Other paths get a 404; a request whose `state` is not ours (or has none) is answered and
 * ignored.
 * Rejects with a clear error when the port is in use, on timeout, or when `signal` aborts.
 */
export async function waitForRedirect(opts: ListenOptions): Promise<RedirectResult> {
  const listener = await listenForRedirect(opts);
  return listener.result;
}

/* ------------------------------------------------------------------------------------------------ */
/* Code exchange                                                                                    */
/* ------------------------------------------------------------------------------------------------ */

/** The consumer secret from SF_JWT_CONSUMER_SECRET, when set and not blank. */
export function consumerSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[CONSUMER_SECRET_ENV]?.trim();
  return value ? value : undefined;
}

function redact(text: string | undefined, secrets: Array<string | undefined>): string | undefined {
  if (text === undefined) return undefined;
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/**
 * POSTs `grant_type=authorization_code` to `<login URL>/services/oauth2/token` so the approval is recorded
 * with the refresh token its scope asks for. The tokens in the answer are discarded at once; only whether a
 * refresh token came back, and the granted scope, are returned. Network failures and non-OAuth answers are
 * returned as `ok: false` (`network_error`, `timeout`, `unexpected_response`); an insecure login URL throws.
 */
export async function exchangeCode(opts: {
  loginUrl: string;
  clientId: string;
  redirectUri: string;
  code: string;
  codeVerifier: string;
  clientSecret?: string;
  timeoutMs: number;
}): Promise<ExchangeResult> {
  const endpoint = `${oauthBase(opts.loginUrl)}/services/oauth2/token`;
  const form = new URLSearchParams({
    // eslint-disable-next-line camelcase
    grant_type: 'authorization_code',
    code: opts.code,
    // eslint-disable-next-line camelcase
    client_id: opts.clientId,
    // eslint-disable-next-line camelcase
    redirect_uri: opts.redirectUri,
    // eslint-disable-next-line camelcase
    code_verifier: opts.codeVerifier,
  });
  if (opts.clientSecret) form.set('client_secret', opts.clientSecret);
  const secrets = [opts.code, opts.codeVerifier, opts.clientSecret];
  const fail = (status: number | undefined, error: string, description?: string): ExchangeResult => ({
    ok: false,
    ...(status === undefined ? {} : { status }),
    error: redact(printable(error, 100), secrets) ?? error,
    ...(description === undefined ? {} : { errorDescription: redact(printable(description), secrets) }),
  });

  // the plugin's one HTTP client (http.ts): no retries, never follows a redirect (the code and secret are
  // not re-sent to wherever it points), network failures as data
  const answer = await http.postForm(endpoint, Object.fromEntries(form), opts.timeoutMs);
  if (answer.kind === 'network-error') {
    if (answer.code === 'ETIMEDOUT') {
      return fail(
        undefined,
        'timeout',
        messages.getMessage('exchange.timeout', [String(Math.ceil(opts.timeoutMs / 1000))]),
      );
    }
    return fail(undefined, 'network_error', messages.getMessage('exchange.network', [describeNetworkFailure(answer)]));
  }
  const { status, text } = answer;

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const json =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const contentType = answer.headers['content-type'] ?? 'no content type';

  if (status === 200 && json && typeof json.access_token === 'string') {
    const hasRefreshToken = typeof json.refresh_token === 'string' && json.refresh_token.length > 0;
    const scope = typeof json.scope === 'string' ? json.scope : undefined;
    // the tokens go out of scope here: nothing keeps them
    return { ok: true, hasRefreshToken, ...(scope === undefined ? {} : { scope }) };
  }
  if (json && typeof json.error === 'string') {
    const description = typeof json.error_description === 'string' ? json.error_description : undefined;
    return fail(status, json.error, description);
  }
  return fail(
    status,
    'unexpected_response',
    messages.getMessage('exchange.unexpected', [String(status), contentType.split(';')[0].trim()]),
  );
}

/* ------------------------------------------------------------------------------------------------ */
/* Authorize and exchange errors in words                                                           */
/* ------------------------------------------------------------------------------------------------ */

/** error (or error + description) → message key in jwt.authorize.md */
const KNOWN_ERRORS: Record<string, string> = {
  // eslint-disable-next-line camelcase
  access_denied: 'accessDenied',
  // eslint-disable-next-line camelcase
  redirect_uri_mismatch: 'redirectUriMismatch',
  // eslint-disable-next-line camelcase
  redirect_uri_missing: 'redirectUriMismatch',
  // eslint-disable-next-line camelcase
  invalid_client_id: 'invalidClientId',
  // eslint-disable-next-line camelcase
  OAUTH_EC_APP_NOT_FOUND: 'appNotFound',
  // eslint-disable-next-line camelcase
  app_not_found: 'appNotFound',
  // eslint-disable-next-line camelcase
  invalid_scope: 'invalidScope',
  // eslint-disable-next-line camelcase
  inactive_user: 'inactiveUser',
  // eslint-disable-next-line camelcase
  inactive_org: 'inactiveOrg',
  // eslint-disable-next-line camelcase
  rate_limit_exceeded: 'rateLimited',
  // eslint-disable-next-line camelcase
  unsupported_response_type: 'unsupportedResponseType',
  // eslint-disable-next-line camelcase
  invalid_client: 'invalidClient',
  // eslint-disable-next-line camelcase
  invalid_request: 'invalidRequest',
  // eslint-disable-next-line camelcase
  invalid_grant: 'invalidGrant',
  // eslint-disable-next-line camelcase
  unexpected_response: 'unexpectedResponse',
  // eslint-disable-next-line camelcase
  network_error: 'networkError',
  timeout: 'timeout',
};

/**
 * Plain words and next steps for an error from the authorize redirect or the code exchange. Unknown errors
 * are shown verbatim. The description is server text: it is cleaned of control characters before use.
 */
export function describeAuthorizeError(error: string, description?: string): { message: string; actions: string[] } {
  const desc = printable(description);
  let key = Object.prototype.hasOwnProperty.call(KNOWN_ERRORS, error) ? KNOWN_ERRORS[error] : undefined;
  if (error === 'invalid_grant' && desc && /ip restricted|login hours/i.test(desc)) key = 'ipRestricted';
  // A connected app that is not installed in the org (Salesforce restricts uninstalled apps since 2025)
  if (error === 'invalid_client' && desc && /must be installed/i.test(desc)) key = 'appMustBeInstalled';
  if (!key) {
    return {
      message: messages.getMessage('authorizeError.unknown', [printable(error, 100) ?? error, desc ?? '']).trim(),
      actions: messages.getMessages('authorizeError.unknown.actions'),
    };
  }
  const base = messages.getMessage(`authorizeError.${key}`);
  const said =
    desc && key !== 'unexpectedResponse' && key !== 'networkError' && key !== 'timeout'
      ? ` ${messages.getMessage('authorizeError.serverSaid', [error, desc])}`
      : desc
        ? ` ${desc}`
        : '';
  return { message: `${base}${said}`, actions: messages.getMessages(`authorizeError.${key}.actions`) };
}
