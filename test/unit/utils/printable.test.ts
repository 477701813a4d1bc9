import { expect } from 'chai';
import {
  displayLine,
  displayText,
  hasControlCharacters,
  printable,
  printableLine,
  redactJson,
} from '../../../src/utils/printable.js';

describe('printable: the output sanitizer', () => {
  const cases: Array<[string, string, string]> = [
    ['a colour escape', 'ci\u001b[31m@acme.com\u001b[0m', 'ci@acme.com'],
    ['a window title (OSC)', 'x\u001b]0;pwned\u0007y', 'xy'],
    ['a carriage return that would rewrite the line', 'ok\rFAKE', 'okFAKE'],
    ['backspaces and a bell', 'a\u0008\u0008b\u0007', 'ab'],
    ['a one-byte CSI (C1)', 'a\u009b2Jb', 'ab'],
    ['bidirectional overrides', 'abc\u202edcba\u202c', 'abcdcba'],
    ['DEL', 'a\u007fb', 'ab'],
  ];
  for (const [what, input, expected] of cases) {
    it(`removes ${what}`, () => {
      expect(printable(input)).to.equal(expected);
    });
  }

  it('keeps line feeds, tabs and every printable character, emoji included', () => {
    const text = 'Line 1\n\tLine 2: ci@acme.com → Zoë 🔑 "quoted" \'single\'';
    expect(printable(text)).to.equal(text);
  });

  it('tells whether a value holds a control character (line breaks and tabs included)', () => {
    expect(hasControlCharacters('ci@acme.com')).to.equal(false);
    expect(hasControlCharacters('ci@acme.com\n')).to.equal(true);
    expect(hasControlCharacters('ci\u001b[2J')).to.equal(true);
    expect(hasControlCharacters('a\tb')).to.equal(true);
  });
});

describe('printableLine, displayText and redactJson: what leaves the plugin', () => {
  it('keeps a line one line: a line break shows as \\n, a tab as a space, escapes are gone', () => {
    expect(printableLine('evil\u001b[31m@acme.com\u0007\nFAKE LINE pass - all good')).to.equal(
      'evil@acme.com\\nFAKE LINE pass - all good',
    );
    expect(printableLine('a\tb\r\nc')).to.equal('a b\\nc');
  });

  it('hides the credentials of URLs in shown text, in lines and in JSON', () => {
    expect(displayText('at https://u:p@x.com/?access_token=00Dx!y&a=1')).to.equal(
      'at https://****@x.com/?access_token=****&a=1',
    );
    expect(displayLine('x\nhttps://x.com/?sid=1')).to.equal('x\\nhttps://x.com/?sid=****');
    expect(redactJson({ a: ['https://x.com/?code=abc', 1, null], b: { c: 'http://t@h.com/' }, d: true })).to.deep.equal(
      { a: ['https://x.com/?code=****', 1, null], b: { c: 'http://****@h.com/' }, d: true },
    );
  });
});
