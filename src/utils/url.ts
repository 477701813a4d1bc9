/*
 * URLs as the plugin handles them: which hosts are loopback, where credentials may travel, and a URL's
 * user info hidden before anything can repeat it.
 */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * True for a loopback host: localhost, 127.0.0.0/8, ::1 (also bracketed, as URL.hostname gives it) and
 * IPv4-mapped 127.x addresses.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)]$/, '$1')
    .replace(/\.$/, '');
  if (host === 'localhost') return true;
  if (isIPv4(host)) return host.startsWith('127.');
  if (isIPv6(host)) {
    if (host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
    const mapped = /^(?:(?:0{1,4}:){5}|::)ffff:(.+)$/.exec(host)?.[1];
    if (mapped === undefined) return false;
    if (isIPv4(mapped)) return mapped.startsWith('127.');
    // URL normalizes ::ffff:127.0.0.1 to ::ffff:7f00:1
    return /^7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(mapped);
  }
  return false;
}

/** Credentials (an assertion, a code, a password) may travel over https, or plain http to a loopback host only. */
export function mayCarryCredentials(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * The user-info part of a URL (user:password@, or a token@) replaced by ****, so that no message, JSON field or
 * suggested command ever repeats it. Also for text typed without a scheme (user:password@host).
 */
export function redactUserInfo(raw: string): string {
  return raw
    .replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, '$1****@')
    .replace(/^(\s*)([^/?#:@\s]+:[^/?#\s]*)@/, '$1****@');
}

/** The origin of a URL (scheme, host and port), or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Query parameters that carry a credential (a session id, an access or refresh token, an authorization code, a
 * password), by name in any case. An authorize URL's own parameters (client_id, redirect_uri, state,
 * code_challenge) are not among them.
 */
const SECRET_PARAMETERS = [
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'sid',
  'session',
  'session_id',
  'sessionid',
  'code',
  'assertion',
  'client_secret',
  'secret',
  'password',
  'passwd',
  'pwd',
  'oauth_token',
  'api_key',
  'apikey',
  'sig',
  'signature',
];

const USER_INFO_ANYWHERE = /\b([a-z][a-z0-9+.-]*:\/\/)(?!\*\*\*\*@)[^\s/?#@'"<>]+@/gi;
const SECRET_PARAMETER = new RegExp(
  `([?&#;])(${SECRET_PARAMETERS.join('|')})=(?!\\*\\*\\*\\*(?:[&#;\\s'"<>]|$))[^&#;\\s'"<>]*`,
  'gi',
);

/**
 * A URL as it may be shown (a login or instance URL from a flag or a stored login): its user info, query and
 * fragment replaced by ****, so the parts still show as being there (the login URL check refuses them) and no
 * session id, token or password in them is ever repeated. Text that is not a URL is returned with only its user
 * info hidden.
 */
export function redactUrl(raw: string): string {
  const withoutUser = redactUserInfo(raw);
  const query = withoutUser.indexOf('?');
  const fragment = withoutUser.indexOf('#');
  const cut = [query, fragment].filter((i) => i >= 0);
  if (cut.length === 0) return withoutUser;
  const base = withoutUser.slice(0, Math.min(...cut));
  const queryPart =
    query >= 0 && (fragment < 0 || query < fragment)
      ? withoutUser.slice(query + 1, fragment > query ? fragment : undefined)
      : undefined;
  const fragmentPart = fragment >= 0 ? withoutUser.slice(fragment + 1) : undefined;
  const shown = (mark: string, part: string | undefined): string =>
    part === undefined ? '' : part.trim() === '' ? mark : `${mark}****`;
  return `${base}${shown('?', queryPart)}${shown('#', fragmentPart)}`;
}

/**
 * Any text about to be shown (a line, a message, a JSON string) with the credentials of the URLs in it hidden:
 * user info (user:password@ or token@) and the values of query parameters that carry a credential
 * (access_token, sid, code, refresh_token, …) become ****. Everything else is left as it is.
 */
export function redactSecrets(text: string): string {
  return text.replace(USER_INFO_ANYWHERE, '$1****@').replace(SECRET_PARAMETER, '$1$2=****');
}
