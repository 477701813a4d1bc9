import { expect } from 'chai';
import {
  checkClock,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  measureSkewSeconds,
} from '../../../../src/diagnose/checks/clock.js';

const SERVER = 'Wed, 25 Nov 2026 15:00:00 GMT';
const at = (offsetSeconds: number): Date => new Date(Date.parse(SERVER) + offsetSeconds * 1000);

describe('checks: clock', () => {
  it('skips without a Date header, or with one that does not parse', () => {
    for (const header of [undefined, '', 'yesterday-ish']) {
      const check = checkClock(header, at(0));
      expect(check).to.include({ id: 'clock', status: 'skip' });
      expect(check.message).to.include('Date header');
    }
  });

  it('passes within the tolerance', () => {
    const check = checkClock(SERVER, at(DEFAULT_CLOCK_TOLERANCE_SECONDS));
    expect(check).to.include({ id: 'clock', status: 'pass' });
    expect(check.message).to.include(`${DEFAULT_CLOCK_TOLERANCE_SECONDS} s`);
  });

  it('warns with CLOCK_SKEW when the local clock is behind', () => {
    const check = checkClock(SERVER, at(-300));
    expect(check).to.include({ id: 'clock', status: 'warn', code: 'CLOCK_SKEW' });
    expect(check.message).to.include('300 seconds behind');
    expect(check.actions?.[0]).to.include('NTP');
  });

  it('warns when the local clock is ahead', () => {
    expect(checkClock(SERVER, at(90)).message).to.include('90 seconds ahead of');
  });

  it('uses the tolerance it is given', () => {
    expect(checkClock(SERVER, at(20), 10).status).to.equal('warn');
    expect(checkClock(SERVER, at(20), 30).status).to.equal('pass');
  });

  it('measures the signed skew in whole seconds', () => {
    expect(measureSkewSeconds(SERVER, at(-42.4))).to.equal(-42);
    expect(measureSkewSeconds(SERVER, at(7))).to.equal(7);
    expect(measureSkewSeconds(undefined, at(0))).to.equal(undefined);
  });
});
