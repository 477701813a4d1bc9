import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import type { Check } from '../types.js';
import { parsePrivateKey, type KeyProblem } from '../../keys/parse.js';
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

/** What the file is instead of an RSA private key, in words, with the fix. */
function describe(found: KeyProblem, abs: string): { message: string; actions: string[] } {
  const words = (
    key: string,
    tokens: string[] = [],
    actions = messages.getMessages(`${key}.actions`),
  ): ReturnType<typeof describe> => ({
    message: messages.getMessage(key, tokens),
    actions,
  });
  const quoted = [shellQuote(abs)];
  switch (found.problem) {
    case 'escapedNewlines':
      return words('keyParse.escapedNewlines', [abs]);
    case 'notPem':
      return words('keyParse.notPem', [abs], bullets(messages, 'keyParse.notPem.actions', quoted));
    case 'publicKey':
      return words('keyParse.publicKey', [abs]);
    case 'certificate':
      return words('keyParse.certificate', [abs]);
    case 'otherPem':
      return words('keyParse.otherPem', [abs, found.label]);
    case 'encrypted':
      return words(
        'keyParse.encrypted',
        [abs],
        bullets(messages, found.pkcs1 ? 'keyParse.encryptedPkcs1.actions' : 'keyParse.encrypted.actions', quoted),
      );
    case 'openssh':
      return words('keyParse.openssh', [abs], bullets(messages, 'keyParse.openssh.actions', quoted));
    case 'notRsa':
      return words('keyParse.notRsa', [abs, KEY_TYPE_NAMES[found.keyType] ?? found.keyType]);
    case 'truncated':
      return words('keyParse.truncated', [abs, found.label, found.label]);
    default:
      return words('keyParse.damaged', [abs, messages.getMessage(`keyParse.reason.${found.reason}`)]);
  }
}

/**
 * Parses the key file's text as an RSA private key (keys/parse.ts). Every failure is KEY_UNREADABLE, naming
 * what the file actually is.
 *
 * @param pem the file's text
 * @param path the file's path, for the messages
 */
export function checkKeyParse(pem: string, path: string): KeyParseResult {
  const parsed = parsePrivateKey(pem);
  if (!parsed.ok) {
    const { message, actions } = describe(parsed, resolve(path));
    return { check: { id: 'key-parse', status: 'fail', code: 'KEY_UNREADABLE', message, actions } };
  }
  return {
    check: { id: 'key-parse', status: 'pass', message: messages.getMessage('keyParse.pass', [parsed.format]) },
    key: parsed.key,
  };
}
