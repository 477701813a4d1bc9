import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { commandLine, placeholder, shellQuote } from '../../../src/utils/shell.js';

describe('shell quoting of suggested commands', () => {
  const values = [
    'ci@acme.com.uat',
    'ci user@acme.com',
    "o'brien@acme.com",
    'ci@acme.com\nrm -rf ~',
    '$(touch pwned)',
    '`id`',
    'a;b|c&d',
    '',
    '~/server.key',
    '=x',
    '/tmp/dir with space/server.key',
    'Zoë',
  ];

  it('leaves plain words alone', () => {
    expect(shellQuote('ci@acme.com.uat')).to.equal('ci@acme.com.uat');
    expect(shellQuote('/home/ci/jwt/server.key')).to.equal('/home/ci/jwt/server.key');
    expect(shellQuote('https://test.salesforce.com')).to.equal('https://test.salesforce.com');
  });

  it('quotes anything else so that a POSIX shell reads back exactly the value, and runs nothing', () => {
    for (const value of values) {
      const echoed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(echoed, JSON.stringify(value)).to.equal(value);
    }
  });

  it('builds a command line: flags with quoted values, missing values left out, placeholders as they are', () => {
    expect(
      commandLine(
        'sf jwt approve',
        ['--admin-org', placeholder('<admin org alias>')],
        ['--username', "o'brien@acme.com"],
        ['--client-id', undefined],
        ['--app-name', 'CI_App'],
      ),
    ).to.equal("sf jwt approve --admin-org <admin org alias> --username 'o'\\''brien@acme.com' --app-name CI_App");
  });
});
