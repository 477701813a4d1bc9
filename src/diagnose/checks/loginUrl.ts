import { isIPv4, isIPv6 } from 'node:net';
import type { Check } from '../types.js';
import { bullets } from '../../utils/bullets.js';
import { shellQuote } from '../../utils/shell.js';
import { checkMessages as messages } from './messages.js';

export type LoginUrlResult = { check: Check; url?: URL };

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

/**
 * Hosts of Experience Cloud sites, where a path names the site (https://acme.my.site.com/partners) and is part
 * of the login URL; everywhere else the token endpoint is at the root.
 */
const SITE_HOST = /\.(my\.site\.com|force\.com|my\.salesforce-sites\.com|site\.com)$/i;

/** acme.lightning.force.com → acme.my.salesforce.com; acme--uat.sandbox.lightning.force.com → acme--uat.sandbox.my.salesforce.com */
const LIGHTNING_SUFFIX = /\.lightning\.force\.com$/i;

const myDomainFor = (hostname: string): string =>
  `https://${hostname.toLowerCase().replace(LIGHTNING_SUFFIX, '.my.salesforce.com')}`;

/**
 * The path of an Experience Cloud site URL (without a trailing slash), '' for any other host. A loopback host (a
 * local test server, which may stand in for a site) keeps its path too.
 */
function sitePath(url: URL): string {
  return SITE_HOST.test(url.hostname) || isLoopbackHost(url.hostname) ? url.pathname.replace(/\/+$/, '') : '';
}

const fail = (message: string, actions: string[]): LoginUrlResult => ({
  check: { id: 'login-url', status: 'fail', code: 'LOGIN_URL_INVALID', message, actions },
});

/** What a login URL must not have: a user name or password, a query or fragment, a page path. */
function structureProblem(url: URL, trimmed: string): LoginUrlResult | undefined {
  if (url.username || url.password) {
    return fail(
      messages.getMessage('loginUrl.credentials', [redactUserInfo(trimmed)]),
      bullets(messages, 'loginUrl.credentials.actions', [shellQuote(`${url.protocol}//${url.host}`)]),
    );
  }
  if (url.search || url.hash || trimmed.endsWith('?') || trimmed.endsWith('#')) {
    return fail(
      messages.getMessage('loginUrl.query', [trimmed]),
      bullets(messages, 'loginUrl.query.actions', [shellQuote(`${url.origin}${sitePath(url)}`)]),
    );
  }
  if (sitePath(url) === '' && url.pathname !== '/' && url.pathname !== '') {
    return fail(
      messages.getMessage('loginUrl.path', [trimmed, url.pathname]),
      bullets(messages, 'loginUrl.path.actions', [shellQuote(url.origin)]),
    );
  }
  return undefined;
}

/**
 * Checks the login URL the assertion goes to: a URL with a scheme, https (plain http only to a
 * loopback host, such as a local test server), not a Lightning Experience domain, no user name or
 * password in it, no query or fragment, and no path except an Experience Cloud site's.
 *
 * @param raw the login URL as the user gave it (or as stored)
 * @returns the check, and the parsed URL when it passed
 */
export function checkLoginUrl(raw: string): LoginUrlResult {
  const trimmed = raw.trim();
  if (trimmed.length === 0) {
    return fail(messages.getMessage('loginUrl.empty'), messages.getMessages('loginUrl.empty.actions'));
  }

  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let host: string | undefined;
    try {
      host = new URL(`https://${trimmed}`).hostname;
    } catch {
      host = undefined;
    }
    if (host?.includes('.') && !/\s/.test(trimmed)) {
      return fail(
        messages.getMessage('loginUrl.noScheme', [trimmed]),
        bullets(messages, 'loginUrl.noScheme.actions', [shellQuote(myDomainFor(host))]),
      );
    }
    return fail(messages.getMessage('loginUrl.notUrl', [trimmed]), messages.getMessages('loginUrl.notUrl.actions'));
  }

  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return fail(messages.getMessage('loginUrl.notUrl', [trimmed]), messages.getMessages('loginUrl.notUrl.actions'));
  }
  if (url.hostname.length === 0) {
    return fail(messages.getMessage('loginUrl.notUrl', [trimmed]), messages.getMessages('loginUrl.notUrl.actions'));
  }
  if (LIGHTNING_SUFFIX.test(url.hostname)) {
    return fail(
      messages.getMessage('loginUrl.lightning', [trimmed]),
      bullets(messages, 'loginUrl.lightning.actions', [shellQuote(myDomainFor(url.hostname))]),
    );
  }
  const structure = structureProblem(url, trimmed);
  if (structure) return structure;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail(
      messages.getMessage('loginUrl.badScheme', [trimmed, url.protocol.replace(/:$/, '')]),
      bullets(messages, 'loginUrl.badScheme.actions', [shellQuote(`https://${url.host}`)]),
    );
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      return fail(
        messages.getMessage('loginUrl.insecure', [trimmed]),
        bullets(messages, 'loginUrl.insecure.actions', [shellQuote(`https://${url.host}`)]),
      );
    }
    return {
      check: { id: 'login-url', status: 'pass', message: messages.getMessage('loginUrl.passLoopback', [trimmed]) },
      url,
    };
  }
  return { check: { id: 'login-url', status: 'pass', message: messages.getMessage('loginUrl.pass', [trimmed]) }, url };
}
