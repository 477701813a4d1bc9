/*
 * `sf jwt keygen`: an RSA private key (PKCS#8 PEM) and a self-signed X.509 certificate for the JWT bearer
 * flow. Keys come from node:crypto; the certificate from @peculiar/x509, loaded only when a certificate is
 * made, so that no other command pays for it at start-up.
 */
import { generateKeyPair, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { rmdirSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, stat, unlink, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type * as X509 from '@peculiar/x509';
import { Messages, SfError } from '@salesforce/core';
import { describeFsError, errorCode } from '../utils/files.js';
import { onInterrupt } from '../utils/interrupt.js';
import { hasControlCharacters } from '../utils/printable.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.keygen');

export const ALLOWED_BITS = [2048, 3072, 4096] as const;
export const DEFAULT_BITS = 2048;
export const DEFAULT_DAYS = 365;
export const MAX_DAYS = 36_500;
export const DEFAULT_COMMON_NAME = 'sf-jwt-bearer';
export const KEY_FILE_NAME = 'server.key';
export const CERT_FILE_NAME = 'server.crt';

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

export type WrittenFiles = { keyFile: string; certFile: string };

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

/**
 * The output directory as given: an empty or blank value, or one with whitespace around it, is a usage error
 * (exit code 2) rather than the current directory or a directory named with spaces.
 */
export function validateOutputDir(dir: string): string {
  if (dir.trim().length === 0) throw messages.createError('error.EmptyOutputDir', [JSON.stringify(dir)], [], 2);
  if (dir !== dir.trim() || hasControlCharacters(dir)) {
    throw messages.createError('error.OutputDirWhitespace', [JSON.stringify(dir)], [JSON.stringify(dir.trim())], 2);
  }
  return dir;
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

const notWritable = (dir: string, err: unknown): SfError =>
  messages.createError(
    'error.DirectoryNotWritable',
    [dir, describeFsError(err)],
    [],
    1,
    err instanceof Error ? err : undefined,
  );

/**
 * Creates the directory (mode 0700) and its missing parents, and returns the directories it created (parents
 * first). Not fs.mkdir's recursive mode: on some special file systems it retries for ever.
 */
async function ensureDirectory(dir: string, depth = 0): Promise<string[]> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return [dir];
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EEXIST') {
      if (!(await stat(dir)).isDirectory()) throw messages.createError('error.NotADirectory', [dir], [], 1);
      return [];
    }
    if (code === 'ENOTDIR') throw messages.createError('error.NotADirectory', [dir], [], 1);
    const parent = dirname(dir);
    if (code === 'ENOENT' && parent !== dir && depth < 64) {
      const made = await ensureDirectory(parent, depth + 1);
      try {
        await mkdir(dir, { mode: 0o700 });
        return [...made, dir];
      } catch (retryErr) {
        if (errorCode(retryErr) === 'EEXIST' && (await stat(dir)).isDirectory()) return made;
        throw notWritable(dir, retryErr);
      }
    }
    throw notWritable(dir, err);
  }
}

const exists = async (path: string): Promise<boolean> => {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
};

/** The files keygen would write into dir, as absolute paths. */
export function keygenPaths(dir: string): WrittenFiles {
  const abs = resolve(dir);
  return { keyFile: join(abs, KEY_FILE_NAME), certFile: join(abs, CERT_FILE_NAME) };
}

/**
 * Fails (exit code 1) when server.key or server.crt already exists in dir and force is not set, or when
 * dir exists and is not a directory. Checks both files before anything is written.
 */
export async function assertCanWrite(dir: string, { force }: { force: boolean }): Promise<WrittenFiles> {
  const paths = keygenPaths(dir);
  const abs = dirname(paths.keyFile);
  try {
    if (!(await stat(abs)).isDirectory()) throw messages.createError('error.NotADirectory', [abs], [], 1);
  } catch (err) {
    if (err instanceof SfError) throw err;
    if (errorCode(err) === 'ENOTDIR') throw messages.createError('error.NotADirectory', [abs], [], 1);
    return paths; // missing: created when writing
  }
  if (!force) {
    const files = [paths.keyFile, paths.certFile];
    const present = await Promise.all(files.map(exists));
    const existing = files.filter((_, i) => present[i]);
    if (existing.length > 0) {
      throw messages.createError('error.FilesExist', [abs, existing.map((file) => basename(file)).join(', ')], [], 1);
    }
  }
  return paths;
}

/** Writes one file with mode 0600 (key) or 0644 (certificate), never following an existing link. */
async function writeNew(path: string, content: string, mode: number, force: boolean, dir: string): Promise<void> {
  if (force && (await exists(path))) await unlink(path);
  try {
    await writeFile(path, content, { mode, flag: 'wx' });
  } catch (err) {
    if (errorCode(err) === 'EEXIST') throw messages.createError('error.FilesExist', [dir, basename(path)], [], 1);
    throw notWritable(dir, err);
  }
  // the mode given to open() is reduced by the umask; make it exact
  await chmod(path, mode);
}

/**
 * Writes server.key (PKCS#8 PEM, mode 0600) and server.crt into dir, creating dir (mode 0700) when
 * missing. Without force, refuses when either file exists, before writing either.
 */
export async function writeKeyAndCert(
  dir: string,
  generated: Pick<GeneratedKeyAndCert, 'keyPem' | 'certPem'>,
  { force }: { force: boolean },
): Promise<WrittenFiles> {
  const paths = await assertCanWrite(dir, { force });
  const abs = dirname(paths.keyFile);
  // Ctrl-C while writing leaves nothing half-done: the files written so far, and the directories created, go
  const created: string[] = [];
  const undo = (): void => {
    for (const path of [...created].reverse()) {
      try {
        if (path.endsWith(sep)) rmdirSync(path);
        else unlinkSync(path);
      } catch {
        // already gone, or a directory that is not empty any more
      }
    }
  };
  const done = onInterrupt(undo);
  try {
    for (const made of await ensureDirectory(abs)) created.push(`${made}${sep}`);
    created.push(paths.keyFile);
    await writeNew(paths.keyFile, generated.keyPem, 0o600, force, abs);
    created.push(paths.certFile);
    await writeNew(paths.certFile, generated.certPem, 0o644, force, abs);
  } catch (err) {
    // no key without its certificate
    if (created.includes(paths.certFile)) await unlink(paths.keyFile).catch(() => undefined);
    throw err;
  } finally {
    done();
  }
  return paths;
}
