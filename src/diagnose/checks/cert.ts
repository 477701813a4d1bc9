import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import type { Check } from '../types.js';
import { describeFileProblem, readRegularFile } from '../../utils/files.js';
import { checkMessages as messages } from './messages.js';

/** A certificate expiring within this many days is a warning. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** SHA-256 of a public key's SubjectPublicKeyInfo (DER), as colon-separated upper-case hex. */
export function publicKeyFingerprint(key: KeyObject): string {
  const spki = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
  return colonHex(createHash('sha256').update(spki).digest());
}

/** Bytes as colon-separated upper-case hex (AB:CD:…), the way openssl prints fingerprints. */
export function colonHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

const unreadable = (abs: string, reason: string): Check => ({
  id: 'cert',
  status: 'fail',
  code: 'KEY_CERT_MISMATCH',
  message: messages.getMessage('cert.unreadable', [abs, reason]),
  actions: messages.getMessages('cert.unreadable.actions'),
});

const reason = (key: string): string => messages.getMessage(`cert.reason.${key}`);

/**
 * Reads a PEM or DER certificate, or says why it is not one (in words). Only a regular file of plausible
 * size is read (files.ts): a FIFO or a device such as /dev/zero is refused without reading it.
 */
async function readCertificate(path: string): Promise<X509Certificate | string> {
  const read = await readRegularFile(path);
  if (!read.ok) {
    if (read.problem === 'notFound' || read.problem === 'directory') return reason(read.problem);
    return describeFileProblem(read);
  }
  const raw = read.data;
  if (raw.toString('utf8').trim().length === 0) return reason('empty');
  try {
    return new X509Certificate(raw);
  } catch {
    const text = raw.toString('latin1');
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return reason('privateKey');
    if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(text)) return reason('publicKey');
    return reason('notCertificate');
  }
}

/**
 * Compares the certificate uploaded to the app (--cert-file) with the private key, and checks its dates.
 *
 * There is no cause code for a --cert-file that cannot be read (CAUSE_CODES, types.ts). Such a file fails
 * with KEY_CERT_MISMATCH, saying that it could not be compared and why (missing, a private key, not a
 * certificate…): the user asked for the comparison and it cannot be made.
 *
 * An expired certificate is only a warning: Salesforce keeps verifying signatures against an expired app
 * certificate ("When the app cert expires, nothing happens"). One expiring within EXPIRY_WARNING_DAYS is
 * a warning too, with `sf jwt keygen` as the fix.
 *
 * @param certPath the certificate file (PEM or DER)
 * @param key the parsed private key, or undefined when an earlier key check failed (then: skip)
 * @param now the current time (tests pass a fixed one)
 */
export async function checkCertFile(
  certPath: string,
  key: KeyObject | undefined,
  now: Date = new Date(),
): Promise<Check> {
  const abs = certPath.trim() === '' ? JSON.stringify(certPath) : resolve(certPath);
  if (!key) {
    return { id: 'cert', status: 'skip', message: messages.getMessage('cert.skipNoKey', [abs]) };
  }
  const cert = await readCertificate(certPath);
  if (typeof cert === 'string') return unreadable(abs, cert);

  const certFingerprint = publicKeyFingerprint(cert.publicKey);
  const keyFingerprint = publicKeyFingerprint(key);
  if (certFingerprint !== keyFingerprint) {
    return {
      id: 'cert',
      status: 'fail',
      code: 'KEY_CERT_MISMATCH',
      message: messages.getMessage('cert.mismatch', [abs, certFingerprint, keyFingerprint]),
      actions: messages.getMessages('cert.mismatch.actions'),
    };
  }

  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() <= now.getTime()) {
    return {
      id: 'cert',
      status: 'warn',
      message: messages.getMessage('cert.expired', [abs, validTo.toISOString()]),
      actions: messages.getMessages('cert.expired.actions'),
    };
  }
  const daysLeft = Math.ceil((validTo.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft <= EXPIRY_WARNING_DAYS) {
    return {
      id: 'cert',
      status: 'warn',
      message: messages.getMessage('cert.expiringSoon', [abs, validTo.toISOString(), String(daysLeft)]),
      actions: messages.getMessages('cert.expiringSoon.actions'),
    };
  }
  if (validFrom.getTime() > now.getTime()) {
    return {
      id: 'cert',
      status: 'warn',
      message: messages.getMessage('cert.notYetValid', [abs, validFrom.toISOString()]),
    };
  }
  return {
    id: 'cert',
    status: 'pass',
    message: messages.getMessage('cert.pass', [abs, keyFingerprint, validTo.toISOString()]),
  };
}
