/*
 * The login URL of a JWT login: where `sf org login jwt` takes it from (the flag, the stored login,
 * sfdx-project.json's sfdcLoginUrl, production), the Salesforce login hosts, and what makes a login URL
 * unusable (no scheme, a Lightning domain, plain http to a host that is not loopback, a user name or
 * password, a query, a page path), in words with the fix.
 */
import { Messages, SfProject } from '@salesforce/core';
import { isLoopbackHost, redactUrl, redactUserInfo } from '../utils/url.js';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
/** The words of the login URL rules are the login-url check's (messages/jwt.checks.md). */
const messages = Messages.loadMessages('plugin-jwt', 'jwt.checks');

export const PRODUCTION_URL = 'https://login.salesforce.com';
export const SANDBOX_URL = 'https://test.salesforce.com';

/** A usable login URL, or why it is not one (with the fix). */
export type LoginUrlVerdict =
  { ok: true; url: URL; message: string } | { ok: false; message: string; actions: string[] };

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

const fail = (message: string, actions: string[]): LoginUrlVerdict => ({ ok: false, message, actions });

/** What a login URL must not have: a user name or password, a query or fragment, a page path. */
function structureProblem(url: URL, trimmed: string): LoginUrlVerdict | undefined {
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
 * Whether a login URL can carry a JWT login: a URL with a scheme, https (plain http only to a loopback
 * host, such as a local test server), not a Lightning Experience domain, no user name or password in it, no
 * query or fragment, and no path except an Experience Cloud site's.
 *
 * @param raw the login URL as the user gave it (or as stored)
 */
export function inspectLoginUrl(raw: string): LoginUrlVerdict {
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
    return { ok: true, url, message: messages.getMessage('loginUrl.passLoopback', [trimmed]) };
  }
  return { ok: true, url, message: messages.getMessage('loginUrl.pass', [trimmed]) };
}

/** Login URL as plugin-auth resolves it when --instance-url is absent: sfdcLoginUrl, else production. */
export async function projectLoginUrl(): Promise<string | undefined> {
  try {
    const project = await SfProject.resolve();
    const config = await project.resolveProjectConfig();
    const url = (config as { sfdcLoginUrl?: unknown }).sfdcLoginUrl;
    return typeof url === 'string' && url ? normalizeLoginUrl(url) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `--instance-url` arrives in core as `URL.href` (with a trailing slash); keep unparsable input as typed. A user
 * name or password, a query or a fragment in it (where a session id or token may sit) is replaced by **** here,
 * before anything can echo it (the login URL check still refuses the URL).
 */
export function normalizeLoginUrl(raw: string): string {
  const trimmed = redactUrl(raw.trim());
  try {
    const url = new URL(trimmed);
    return /^https?:$/.test(url.protocol) ? url.href : trimmed;
  } catch {
    return trimmed;
  }
}

/**
 * The login URL as `sf org login jwt` picks it: the flag, the stored login's, sfdcLoginUrl, production. A user
 * name or password, a query or a fragment in it is replaced by ****, wherever it came from.
 */
export async function resolveLoginUrl(
  flag: string | undefined,
  jwtAuth: { loginUrl?: string } | undefined,
): Promise<{ loginUrl: string; loginUrlSource: 'flag' | 'stored-auth' | 'default' }> {
  if (flag !== undefined) return { loginUrl: normalizeLoginUrl(flag), loginUrlSource: 'flag' };
  if (jwtAuth?.loginUrl) return { loginUrl: redactUrl(jwtAuth.loginUrl), loginUrlSource: 'stored-auth' };
  return { loginUrl: (await projectLoginUrl()) ?? PRODUCTION_URL, loginUrlSource: 'default' };
}
