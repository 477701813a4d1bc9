/*
 * A key pair for the JWT bearer flow (`sf jwt keygen`, `sf jwt setup`): an RSA private key (PKCS#8 PEM) and a
 * self-signed X.509 certificate. Nothing is written here (write.ts writes). Keys come from node:crypto; the certificate from @peculiar/x509, loaded only when a certificate is
 * made, so that no other command pays for it at start-up.
 */
import { generateKeyPair, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type * as X509 from '@peculiar/x509';
import { Messages } from '@salesforce/core';
import { hasControlCharacters } from '../utils/printable.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.keygen');

export const ALLOWED_BITS = [2048, 3072, 4096] as const;
export const DEFAULT_BITS = 2048;
export const DEFAULT_DAYS = 365;
export const MAX_DAYS = 36_500;
export const DEFAULT_COMMON_NAME = 'sf-jwt-bearer';

export type KeygenOptions = {
  /** RSA modulus length; one of ALLOWED_BITS (default 2048). */
  bits?: number;
  /** Certificate validity in days, from `now` (default 365). */
  days?: number;
  /** Subject and issuer CN (default sf-jwt-bearer). */
  commonName?: string;
  /** Start of validity (default: the current time). Tests pass past dates to make expired certificates. */
  now?: Date;
};

export type GeneratedKeyAndCert = {
  /** PKCS#8 PEM. Secret: never print or return it from a command. */
  keyPem: string;
  certPem: string;
  /** SHA-256 fingerprint of the certificate (DER), colon-separated upper-case hex. */
  fingerprint: string;
  notBefore: Date;
  expiresAt: Date;
  bits: number;
  commonName: string;
};

const DAY_MS = 24 * 60 * 60 * 1000;
const SIGNING_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/**
 * Refuses key sizes other than 2048/3072/4096 (a shorter key with the reason the CLI refuses it, a longer one
 * with the limit), days out of range and unusable common names (exit code 2).
 */
export function validateKeygenOptions(opts: KeygenOptions): Required<Omit<KeygenOptions, 'now'>> {
  const bits = opts.bits ?? DEFAULT_BITS;
  const days = opts.days ?? DEFAULT_DAYS;
  const commonName = opts.commonName ?? DEFAULT_COMMON_NAME;
  if (!(ALLOWED_BITS as readonly number[]).includes(bits)) {
    const key = bits < ALLOWED_BITS[0] ? 'error.BitsTooShort' : 'error.BitsNotAllowed';
    throw messages.createError(key, [String(bits)], [], 2);
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw messages.createError('error.DaysNotAllowed', [String(days), String(MAX_DAYS)], [], 2);
  }
  if (commonName.trim().length === 0 || [...commonName].length > 64 || hasControlCharacters(commonName)) {
    throw messages.createError('error.InvalidCommonName', [JSON.stringify(commonName)], [], 2);
  }
  return { bits, days, commonName };
}

/** PrintableString where it can hold the name (the usual choice), else UTF8String; never parsed or unquoted. */
const nameValue = (text: string): { printableString: string } | { utf8String: string } =>
  /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text) ? { printableString: text } : { utf8String: text };

let x509Module: Promise<typeof X509> | undefined;

/** Loads @peculiar/x509 once, on first use. */
export async function loadX509(): Promise<typeof X509> {
  if (!x509Module) {
    // @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata polyfill first
    x509Module = import('reflect-metadata').then(() => import('@peculiar/x509'));
  }
  return x509Module;
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** A positive, random 16-byte serial number, as hex. */
const randomSerial = (): string => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
};

/**
 * Makes a self-signed certificate for an existing RSA key pair (SHA-256 with RSA).
 * Exported for tests that need certificates with chosen dates, for example an expired one.
 */
export async function createSelfSignedCertificate(opts: {
  privateKey: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}): Promise<string> {
  const x509 = await loadX509();
  const subtle = globalThis.crypto.subtle;
  const privateKey = await subtle.importKey(
    'pkcs8',
    opts.privateKey.export({ type: 'pkcs8', format: 'der' }),
    SIGNING_ALGORITHM,
    false,
    ['sign'],
  );
  const publicKey = await subtle.importKey(
    'spki',
    opts.publicKey.export({ type: 'spki', format: 'der' }),
    SIGNING_ALGORITHM,
    true,
    ['verify'],
  );
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      // a JSON name with an explicit string type, so the common name is written exactly as given: a plain
      // string value would be parsed (its quoted part kept, a leading # read as hex)
      name: new x509.Name([{ CN: [nameValue(opts.commonName)] }]),
      notBefore: opts.notBefore,
      notAfter: opts.notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      keys: { privateKey, publicKey },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(publicKey, false, globalThis.crypto),
      ],
    },
    globalThis.crypto,
  );
  return cert.toString('pem');
}

/**
 * Generates an RSA key pair (node:crypto, asynchronously) and a self-signed certificate for it.
 * Nothing is written; see writeKeyAndCert.
 */
export async function generateKeyPairAndCert(opts: KeygenOptions = {}): Promise<GeneratedKeyAndCert> {
  const { bits, days, commonName } = validateKeygenOptions(opts);
  // X.509 times have whole seconds
  const notBefore = new Date(Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + days * DAY_MS);

  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: bits, publicExponent: 0x1_00_01 });
  const certPem = await createSelfSignedCertificate({ privateKey, publicKey, commonName, notBefore, notAfter });
  const parsed = new X509Certificate(certPem);
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem,
    fingerprint: parsed.fingerprint256,
    notBefore,
    expiresAt: new Date(parsed.validTo),
    bits,
    commonName,
  };
}
