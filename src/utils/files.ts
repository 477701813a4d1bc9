/*
 * Reading files the user names (the private key, the certificate): only regular files of plausible size,
 * with a bounded read. A named pipe (FIFO) or a device is never read: opening one for reading can block for
 * ever (a FIFO without a writer), and reading one can grow without end (/dev/zero). Every refusal says what
 * the path is, in words; file system error codes (ELOOP, EROFS, …) are turned into words too.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Messages } from '@salesforce/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** No private key or certificate is anywhere near this large (a 16384-bit PEM key is about 13 KB). */
export const MAX_KEY_OR_CERT_BYTES = 1024 * 1024;

export type FileProblem =
  | 'emptyPath'
  | 'notFound'
  | 'directory'
  | 'fifo'
  | 'device'
  | 'socket'
  | 'notRegular'
  | 'tooLarge'
  | 'accessDenied'
  | 'unreadable';

export type FileRead =
  | { ok: true; path: string; data: Buffer }
  | {
      ok: false;
      /** The absolute path (the path as given when it is empty). */
      path: string;
      problem: FileProblem;
      /** For 'unreadable': the system's reason, in words. */
      reason?: string;
      /** For 'tooLarge': the file's size in bytes. */
      size?: number;
    };

/** The code of a Node.js system error (ENOENT, EACCES, …), when it has one. */
export const errorCode = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

/** Words for a file system error code (ELOOP, EROFS, ENOSPC, …); never the bare code. */
export function describeFsError(err: unknown): string {
  const code = errorCode(err);
  const key = `fs.${code ?? 'other'}`;
  return messages.messages.has(key) ? messages.getMessage(key) : messages.getMessage('fs.other');
}

/** O_NONBLOCK: opening a FIFO without a writer returns at once instead of blocking (0 where the OS has none). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Reads a regular file of at most `maxBytes`, or says why not. Never blocks on a FIFO, never reads a device,
 * never reads more than `maxBytes + 1` bytes (a file that grows while it is read is still refused).
 */
export async function readRegularFile(path: string, maxBytes: number = MAX_KEY_OR_CERT_BYTES): Promise<FileRead> {
  if (path.trim().length === 0) return { ok: false, path, problem: 'emptyPath' };
  const abs = resolve(path);
  let handle: FileHandle;
  try {
    handle = await open(abs, OPEN_FLAGS);
  } catch (err) {
    return { ok: false, path: abs, ...openProblem(err) };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { ok: false, path: abs, problem: 'directory' };
    if (info.isFIFO()) return { ok: false, path: abs, problem: 'fifo' };
    if (info.isCharacterDevice() || info.isBlockDevice()) return { ok: false, path: abs, problem: 'device' };
    if (info.isSocket()) return { ok: false, path: abs, problem: 'socket' };
    if (!info.isFile()) return { ok: false, path: abs, problem: 'notRegular' };
    if (info.size > maxBytes) return { ok: false, path: abs, problem: 'tooLarge', size: info.size };

    // Sized from stat (a key is a few KB: many diagnoses at once must not each hold a 1 MB buffer), and grown
    // up to maxBytes + 1 if the file turns out longer than stat said.
    const data = await readBounded(handle, Buffer.alloc(Math.min(info.size, maxBytes) + 1), 0, maxBytes);
    if (data.length > maxBytes) return { ok: false, path: abs, problem: 'tooLarge', size: data.length };
    return { ok: true, path: abs, data };
  } catch (err) {
    return { ok: false, path: abs, ...openProblem(err) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>;

/**
 * Reads the rest of the file into `buffer` from `length` on, one bounded read after another, doubling the buffer
 * while it fills up, to at most maxBytes + 1 bytes (one more than allowed tells a file that is too large).
 */
async function readBounded(handle: FileHandle, buffer: Buffer, length: number, maxBytes: number): Promise<Buffer> {
  const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
  const read = length + bytesRead;
  if (bytesRead === 0 || (read === buffer.length && buffer.length > maxBytes)) return buffer.subarray(0, read);
  if (read < buffer.length) return readBounded(handle, buffer, read, maxBytes);
  const larger = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
  buffer.copy(larger, 0, 0, read);
  return readBounded(handle, larger, read, maxBytes);
}

function openProblem(err: unknown): { problem: FileProblem; reason?: string } {
  switch (errorCode(err)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return { problem: 'notFound' };
    case 'EISDIR':
      return { problem: 'directory' };
    case 'EACCES':
    case 'EPERM':
      return { problem: 'accessDenied' };
    case 'ENXIO':
      // a socket, or a device without its driver
      return { problem: 'notRegular' };
    default:
      return { problem: 'unreadable', reason: describeFsError(err) };
  }
}

/** What a path is, in words, for the problems that are about the kind of file (directory, FIFO, device, …). */
export function describeFileProblem(read: Extract<FileRead, { ok: false }>): string {
  switch (read.problem) {
    case 'tooLarge':
      return messages.getMessage('file.tooLarge', [String(read.size ?? 0), String(MAX_KEY_OR_CERT_BYTES)]);
    case 'unreadable':
      return messages.getMessage('file.unreadable', [read.reason ?? messages.getMessage('fs.other')]);
    default:
      return messages.getMessage(`file.${read.problem}`);
  }
}

/**
 * A path that starts with "~" reached the plugin unexpanded: the shell expands ~ only when it is unquoted and
 * at the start of a word. Returns the path the user probably meant ($HOME/…), or undefined.
 */
export function unexpandedHome(path: string): string | undefined {
  const match = /^~(?:[/\\](.*))?$/.exec(path.trim());
  if (!match) return undefined;
  return join(homedir(), match[1] ?? '');
}

/** Whether a path exists as a regular file (without opening it). */
export async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
