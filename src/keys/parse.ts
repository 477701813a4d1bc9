/*
 * A private key file's text → an RSA private key, or what the file is instead. The PEM labels decide what the
 * file is (an encrypted key, a certificate, a public key, an EC or OpenSSH key, not PEM at all, truncated), and
 * node:crypto's createPrivateKey is the parser, so PKCS#1 and PKCS#8 keys both parse. Words for each outcome
 * are the caller's (the key-parse check).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';

/** Why the text is not a usable RSA private key. */
export type KeyProblem =
  /** A PEM block with literal "\n" sequences (a CI secret pasted as one line). */
  | { problem: 'escapedNewlines' }
  /** No PEM block: not a PEM file. */
  | { problem: 'notPem' }
  /** An OpenSSH public key line, or a PEM public key. */
  | { problem: 'publicKey' }
  | { problem: 'certificate' }
  /** Another PEM block (a certificate request, parameters, …). */
  | { problem: 'otherPem'; label: string }
  | { problem: 'encrypted'; pkcs1: boolean }
  | { problem: 'openssh' }
  /** A private key of another algorithm (ec, dsa, ed25519, rsa-pss, …, as node:crypto names them). */
  | { problem: 'notRsa'; keyType: string }
  /** The BEGIN line without its END line. */
  | { problem: 'truncated'; label: string }
  /** The block is there but does not decode. */
  | { problem: 'damaged'; reason: 'base64' | 'asn1' | 'unsupported' | 'other' };

export type ParsedKey = { ok: true; key: KeyObject; format: 'PKCS#1' | 'PKCS#8' } | ({ ok: false } & KeyProblem);

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

const refuse = (problem: KeyProblem): ParsedKey => ({ ok: false, ...problem });

/**
 * Why OpenSSL could not decode the key. OpenSSL's own strings ("error:1E08010C:DECODER routines::unsupported")
 * differ between versions and mean nothing to a user.
 */
function damage(err: unknown): 'base64' | 'asn1' | 'unsupported' | 'other' {
  const text = err instanceof Error ? `${'code' in err ? String(err.code) : ''} ${err.message}` : String(err);
  if (/base64|bad end line|bad end of line/i.test(text)) return 'base64';
  if (/asn1|wrong tag|header too long|too long|nested|encoding|bad object header|not enough data/i.test(text)) {
    return 'asn1';
  }
  if (/unsupported|decoder/i.test(text)) return 'unsupported';
  return 'other';
}

/** What a file without a private key block is. */
function withoutPrivateKey(pem: string, labels: string[]): ParsedKey {
  if (labels.length === 0) {
    return refuse(
      /^\s*(ssh-(rsa|dss|ed25519)|ecdsa-sha2-)\S* /.test(pem) ? { problem: 'publicKey' } : { problem: 'notPem' },
    );
  }
  if (labels.some((l) => l.includes('CERTIFICATE') && !l.includes('REQUEST')))
    return refuse({ problem: 'certificate' });
  if (labels.some((l) => l.endsWith('PUBLIC KEY'))) return refuse({ problem: 'publicKey' });
  return refuse({ problem: 'otherPem', label: labels[0] });
}

/** Parses a key file's text as an RSA private key, or says what the file is instead. */
export function parsePrivateKey(pem: string): ParsedKey {
  if (/-----BEGIN [A-Z0-9 ]+-----\\n/.test(pem)) return refuse({ problem: 'escapedNewlines' });
  const labels = [...pem.matchAll(PEM_LABEL)].map((m) => m[1]);
  const privateLabel = labels.find((l) => l.endsWith('PRIVATE KEY'));
  if (privateLabel === undefined) return withoutPrivateKey(pem, labels);

  switch (privateLabel) {
    case 'ENCRYPTED PRIVATE KEY':
      return refuse({ problem: 'encrypted', pkcs1: false });
    case 'OPENSSH PRIVATE KEY':
      return refuse({ problem: 'openssh' });
    case 'EC PRIVATE KEY':
      return refuse({ problem: 'notRsa', keyType: 'ec' });
    case 'DSA PRIVATE KEY':
      return refuse({ problem: 'notRsa', keyType: 'dsa' });
    default:
      break;
  }
  if (/^Proc-Type:\s*4,\s*ENCRYPTED/m.test(pem)) return refuse({ problem: 'encrypted', pkcs1: true });
  if (!pem.includes(`-----END ${privateLabel}-----`)) return refuse({ problem: 'truncated', label: privateLabel });

  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    return refuse({ problem: 'damaged', reason: damage(err) });
  }
  if (key.asymmetricKeyType !== 'rsa')
    return refuse({ problem: 'notRsa', keyType: key.asymmetricKeyType ?? 'unknown' });
  return { ok: true, key, format: privateLabel === 'RSA PRIVATE KEY' ? 'PKCS#1' : 'PKCS#8' };
}
