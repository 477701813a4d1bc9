/*
 * The oclif `finally` hook: after a failed `sf org login jwt` (or `force:auth:jwt:grant`, `auth:jwt:grant`),
 * one line on stderr with the `sf jwt diagnose` command for the same login. It never writes to stdout (so
 * `--json` output stays valid), never changes the exit code and never throws; SF_JWT_HINT=false turns it off.
 *
 * oclif loads this module after every sf command, so it imports only the dependency-free loginHint module
 * and returns at once unless a JWT login has just failed; the message text is loaded only then.
 */
import type { Hook } from '@oclif/core';
import {
  diagnoseCommand,
  flagSpecsOf,
  hintDisabled,
  isCleanExit,
  isLoginJwt,
  isUsageError,
  parseIdentityFlags,
  type CommandLike,
} from './loginHint.js';

/**
 * The hint, made safe here where it leaves the plugin: one line (a line break in a flag's value is shown as \n),
 * without control characters, and without a credential in a URL.
 */
async function hintLine(command: string): Promise<string> {
  const { Messages } = await import('@salesforce/core');
  const { displayLine } = await import('../utils/printable.js');
  Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
  return displayLine(Messages.loadMessages('plugin-jwt', 'jwt.hooks').getMessage('hint.diagnose', [command]));
}

const hook: Hook<'finally'> = async function (options) {
  try {
    const { error, id, argv } = options;
    if (!error || hintDisabled(process.env)) return;
    const command = options.Command as CommandLike | undefined;
    if (!isLoginJwt(id, command) || isUsageError(error) || isCleanExit(error)) return;
    const identity = parseIdentityFlags(argv ?? [], flagSpecsOf(command));
    const line = await hintLine(diagnoseCommand(identity, options.config?.bin || 'sf'));
    process.stderr.write(`${line}\n`);
  } catch {
    // A hint is never worth a failure of its own: the login's error and exit code stand as they are.
  }
};

export default hook;
