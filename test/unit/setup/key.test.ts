import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SfError } from '@salesforce/core';
import { prepareKey } from '../../../src/setup/key.js';
import { fixtureKey, SERVER_KEY } from '../../helpers/keys.js';

const SERVER_CRT = fixtureKey('server.crt');

async function refusal(promise: Promise<unknown>): Promise<SfError> {
  try {
    await promise;
  } catch (error) {
    expect((error as SfError).exitCode).to.equal(1);
    return error as SfError;
  }
  return expect.fail('expected the key step to fail');
}

describe('setup/key: the key and certificate of sf jwt setup', function () {
  this.timeout(30_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-setup-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a new 2048-bit pair in memory and writes it (0600 / 0644) only when asked', async () => {
    const out = join(dir, 'jwt');
    const key = await prepareKey({ outputDir: out, commonName: 'sf_jwt' });
    expect(key).to.deep.include({
      keyFile: join(out, 'server.key'),
      certFile: join(out, 'server.crt'),
      bits: 2048,
      writes: 'pair',
    });
    expect(readdirSync(dir)).to.deep.equal([]);
    await key.write();
    expect(statSync(key.keyFile).mode & 0o777).to.equal(0o600);
    const cert = new X509Certificate(readFileSync(key.certFile));
    expect(cert.fingerprint256).to.equal(key.fingerprint);
    expect(cert.subject).to.equal('CN=sf_jwt');
    // a second run reuses the pair, writing nothing
    const again = await prepareKey({ outputDir: out, commonName: 'sf_jwt' });
    expect(again).to.deep.include({
      writes: 'nothing',
      fingerprint: key.fingerprint,
      publicKeyFingerprint: key.publicKeyFingerprint,
    });
  });

  it('refuses half a pair and a pair that is not one, writing nothing', async () => {
    copyFileSync(SERVER_KEY, join(dir, 'server.key'));
    const half = await refusal(prepareKey({ outputDir: dir, commonName: 'x' }));
    expect(half.name).to.equal('NotAPairError');
    expect(half.message).to.include('but not');
    expect(half.actions?.join('\n')).to.include(`--jwt-key-file ${join(dir, 'server.key')}`);
    copyFileSync(fixtureKey('other.crt'), join(dir, 'server.crt'));
    const mixed = await refusal(prepareKey({ outputDir: dir, commonName: 'x' }));
    expect(mixed.message).to.include("can't be reused as a pair");
    writeFileSync(join(dir, 'server.key'), 'not a key');
    expect((await refusal(prepareKey({ outputDir: dir, commonName: 'x' }))).message).to.include(
      'is not a PEM private key',
    );
    expect(readdirSync(dir).sort()).to.deep.equal(['server.crt', 'server.key']);
  });

  it('an existing key passes diagnose’s key checks: missing, weak and encrypted keys are refused in its words', async () => {
    const missing = await refusal(prepareKey({ keyFile: join(dir, 'nope.key'), outputDir: dir, commonName: 'x' }));
    expect(missing.message).to.include('does not exist');
    const weak = await refusal(prepareKey({ keyFile: fixtureKey('weak1024.key'), outputDir: dir, commonName: 'x' }));
    expect(weak.message).to.include('1024');
    const encrypted = await refusal(
      prepareKey({ keyFile: fixtureKey('encrypted.key'), outputDir: dir, commonName: 'x' }),
    );
    expect(encrypted.message).to.include('encrypted');
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('an existing key with its certificate: reused; with another certificate: refused', async () => {
    const key = await prepareKey({ keyFile: SERVER_KEY, certFile: SERVER_CRT, outputDir: dir, commonName: 'x' });
    expect(key).to.deep.include({ keyFile: SERVER_KEY, certFile: SERVER_CRT, writes: 'nothing' });
    const other = await refusal(
      prepareKey({ keyFile: SERVER_KEY, certFile: fixtureKey('other.crt'), outputDir: dir, commonName: 'x' }),
    );
    expect(other.name).to.equal('CertificateMismatchError');
  });

  it('an existing key without its certificate: one is made from it into --output-dir (or the app’s own kept)', async () => {
    const key = await prepareKey({ keyFile: SERVER_KEY, outputDir: dir, commonName: 'sf_jwt' });
    expect(key).to.deep.include({ certFile: join(dir, 'server.crt'), writes: 'certificate' });
    expect(new X509Certificate(key.certPem).subject).to.equal('CN=sf_jwt');
    expect(key.publicKeyFingerprint).to.equal(
      (await prepareKey({ keyFile: SERVER_KEY, certFile: SERVER_CRT, outputDir: dir, commonName: 'x' }))
        .publicKeyFingerprint,
    );
    // the app's certificate of the same key is written instead
    const kept = key.withCertificate?.(readFileSync(SERVER_CRT, 'utf8'));
    await kept?.write();
    expect(new X509Certificate(readFileSync(join(dir, 'server.crt'))).fingerprint256).to.equal(
      new X509Certificate(readFileSync(SERVER_CRT)).fingerprint256,
    );
    // next time the certificate there is the key's: reused
    expect((await prepareKey({ keyFile: SERVER_KEY, outputDir: dir, commonName: 'x' })).writes).to.equal('nothing');
    // another key's certificate there is refused, never overwritten
    const elsewhere = await refusal(prepareKey({ keyFile: fixtureKey('other.key'), outputDir: dir, commonName: 'x' }));
    expect(elsewhere.message).to.include('is not the certificate of');
  });

  it('refuses an --output-dir that is a file', async () => {
    writeFileSync(join(dir, 'file'), '');
    const refused = await refusal(prepareKey({ outputDir: join(dir, 'file'), commonName: 'x' }));
    expect(refused.name).to.equal('NotADirectoryError');
  });
});
