import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkKeySize, MIN_RSA_BITS } from '../../../../src/diagnose/checks/keySize.js';
import { fixtureKey } from '../../../helpers/keys.js';

const load = (name: string): ReturnType<typeof createPrivateKey> => createPrivateKey(readFileSync(fixtureKey(name)));

describe('checks: key size', () => {
  it('passes a 2048-bit key', () => {
    const check = checkKeySize(load('server.key'));
    expect(check).to.include({ id: 'key-size', status: 'pass' });
    expect(check.message).to.include('2048');
  });

  it('passes a 3072-bit key', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    expect(checkKeySize(privateKey).status).to.equal('pass');
  });

  it('fails a 1024-bit key with KEY_TOO_SHORT, the bit count and sf jwt keygen as the fix', () => {
    const check = checkKeySize(load('weak1024.key'));
    expect(check).to.include({ id: 'key-size', status: 'fail', code: 'KEY_TOO_SHORT' });
    expect(check.message).to.include('1024').and.to.include(String(MIN_RSA_BITS));
    const actions = check.actions?.join('\n') ?? '';
    expect(actions).to.include('sf jwt keygen');
    expect(actions).to.include('Use digital signatures');
  });
});
