/*
 * The plugin's own HTTP client for OAuth endpoints: one request, an explicit timeout, no retries, and
 * network failures turned into data instead of exceptions. Reached through the `http` object so tests
 * can replace it.
 */

export type HttpAnswer = {
  kind: 'answer';
  status: number;
  headers: Record<string, string>;
  text: string;
};

export type HttpFailure = {
  kind: 'network-error';
  /** A short code: ETIMEDOUT, ECONNREFUSED, ENOTFOUND, ECONNRESET, CERT, … */
  code: string;
  /** Plain words, without any request content. */
  detail: string;
};

export type HttpResult = HttpAnswer | HttpFailure;

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i;

/** Reads the most specific error code from a fetch failure (undici nests the socket error in `cause`). */
export function networkFailure(error: unknown): HttpFailure {
  const err = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return { kind: 'network-error', code: 'ETIMEDOUT', detail: 'no answer before the timeout' };
  }
  let cause: unknown = err;
  let code: string | undefined;
  let message: string | undefined;
  for (let depth = 0; cause && depth < 5; depth++) {
    const c = cause as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string') code = c.code;
    if (typeof c.message === 'string' && c.message && c.message !== 'fetch failed') message = c.message;
    cause = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined);
  }
  const normalized = code && TLS_CODES.test(code) ? 'TLS' : (code ?? 'NETWORK');
  return { kind: 'network-error', code: normalized, detail: message ?? code ?? 'the connection failed' };
}

/**
 * An abort signal that fires after `timeoutMs`, and the function that ends its timer. Not AbortSignal.timeout():
 * its timer holds the request and its answer until the timeout has passed, so the hundreds of requests of one
 * --all run would all stay in memory for --timeout. This timer ends with the request.
 */
function requestTimeout(timeoutMs: number, stop?: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timedOut = (): void => controller.abort(new DOMException('no answer before the timeout', 'TimeoutError'));
  const timer = setTimeout(timedOut, timeoutMs);
  // the operation's own deadline (a budget, Ctrl-C) ends the request as its timeout would
  if (stop?.aborted) timedOut();
  stop?.addEventListener('abort', timedOut, { once: true });
  return {
    signal: controller.signal,
    done: (): void => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', timedOut);
    },
  };
}

/** One request with its own timeout: the answer (its body read by `body`) or the network failure, as data. */
async function request(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  body: (response: Response) => Promise<string>,
  stop?: AbortSignal,
): Promise<HttpResult> {
  const timeout = requestTimeout(timeoutMs, stop);
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: timeout.signal });
    const text = await body(response);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { kind: 'answer', status: response.status, headers, text };
  } catch (error) {
    return networkFailure(error);
  } finally {
    timeout.done();
  }
}

/** One POST of a form; `stop` ends it early, as its timeout would (a deadline of the whole operation). */
function postForm(
  url: string,
  form: Record<string, string>,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<HttpResult> {
  return request(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    },
    timeoutMs,
    (response) => response.text(),
    stop,
  );
}

type ChunkReader = { read: () => Promise<{ done: boolean; value?: Uint8Array }>; cancel: () => Promise<void> };

/** Chunks of a body, one after another, until the end or until at least `maxBytes` were read. */
async function readUpTo(
  reader: ChunkReader,
  maxBytes: number,
  chunks: Uint8Array[] = [],
  size = 0,
): Promise<Uint8Array[]> {
  if (size >= maxBytes) return chunks;
  const chunk = await reader.read();
  if (chunk.done || !chunk.value) return chunks;
  return readUpTo(reader, maxBytes, [...chunks, chunk.value], size + chunk.value.byteLength);
}

/** Reads at most `maxBytes` of a response body, then lets the rest go. */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader() as ChunkReader;
  const chunks = await readUpTo(reader, maxBytes);
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).toString('utf8').slice(0, maxBytes);
}

/**
 * One GET without cookies or credentials, redirects not followed (a 3xx is the answer, its Location in
 * `headers.location`), at most `maxBytes` of the body read.
 */
function get(url: string, timeoutMs: number, maxBytes = 64 * 1024): Promise<HttpResult> {
  return request(
    url,
    { method: 'GET', headers: { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' } },
    timeoutMs,
    (response) => boundedText(response, maxBytes),
  );
}

/** Replaceable in tests: `sinon.stub(http, 'postForm')`. */
export const http = { postForm, get };

/** Appends a path segment the way jsforce does (keeps a path prefix such as an Experience Cloud site). */
export function appendPath(base: string, segment: string): string {
  const url = new URL(base);
  const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  url.pathname = `${basePath}/${segment}`;
  return url.href;
}
