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
