import { expect } from 'chai';
import { escapeSoql, soqlString } from '../../../src/org/soql.js';

describe('soql literals', () => {
  it('escapes quotes and backslashes', () => {
    expect(escapeSoql("o'brien\\x")).to.equal("o\\'brien\\\\x");
    expect(soqlString("a'b")).to.equal("'a\\'b'");
  });
});
