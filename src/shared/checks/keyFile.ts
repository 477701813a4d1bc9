import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Check } from '../types.js';
import { bullets } from '../bullets.js';
import { checkMessages as messages } from './messages.js';

export type KeyOrigin = 'flag' | 'stored-auth';

const errorCode = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

const fail = (message: string, actions: string[], code: Check['code'] = 'KEY_UNREADABLE'): { check: Check } => ({
  check: { id: 'key-file', status: 'fail', code, message, actions },
});

/**
 * Checks that the key file exists, is a readable regular file and is not empty.
 * Never throws for a diagnosable fault: a missing file is KEY_FILE_NOT_FOUND, the rest KEY_UNREADABLE.
 *
 * @param path the key path as given (flag) or as stored in the CLI's auth file
 * @param origin where the path came from; a vanished stored path gets CI-specific advice
 * @returns the check, and the file's text (utf8) when it passed
 */
export async function checkKeyFile(path: string, origin: KeyOrigin): Promise<{ check: Check; pem?: string }> {
  const abs = resolve(path);
  try {
    const info = await stat(abs);
    if (info.isDirectory()) {
      return fail(
        messages.getMessage('keyFile.directory', [abs]),
        bullets(messages, 'keyFile.directory.actions', [join(abs, 'server.key')]),
      );
    }
    const pem = await readFile(abs, 'utf8');
    if (pem.trim().length === 0) {
      return fail(messages.getMessage('keyFile.empty', [abs]), messages.getMessages('keyFile.empty.actions'));
    }
    return {
      check: {
        id: 'key-file',
        status: 'pass',
        message: messages.getMessage('keyFile.pass', [abs, String(Buffer.byteLength(pem))]),
      },
      pem,
    };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const actions =
        origin === 'stored-auth'
          ? bullets(messages, 'keyFile.notFound.storedAuth.actions', [abs])
          : bullets(messages, 'keyFile.notFound.flag.actions', [process.cwd()]);
      return fail(messages.getMessage('keyFile.notFound', [abs]), actions, 'KEY_FILE_NOT_FOUND');
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return fail(
        messages.getMessage('keyFile.accessDenied', [abs]),
        bullets(messages, 'keyFile.accessDenied.actions', [abs]),
      );
    }
    if (code === 'EISDIR') {
      return fail(
        messages.getMessage('keyFile.directory', [abs]),
        bullets(messages, 'keyFile.directory.actions', [join(abs, 'server.key')]),
      );
    }
    const reason = code ?? (err instanceof Error ? err.message : String(err));
    return fail(
      messages.getMessage('keyFile.readError', [abs, reason]),
      messages.getMessages('keyFile.readError.actions'),
    );
  }
}
