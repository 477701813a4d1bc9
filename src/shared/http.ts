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

async function postForm(url: string, form: Record<string, string>, timeoutMs: number): Promise<HttpResult> {
  // Not AbortSignal.timeout(): its timer holds the request and its answer until the timeout has passed, so
  // hundreds of requests of one --all run would stay in memory for --timeout. This timer ends with the request.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('no answer before the timeout', 'TimeoutError')),
    timeoutMs,
  );
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { kind: 'answer', status: response.status, headers, text };
  } catch (error) {
    return networkFailure(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Replaceable in tests: `sinon.stub(http, 'postForm')`. */
export const http = { postForm };

/** Appends a path segment the way jsforce does (keeps a path prefix such as an Experience Cloud site). */
export function appendPath(base: string, segment: string): string {
  const url = new URL(base);
  const basePath = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  url.pathname = `${basePath}/${segment}`;
  return url.href;
}
