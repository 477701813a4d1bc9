import { expect } from 'chai';
import { CAUSE_CODES } from '../../../src/diagnose/types.js';

describe('cause codes', () => {
  it('are unique and upper snake case', () => {
    expect(new Set(CAUSE_CODES).size).to.equal(CAUSE_CODES.length);
    for (const code of CAUSE_CODES) expect(code).to.match(/^[A-Z]+(_[A-Z]+)*$/);
  });
});
