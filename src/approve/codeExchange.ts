/*
 * The code exchange that makes a browser approval carry a refresh token: `grant_type=authorization_code` with
 * the PKCE verifier (and a consumer secret only from the environment). The tokens in the answer are dropped as
 * soon as it has been read: only whether a refresh token came back, and the granted scope, are kept.
 */
import { Messages } from '@salesforce/core';
import { http } from '../utils/http.js';
import { describeNetworkFailure } from '../utils/networkError.js';
import { serverText } from '../utils/printable.js';
import { oauthBase } from '../org/authorizeUrl.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.authorize');

/** The only place a consumer secret is read from (never a flag: flags end up in shell history and CI logs). */
export const CONSUMER_SECRET_ENV = 'SF_JWT_CONSUMER_SECRET';

export type ExchangeResult =
  | { ok: true; scope?: string; hasRefreshToken: boolean }
  | { ok: false; status?: number; error: string; errorDescription?: string };

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
  const form: Array<[string, string]> = [
    ['grant_type', 'authorization_code'],
    ['code', opts.code],
    ['client_id', opts.clientId],
    ['redirect_uri', opts.redirectUri],
    ['code_verifier', opts.codeVerifier],
  ];
  if (opts.clientSecret) form.push(['client_secret', opts.clientSecret]);
  const secrets = [opts.code, opts.codeVerifier, opts.clientSecret];
  const fail = (status: number | undefined, error: string, description?: string): ExchangeResult => ({
    ok: false,
    ...(status === undefined ? {} : { status }),
    error: redact(serverText(error, 100), secrets) ?? error,
    ...(description === undefined ? {} : { errorDescription: redact(serverText(description), secrets) }),
  });

  // the plugin's one HTTP client (utils/http.ts): no retries, never follows a redirect (the code and secret are
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
