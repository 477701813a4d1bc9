import { join } from 'node:path';
import type { Check } from '../types.js';
import { bullets } from '../../utils/bullets.js';
import { describeFileProblem, isRegularFile, readRegularFile, unexpandedHome } from '../../utils/files.js';
import { shellQuote } from '../../utils/shell.js';
import { loginCommand, type SuggestedLogin } from '../../org/suggest.js';
import { checkMessages as messages } from './messages.js';

export type KeyOrigin = 'flag' | 'stored-auth';

const fail = (message: string, actions: string[], code: Check['code'] = 'KEY_UNREADABLE'): { check: Check } => ({
  check: { id: 'key-file', status: 'fail', code, message, actions },
});

/**
 * The fix for a path that does not exist: the stored-auth or flag advice, and a "~" the shell did not expand.
 * `login` names the stored login, for the command that stores it again with the key's new path.
 */
async function notFoundActions(
  path: string,
  abs: string,
  origin: KeyOrigin,
  login?: SuggestedLogin,
): Promise<string[]> {
  const relogin = loginCommand(login ?? { username: messages.getMessage('keyFile.placeholder.username') }, {
    keyFile: messages.getMessage('keyFile.placeholder.path'),
  });
  const actions =
    origin === 'stored-auth'
      ? bullets(messages, 'keyFile.notFound.storedAuth.actions', [abs, relogin])
      : bullets(messages, 'keyFile.notFound.flag.actions', [process.cwd()]);
  const meant = unexpandedHome(path);
  if (meant !== undefined) {
    const key = (await isRegularFile(meant)) ? 'keyFile.tilde.exists' : 'keyFile.tilde';
    actions.unshift(messages.getMessage(key, [shellQuote(meant)]));
  }
  return actions;
}

/**
 * Checks that the key file exists, is a readable regular file of plausible size and is not empty. A FIFO, a
 * device or a huge file is refused without reading it (utils/files.ts), so the check never hangs.
 * Never throws for a diagnosable fault: a missing file (or an empty path) is KEY_FILE_NOT_FOUND, the rest
 * KEY_UNREADABLE.
 *
 * @param path the key path as given (flag) or as stored in the CLI's auth file
 * @param origin where the path came from; a vanished stored path gets CI-specific advice
 * @param login the login, for the commands in the advice
 * @returns the check, and the file's text (utf8) when it passed
 */
export async function checkKeyFile(
  path: string,
  origin: KeyOrigin,
  login?: SuggestedLogin,
): Promise<{ check: Check; pem?: string }> {
  const read = await readRegularFile(path);
  // A stored path is never expanded: "~/server.key" is read from the current directory, by core's login too.
  const storedTilde = origin === 'stored-auth' ? unexpandedHome(path) : undefined;
  if (read.ok) {
    const pem = read.data.toString('utf8');
    if (pem.trim().length === 0) {
      return fail(messages.getMessage('keyFile.empty', [read.path]), messages.getMessages('keyFile.empty.actions'));
    }
    if (storedTilde !== undefined) {
      return {
        check: {
          id: 'key-file',
          status: 'warn',
          message: messages.getMessage('keyFile.tilde.stored.found', [path, read.path]),
          actions: bullets(messages, 'keyFile.tilde.stored.actions', [shellQuote(storedTilde)]),
        },
        pem,
      };
    }
    return {
      check: {
        id: 'key-file',
        status: 'pass',
        message: messages.getMessage('keyFile.pass', [read.path, String(read.data.length)]),
      },
      pem,
    };
  }
  const abs = read.path;
  if (storedTilde !== undefined && read.problem === 'notFound') {
    return fail(
      messages.getMessage('keyFile.tilde.stored', [path, abs]),
      bullets(messages, 'keyFile.tilde.stored.actions', [shellQuote(storedTilde)]),
      'KEY_FILE_NOT_FOUND',
    );
  }
  switch (read.problem) {
    case 'emptyPath':
      return fail(
        messages.getMessage('keyFile.emptyPath'),
        messages.getMessages('keyFile.emptyPath.actions'),
        'KEY_FILE_NOT_FOUND',
      );
    case 'notFound':
      return fail(
        messages.getMessage('keyFile.notFound', [abs]),
        await notFoundActions(path, abs, origin, login),
        'KEY_FILE_NOT_FOUND',
      );
    case 'accessDenied':
      return fail(
        messages.getMessage('keyFile.accessDenied', [abs]),
        bullets(messages, 'keyFile.accessDenied.actions', [shellQuote(abs)]),
      );
    case 'directory':
      return fail(
        messages.getMessage('keyFile.directory', [abs]),
        bullets(messages, 'keyFile.directory.actions', [join(abs, 'server.key')]),
      );
    default:
      return fail(
        messages.getMessage('keyFile.unusable', [abs, describeFileProblem(read)]),
        messages.getMessages('keyFile.unusable.actions'),
      );
  }
}
