import { expect } from 'chai';
import { describeDuration, parseDurationMs } from '../../../src/utils/duration.js';

describe('durations', () => {
  const cases: Array<[string, 'seconds' | 'minutes', number | undefined]> = [
    ['30', 'seconds', 30_000],
    ['10', 'minutes', 600_000],
    ['10m', 'seconds', 600_000],
    ['10m', 'minutes', 600_000],
    ['90s', 'minutes', 90_000],
    ['1h', 'seconds', 3_600_000],
    ['500ms', 'seconds', 500],
    [' 2 min ', 'seconds', 120_000],
    ['10M', 'seconds', 600_000],
    ['ten', 'seconds', undefined],
    ['-5', 'seconds', undefined],
    ['1.5h', 'seconds', undefined],
    ['', 'seconds', undefined],
  ];
  for (const [text, unit, expected] of cases) {
    it(`reads "${text}" (bare numbers in ${unit}) as ${String(expected)} ms`, () => {
      expect(parseDurationMs(text, unit)).to.equal(expected);
    });
  }

  it('describes durations in the largest whole unit', () => {
    expect(describeDuration(600_000)).to.equal('10 min');
    expect(describeDuration(3_600_000)).to.equal('1 h');
    expect(describeDuration(45_000)).to.equal('45 s');
    expect(describeDuration(1500)).to.equal('1500 ms');
  });
});
