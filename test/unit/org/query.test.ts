import { expect } from 'chai';
import { describeError } from '../../../src/org/query.js';
import { apiError } from '../../helpers/fakeConnection.js';

describe('describeError', () => {
  it('keeps the error code and a single line', () => {
    expect(describeError(apiError('INVALID_TYPE', 'line one\n  line two'))).to.equal('INVALID_TYPE: line one line two');
    expect(describeError('x')).to.equal('x');
  });
});
