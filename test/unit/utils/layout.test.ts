/*
 * Text and tables folded to the output's width (src/utils/layout.ts): breaks at spaces only, URLs, paths,
 * placeholders and suggested commands kept whole, bullets indented, tables within the width.
 */
import { expect } from 'chai';
import {
  columnWidths,
  fitTable,
  outputWidth,
  textWidth,
  WIDTH_WITHOUT_TERMINAL,
  wrapText,
} from '../../../src/utils/layout.js';

const URL =
  'https://acme.my.salesforce.com/services/oauth2/authorize?response_type=code&client_id=3MVG9abc&redirect_uri=http%3A%2F%2Flocalhost%3A1717%2FOauthRedirect';
const COMMAND =
  'sf jwt diagnose --username ci@acme.com.uat --client-id 3MVG9abc --jwt-key-file /home/ci/jwt/server.key --admin-org <admin org alias>';

/** Lines longer than the width that are not one unbreakable value (a URL or a suggested command). */
function overlong(text: string, width: number): string[] {
  return text
    .split('\n')
    .filter((line) => textWidth(line) > width)
    .filter((line) => !/^\s*(https?:\/\/\S+|sf [a-z]\S* .*)$/.test(line));
}

describe('layout: the width of the human output', () => {
  it('fits the terminal, and 100 columns without one', () => {
    expect(outputWidth({ isTTY: true, columns: 80 })).to.equal(80);
    expect(outputWidth({ isTTY: true, columns: 132 })).to.equal(132);
    expect(outputWidth({ isTTY: false, columns: 80 })).to.equal(WIDTH_WITHOUT_TERMINAL);
    expect(outputWidth({})).to.equal(100);
    // a terminal that reports no width, or a silly one
    expect(outputWidth({ isTTY: true })).to.equal(100);
    expect(outputWidth({ isTTY: true, columns: 10 })).to.equal(40);
  });

  it('folds text at spaces, and leaves short text alone', () => {
    expect(wrapText('short line', 80)).to.equal('short line');
    const words = 'word '.repeat(40).trim();
    const folded = wrapText(words, 30);
    expect(folded.split('\n').every((line) => line.length <= 30)).to.equal(true);
    expect(folded.replace(/\n/g, ' ')).to.equal(words);
  });

  it('indents the continuation of a bullet or a numbered step under its text', () => {
    const folded = wrapText(`  - ${'alpha beta gamma '.repeat(8).trim()}`, 40).split('\n');
    expect(folded[0]).to.match(/^ {2}- alpha/);
    expect(folded.slice(1).every((line) => line.startsWith('    ') && !line.startsWith('     '))).to.equal(true);
    const step = wrapText(`1. ${'alpha beta gamma '.repeat(8).trim()}`, 40).split('\n');
    expect(step.slice(1).every((line) => line.startsWith('   ') && !line.startsWith('    '))).to.equal(true);
  });

  it('never cuts a URL, a path or a placeholder: a long one gets a line of its own', () => {
    const text = `Open this URL in a browser, logged in as ci@acme.com, and allow access: ${URL}`;
    const folded = wrapText(text, 80).split('\n');
    expect(folded).to.include(`  ${URL}`);
    expect(overlong(folded.join('\n'), 80)).to.deep.equal([]);
    const path = 'The key file /home/ci/a-very-long-directory-name/another-long-directory/server.key does not exist.';
    expect(wrapText(path, 30).replace(/\n/g, ' ')).to.equal(path);
    expect(wrapText(path, 30)).to.include('/home/ci/a-very-long-directory-name/another-long-directory/server.key');
    expect(wrapText('Pass --admin-org <admin org alias> to read the records of the org.', 30)).to.include(
      '<admin org alias>',
    );
  });

  it('keeps a suggested command whole on one line, so that it can be pasted and run', () => {
    const bullet = `  - Find which of these it is by reading the org's records: ${COMMAND}`;
    const folded = wrapText(bullet, 80).split('\n');
    expect(folded[0]).to.equal("  - Find which of these it is by reading the org's records:");
    expect(folded[1]).to.equal(`      ${COMMAND}`);
    // when it fits after the text, it stays there
    expect(wrapText('Create a new key: sf jwt keygen', 80)).to.equal('Create a new key: sf jwt keygen');
    // a command that is the line itself is left as it is
    expect(wrapText(`    ${COMMAND}`, 40)).to.equal(`    ${COMMAND}`);
  });

  it('keeps a value in double quotes whole, with its spaces as they are (they are why it is quoted)', () => {
    const text =
      'The redirect URI "http://localhost:1717/OauthRedirect  " is not one of the app\'s callback URLs: it has spaces around it.';
    const folded = wrapText(text, 40);
    expect(folded).to.include('"http://localhost:1717/OauthRedirect  "');
    expect(folded.replace(/\n/g, ' ')).to.equal(text);
  });

  it('keeps line breaks that are already there', () => {
    expect(wrapText('one\ntwo', 80)).to.equal('one\ntwo');
  });
});

describe('layout: tables within the width', () => {
  const rows = [
    { Check: 'key-file', Status: 'pass', Detail: 'The key file /home/ci/jwt/server.key is readable (1704 bytes).' },
    {
      Check: 'token-exchange',
      Status: 'fail (USER_NOT_APPROVED)',
      Detail:
        "POST https://acme.my.salesforce.com/ with audience https://login.salesforce.com: invalid_grant: user hasn't approved this consumer",
    },
  ];
  /** The width of the table @oclif/table draws: cells, one space of padding each side, and the borders. */
  const drawn = (widths: Record<string, number>): number => Object.values(widths).reduce((a, b) => a + b + 3, 1);

  it('leaves a table that fits as it is', () => {
    expect(fitTable(rows, 400)).to.deep.equal(rows);
  });

  for (const width of [80, 100, 120]) {
    it(`folds the widest columns first to fit ${width} columns, at spaces only`, () => {
      const widths = columnWidths(rows, width);
      expect(drawn(widths)).to.be.at.most(width);
      expect(widths.Check).to.equal('token-exchange'.length);
      const fitted = fitTable(rows, width);
      for (const [i, row] of fitted.entries()) {
        for (const [column, value] of Object.entries(row)) {
          expect(value.replace(/\n/g, ' '), column).to.equal(rows[i][column as keyof (typeof rows)[number]]);
          expect(
            value.split('\n').every((line) => line.length <= widths[column]),
            `${column}: ${value}`,
          ).to.equal(true);
        }
      }
    });
  }

  it('keeps a URL whole in a cell when the table fits with it: the column is at least as wide as it', () => {
    const data = [{ Host: 'https://login.salesforce.com', Result: 'skipped: not reached within the timeout' }];
    const widths = columnWidths(data, 45);
    expect(widths.Host).to.equal('https://login.salesforce.com'.length);
    expect(drawn(widths)).to.be.at.most(45);
  });

  it('breaks a path only where the table cannot fit otherwise, after a slash, and it reads back whole', () => {
    const path = '/tmp/a-checkout-in-a-long-directory/emulator/keys/server.key';
    const data = [
      { Check: 'token-exchange', Status: 'fail (USER_NOT_APPROVED)', Detail: `The key file ${path} is readable.` },
    ];
    // with the path whole the table would need 14 + 24 + 60 columns and its borders: more than 80
    const widths = columnWidths(data, 80);
    expect(drawn(widths)).to.be.at.most(80);
    const [row] = fitTable(data, 80);
    const lines = row.Detail.split('\n');
    expect(lines.every((line) => line.length <= widths.Detail)).to.equal(true);
    // a break inside the path comes after a slash: read back, the cell is the text again
    expect(row.Detail.replace(/\/\n/g, '/').replace(/\n/g, ' ')).to.equal(data[0].Detail);
    expect(row.Detail).to.not.include(path);
    // a part between slashes too long for any column is cut, as a last resort: the table still fits
    const odd = `/tmp/${'a-directory-with-a-very-long-name-'.repeat(2)}checkout/server.key`;
    const [cutRow] = fitTable([{ ...data[0], Detail: `The key file ${odd} is readable.` }], 80);
    const cutWidths = columnWidths([{ ...data[0], Detail: `The key file ${odd} is readable.` }], 80);
    expect(drawn(cutWidths)).to.be.at.most(80);
    expect(cutRow.Detail.split('\n').every((line) => line.length <= cutWidths.Detail)).to.equal(true);
    expect(cutRow.Detail.replace(/\n/g, '')).to.include(odd);
    // the same table at 120 columns keeps the path whole
    expect(fitTable(data, 120)[0].Detail.replace(/\n/g, ' ')).to.include(` ${path} `);
  });
});
