/*
 * The `key` step of `sf jwt setup`: the private key and the certificate the app gets. An existing key
 * (--jwt-key-file) passes diagnose's key checks (file, parse, size), and its certificate (--cert-file) must be
 * the key's; without --cert-file the certificate is made from the key, into --output-dir. Without a key, a new
 * 2048-bit pair is made as `sf jwt keygen` makes it, in --output-dir: a matching server.key / server.crt pair
 * already there is reused, anything else there is an error. Nothing is written here: the setup writes new
 * files (`write`) only after its pre-flight passed, so a failed setup leaves no file behind.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Messages, SfError } from '@salesforce/core';
import { checkCertFile } from '../diagnose/checks/cert.js';
import { checkKeyFile } from '../diagnose/checks/keyFile.js';
import { checkKeyParse } from '../diagnose/checks/keyParse.js';
import { checkKeySize, rsaBits } from '../diagnose/checks/keySize.js';
import type { Check } from '../diagnose/types.js';
import { createSelfSignedCertificate, DEFAULT_DAYS, generateKeyPairAndCert } from '../keys/generate.js';
import { publicKeyFingerprint, readCertificate } from '../keys/match.js';
import { assertDirectory, keygenPaths, writeCertificate, writeKeyAndCert } from '../keys/write.js';
import { bullets } from '../utils/bullets.js';
import { shellQuote } from '../utils/shell.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

const DAY_MS = 24 * 60 * 60 * 1000;

export type KeyOptions = {
  /** --jwt-key-file: an existing key. */
  keyFile?: string;
  /** --cert-file: its certificate. */
  certFile?: string;
  /** --output-dir: where new files go. */
  outputDir: string;
  /** The common name of a certificate made here. */
  commonName: string;
};

/** What the key step found or will make. Never the key itself: only paths, the certificate and what to write. */
export type KeyPlan = {
  keyFile: string;
  certFile: string;
  /** The certificate the app gets (public). */
  certPem: string;
  bits: number;
  /** SHA-256 fingerprint of the certificate. */
  fingerprint: string;
  /** SHA-256 fingerprint of the key's public key (SubjectPublicKeyInfo), to compare with the app's certificate. */
  publicKeyFingerprint: string;
  /** What is new: both files, the certificate only, or nothing (all reused). */
  writes: 'pair' | 'certificate' | 'nothing';
  /** Warnings of the certificate check (an expired or soon expiring certificate). */
  warnings: string[];
  /** Writes the new files (nothing when all is reused). Call only once the pre-flight passed. */
  write: () => Promise<void>;
  /**
   * For a certificate made here from an existing key: the same plan with another certificate of that key (the
   * one the app already has), written instead. Undefined when the certificate is not made here.
   */
  withCertificate?: (certPem: string) => KeyPlan;
};

/** A key step that can't go on: the reason and the fix (exit code 1). */
function keyError(name: string, message: string, actions: string[]): SfError {
  return new SfError(message, name, actions, 1);
}

const fromCheck = (name: string, check: Check): SfError => keyError(name, check.message, check.actions ?? []);

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The key file through diagnose's checks (file, parse, size): the key, or the failing check as an error. */
async function checkedKey(path: string): Promise<KeyObject> {
  const file = await checkKeyFile(path, 'flag');
  if (file.pem === undefined) throw fromCheck('KeyUnusableError', file.check);
  const parsed = checkKeyParse(file.pem, path);
  if (!parsed.key) throw fromCheck('KeyUnusableError', parsed.check);
  const size = checkKeySize(parsed.key);
  if (size.status === 'fail') throw fromCheck('KeyUnusableError', size);
  return parsed.key;
}

/** The certificate file compared with the key (diagnose's cert check): its text, or the failing check as an error. */
async function checkedCertificate(
  certFile: string,
  key: KeyObject,
  warnings: string[],
  mismatch: (check: Check) => SfError,
): Promise<X509Certificate> {
  const check = await checkCertFile(certFile, key);
  if (check.status === 'fail') throw mismatch(check);
  if (check.status === 'warn') warnings.push(check.message);
  const cert = await readCertificate(certFile);
  if (!(cert instanceof X509Certificate)) throw mismatch(check);
  return cert;
}

async function certificateFor(key: KeyObject, commonName: string): Promise<string> {
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  return createSelfSignedCertificate({
    privateKey: key,
    publicKey: createPublicKey(key),
    commonName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + DEFAULT_DAYS * DAY_MS),
  });
}

const pem = (cert: X509Certificate): string => cert.toString();

/** An existing key: its certificate given, found in --output-dir, or made from it. */
async function existingKey(opts: KeyOptions & { keyFile: string }): Promise<KeyPlan> {
  const keyFile = resolve(opts.keyFile);
  const key = await checkedKey(keyFile);
  const bits = rsaBits(key);
  const warnings: string[] = [];
  if (opts.certFile !== undefined) {
    const certFile = resolve(opts.certFile);
    const cert = await checkedCertificate(certFile, key, warnings, (check) =>
      fromCheck('CertificateMismatchError', check),
    );
    return plan({ keyFile, certFile, certPem: pem(cert), bits, writes: 'nothing', warnings, write: noWrite });
  }
  const { certFile } = keygenPaths(opts.outputDir);
  if (await exists(certFile)) {
    const cert = await checkedCertificate(certFile, key, warnings, (check) =>
      keyError(
        'CertificateMismatchError',
        messages.getMessage('error.CertificateNotTheKeys', [certFile, keyFile, check.message]),
        bullets(messages, 'error.CertificateNotTheKeys.actions', [shellQuote(dirname(certFile))]),
      ),
    );
    return plan({ keyFile, certFile, certPem: pem(cert), bits, writes: 'nothing', warnings, write: noWrite });
  }
  await assertDirectory(opts.outputDir);
  const madeHere = (certPem: string): KeyPlan => ({
    ...plan({
      keyFile,
      certFile,
      certPem,
      bits,
      writes: 'certificate',
      warnings,
      write: async () => {
        await writeCertificate(opts.outputDir, certPem);
      },
    }),
    withCertificate: madeHere,
  });
  return madeHere(await certificateFor(key, opts.commonName));
}

/** No key given: the pair in --output-dir, reused when it is one, or a new one. */
async function outputDirPair(opts: KeyOptions): Promise<KeyPlan> {
  const { keyFile, certFile } = keygenPaths(opts.outputDir);
  const dir = dirname(keyFile);
  await assertDirectory(dir);
  const [hasKey, hasCert] = await Promise.all([exists(keyFile), exists(certFile)]);
  if (hasKey !== hasCert) {
    const [present, absent] = hasKey ? [keyFile, certFile] : [certFile, keyFile];
    throw keyError(
      'NotAPairError',
      messages.getMessage('error.HalfAPair', [dir, present, absent]),
      bullets(messages, hasKey ? 'error.HalfAPair.keyOnly.actions' : 'error.HalfAPair.certOnly.actions', [
        shellQuote(keyFile),
      ]),
    );
  }
  if (hasKey) {
    const notAPair = (check: Check): SfError =>
      keyError(
        'NotAPairError',
        messages.getMessage('error.NotAPair', [dir, check.message]),
        messages.getMessages('error.NotAPair.actions'),
      );
    let key: KeyObject;
    try {
      key = await checkedKey(keyFile);
    } catch (error) {
      const why = error instanceof SfError ? error.message : String(error);
      throw keyError(
        'NotAPairError',
        messages.getMessage('error.NotAPair', [dir, why]),
        messages.getMessages('error.NotAPair.actions'),
      );
    }
    const warnings: string[] = [];
    const cert = await checkedCertificate(certFile, key, warnings, notAPair);
    return plan({
      keyFile,
      certFile,
      certPem: pem(cert),
      bits: rsaBits(key),
      writes: 'nothing',
      warnings,
      write: noWrite,
    });
  }
  const generated = await generateKeyPairAndCert({ commonName: opts.commonName });
  return plan({
    keyFile,
    certFile,
    certPem: generated.certPem,
    bits: generated.bits,
    writes: 'pair',
    warnings: [],
    write: async () => {
      await writeKeyAndCert(opts.outputDir, generated, { force: false });
    },
  });
}

const noWrite = async (): Promise<void> => {};

function plan(fields: Omit<KeyPlan, 'fingerprint' | 'publicKeyFingerprint'>): KeyPlan {
  const cert = new X509Certificate(fields.certPem);
  return { ...fields, fingerprint: cert.fingerprint256, publicKeyFingerprint: publicKeyFingerprint(cert.publicKey) };
}

/**
 * The key and certificate of the setup: checked and reused, or made (in memory; `write` writes them). Throws an
 * SfError (exit code 1) that says what is wrong with the files and how to fix it.
 */
export async function prepareKey(opts: KeyOptions): Promise<KeyPlan> {
  if (opts.keyFile !== undefined) return existingKey({ ...opts, keyFile: opts.keyFile });
  return outputDirPair(opts);
}
