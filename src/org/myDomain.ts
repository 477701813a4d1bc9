/*
 * The org's My Domain, for a login through a legacy login host (https://login.salesforce.com,
 * https://test.salesforce.com) that an external client app refuses: which URLs are legacy login hosts, and
 * which can stand for the org's own domain (an instance URL the CLI stored, an admin org's instance URL).
 */
import { isLoopbackHost, mayCarryCredentials } from '../utils/url.js';
import { PRODUCTION_URL, SANDBOX_URL } from './loginUrl.js';

const LEGACY_HOSTS = new Set([new URL(PRODUCTION_URL).host, new URL(SANDBOX_URL).host]);

function parse(url: string | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    return new URL(url.trim());
  } catch {
    return undefined;
  }
}

/** Whether a login URL is one of Salesforce's shared login hosts (login.salesforce.com, test.salesforce.com). */
export function isLegacyLoginHost(url: string | undefined): boolean {
  const parsed = parse(url);
  return parsed?.protocol === 'https:' && LEGACY_HOSTS.has(parsed.host.toLowerCase());
}

/**
 * The origin of a URL that can stand for the org's own domain (https://acme.my.salesforce.com, or a local test
 * server): one an assertion may be sent to, and neither a legacy login host nor a Lightning Experience domain.
 * undefined for anything else.
 */
export function myDomainOf(url: string | undefined): string | undefined {
  const parsed = parse(url);
  if (!parsed || !mayCarryCredentials(parsed) || parsed.username || parsed.password) return undefined;
  const host = parsed.hostname.toLowerCase();
  if (LEGACY_HOSTS.has(parsed.host.toLowerCase()) || host.endsWith('.lightning.force.com')) return undefined;
  if (!host.includes('.') && !isLoopbackHost(host)) return undefined;
  return parsed.origin;
}
