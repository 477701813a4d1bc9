import type { Check } from '../types.js';
import { checkMessages as messages } from './messages.js';

/**
 * Default allowed skew, in seconds. Well above the 1-second resolution of the Date header plus network
 * delay, and well below the 3 minutes Salesforce allows an assertion to live, so the warning shows
 * before a skew can make a correctly signed assertion arrive already expired.
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Local clock minus server clock, in whole seconds (positive: local is ahead), or undefined when the
 * Date header is missing or unparseable.
 */
export function measureSkewSeconds(serverDate: string | undefined, localNow: Date): number | undefined {
  if (serverDate === undefined || serverDate.trim() === '') return undefined;
  const server = Date.parse(serverDate);
  if (Number.isNaN(server)) return undefined;
  return Math.round((localNow.getTime() - server) / 1000);
}

/**
 * Compares the local clock with the server's Date header. A skew beyond the tolerance is a warning
 * carrying the CLOCK_SKEW code: the diagnosis makes it the cause only when the server also answered
 * "expired authorization code".
 *
 * @param serverDate the Date header of a Salesforce response
 * @param localNow the local time when that response arrived
 * @param toleranceSeconds allowed skew either way
 */
export function checkClock(
  serverDate: string | undefined,
  localNow: Date,
  toleranceSeconds: number = DEFAULT_CLOCK_TOLERANCE_SECONDS,
): Check {
  const skew = measureSkewSeconds(serverDate, localNow);
  if (skew === undefined) {
    return { id: 'clock', status: 'skip', message: messages.getMessage('clock.skipNoDate') };
  }
  if (Math.abs(skew) <= toleranceSeconds) {
    return {
      id: 'clock',
      status: 'pass',
      message: messages.getMessage('clock.pass', [String(toleranceSeconds), String(skew)]),
    };
  }
  const direction = messages.getMessage(skew < 0 ? 'clock.behind' : 'clock.ahead');
  return {
    id: 'clock',
    status: 'warn',
    code: 'CLOCK_SKEW',
    message: messages.getMessage('clock.skew', [String(Math.abs(skew)), direction, String(toleranceSeconds)]),
    actions: messages.getMessages('clock.skew.actions'),
  };
}
