/*
 * The certificate on the app (read through an admin org) compared with the private key: whether it is this key's,
 * with both public-key fingerprints, the certificate's subject and its expiry. Evidence for INVALID_ASSERTION;
 * nothing here is secret (a certificate and a fingerprint are public).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { certificateMatchesKey, parseCertificate, publicKeyFingerprint } from '../keys/match.js';

/** What the app's certificate shows, in the cause's evidence (`appCertificate`). */
export type AppCertificateFacts = {
  /** The app's API name. */
  app: string;
  /** false: the app has no certificate (its JWT bearer flow is off). */
  present: boolean;
  /** Whether the certificate carries this key's public key (absent when there is no readable certificate). */
  matchesKey?: boolean;
  /** The certificate's subject, one line (CN=…, O=…). */
  subject?: string;
  /** The end of its validity (ISO). */
  validTo?: string;
  expired?: boolean;
  /** SHA-256 of the certificate's public key and of the key's, colon-separated hex. */
  certFingerprint?: string;
  keyFingerprint: string;
  /** true: what the app holds does not parse as a certificate. */
  unreadable?: boolean;
};

/**
 * The app's certificate (PEM, or null when the app has none) compared with the key. undefined when the
 * certificate was not read.
 */
export function compareAppCertificate(
  app: string,
  pem: string | null | undefined,
  key: KeyObject,
  now: Date = new Date(),
): AppCertificateFacts | undefined {
  if (pem === undefined) return undefined;
  const keyFingerprint = publicKeyFingerprint(key);
  if (pem === null || pem.trim() === '') return { app, present: false, keyFingerprint };
  const cert = parseCertificate(pem);
  if (!(cert instanceof X509Certificate)) return { app, present: true, unreadable: true, keyFingerprint };
  const { matches, certFingerprint } = certificateMatchesKey(cert, key);
  const validTo = new Date(cert.validTo);
  return {
    app,
    present: true,
    matchesKey: matches,
    subject: cert.subject.split('\n').filter(Boolean).join(', '),
    validTo: validTo.toISOString(),
    expired: validTo.getTime() <= now.getTime(),
    certFingerprint,
    keyFingerprint,
  };
}
