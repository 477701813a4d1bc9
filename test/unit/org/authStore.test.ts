import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { SfError } from '@salesforce/core';
import {
  listStoredLogins,
  MAX_STORE_FILE_BYTES,
  readAliases,
  readStoredLogin,
  storeFs,
} from '../../../src/org/authStore.js';

const linux = process.platform === 'linux';

describe('the store reader (authStore.ts): what the CLI stores in ~/.sfdx', () => {
  let dir: string;
  const write = (name: string, fields: Record<string, unknown>): void =>
    writeFileSync(join(dir, name), JSON.stringify(fields));
  const jwt = (username: string): Record<string, unknown> => ({
    username,
    clientId: '3MVG9',
    privateKey: '/keys/server.key',
    loginUrl: 'https://login.salesforce.com/',
    orgId: '00D000000000001AAA',
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-store-'));
  });
  afterEach(() => {
    sinon.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the JWT logins, and names each file it could not read, with the reason in words', async function () {
    if (!linux) this.skip();
    write('ci@acme.com.json', jwt('ci@acme.com'));
    write('web@acme.com.json', { username: 'web@acme.com', refreshToken: 'x', privateKey: '/k' });
    execFileSync('mkfifo', [join(dir, 'fifo@acme.com.json')]);
    mkdirSync(join(dir, 'dir@acme.com.json'));
    symlinkSync('/dev/zero', join(dir, 'zero@acme.com.json'));
    execFileSync('truncate', ['-s', '1500M', join(dir, 'sparse@acme.com.json')]);
    writeFileSync(join(dir, 'notjson@acme.com.json'), '{"username":');
    writeFileSync(join(dir, 'empty@acme.com.json'), '');
    writeFileSync(join(dir, 'alias.json'), '{}');

    const started = Date.now();
    const store = await listStoredLogins(dir);
    expect(Date.now() - started, 'nothing blocks, nothing big is read').to.be.below(2000);
    expect(store.jwt.map((l) => l.username)).to.deep.equal(['ci@acme.com']);
    expect(store.jwt[0]).to.include({ clientId: '3MVG9', privateKey: '/keys/server.key', isJwt: true });
    const reasons = Object.fromEntries(store.unreadable.map((u) => [u.username, u.reason]));
    expect(reasons['fifo@acme.com']).to.match(/^it is a named pipe \(FIFO\)/);
    expect(reasons['dir@acme.com']).to.equal('it is a directory');
    expect(reasons['zero@acme.com']).to.equal('it is a device, not a regular file');
    expect(reasons['sparse@acme.com']).to.equal(
      `it is 1572864000 bytes long, more than any file the CLI stores there (at most ${MAX_STORE_FILE_BYTES} bytes are read)`,
    );
    expect(reasons['notjson@acme.com']).to.equal('the file is not JSON');
    expect(reasons['empty@acme.com']).to.equal('the file is empty');
  });

  it('a file it may not read: "permission denied", never EACCES (as root sees it, stubbed)', async () => {
    write('ci@acme.com.json', jwt('ci@acme.com'));
    sinon
      .stub(storeFs, 'readFile')
      .resolves({ ok: false, path: join(dir, 'ci@acme.com.json'), problem: 'accessDenied' });
    const store = await listStoredLogins(dir);
    expect(store.unreadable).to.deep.equal([
      { username: 'ci@acme.com', file: join(dir, 'ci@acme.com.json'), reason: 'permission denied' },
    ]);
  });

  it('a directory it may not list is an error with the path, never an empty store (as root sees it, stubbed)', async () => {
    write('ci@acme.com.json', jwt('ci@acme.com'));
    sinon
      .stub(storeFs, 'readdir')
      .rejects(Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES' }));
    const error = await listStoredLogins(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(SfError);
    expect((error as SfError).message).to.equal(`Can't read the CLI's stored logins in ${dir}: permission denied.`);
    expect((error as SfError).exitCode).to.equal(1);
  });

  it('a missing ~/.sfdx is an empty store: nothing is stored', async () => {
    expect(await listStoredLogins(join(dir, 'missing'))).to.deep.equal({
      jwt: [],
      unreadable: [],
      keyFileExists: false,
    });
  });

  it('keeps one login per user: a symbolic link or a copy under another name is not a second login', async () => {
    write('ci@acme.com.json', jwt('ci@acme.com'));
    symlinkSync(join(dir, 'ci@acme.com.json'), join(dir, 'ci-link@acme.com.json'));
    write('a-copy@acme.com.json', jwt('ci@acme.com'));
    const store = await listStoredLogins(dir);
    expect(store.jwt.map((l) => l.file)).to.deep.equal([join(dir, 'ci@acme.com.json')]);
  });

  it('reads one stored login: undefined when there is none, an error naming the file when it is broken', async () => {
    write('ci@acme.com.json', jwt('ci@acme.com'));
    writeFileSync(join(dir, 'broken@acme.com.json'), 'not json');
    expect(await readStoredLogin('ci@acme.com', dir)).to.include({ username: 'ci@acme.com', isJwt: true });
    expect(await readStoredLogin('nobody@acme.com', dir)).to.equal(undefined);
    expect(await readStoredLogin('../etc/passwd', dir), 'a path is not a username').to.equal(undefined);
    const error = await readStoredLogin('broken@acme.com', dir).then(
      () => undefined,
      (e: unknown) => e as SfError,
    );
    expect(error?.message).to.equal(
      `The CLI's stored login for broken@acme.com can't be read: ${join(dir, 'broken@acme.com.json')}: the file is not JSON.`,
    );
  });

  it('reads the aliases, and names an alias file it cannot read', async function () {
    writeFileSync(join(dir, 'alias.json'), JSON.stringify({ orgs: { ci: 'ci@acme.com', odd: 42 } }));
    expect([...(await readAliases(dir))]).to.deep.equal([['ci', 'ci@acme.com']]);
    expect([...(await readAliases(join(dir, 'missing')))]).to.deep.equal([]);
    if (!linux) this.skip();
    rmSync(join(dir, 'alias.json'));
    execFileSync('mkfifo', [join(dir, 'alias.json')]);
    const error = await readAliases(dir).then(
      () => undefined,
      (e: unknown) => e as SfError,
    );
    expect(error?.message).to.match(/^The CLI's aliases can't be read: .*alias\.json: it is a named pipe \(FIFO\)/);
  });
});
