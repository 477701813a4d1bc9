import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SfError } from '@salesforce/core';
import { checkCertFile } from '../../../src/diagnose/checks/cert.js';
import { checkKeyParse } from '../../../src/diagnose/checks/keyParse.js';
import {
  DEFAULT_COMMON_NAME,
  generateKeyPairAndCert,
  validateKeygenOptions,
  type GeneratedKeyAndCert,
} from '../../../src/keys/generate.js';
import { expectSfError } from '../../helpers/errors.js';

/** DER of the sha256WithRSAEncryption OID 1.2.840.113549.1.1.11 */
const SHA256_WITH_RSA = Buffer.from('06092a864886f70d01010b', 'hex');
const DAY = 24 * 60 * 60 * 1000;

describe('keygen', () => {
  let dir: string;
  let generated: GeneratedKeyAndCert;
  const now = new Date('2027-03-01T10:20:30.456Z');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwt-keygen-'));
    generated = await generateKeyPairAndCert({ now, days: 90, commonName: 'CI, deploy=user' });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('generateKeyPairAndCert', () => {
    it('makes a 2048-bit PKCS#8 RSA key by default', async () => {
      const defaults = await generateKeyPairAndCert();
      expect(defaults.bits).to.equal(2048);
      expect(defaults.commonName).to.equal(DEFAULT_COMMON_NAME);
      expect(defaults.keyPem).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      const key = createPrivateKey(defaults.keyPem);
      expect(key.asymmetricKeyType).to.equal('rsa');
      expect(key.asymmetricKeyDetails?.modulusLength).to.equal(2048);
      expect(key.asymmetricKeyDetails?.publicExponent).to.equal(BigInt(65_537));
      expect(checkKeyParse(defaults.keyPem, 'server.key').check.status).to.equal('pass');
    });

    it('makes a self-signed SHA-256/RSA certificate of the same key', () => {
      const cert = new X509Certificate(generated.certPem);
      expect(cert.checkPrivateKey(createPrivateKey(generated.keyPem))).to.equal(true);
      expect(cert.verify(cert.publicKey)).to.equal(true);
      expect(cert.raw.includes(SHA256_WITH_RSA)).to.equal(true);
      expect(cert.subject).to.equal(cert.issuer);
      expect(cert.subject).to.include('CI\\, deploy=user');
      expect(cert.ca).to.equal(false);
    });

    it('writes the common name exactly as given: quotes, a leading #, non-ASCII letters', async () => {
      const cases: Array<[string, string]> = [
        ['CI "deploy" user', 'CN=CI \\"deploy\\" user'],
        ['#abc', 'CN=\\#abc'],
        ['Zoë + CI', 'CN=Zoë \\+ CI'],
      ];
      for (const [commonName, subject] of cases) {
        // eslint-disable-next-line no-await-in-loop
        const made = await generateKeyPairAndCert({ commonName });
        expect(new X509Certificate(made.certPem).subject, commonName).to.equal(subject);
        expect(made.commonName).to.equal(commonName);
      }
    });

    it('is valid from now (whole seconds) for the given days', () => {
      const cert = new X509Certificate(generated.certPem);
      const from = new Date('2027-03-01T10:20:30.000Z');
      expect(new Date(cert.validFrom).toISOString()).to.equal(from.toISOString());
      expect(new Date(cert.validTo).toISOString()).to.equal(new Date(from.getTime() + 90 * DAY).toISOString());
      expect(generated.expiresAt.toISOString()).to.equal(new Date(cert.validTo).toISOString());
      expect(generated.notBefore.toISOString()).to.equal(from.toISOString());
    });

    it('reports the certificate SHA-256 fingerprint', () => {
      expect(generated.fingerprint).to.equal(new X509Certificate(generated.certPem).fingerprint256);
      expect(generated.fingerprint).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });

    it('makes larger keys on request', async () => {
      const big = await generateKeyPairAndCert({ bits: 3072 });
      expect(createPrivateKey(big.keyPem).asymmetricKeyDetails?.modulusLength).to.equal(3072);
      expect(new X509Certificate(big.certPem).checkPrivateKey(createPrivateKey(big.keyPem))).to.equal(true);
    });

    it('passes the certificate check against its key', async () => {
      const path = join(dir, 'check.crt');
      await writeFile(path, generated.certPem);
      expect((await checkCertFile(path, createPrivateKey(generated.keyPem), now)).status).to.equal('pass');
    });
  });

  describe('validateKeygenOptions', () => {
    it('refuses 1024 bits, with the reason (exit code 2)', () => {
      for (const bits of [1024, 512, 2047]) {
        try {
          validateKeygenOptions({ bits });
          expect.fail(`${bits} accepted`);
        } catch (err) {
          expect((err as SfError).name).to.equal('BitsTooShortError');
          expect((err as SfError).exitCode).to.equal(2);
          expect((err as SfError).message)
            .to.include(`${bits}-bit`)
            .and.to.include('shorter than 2048 bits');
        }
      }
    });

    it('refuses sizes above 4096 with the real limit, not as "too short" (exit code 2)', () => {
      for (const bits of [8192, 16_384, 3000]) {
        try {
          validateKeygenOptions({ bits });
          expect.fail(`${bits} accepted`);
        } catch (err) {
          expect((err as SfError).name).to.equal('BitsNotAllowedError');
          expect((err as SfError).exitCode).to.equal(2);
          expect((err as SfError).message)
            .to.include(`${bits}-bit`)
            .and.not.to.include('shorter');
          if (bits > 4096) expect((err as SfError).message).to.include('4096 bits is the largest');
        }
      }
    });

    it('refuses days out of range and unusable common names', () => {
      expect(() => validateKeygenOptions({ days: 0 })).to.throw(/1 to 36500/);
      expect(() => validateKeygenOptions({ days: 1.5 })).to.throw(/1 to 36500/);
      expect(() => validateKeygenOptions({ commonName: ' ' })).to.throw(/common name/);
      expect(() => validateKeygenOptions({ commonName: 'x'.repeat(65) })).to.throw(/common name/);
      expect(() => validateKeygenOptions({ commonName: 'a\nb' })).to.throw(/common name/);
      expect(() => validateKeygenOptions({ commonName: 'a\u001b[31mb' })).to.throw(/common name/);
    });

    it('fills in the defaults', () => {
      expect(validateKeygenOptions({})).to.deep.equal({ bits: 2048, days: 365, commonName: DEFAULT_COMMON_NAME });
    });

    it('rejects before generating anything', async () => {
      await expectSfError(generateKeyPairAndCert({ bits: 1024 }), 'BitsTooShortError', 2);
    });
  });
});
