import type { Check } from '../types.js';
import { inspectLoginUrl } from '../../org/loginUrl.js';

export type LoginUrlResult = { check: Check; url?: URL };

/**
 * Checks the login URL the assertion goes to (org/loginUrl.ts has the rules): a URL with a scheme, https
 * (plain http only to a loopback host), not a Lightning Experience domain, no user name or password in it, no
 * query or fragment, and no path except an Experience Cloud site's.
 *
 * @param raw the login URL as the user gave it (or as stored)
 * @returns the check, and the parsed URL when it passed
 */
export function checkLoginUrl(raw: string): LoginUrlResult {
  const verdict = inspectLoginUrl(raw);
  if (!verdict.ok) {
    return {
      check: {
        id: 'login-url',
        status: 'fail',
        code: 'LOGIN_URL_INVALID',
        message: verdict.message,
        actions: verdict.actions,
      },
    };
  }
  return { check: { id: 'login-url', status: 'pass', message: verdict.message }, url: verdict.url };
}
