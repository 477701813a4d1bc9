import { createPrivateKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import type { Check } from '../types.js';
import { bullets } from '../../utils/bullets.js';
import { shellQuote } from '../../utils/shell.js';
import { checkMessages as messages } from './messages.js';

export type KeyParseResult = { check: Check; key?: KeyObject };

/** Readable names of the non-RSA key types node:crypto reports. */
const KEY_TYPE_NAMES: Record<string, string> = {
  ec: 'EC (elliptic curve)',
  dsa: 'DSA',
  dh: 'DH',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
  x25519: 'X25519',
  x448: 'X448',
  'rsa-pss': 'RSA-PSS (usable for PS256 only)',
};

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

const fail = (message: string, actions: string[]): KeyParseResult => ({
  check: { id: 'key-parse', status: 'fail', code: 'KEY_UNREADABLE', message, actions },
});

const notRsa = (abs: string, type: string): KeyParseResult =>
  fail(
    messages.getMessage('keyParse.notRsa', [abs, KEY_TYPE_NAMES[type] ?? type]),
    messages.getMessages('keyParse.notRsa.actions'),
  );

/**
 * Why OpenSSL could not decode the key, in words. OpenSSL's own strings ("error:1E08010C:DECODER
 * routines::unsupported") differ between versions and mean nothing to a user.
 */
const cryptoReason = (err: unknown): string => {
  const text = err instanceof Error ? `${'code' in err ? String(err.code) : ''} ${err.message}` : String(err);
  if (/base64|bad end line|bad end of line/i.test(text)) return messages.getMessage('keyParse.reason.base64');
  if (/asn1|wrong tag|header too long|too long|nested|encoding|bad object header|not enough data/i.test(text)) {
    return messages.getMessage('keyParse.reason.asn1');
  }
  if (/unsupported|decoder/i.test(text)) return messages.getMessage('keyParse.reason.unsupported');
  return messages.getMessage('keyParse.reason.other');
};

/**
 * Parses the key file's text as an RSA private key. The PEM header decides what the file is
 * (encrypted key, certificate, public key, EC or OpenSSH key, not PEM, truncated), and
 * crypto.createPrivateKey is the parser, so PKCS#1 and PKCS#8 both pass.
 * Every failure is KEY_UNREADABLE, naming what the file actually is.
 *
 * @param pem the file's text
 * @param path the file's path, for the messages
 */
export function checkKeyParse(pem: string, path: string): KeyParseResult {
  const abs = resolve(path);
  const labels = [...pem.matchAll(PEM_LABEL)].map((m) => m[1]);

  if (/-----BEGIN [A-Z0-9 ]+-----\\n/.test(pem)) {
    return fail(
      messages.getMessage('keyParse.escapedNewlines', [abs]),
      messages.getMessages('keyParse.escapedNewlines.actions'),
    );
  }
  if (labels.length === 0) {
    if (/^\s*(ssh-(rsa|dss|ed25519)|ecdsa-sha2-)\S* /.test(pem)) {
      return fail(messages.getMessage('keyParse.publicKey', [abs]), messages.getMessages('keyParse.publicKey.actions'));
    }
    return fail(
      messages.getMessage('keyParse.notPem', [abs]),
      bullets(messages, 'keyParse.notPem.actions', [shellQuote(abs)]),
    );
  }

  const privateLabel = labels.find((l) => l.endsWith('PRIVATE KEY'));
  if (privateLabel === undefined) {
    if (labels.some((l) => l.includes('CERTIFICATE') && !l.includes('REQUEST'))) {
      return fail(
        messages.getMessage('keyParse.certificate', [abs]),
        messages.getMessages('keyParse.certificate.actions'),
      );
    }
    if (labels.some((l) => l.endsWith('PUBLIC KEY'))) {
      return fail(messages.getMessage('keyParse.publicKey', [abs]), messages.getMessages('keyParse.publicKey.actions'));
    }
    return fail(
      messages.getMessage('keyParse.otherPem', [abs, labels[0]]),
      messages.getMessages('keyParse.otherPem.actions'),
    );
  }

  switch (privateLabel) {
    case 'ENCRYPTED PRIVATE KEY':
      return fail(
        messages.getMessage('keyParse.encrypted', [abs]),
        bullets(messages, 'keyParse.encrypted.actions', [shellQuote(abs)]),
      );
    case 'OPENSSH PRIVATE KEY':
      return fail(
        messages.getMessage('keyParse.openssh', [abs]),
        bullets(messages, 'keyParse.openssh.actions', [shellQuote(abs)]),
      );
    case 'EC PRIVATE KEY':
      return notRsa(abs, 'ec');
    case 'DSA PRIVATE KEY':
      return notRsa(abs, 'dsa');
    default:
      break;
  }
  if (/^Proc-Type:\s*4,\s*ENCRYPTED/m.test(pem)) {
    return fail(
      messages.getMessage('keyParse.encrypted', [abs]),
      bullets(messages, 'keyParse.encryptedPkcs1.actions', [shellQuote(abs)]),
    );
  }
  if (!pem.includes(`-----END ${privateLabel}-----`)) {
    return fail(
      messages.getMessage('keyParse.truncated', [abs, privateLabel, privateLabel]),
      messages.getMessages('keyParse.truncated.actions'),
    );
  }

  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    return fail(
      messages.getMessage('keyParse.damaged', [abs, cryptoReason(err)]),
      messages.getMessages('keyParse.damaged.actions'),
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return notRsa(abs, key.asymmetricKeyType ?? 'unknown');
  }
  const format = privateLabel === 'RSA PRIVATE KEY' ? 'PKCS#1' : 'PKCS#8';
  return { check: { id: 'key-parse', status: 'pass', message: messages.getMessage('keyParse.pass', [format]) }, key };
}
