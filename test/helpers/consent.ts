/*
 * A browser on the emulator's consent page, without a browser: GET the authorize URL, submit the consent
 * form as a user (Allow or Deny), and follow the redirect to the listener when asked.
 */
import { expect } from 'chai';

export type Consent = {
  /** Where Salesforce sent the browser: the redirect URI with a code (or an error), and the state. */
  location: URL;
  /** The page the listener answered, when the redirect was delivered. */
  landing?: string;
};

/** Walks the consent page for `username` (default ci@acme.com) and decides (default allow). */
export async function consent(
  authorizeUrl: string,
  opts: { username?: string; decision?: 'allow' | 'deny'; deliver?: boolean } = {},
): Promise<Consent> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(page.status, 'consent page').to.equal(200);
  const request = /name="request" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const decision = await fetch(`${new URL(authorizeUrl).origin}/services/oauth2/authorize/decision`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      request,
      username: opts.username ?? 'ci@acme.com',
      decision: opts.decision ?? 'allow',
    }).toString(),
    redirect: 'manual',
  });
  const location = new URL(decision.headers.get('location') ?? '');
  if (opts.deliver === false) return { location };
  // the listener binds 127.0.0.1 for a localhost redirect URI
  const landing = await fetch(location.href.replace('//localhost:', '//127.0.0.1:'));
  return { location, landing: await landing.text() };
}
