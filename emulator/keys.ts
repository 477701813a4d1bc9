/*
 * Keys and certificates for the emulator and its tests: resolving the certificate registered on an app,
 * verifying RS256 signatures with node:crypto (any key size, so 1024-bit certificates can still be judged),
 * and signing test assertions by hand (jose refuses keys under 2048 bits).
 */
import { createHash, createPrivateKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** emulator/keys, absolute. */
export const KEYS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'keys');

/** Absolute path of a file under emulator/keys/. */
export function keyPath(fileName: string): string {
  return join(KEYS_DIR, fileName);
}

/** The text of a file under emulator/keys/. */
export function readKeyFile(fileName: string): string {
  return readFileSync(keyPath(fileName), 'utf8');
}

/** A certificate given as PEM text stays as is; a file name is read from emulator/keys/. */
export function resolveCertificate(certificate: string): string {
  return certificate.includes('-----BEGIN') ? certificate : readKeyFile(certificate);
}

/** The public key of a PEM certificate, or undefined when it does not parse. */
export function certificatePublicKey(pem: string): KeyObject | undefined {
  try {
    return new X509Certificate(pem).publicKey;
  } catch {
    return undefined;
  }
}

export type DecodedJwt = {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `<header>.<payload>`, the bytes that were signed. */
  signingInput: string;
  signature: Buffer;
};

/** Splits and decodes a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || parts[0] === '' || parts[1] === '') {
    return undefined;
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || !isRecord(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** RS256 check with node:crypto; accepts any RSA key size. */
export function verifyRs256(jwt: DecodedJwt, publicKey: KeyObject): boolean {
  if (jwt.header.alg !== 'RS256' || publicKey.asymmetricKeyType !== 'rsa') return false;
  try {
    return verify('RSA-SHA256', Buffer.from(jwt.signingInput), publicKey, jwt.signature);
  } catch {
    return false;
  }
}

/**
 * Signs claims as an RS256 JWT with node:crypto, for tests. Works with any key size (jose and
 * jsonwebtoken refuse keys under 2048 bits). `key` is PEM text or a file name under emulator/keys/.
 */
export function signAssertion(claims: Record<string, unknown>, key: string | KeyObject): string {
  const keyObject =
    typeof key === 'string' ? createPrivateKey(key.includes('-----BEGIN') ? key : readKeyFile(key)) : key;
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), keyObject).toString('base64url')}`;
}

/** PKCE S256 challenge of a verifier. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
