import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkKeyParse } from '../../../../src/diagnose/checks/keyParse.js';
import { fixtureKey } from '../../../helpers/keys.js';

const fixture = (name: string): { pem: string; path: string } => ({
  pem: readFileSync(fixtureKey(name), 'utf8'),
  path: fixtureKey(name),
});
const parse = (name: string): ReturnType<typeof checkKeyParse> => {
  const { pem, path } = fixture(name);
  return checkKeyParse(pem, path);
};

describe('checks: key parse', () => {
  it('passes a PKCS#8 RSA key and returns it', () => {
    const { check, key } = parse('server.key');
    expect(check).to.include({ id: 'key-parse', status: 'pass' });
    expect(check.message).to.include('PKCS#8');
    expect(key?.asymmetricKeyType).to.equal('rsa');
    expect(key?.type).to.equal('private');
  });

  it('passes a PKCS#1 RSA key and says so', () => {
    const { check, key } = parse('pkcs1.key');
    expect(check.status).to.equal('pass');
    expect(check.message).to.include('PKCS#1');
    expect(key?.asymmetricKeyDetails?.modulusLength).to.equal(2048);
  });

  it('passes a 1024-bit key (the size is the next check)', () => {
    expect(parse('weak1024.key').check.status).to.equal('pass');
  });

  it('names an encrypted PKCS#8 key and shows the openssl pkey command', () => {
    const { check, key } = parse('encrypted.key');
    expect(check).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
    expect(check.message).to.include('encrypted');
    expect(check.actions?.[0]).to.include(`openssl pkey -in ${fixtureKey('encrypted.key')} -out server.key`);
    expect(key).to.equal(undefined);
  });

  it('names an encrypted PKCS#1 key and shows the openssl rsa command', () => {
    const { check } = parse('encrypted-pkcs1.key');
    expect(check).to.include({ status: 'fail', code: 'KEY_UNREADABLE' });
    expect(check.message).to.include('encrypted');
    expect(check.actions?.[0]).to.include(`openssl rsa -in ${fixtureKey('encrypted-pkcs1.key')} -out server.key`);
  });

  it('names a certificate as the thing to upload, not to sign with', () => {
    const { check } = parse('server.crt');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message).to.include('is a certificate, not a private key');
    expect(check.actions?.[0]).to.include('upload');
  });

  it('names a public key', () => {
    const { check } = parse('public.pem');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message).to.include('is a public key');
  });

  it('names an RSA PUBLIC KEY and an ssh public key line', () => {
    expect(
      checkKeyParse('-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n', 'k').check.message,
    ).to.include('public key');
    expect(checkKeyParse('ssh-rsa AAAAB3NzaC1yc2E me@host\n', 'k').check.message).to.include('public key');
  });

  it('names an EC key (PKCS#8 and SEC1) as not RSA', () => {
    const { check } = parse('ec.key');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message).to.include('EC (elliptic curve)').and.to.include('RS256');
    const sec1 = checkKeyParse('-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n', 'ec.pem');
    expect(sec1.check.message).to.include('EC (elliptic curve)');
  });

  it('names an OpenSSH private key', () => {
    const { check } = checkKeyParse(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n',
      '/k/id_rsa',
    );
    expect(check.message).to.include('OpenSSH');
    expect(check.actions?.[0]).to.include('ssh-keygen -p -N "" -m PKCS8 -f server.key').and.to.include('/k/id_rsa');
  });

  it('says a file is not PEM at all', () => {
    const { check } = parse('garbage.key');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message).to.include('not a PEM private key');
    expect(check.actions?.join('\n')).to.include('-inform DER');
  });

  it('says a truncated key has no END line', () => {
    const { check } = parse('truncated.key');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message).to.include('incomplete').and.to.include('-----END PRIVATE KEY-----');
  });

  it('recognizes a key whose line breaks were written as \\n', () => {
    const oneLine = fixture('server.key').pem.trim().split('\n').join('\\n');
    const { check } = checkKeyParse(oneLine, 'k');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message).to.include('single line');
  });

  it('says in words why a damaged key body could not be decoded, without the strings of OpenSSL', () => {
    const damaged =
      '-----BEGIN PRIVATE KEY-----\nTUlJRXZRSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NCS2N3Z2dTakFnRUFBb0lCQVFD\n-----END PRIVATE KEY-----\n';
    const { check, key } = checkKeyParse(damaged, 'k');
    expect(check.code).to.equal('KEY_UNREADABLE');
    expect(check.message)
      .to.include('could not be decoded')
      .and.to.match(/\((the data inside|its base64)[^)]+\)/);
    expect(check.message).not.to.match(/error:[0-9A-F]{8}|ERR_OSSL|routines/);
    expect(key).to.equal(undefined);
  });

  it('names another PEM type (a certificate request)', () => {
    const { check } = checkKeyParse(
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
      'k.csr',
    );
    expect(check.message).to.include('CERTIFICATE REQUEST');
  });

  it('reads the key of a file that holds a certificate and the key', () => {
    const both = fixture('server.crt').pem + fixture('server.key').pem;
    expect(checkKeyParse(both, 'both.pem').check.status).to.equal('pass');
  });

  it('never puts key material in the check', () => {
    for (const name of ['server.key', 'encrypted.key', 'truncated.key', 'ec.key']) {
      const { check } = parse(name);
      expect(JSON.stringify(check)).not.to.include('MII');
    }
  });
});
