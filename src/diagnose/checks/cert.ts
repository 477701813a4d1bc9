import { X509Certificate, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import type { Check } from '../types.js';
import { describeFileProblem } from '../../utils/files.js';
import { certificateMatchesKey, readCertificate, type CertificateProblem } from '../../keys/match.js';
import { checkMessages as messages } from './messages.js';

/** A certificate expiring within this many days is a warning. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

const unreadable = (abs: string, reason: string): Check => ({
  id: 'cert',
  status: 'fail',
  code: 'KEY_CERT_MISMATCH',
  message: messages.getMessage('cert.unreadable', [abs, reason]),
  actions: messages.getMessages('cert.unreadable.actions'),
});

const reason = (key: string): string => messages.getMessage(`cert.reason.${key}`);

/** Why the file could not be compared, in words. */
function describeProblem(found: CertificateProblem): string {
  if (found.problem !== 'file') return reason(found.problem);
  const { read } = found;
  if (read.problem === 'notFound' || read.problem === 'directory') return reason(read.problem);
  return describeFileProblem(read);
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
  if (!(cert instanceof X509Certificate)) return unreadable(abs, describeProblem(cert));

  const { matches, certFingerprint, keyFingerprint } = certificateMatchesKey(cert, key);
  if (!matches) {
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
