/*
 * The (POST host, aud) pairs of @salesforce/core's JWT login (AuthInfo's tryJwtAuth with util/sfdcUrl.js's
 * getJwtAudienceUrl and getLoginAudienceCombos), reproduced pair for pair, and the audiences worth probing
 * when a login URL rejects the audience.
 */
import { PRODUCTION_URL, SANDBOX_URL } from '../org/loginUrl.js';
import { originOf } from '../utils/url.js';

/**
 * Core's `SfdcUrl.getJwtAudienceUrl`: SF_AUDIENCE_URL (or SFDX_AUDIENCE_URL) verbatim, gs1 for that
 * instance, otherwise production, even for sandboxes.
 */
export function audienceCandidate(
  loginUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  createdOrgInstance = '',
): string {
  const override = env.SF_AUDIENCE_URL ?? env.SFDX_AUDIENCE_URL;
  if (override) return override;
  const origin = originOf(loginUrl) ?? '';
  if (/^gs1/i.test(createdOrgInstance.trim()) || /gs1\.my\.salesforce\.com/i.test(origin)) {
    return 'https://gs1.salesforce.com';
  }
  return PRODUCTION_URL;
}

/** Core's `getLoginAudienceCombos`, pair for pair: same order, same filter, same de-duplication. */
export function loginAudienceCombos(audienceUrl: string, loginUrl: string): Array<[host: string, audience: string]> {
  const pairs: Array<[string, string]> = [
    [loginUrl, loginUrl],
    [SANDBOX_URL, SANDBOX_URL],
    [PRODUCTION_URL, PRODUCTION_URL],
    [audienceUrl, audienceUrl],
    [audienceUrl, PRODUCTION_URL],
    [audienceUrl, SANDBOX_URL],
    [loginUrl, audienceUrl],
    [loginUrl, PRODUCTION_URL],
    [loginUrl, SANDBOX_URL],
    [PRODUCTION_URL, audienceUrl],
    [SANDBOX_URL, audienceUrl],
  ];
  const filtered = pairs.filter(
    ([login, audience]) =>
      !(
        (login === PRODUCTION_URL && audience === SANDBOX_URL) ||
        (login === SANDBOX_URL && audience === PRODUCTION_URL)
      ),
  );
  // Map keeps the first position of a key and the last value set for it, exactly as core's reduce does.
  const reduced = new Map<string, [string, string]>();
  for (const [login, audience] of filtered) {
    reduced.set(`${new URL(login).origin}:${new URL(audience).origin}`, [login, audience]);
  }
  return [...reduced.values()];
}

/** Audiences worth probing against the user's login URL when it rejected the audience. */
export function audienceProbes(
  loginUrl: string,
  alreadyTried: string[],
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const origin = originOf(loginUrl);
  const candidates = [
    loginUrl,
    origin,
    loginUrl.endsWith('/') ? loginUrl.slice(0, -1) : `${loginUrl}/`,
    PRODUCTION_URL,
    SANDBOX_URL,
    audienceCandidate(loginUrl, env),
  ];
  const tried = new Set(alreadyTried);
  const out: string[] = [];
  for (const candidate of candidates) {
    if (candidate && !tried.has(candidate) && !out.includes(candidate)) out.push(candidate);
  }
  return out;
}
