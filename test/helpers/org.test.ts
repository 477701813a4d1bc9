import { Ux } from '@salesforce/sf-plugins-core';
import { expect } from 'chai';
import sinon from 'sinon';
import { keepEnv } from './env.js';
import { printedTableRows } from './org.js';

/** What the table library prints for `data`, with `CI` set as given (it prints plain tables in CI). */
function printed(data: Array<Record<string, string>>, ci: string | undefined): string {
  const restoreEnv = keepEnv('CI');
  const chunks: string[] = [];
  const write = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    new Ux({ jsonEnabled: false }).table({ data, maxWidth: 'none', overflow: 'wrap' });
  } finally {
    write.restore();
    restoreEnv();
  }
  return chunks.join('');
}

describe('test helpers: printedTableRows', () => {
  const data = [
    { Step: 'key', Action: 'reused', Details: 'Reused the key server.key\nand its certificate.' },
    { Step: 'permission-set', Action: 'already present', Details: 'The permission set JWT_Access exists.' },
    { Step: 'verify', Action: 'created', Details: 'Works.' },
  ];
  const rows = [
    ['Step', 'Action', 'Details'],
    ['key', 'reused', 'Reused the key server.key and its certificate.'],
    ['permission-set', 'already present', 'The permission set JWT_Access exists.'],
    ['verify', 'created', 'Works.'],
  ];

  it('reads a box table (a terminal, no CI) by its rows, folded cells joined', () => {
    const text = printed(data, undefined);
    expect(text).to.include('│');
    expect(printedTableRows(text)).to.deep.equal(rows);
  });

  it('reads the plain table printed in CI by the same rows', () => {
    const text = printed(data, 'true');
    expect(text).not.to.include('│');
    expect(text).to.match(/^-{10,}$/m);
    expect(printedTableRows(`Before\n${text}\nAfter the table.\n`)).to.deep.equal(rows);
  });
});
