import { expect } from 'chai';
import { onInterrupt, runInterruptCleanups } from '../../../src/utils/interrupt.js';

describe('utils/interrupt', () => {
  it('runs every clean-up once, newest first, and returns their sentences oldest first', () => {
    const ran: string[] = [];
    onInterrupt(() => {
      ran.push('first');
      return 'A deploy was sent.';
    });
    const done = onInterrupt(() => {
      ran.push('done');
    });
    onInterrupt(() => {
      ran.push('throws');
      throw new Error('ignored');
    });
    onInterrupt(() => {
      ran.push('last');
      return 'The key stays.';
    });
    done();
    expect(runInterruptCleanups()).to.deep.equal(['A deploy was sent.', 'The key stays.']);
    expect(ran).to.deep.equal(['last', 'throws', 'first']);
    expect(runInterruptCleanups()).to.deep.equal([]);
  });
});
