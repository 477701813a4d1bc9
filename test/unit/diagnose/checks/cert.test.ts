import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { checkCertFile, EXPIRY_WARNING_DAYS } from '../../../../src/diagnose/checks/cert.js';
import { publicKeyFingerprint } from '../../../../src/keys/match.js';
import { createSelfSignedCertificate, generateKeyPairAndCert } from '../../../../src/keys/generate.js';
import { fixtureKey } from '../../../helpers/keys.js';

const key = (name: string): KeyObject => createPrivateKey(readFileSync(fixtureKey(name)));
const DAY = 24 * 60 * 60 * 1000;

describe('checks: certificate', () => {
  let dir: string;
  const server = key('server.key');
  const now = new Date('2027-01-15T12:00:00Z');

  /** A certificate for server.key with chosen dates, made with the same library as keygen. */
  const certFor = async (name: string, notBefore: Date, notAfter: Date): Promise<string> => {
    const pem = await createSelfSignedCertificate({
      privateKey: server,
      publicKey: createPublicKey(server),
      commonName: 'test',
      notBefore,
      notAfter,
    });
    const path = join(dir, name);
    await writeFile(path, pem);
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwt-cert-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the openssl certificate of the same key (PEM)', async () => {
    const check = await checkCertFile(fixtureKey('server.crt'), server, now);
    expect(check).to.include({ id: 'cert', status: 'pass' });
    expect(check.message).to.include(publicKeyFingerprint(server)).and.to.include('2036-11-22');
  });

  it('passes the same certificate in DER form', async () => {
    const der = join(dir, 'server.der');
    await writeFile(der, new X509Certificate(readFileSync(fixtureKey('server.crt'))).raw);
    expect((await checkCertFile(der, server, now)).status).to.equal('pass');
  });

  it('passes a PKCS#1 key against the certificate of the same key pair', async () => {
    expect((await checkCertFile(fixtureKey('server.crt'), key('pkcs1.key'), now)).status).to.equal('pass');
  });

  it('reads a certificate made by keygen', async () => {
    const generated = await generateKeyPairAndCert({ now });
    const path = join(dir, 'keygen.crt');
    await writeFile(path, generated.certPem);
    const check = await checkCertFile(path, createPrivateKey(generated.keyPem), now);
    expect(check.status).to.equal('pass');
    expect((await checkCertFile(path, server, now)).code).to.equal('KEY_CERT_MISMATCH');
  });

  it('fails KEY_CERT_MISMATCH for another key, with both public-key fingerprints and the fix', async () => {
    const check = await checkCertFile(fixtureKey('other.crt'), server, now);
    expect(check).to.include({ id: 'cert', status: 'fail', code: 'KEY_CERT_MISMATCH' });
    const certFingerprint = publicKeyFingerprint(new X509Certificate(readFileSync(fixtureKey('other.crt'))).publicKey);
    expect(check.message).to.include(certFingerprint).and.to.include(publicKeyFingerprint(server));
    expect(certFingerprint).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const actions = check.actions?.join('\n') ?? '';
    expect(actions).to.include('sf jwt keygen').and.to.include('Use digital signatures');
  });

  it('skips with a reason when there is no key', async () => {
    const check = await checkCertFile(fixtureKey('server.crt'), undefined, now);
    expect(check).to.include({ id: 'cert', status: 'skip' });
    expect(check.message).to.include('private key could not be read');
  });

  it('warns (does not fail) for an expired certificate of the right key', async () => {
    const path = await certFor('expired.crt', new Date(now.getTime() - 400 * DAY), new Date(now.getTime() - 35 * DAY));
    const check = await checkCertFile(path, server, now);
    expect(check).to.include({ id: 'cert', status: 'warn' });
    expect(check.code).to.equal(undefined);
    expect(check.message).to.include('expired').and.to.include('does not block');
    expect(check.actions?.join('\n')).to.include('sf jwt keygen');
  });

  it(`warns with sf jwt keygen as the fix when expiring within ${EXPIRY_WARNING_DAYS} days`, async () => {
    const path = await certFor('soon.crt', new Date(now.getTime() - 300 * DAY), new Date(now.getTime() + 10 * DAY));
    const check = await checkCertFile(path, server, now);
    expect(check).to.include({ id: 'cert', status: 'warn' });
    expect(check.message).to.include('in 10 days');
    expect(check.actions?.join('\n')).to.include('sf jwt keygen');
  });

  it('passes a certificate expiring in more than 30 days', async () => {
    const path = await certFor('later.crt', new Date(now.getTime() - DAY), new Date(now.getTime() + 31 * DAY));
    expect((await checkCertFile(path, server, now)).status).to.equal('pass');
  });

  it('warns for a certificate that is not valid yet', async () => {
    const path = await certFor('future.crt', new Date(now.getTime() + 2 * DAY), new Date(now.getTime() + 365 * DAY));
    const check = await checkCertFile(path, server, now);
    expect(check.status).to.equal('warn');
    expect(check.message).to.include('not valid before');
  });

  it('checks the key before the dates: an expired certificate of another key is a mismatch', async () => {
    const other = key('other.key');
    const pem = await createSelfSignedCertificate({
      privateKey: other,
      publicKey: createPublicKey(other),
      commonName: 'other',
      notBefore: new Date(now.getTime() - 400 * DAY),
      notAfter: new Date(now.getTime() - DAY),
    });
    const path = join(dir, 'other-expired.crt');
    await writeFile(path, pem);
    expect((await checkCertFile(path, server, now)).code).to.equal('KEY_CERT_MISMATCH');
  });

  describe('a --cert-file that is not a certificate fails KEY_CERT_MISMATCH saying why', () => {
    const cases: Array<[string, () => string, string]> = [
      ['a missing file', (): string => join(dir, 'missing.crt'), 'does not exist'],
      ['a directory', (): string => dir, 'directory'],
      ['an empty file', (): string => fixtureKey('empty.key'), 'empty'],
      ['a private key', (): string => fixtureKey('server.key'), 'private key, not a certificate'],
      ['a public key', (): string => fixtureKey('public.pem'), 'public key, not a certificate'],
      ['garbage', (): string => fixtureKey('garbage.key'), 'not an X.509 certificate'],
    ];
    for (const [what, path, words] of cases) {
      it(what, async () => {
        const check = await checkCertFile(path(), server, now);
        expect(check).to.include({ id: 'cert', status: 'fail', code: 'KEY_CERT_MISMATCH' });
        expect(check.message).to.include('could not be compared').and.to.include(words);
        expect(check.actions?.[0]).to.include('--cert-file');
      });
    }
  });
});
