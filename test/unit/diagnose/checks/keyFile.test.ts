import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { checkKeyFile } from '../../../../src/diagnose/checks/keyFile.js';
import { fixtureKey } from '../../../helpers/keys.js';

describe('checks: key file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwt-keyfile-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes and returns the text of a readable key', async () => {
    const { check, pem } = await checkKeyFile(fixtureKey('server.key'), 'flag');
    expect(check).to.include({ id: 'key-file', status: 'pass' });
    expect(check.code).to.equal(undefined);
    expect(pem).to.match(/^-----BEGIN PRIVATE KEY-----/);
    expect(check.message).to.include(fixtureKey('server.key'));
    expect(check.message).not.to.include('MII'); // never the key itself
  });

  it('names a missing file by its absolute path (flag)', async () => {
    const { check, pem } = await checkKeyFile('no/such/server.key', 'flag');
    expect(check).to.include({ id: 'key-file', status: 'fail', code: 'KEY_FILE_NOT_FOUND' });
    expect(check.message).to.include(resolve('no/such/server.key'));
    expect(check.actions?.join('\n')).to.include('--jwt-key-file').and.to.include(process.cwd());
    expect(check.actions?.join('\n')).not.to.include('stores only the path');
    expect(pem).to.equal(undefined);
  });

  it('explains a vanished stored key path (stored auth)', async () => {
    const { check } = await checkKeyFile('/tmp/ci-agent-1234/server.key', 'stored-auth');
    expect(check).to.include({ status: 'fail', code: 'KEY_FILE_NOT_FOUND' });
    const actions = check.actions?.join('\n') ?? '';
    expect(actions).to.include('stores only the path');
    expect(actions).to.include('/tmp/ci-agent-1234/server.key');
    expect(actions).to.include('environment variable');
    expect(actions).to.include('sf org login jwt');
  });

  it('treats a path through a regular file as not found', async () => {
    const { check } = await checkKeyFile(join(fixtureKey('server.key'), 'x'), 'flag');
    expect(check.code).to.equal('KEY_FILE_NOT_FOUND');
  });

  it('refuses a directory', async () => {
    const { check } = await checkKeyFile(dir, 'flag');
    expect(check).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
    expect(check.message).to.include('directory');
    expect(check.actions?.[0]).to.include(join(dir, 'server.key'));
  });

  it('refuses an empty file, and one with only whitespace', async () => {
    const empty = await checkKeyFile(fixtureKey('empty.key'), 'flag');
    expect(empty.check).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
    expect(empty.check.message).to.include('empty');
    const blank = join(dir, 'blank.key');
    await writeFile(blank, '\n  \n');
    expect((await checkKeyFile(blank, 'flag')).check.message).to.include('empty');
  });

  it('reports a file it may not read', async function () {
    if (process.getuid?.() === 0) this.skip(); // root reads any file
    const locked = join(dir, 'locked.key');
    await writeFile(locked, 'x');
    await chmod(locked, 0o000);
    const { check } = await checkKeyFile(locked, 'flag');
    expect(check).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
    expect(check.message).to.include('permission denied');
  });
});
