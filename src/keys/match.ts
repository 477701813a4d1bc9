/*
 * Does a certificate belong to a private key? Both are compared by the SHA-256 fingerprint of their public key
 * (SubjectPublicKeyInfo, DER), the way `openssl x509 -pubkey | openssl sha256` would. Also reading a
 * certificate file (PEM or DER), or saying what the file is instead.
 */
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readRegularFile, type FileRead } from '../utils/files.js';

/** Bytes as colon-separated upper-case hex (AB:CD:…), the way openssl prints fingerprints. */
export function colonHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** SHA-256 of a public key's SubjectPublicKeyInfo (DER), as colon-separated upper-case hex. */
export function publicKeyFingerprint(key: KeyObject): string {
  const spki = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
  return colonHex(createHash('sha256').update(spki).digest());
}

/** Whether the certificate carries the public key of this private key, with both fingerprints. */
export function certificateMatchesKey(
  cert: X509Certificate,
  key: KeyObject,
): { matches: boolean; certFingerprint: string; keyFingerprint: string } {
  const certFingerprint = publicKeyFingerprint(cert.publicKey);
  const keyFingerprint = publicKeyFingerprint(key);
  return { matches: certFingerprint === keyFingerprint, certFingerprint, keyFingerprint };
}

/** Why a file is not a certificate: the file itself (utils/files.ts), or what its content is. */
export type CertificateProblem =
  | { problem: 'file'; read: Extract<FileRead, { ok: false }> }
  | { problem: 'empty' | 'privateKey' | 'publicKey' | 'notCertificate' };

/** A certificate from PEM or DER text. */
export function parseCertificate(raw: Buffer | string): X509Certificate | CertificateProblem {
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  if (bytes.toString('utf8').trim().length === 0) return { problem: 'empty' };
  try {
    return new X509Certificate(bytes);
  } catch {
    const text = bytes.toString('latin1');
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return { problem: 'privateKey' };
    if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(text)) return { problem: 'publicKey' };
    return { problem: 'notCertificate' };
  }
}

/**
 * Reads a PEM or DER certificate file, or says why it is not one. Only a regular file of plausible size is
 * read (utils/files.ts): a FIFO or a device such as /dev/zero is refused without reading it.
 */
export async function readCertificate(path: string): Promise<X509Certificate | CertificateProblem> {
  const read = await readRegularFile(path);
  if (!read.ok) return { problem: 'file', read };
  return parseCertificate(read.data);
}
