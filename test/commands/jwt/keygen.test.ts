import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TestContext } from '@salesforce/core/testSetup';
import type { SfError } from '@salesforce/core';
import { stubSfCommandUx, stubSpinner } from '@salesforce/sf-plugins-core';
import JwtKeygen from '../../../src/commands/jwt/keygen.js';
import { checkCertFile } from '../../../src/diagnose/checks/cert.js';

const SHA256_WITH_RSA = Buffer.from('06092a864886f70d01010b', 'hex');
const DAY = 24 * 60 * 60 * 1000;

describe('jwt keygen', () => {
  const $$ = new TestContext();
  let ux: ReturnType<typeof stubSfCommandUx>;
  let dir: string;

  const printed = (): string =>
    [ux.log, ux.logSuccess, ux.styledHeader, ux.warn, ux.info]
      .flatMap((stub) => stub.getCalls().flatMap((call) => call.args as unknown[]))
      .map(String)
      .join('\n')
      // folded to the output's width: one line per paragraph again
      .replace(/\n[ \t]*(?=\S)/g, ' ');

  const runFails = async (args: string[]): Promise<SfError> => {
    try {
      await JwtKeygen.run(args);
    } catch (err) {
      return err as SfError;
    }
    expect.fail('the command succeeded');
  };

  beforeEach(async () => {
    ux = stubSfCommandUx($$.SANDBOX);
    stubSpinner($$.SANDBOX);
    dir = await mkdtemp(join(tmpdir(), 'jwt-keygen-cmd-'));
  });
  afterEach(async () => {
    $$.restore();
    process.exitCode = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a 2048-bit key (0600) and its self-signed certificate, and says where and what next', async () => {
    const before = Date.now();
    const result = await JwtKeygen.run(['--output-dir', dir]);

    expect(result.keyFile).to.equal(join(dir, 'server.key'));
    expect(result.certFile).to.equal(join(dir, 'server.crt'));
    expect((await stat(result.keyFile)).mode & 0o777).to.equal(0o600);

    const keyPem = await readFile(result.keyFile, 'utf8');
    expect(keyPem).to.match(/^-----BEGIN PRIVATE KEY-----/);
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).to.equal('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).to.equal(2048);

    const cert = new X509Certificate(await readFile(result.certFile));
    expect(cert.checkPrivateKey(key)).to.equal(true);
    expect(cert.raw.includes(SHA256_WITH_RSA)).to.equal(true);
    const from = new Date(cert.validFrom).getTime();
    expect(from).to.be.within(Math.floor(before / 1000) * 1000, Date.now());
    expect(new Date(cert.validTo).getTime() - from).to.equal(365 * DAY);
    expect(result.fingerprint).to.equal(cert.fingerprint256);
    expect(result.expiresAt).to.equal(new Date(cert.validTo).toISOString());

    const out = printed();
    expect(out).to.include(result.keyFile).and.to.include(result.certFile);
    expect(out).to.include(result.fingerprint).and.to.include(result.expiresAt);
    expect(out).to.include('Setup → App Manager').and.to.include('External Client App Manager');
    expect(out).to.include(
      `sf org login jwt --username <username> --client-id <consumer key> --jwt-key-file ${result.keyFile}`,
    );
    expect(process.exitCode ?? 0).to.equal(0);
  });

  it('returns the JSON contract and never key material', async () => {
    const result = await JwtKeygen.run([
      '--output-dir',
      dir,
      '--bits',
      '3072',
      '--days',
      '30',
      '--common-name',
      'CI user',
      '--json',
    ]);
    expect(Object.keys(result).sort()).to.deep.equal([
      'bits',
      'certFile',
      'commonName',
      'expiresAt',
      'fingerprint',
      'keyFile',
    ]);
    expect(result).to.include({ bits: 3072, commonName: 'CI user' });
    expect(new Date(result.expiresAt).toISOString()).to.equal(result.expiresAt);
    expect(createPrivateKey(await readFile(result.keyFile)).asymmetricKeyDetails?.modulusLength).to.equal(3072);
    expect(new X509Certificate(await readFile(result.certFile)).subject).to.equal('CN=CI user');

    const keyBody = (await readFile(result.keyFile, 'utf8')).split('\n')[1];
    const everything = JSON.stringify(result) + printed();
    expect(everything).not.to.include('PRIVATE KEY');
    expect(everything).not.to.include(keyBody);
  });

  it('makes a 4096-bit key', async () => {
    const result = await JwtKeygen.run(['--output-dir', dir, '--bits', '4096']);
    expect(createPrivateKey(await readFile(result.keyFile)).asymmetricKeyDetails?.modulusLength).to.equal(4096);
  });

  it('refuses --bits 1024 with the reason and writes nothing', async () => {
    const err = await runFails(['--output-dir', dir, '--bits', '1024']);
    expect(err.name).to.equal('BitsTooShortError');
    expect(err.exitCode).to.equal(2);
    expect(err.message)
      .to.include('1024')
      .and.to.include('Salesforce CLI refuses to sign a JWT with an RSA key shorter than 2048 bits');
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('refuses to overwrite existing files, leaving them untouched (exit code 1)', async () => {
    await writeFile(join(dir, 'server.key'), 'old key');
    const err = await runFails(['--output-dir', dir]);
    expect(err.name).to.equal('FilesExistError');
    expect(err.exitCode).to.equal(1);
    expect(err.message).to.equal(`Not writing anything: ${dir} already has server.key.`);
    expect(err.actions?.join('\n')).to.include('--force');
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal('old key');
    expect(await readdir(dir)).to.deep.equal(['server.key']);
  });

  it('refuses when only the certificate exists', async () => {
    await writeFile(join(dir, 'server.crt'), 'old cert');
    const err = await runFails(['--output-dir', dir]);
    expect(err.name).to.equal('FilesExistError');
    expect(err.message).to.include('already has server.crt');
    expect(await readdir(dir)).to.deep.equal(['server.crt']);
  });

  it('names both files when both exist', async () => {
    await writeFile(join(dir, 'server.key'), 'old key');
    await writeFile(join(dir, 'server.crt'), 'old cert');
    const err = await runFails(['--output-dir', dir]);
    expect(err.message).to.include('already has server.key, server.crt');
    expect(await readFile(join(dir, 'server.key'), 'utf8')).to.equal('old key');
  });

  it('overwrites with --force', async () => {
    const first = await JwtKeygen.run(['--output-dir', dir, '--json']);
    const firstKey = await readFile(first.keyFile, 'utf8');
    const second = await JwtKeygen.run(['--output-dir', dir, '--force', '--json']);
    expect(await readFile(second.keyFile, 'utf8')).not.to.equal(firstKey);
    expect(second.fingerprint).not.to.equal(first.fingerprint);
    expect((await stat(second.keyFile)).mode & 0o777).to.equal(0o600);
    const cert = new X509Certificate(await readFile(second.certFile));
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(second.keyFile)))).to.equal(true);
  });

  it('creates a missing output directory', async () => {
    const out = join(dir, 'a', 'b');
    const result = await JwtKeygen.run(['--output-dir', out, '--json']);
    expect(result.keyFile).to.equal(join(out, 'server.key'));
    expect((await stat(out)).mode & 0o777).to.equal(0o700);
  });

  it('fails with exit code 1 and an action for an unwritable directory', async function () {
    if (process.getuid?.() !== 0) this.skip(); // /sys refuses new files even to root; the unit tests cover non-root
    const err = await runFails(['--output-dir', '/sys']);
    expect(err.name).to.equal('DirectoryNotWritableError');
    expect(err.exitCode).to.equal(1);
    expect(err.actions?.join('\n')).to.include('--output-dir');
    // refused before any key was generated
    expect(printed()).to.not.include('Generating');
    expect(ux.logToStderr.args.flat().join('\n')).to.not.include('Generating');
  });

  it('checks the output directory before generating a key: existing files are refused first', async () => {
    await writeFile(join(dir, 'server.key'), 'old key');
    await runFails(['--output-dir', dir]);
    expect(ux.logToStderr.args.flat().join('\n')).to.not.include('Generating');
    expect(await readdir(dir)).to.deep.equal(['server.key']);
  });

  it('writes a pair that the certificate check of jwt diagnose accepts', async () => {
    const result = await JwtKeygen.run(['--output-dir', dir, '--json']);
    const key = createPrivateKey(await readFile(result.keyFile));
    expect((await checkCertFile(result.certFile, key)).status).to.equal('pass');
  });
});
