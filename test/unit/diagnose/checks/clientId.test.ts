import { expect } from 'chai';
import { checkClientId } from '../../../../src/diagnose/checks/clientId.js';

const ID = '3MVG9fakeConsumerKey_0123456789.abcdefXYZ';

describe('checks: client id', () => {
  it('passes a clean consumer key, abbreviated in the message', () => {
    const check = checkClientId(ID);
    expect(check).to.include({ id: 'client-id', status: 'pass' });
    expect(check.message).to.include('3MVG9f…fXYZ').and.to.include(`${ID.length} characters`);
  });

  const failing: Array<[string, string, string]> = [
    ['a trailing newline', `${ID}\n`, 'ends with a line break'],
    ['a trailing CRLF', `${ID}\r\n`, 'ends with a line break'],
    ['a trailing space', `${ID} `, 'ends with whitespace'],
    ['a leading space', ` ${ID}`, 'starts with whitespace'],
    ['a leading newline', `\n${ID}`, 'starts with a line break'],
    ['straight double quotes', `"${ID}"`, 'is wrapped in quotes'],
    ['straight single quotes', `'${ID}'`, 'is wrapped in quotes'],
    ['typographic quotes', `\u201c${ID}\u201d`, 'is wrapped in quotes'],
    ['an inner space', '3MVG9fake ConsumerKey_0123', 'contains whitespace at character 10'],
    ['an inner newline', '3MVG9fake\nConsumerKey_0123', 'contains a line break at character 10'],
    [
      'an inner quote',
      '3MVG9fake\u2019ConsumerKey_0123',
      'contains a quote character ("\u2019" (U+2019)) at character 10',
    ],
    ['a character consumer keys never have', '3MVG9fake-ConsumerKey_0123', 'contains "-" (U+002D) at character 10'],
    ['an invisible character', '3MVG9fake\u200bConsumerKey_0123', 'contains U+200B at character 10'],
    ['too few characters', '3MVG9', 'is only 5 characters long'],
    ['too many characters', 'A'.repeat(257), 'is 257 characters long'],
  ];
  for (const [what, value, words] of failing) {
    it(`fails INVALID_CLIENT_ID for ${what}, naming it`, () => {
      const check = checkClientId(value);
      expect(check).to.include({ id: 'client-id', status: 'fail', code: 'INVALID_CLIENT_ID' });
      expect(check.message).to.include(words);
      expect(check.actions?.length).to.be.greaterThan(0);
    });
  }

  it('names every problem at once and shows the cleaned value', () => {
    const check = checkClientId(` "${ID}"\n`);
    expect(check.message).to.include('starts with whitespace, is wrapped in quotes and ends with a line break');
    expect(check.message).to.include('Cleaned, it reads 3MVG9f…fXYZ');
  });

  it('fails an empty or blank client id', () => {
    for (const value of ['', '  \n', '""']) {
      const check = checkClientId(value);
      expect(check.code, JSON.stringify(value)).to.equal('INVALID_CLIENT_ID');
      expect(check.message).to.include('empty');
    }
  });
});
