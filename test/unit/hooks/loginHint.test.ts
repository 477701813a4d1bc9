import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  diagnoseCommand,
  flagSpecsOf,
  hintDisabled,
  isCleanExit,
  isLoginJwt,
  isUsageError,
  LOGIN_JWT_FLAGS,
  parseIdentityFlags,
} from '../../../src/hooks/loginHint.js';
import { shellQuote } from '../../../src/utils/shell.js';

describe('login hint: which command ran', () => {
  const loginJwt = { id: 'org:login:jwt', aliases: ['force:auth:jwt:grant', 'auth:jwt:grant'] };

  it('matches org login jwt under its id, its aliases and a flexible-taxonomy order', () => {
    expect(isLoginJwt('org:login:jwt', loginJwt)).to.equal(true);
    // oclif reports an alias run with the alias as the command's id
    expect(isLoginJwt('force:auth:jwt:grant', { ...loginJwt, id: 'force:auth:jwt:grant' })).to.equal(true);
    expect(isLoginJwt('auth:jwt:grant', { ...loginJwt, id: 'auth:jwt:grant' })).to.equal(true);
    // `sf login jwt org` finds the canonical command; the typed id is the permutation
    expect(isLoginJwt('login:jwt:org', loginJwt)).to.equal(true);
    // without the command object, the id decides (spaces or colons)
    expect(isLoginJwt('org login jwt', undefined)).to.equal(true);
    expect(isLoginJwt('force:auth:jwt:grant', undefined)).to.equal(true);
  });

  it('does not match other commands', () => {
    expect(isLoginJwt('org:login:web', { id: 'org:login:web', aliases: ['force:auth:web:login'] })).to.equal(false);
    expect(isLoginJwt('jwt:diagnose', { id: 'jwt:diagnose' })).to.equal(false);
    expect(isLoginJwt('org:list', { id: 'org:list', aliases: [] })).to.equal(false);
    expect(isLoginJwt('--version', undefined)).to.equal(false);
    expect(isLoginJwt(undefined, undefined)).to.equal(false);
  });
});

describe('login hint: the identity flags of the command line', () => {
  const cases: Array<[string, string[], Record<string, string>]> = [
    [
      'long flags with separate values',
      [
        '--username',
        'ci@acme.com',
        '--client-id',
        '3MVG9',
        '--jwt-key-file',
        'server.key',
        '--instance-url',
        'https://test.salesforce.com',
      ],
      {
        username: 'ci@acme.com',
        'client-id': '3MVG9',
        'jwt-key-file': 'server.key',
        'instance-url': 'https://test.salesforce.com',
      },
    ],
    [
      '--flag=value, with = inside the value',
      ['--username=ci@acme.com', '--client-id=3MVG9==x', '--instance-url=https://a.my.salesforce.com/?x=1'],
      { username: 'ci@acme.com', 'client-id': '3MVG9==x', 'instance-url': 'https://a.my.salesforce.com/?x=1' },
    ],
    [
      'short flags, separate, attached and with =',
      ['-o', 'ci@acme.com', '-i3MVG9', '-f=server.key', '-r', 'https://login.salesforce.com'],
      {
        username: 'ci@acme.com',
        'client-id': '3MVG9',
        'jwt-key-file': 'server.key',
        'instance-url': 'https://login.salesforce.com',
      },
    ],
    [
      'the old force:auth:jwt:grant spellings',
      ['-u', 'ci@acme.com', '--clientid', '3MVG9', '--jwtkeyfile', 'k.pem', '--instanceurl', 'https://x', '-a', 'ci'],
      { username: 'ci@acme.com', 'client-id': '3MVG9', 'jwt-key-file': 'k.pem', 'instance-url': 'https://x' },
    ],
    [
      '--keyfile and -l',
      ['--keyfile', 'k.pem', '-l', 'https://test.salesforce.com', '--u', 'a@b.c'],
      { 'jwt-key-file': 'k.pem', 'instance-url': 'https://test.salesforce.com', username: 'a@b.c' },
    ],
    [
      'values of other flags are never taken for identity flags',
      ['--alias', '-o', '--setalias=x', '-a', '--username', '--loglevel', 'debug', '-o', 'real@acme.com'],
      { username: 'real@acme.com' },
    ],
    [
      'boolean flags, bundled short booleans and --json take no value',
      ['--json', '-sd', 'extra', '--set-default', '-p', '-o', 'ci@acme.com', '--no-prompt'],
      { username: 'ci@acme.com' },
    ],
    ['a bundled boolean before a value flag', ['-so', 'ci@acme.com'], { username: 'ci@acme.com' }],
    [
      'the last value of a repeated flag',
      ['-o', 'first@acme.com', '--username', 'second@acme.com'],
      { username: 'second@acme.com' },
    ],
    [
      'nothing after --, unknown flags skipped',
      ['--bogus', '-x', '-o', 'ci@acme.com', '--', '-i', 'not-a-flag'],
      { username: 'ci@acme.com' },
    ],
    ['a flag without its value', ['-i3MVG9', '--username'], { 'client-id': '3MVG9' }],
    ['values with spaces and quotes stay whole', ['-f', "my keys/ci's.key"], { 'jwt-key-file': "my keys/ci's.key" }],
  ];
  for (const [title, argv, expected] of cases) {
    it(title, () => {
      expect(parseIdentityFlags(argv)).to.deep.equal(expected);
    });
  }

  it('reads the flags the command itself declares when it has them', () => {
    const specs = {
      username: { type: 'option' as const, char: 'o', aliases: ['user'] },
      'client-id': { type: 'option' as const, char: 'i' },
      'jwt-key-file': { type: 'option' as const, char: 'f' },
      'instance-url': { type: 'option' as const, char: 'r' },
      verbose: { type: 'boolean' as const, char: 'v' },
    };
    expect(flagSpecsOf({ id: 'org:login:jwt', flags: specs })).to.equal(specs);
    expect(parseIdentityFlags(['--user', 'a@b.c', '-v', '-i', 'X'], specs)).to.deep.equal({
      username: 'a@b.c',
      'client-id': 'X',
    });
    // a command object without the identity flags: the known flags of org login jwt
    expect(flagSpecsOf({ id: 'org:login:jwt', flags: { json: { type: 'boolean' } } })).to.equal(LOGIN_JWT_FLAGS);
    expect(flagSpecsOf(undefined)).to.equal(LOGIN_JWT_FLAGS);
  });
});

describe('login hint: the sf jwt diagnose command', () => {
  it('quotes only what the shell would split or expand', () => {
    expect(shellQuote('ci@acme.com.uat')).to.equal('ci@acme.com.uat');
    expect(shellQuote('https://acme.my.salesforce.com:443/path')).to.equal('https://acme.my.salesforce.com:443/path');
    expect(shellQuote('3MVG9x.Y_z-1+2=')).to.equal('3MVG9x.Y_z-1+2=');
    expect(shellQuote('my keys/server.key')).to.equal("'my keys/server.key'");
    expect(shellQuote("ci's.key")).to.equal("'ci'\\''s.key'");
    expect(shellQuote('$HOME/k;rm -rf x')).to.equal("'$HOME/k;rm -rf x'");
    expect(shellQuote('')).to.equal("''");
  });

  it('puts the flags in sf org login jwt’s canonical long form and order', () => {
    expect(
      diagnoseCommand({
        'instance-url': 'https://test.salesforce.com',
        'jwt-key-file': 'my keys/server.key',
        username: 'ci@acme.com.uat',
        'client-id': '3MVG9',
      }),
    ).to.equal(
      "sf jwt diagnose --username ci@acme.com.uat --client-id 3MVG9 --jwt-key-file 'my keys/server.key' --instance-url https://test.salesforce.com",
    );
    expect(diagnoseCommand({ username: 'ci@acme.com' }, 'sfx')).to.equal('sfx jwt diagnose --username ci@acme.com');
    expect(diagnoseCommand({})).to.equal('sf jwt diagnose');
  });

  it('round-trips through a real shell: each value arrives as one word, unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plugin-jwt-quote-'));
    try {
      const printer = join(dir, 'sf');
      writeFileSync(printer, '#!/bin/sh\nfor a in "$@"; do printf "%s\\0" "$a"; done\n', { mode: 0o755 });
      const identity = {
        username: "o'brien@acme.com",
        'client-id': '3MVG9 "quoted" $x `y`',
        'jwt-key-file': 'dir with space/*.key',
        'instance-url': 'https://a.my.salesforce.com/?a=1&b=2',
      };
      const out = spawnSync('/bin/sh', ['-c', diagnoseCommand(identity, printer)], { encoding: 'utf8' });
      expect(out.stdout.split('\0').slice(0, -1)).to.deep.equal([
        'jwt',
        'diagnose',
        '--username',
        identity.username,
        '--client-id',
        identity['client-id'],
        '--jwt-key-file',
        identity['jwt-key-file'],
        '--instance-url',
        identity['instance-url'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('login hint: when it is off or not wanted', () => {
  it('is off with SF_JWT_HINT=false (or 0, no, off), on otherwise', () => {
    for (const value of ['false', 'FALSE', ' 0 ', 'no', 'off'])
      expect(hintDisabled({ SF_JWT_HINT: value })).to.equal(true);
    for (const value of [undefined, '', 'true', '1', 'yes'])
      expect(hintDisabled({ SF_JWT_HINT: value })).to.equal(false);
  });

  it('tells usage errors (exit code 2) and clean exits from failed logins', () => {
    expect(isUsageError({ exitCode: 2, name: 'SfCommandError' })).to.equal(true);
    expect(isUsageError({ oclif: { exit: 2 } })).to.equal(true);
    expect(isUsageError({ exitCode: 1, name: 'JwtGrantError' })).to.equal(false);
    expect(isUsageError(new Error('plain'))).to.equal(false);
    expect(isUsageError(undefined)).to.equal(false);
    expect(isCleanExit({ oclif: { exit: 0 } })).to.equal(true);
    expect(isCleanExit({ exitCode: 1 })).to.equal(false);
    expect(isCleanExit('text')).to.equal(false);
  });
});
