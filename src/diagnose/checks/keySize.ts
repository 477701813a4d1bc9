import type { KeyObject } from 'node:crypto';
import type { Check } from '../types.js';
import { checkMessages as messages } from './messages.js';

/** Salesforce CLI (jsonwebtoken) and jose refuse RS256 with a shorter modulus. */
export const MIN_RSA_BITS = 2048;

/** The modulus length of an RSA key, 0 when unknown. */
export function rsaBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

/**
 * Checks that the RSA key is at least MIN_RSA_BITS long.
 *
 * @param key a parsed RSA private key (see checkKeyParse)
 */
export function checkKeySize(key: KeyObject): Check {
  const bits = rsaBits(key);
  if (bits >= MIN_RSA_BITS) {
    return {
      id: 'key-size',
      status: 'pass',
      message: messages.getMessage('keySize.pass', [String(bits), String(MIN_RSA_BITS)]),
    };
  }
  return {
    id: 'key-size',
    status: 'fail',
    code: 'KEY_TOO_SHORT',
    message: messages.getMessage('keySize.tooShort', [String(bits), String(MIN_RSA_BITS)]),
    actions: messages.getMessages('keySize.tooShort.actions'),
  };
}
