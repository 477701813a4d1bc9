/*
 * The authorize URL that approves a JWT user for an app (`/services/oauth2/authorize` of the login URL or My
 * Domain, with `refresh_token` in the scope: the JWT flow only uses approvals that carry a refresh token), and
 * its one-time parts: PKCE and state. Used by `sf jwt approve` and by the diagnosis, which offers the URL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Messages } from '@salesforce/core';
import { mayCarryCredentials } from '../utils/url.js';
import { inspectLoginUrl } from './loginUrl.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.authorize');

/** The CLI's own default (`sf org login web`); the app must list it as a callback URL. */
export const DEFAULT_REDIRECT_URI = 'http://localhost:1717/OauthRedirect';
/** The CLI's default scope; `refresh_token` is what makes an approval usable by the JWT flow. */
export const DEFAULT_SCOPE = 'refresh_token api web';
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
  // the login URL rules: no user name or password, query, fragment or page path
  const verdict = inspectLoginUrl(loginUrl);
  if (!verdict.ok) {
    throw messages.createError('error.LoginUrlNotUsable', [verdict.message], [verdict.actions.join(' ')]);
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
