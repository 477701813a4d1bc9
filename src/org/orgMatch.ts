/*
 * Is --admin-org the org the JWT user logs in to? Records read through another org (a sandbox admin for a
 * production user) say nothing about this login: "no such user" there is no proof of a wrong username. Every
 * command that draws a conclusion from --admin-org asks this first, from what is known without a request:
 * - the org ids: the admin org's stored login and the JWT user's stored login (definite);
 * - the login URL: the same org-specific host (My Domain, a local test server) as the admin org's instance or
 *   login URL is the same org; two different org-specific hosts are two orgs;
 * - login.salesforce.com is production and test.salesforce.com is a sandbox: the other kind of admin org is
 *   another org.
 * A user found through the admin org settles it too (usernames are unique across all Salesforce orgs).
 */
import { Messages } from '@salesforce/core';
import { isLoopbackHost } from '../utils/url.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** What the CLI's stored login of the admin org says about its org (AuthInfo fields, no request). */
export type AdminOrgFacts = {
  /** --admin-org as given (alias or username). */
  name: string;
  orgId?: string;
  instanceUrl?: string;
  loginUrl?: string;
  isSandbox?: boolean;
};

/** What is known about the org of the JWT login. */
export type JwtOrgFacts = {
  username: string;
  loginUrl?: string;
  /** The org id of the JWT user's stored login, when the CLI has one. */
  orgId?: string;
};

export type OrgMatch = {
  verdict: 'same' | 'different' | 'unknown';
  /** Why, in words (for 'different': what differs). */
  reason: string;
};

type Conn = { getAuthInfoFields(): Record<string, unknown> };

/** The admin org's facts from its connection's stored auth fields. */
export function adminOrgFacts(name: string, conn: Conn): AdminOrgFacts {
  const fields = conn.getAuthInfoFields();
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  return {
    name,
    orgId: str(fields.orgId),
    instanceUrl: str(fields.instanceUrl),
    loginUrl: str(fields.loginUrl),
    isSandbox: typeof fields.isSandbox === 'boolean' ? fields.isSandbox : undefined,
  };
}

const PRODUCTION_HOSTS = new Set(['login.salesforce.com']);
const SANDBOX_HOSTS = new Set(['test.salesforce.com']);

function parse(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** A host that belongs to one org only: a My Domain (or site) host, or a local test server. */
function orgSpecific(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return /\.my\.salesforce\.com$|\.my\.site\.com$|\.my\.salesforce-sites\.com$/.test(host) || isLoopbackHost(host);
}

const sameId = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

/** Whether the admin org is the JWT login's org, from what is known without a request. */
export function compareOrgs(admin: AdminOrgFacts, jwt: JwtOrgFacts): OrgMatch {
  const m = (key: string, tokens: string[] = []): string => messages.getMessage(key, tokens);
  if (admin.orgId && jwt.orgId) {
    return sameId(admin.orgId, jwt.orgId)
      ? { verdict: 'same', reason: m('orgMatch.sameId', [admin.orgId]) }
      : { verdict: 'different', reason: m('orgMatch.differentId', [admin.name, admin.orgId, jwt.username, jwt.orgId]) };
  }
  const login = parse(jwt.loginUrl);
  if (!login) return { verdict: 'unknown', reason: m('orgMatch.unknown') };
  const adminUrls = [parse(admin.instanceUrl), parse(admin.loginUrl)].filter((u): u is URL => u !== undefined);
  if (adminUrls.some((u) => u.host.toLowerCase() === login.host.toLowerCase() && orgSpecific(u))) {
    return { verdict: 'same', reason: m('orgMatch.sameHost', [login.origin]) };
  }
  const adminInstance = parse(admin.instanceUrl);
  if (orgSpecific(login) && adminInstance && orgSpecific(adminInstance)) {
    return {
      verdict: 'different',
      reason: m('orgMatch.differentHost', [admin.name, adminInstance.origin, jwt.username, login.origin]),
    };
  }
  const adminSandbox =
    admin.isSandbox ??
    (adminInstance && /\.sandbox\.my\.salesforce\.com$/i.test(adminInstance.hostname) ? true : undefined);
  const host = login.hostname.toLowerCase();
  if (adminSandbox === true && PRODUCTION_HOSTS.has(host)) {
    return {
      verdict: 'different',
      reason: m('orgMatch.sandboxForProduction', [admin.name, jwt.username, login.origin]),
    };
  }
  if (adminSandbox === false && SANDBOX_HOSTS.has(host)) {
    return {
      verdict: 'different',
      reason: m('orgMatch.productionForSandbox', [admin.name, jwt.username, login.origin]),
    };
  }
  return { verdict: 'unknown', reason: m('orgMatch.unknown') };
}

/** A user found through the admin org proves the org (usernames are unique across Salesforce). */
export function afterUserLookup(match: OrgMatch, userFound: boolean | undefined): OrgMatch {
  if (userFound && match.verdict !== 'same') {
    return { verdict: 'same', reason: messages.getMessage('orgMatch.userFound') };
  }
  return match;
}

/**
 * Nothing is read or changed through an admin org that is provably another org than the JWT user's: a usage
 * error (exit code 2) naming both and what differs.
 */
export function refuseOtherOrg(adminOrg: string, conn: Conn, jwt: JwtOrgFacts): void {
  const match = compareOrgs(adminOrgFacts(adminOrg, conn), jwt);
  if (match.verdict === 'different') {
    throw messages.createError('error.AdminOrgMismatch', [adminOrg, jwt.username, match.reason], [], 2);
  }
}
