/*
 * Where the browser's redirect lands for `sf jwt approve`, and the one-shot loopback listener that catches it:
 * it checks `state`, shows a small page that says whether the approval succeeded, and hands the code (or the
 * authorize error) to the caller. The code lives only between the listener and the code exchange; nothing
 * here stores or logs it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Messages, SfError } from '@salesforce/core';
import { onInterrupt } from '../utils/interrupt.js';
import { serverText } from '../utils/printable.js';
import { isLoopbackHost } from '../utils/url.js';
import { describeAuthorizeError } from './authorizeErrors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.authorize');

export type RedirectResult = { code: string } | { error: string; errorDescription?: string };

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
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
        error: serverText(error, 100) ?? error,
        errorDescription: serverText(q.get('error_description') ?? undefined),
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
