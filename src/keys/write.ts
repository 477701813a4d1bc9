/*
 * Writing a key pair for `sf jwt keygen` (and `sf jwt setup`): server.key (PKCS#8 PEM, mode 0600) and
 * server.crt into a directory (created with mode 0700 when missing). Existing files are never overwritten
 * without --force, and Ctrl-C while writing leaves nothing half-done.
 */
import { rmdirSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, rmdir, stat, unlink, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Messages, SfError } from '@salesforce/core';
import { describeFsError, errorCode } from '../utils/files.js';
import { onInterrupt } from '../utils/interrupt.js';
import { hasControlCharacters } from '../utils/printable.js';
import type { GeneratedKeyAndCert } from './generate.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.keygen');

export const KEY_FILE_NAME = 'server.key';
export const CERT_FILE_NAME = 'server.crt';

export type WrittenFiles = { keyFile: string; certFile: string };

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

/** The directory itself when it exists, else its nearest existing parent: where new files or folders go. */
async function nearestExisting(dir: string): Promise<string> {
  let current = dir;
  for (let depth = 0; depth < 64; depth++) {
    try {
      // eslint-disable-next-line no-await-in-loop -- one parent after another, upwards
      await lstat(current);
      return current;
    } catch (err) {
      const parent = dirname(current);
      if (errorCode(err) !== 'ENOENT' || parent === current) return current;
      current = parent;
    }
  }
  return current;
}

/**
 * Fails (exit code 1) unless files can be made in dir, or dir can be made in its nearest existing parent: by
 * making (and at once removing) an empty folder there. Permission bits alone don't tell: root passes every
 * access check, yet can't write to a read-only or a special file system.
 */
async function assertWritableDirectory(dir: string): Promise<void> {
  const target = await nearestExisting(dir);
  try {
    if (!(await stat(target)).isDirectory()) throw messages.createError('error.NotADirectory', [target], [], 1);
    await rmdir(await mkdtemp(join(target, '.sf-jwt-keygen-')));
  } catch (err) {
    if (err instanceof SfError) throw err;
    if (errorCode(err) === 'ENOTDIR') throw messages.createError('error.NotADirectory', [dir], [], 1);
    throw notWritable(dir, err);
  }
}

/**
 * Fails (exit code 1) when `dir` exists and is not a directory (or a path through a file). Returns whether it
 * exists: a missing directory is created when writing.
 */
export async function assertDirectory(dir: string): Promise<boolean> {
  const abs = resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw messages.createError('error.NotADirectory', [abs], [], 1);
    return true;
  } catch (err) {
    if (err instanceof SfError) throw err;
    if (errorCode(err) === 'ENOTDIR') throw messages.createError('error.NotADirectory', [abs], [], 1);
    return false;
  }
}

/**
 * Fails (exit code 1) when server.key or server.crt already exists in dir and force is not set, when dir (or
 * the nearest part of its path that exists) is not a directory, or when nothing can be written there. Checks
 * all of it before anything is written, or generated.
 */
export async function assertCanWrite(dir: string, { force }: { force: boolean }): Promise<WrittenFiles> {
  const paths = keygenPaths(dir);
  const abs = dirname(paths.keyFile);
  await assertWritableDirectory(abs);
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
  const done = onInterrupt(() => removeAll(created));
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

/** Removes what a write made so far, newest first (Ctrl-C): files, and directories (named with a trailing separator). */
function removeAll(created: string[]): void {
  for (const path of [...created].reverse()) {
    try {
      if (path.endsWith(sep)) rmdirSync(path);
      else unlinkSync(path);
    } catch {
      // already gone, or a directory that is not empty any more
    }
  }
}

/**
 * Writes only server.crt into dir (creating dir, mode 0700, when missing), for a key that exists already: the
 * certificate made from it. Never overwrites: an existing server.crt is refused (exit code 1). Ctrl-C while
 * writing leaves nothing half-done. Returns the certificate's absolute path.
 */
export async function writeCertificate(dir: string, certPem: string): Promise<string> {
  const { certFile } = keygenPaths(dir);
  const abs = dirname(certFile);
  let created: string[] = [];
  const done = onInterrupt(() => removeAll(created));
  try {
    for (const made of await ensureDirectory(abs)) created.push(`${made}${sep}`);
    created.push(certFile);
    await writeNew(certFile, certPem, 0o644, false, abs);
  } catch (err) {
    // an existing server.crt is not ours to remove; anything else written or made here goes
    if (err instanceof SfError && err.name === 'FilesExistError') created = created.filter((path) => path !== certFile);
    removeAll(created);
    throw err;
  } finally {
    done();
  }
  return certFile;
}
