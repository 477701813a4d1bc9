/*
 * Merges explicit flags with what the CLI already knows: a stored JWT auth for the username (client id,
 * key path, login URL), aliases, and sfdx-project.json's sfdcLoginUrl, the way `sf org login jwt` does.
 * Read-only: nothing here writes the CLI's auth files, config or aliases.
 */
import { existsSync } from 'node:fs';
import { Messages, SfError } from '@salesforce/core';
import { hasControlCharacters } from '../utils/printable.js';
import { resolveLoginUrl } from './loginUrl.js';
import { authFileOf, readAliases, readStoredLogin, type StoredLogin } from './authStore.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** Where each input of a JWT login came from: explicit flags, the CLI's stored auth, or the default. */
export type InputSource = {
  clientId?: 'flag' | 'stored-auth';
  jwtKeyFile?: 'flag' | 'stored-auth';
  loginUrl?: 'flag' | 'stored-auth' | 'default';
};

/** The inputs of a JWT login (to diagnose, approve, verify), after flags and stored auth were merged. */
export type JwtInputs = {
  username: string;
  clientId?: string;
  jwtKeyFile?: string;
  /** As the user gave it; `--instance-url` arrives as URL.href (with a trailing slash). */
  loginUrl: string;
  certFile?: string;
  appName?: string;
  /** The org id of the user's login stored in the CLI, when there is one (to check --admin-org against). */
  orgId?: string;
  /** The instance URL (My Domain) of the user's login stored in the CLI, when there is one. */
  instanceUrl?: string;
  /** The user's login is stored as a Dev Hub login (core's isDevHub). */
  isDevHub?: boolean;
  source: InputSource;
};

export type IdentityFlags = {
  username?: string;
  'client-id'?: string;
  'jwt-key-file'?: string;
  'instance-url'?: string;
  'cert-file'?: string;
  'app-name'?: string;
};

/** The fields of a stored auth that a JWT diagnosis may reuse. Never tokens. */
export type StoredJwtAuth = StoredLogin;

/** Whether the CLI has a login stored for this username (without opening anything). */
export const storedAuthExists = (username: string): boolean => {
  const file = authFileOf(username);
  return file !== undefined && existsSync(file);
};

/**
 * Reads a stored auth without decrypting anything, through the store's guarded reader (authStore.ts): undefined
 * when there is none; an error (exit code 1) naming the file when it cannot be read.
 */
export async function readStoredAuth(username: string): Promise<StoredJwtAuth | undefined> {
  return readStoredLogin(username);
}

/**
 * A username or alias as given on the command line: one with whitespace, a line break or another control
 * character (an escape sequence, a carriage return from a Windows-edited variable) is a usage error (exit
 * code 2) that shows the value with its invisible characters made visible. No Salesforce username or CLI
 * alias has them, and they would break every command this plugin suggests.
 */
export function checkUsernameOrAlias(value: string, flag = '--username'): string {
  const visible = JSON.stringify(value);
  if (value.trim().length === 0) throw usageError('error.BlankUsername', [flag, visible]);
  const chars = [...value];
  const at = chars.findIndex((c) => /\s/u.test(c) || hasControlCharacters(c));
  if (at >= 0) {
    const c = chars[at];
    const what = /[\n\r\u2028\u2029]/.test(c)
      ? messages.getMessage('username.lineBreak')
      : /\s/u.test(c)
        ? messages.getMessage('username.whitespace')
        : messages.getMessage('username.control');
    const where =
      at === 0
        ? messages.getMessage('username.atStart')
        : at === chars.length - 1
          ? messages.getMessage('username.atEnd')
          : messages.getMessage('username.at', [String(at + 1)]);
    throw usageError('error.InvalidUsername', [flag, visible, what, where]);
  }
  return value;
}

/**
 * Resolves an alias to its username; a value with no alias is returned as is. Checks the value first. The aliases
 * are read through the store's guarded reader (core's StateAggregator would create alias.json where it is missing,
 * and block on one that is a named pipe).
 */
export async function resolveUsername(usernameOrAlias: string): Promise<string> {
  checkUsernameOrAlias(usernameOrAlias);
  return (await readAliases()).get(usernameOrAlias) ?? usernameOrAlias;
}

function usageError(key: string, tokens: string[] = []): SfError {
  return messages.createError(key, tokens, [], 2);
}

/** What is missing for a JWT login, in the words that fit where the rest came from (exit code 2). */
function missingInputsError(
  given: string,
  username: string,
  stored: StoredJwtAuth | undefined,
  missing: string[],
): SfError {
  if (!username.includes('@') && !stored) return usageError('error.UnknownAlias', [given]);
  // a stored login that can't fill in what is missing: named with its file
  if (stored && !stored.isJwt) return usageError('error.StoredAuthNotJwt', [username, stored.file, missing.join(', ')]);
  if (stored) {
    return messages.createError(
      'error.StoredLoginIncomplete',
      [username, stored.file, missing.join(', ')],
      [username],
      2,
    );
  }
  return usageError('error.MissingInputs', [username, missing.join(', ')]);
}

/**
 * Builds the inputs of a JWT login. Explicit flags win over the stored auth. Missing values are usage
 * errors (exit code 2) naming the flag.
 */
export async function resolveJwtInputs(
  flags: IdentityFlags,
  options: { requireKey?: boolean } = {},
): Promise<JwtInputs> {
  const requireKey = options.requireKey ?? true;
  if (!flags.username) throw usageError('error.MissingUsername');
  const username = await resolveUsername(flags.username);
  const stored = await readStoredAuth(username);
  const jwtAuth = stored?.isJwt ? stored : undefined;

  const clientId = flags['client-id'] ?? jwtAuth?.clientId;
  const jwtKeyFile = flags['jwt-key-file'] ?? jwtAuth?.privateKey;
  const missing: string[] = [];
  if (clientId === undefined) missing.push('--client-id');
  if (requireKey && jwtKeyFile === undefined) missing.push('--jwt-key-file');
  if (missing.length > 0) throw missingInputsError(flags.username, username, stored, missing);

  const { loginUrl, loginUrlSource } = await resolveLoginUrl(flags['instance-url'], jwtAuth);

  return {
    username,
    clientId,
    jwtKeyFile,
    loginUrl,
    certFile: flags['cert-file'],
    appName: flags['app-name'],
    ...(stored?.orgId ? { orgId: stored.orgId } : {}),
    ...(stored?.instanceUrl ? { instanceUrl: stored.instanceUrl } : {}),
    ...(stored?.isDevHub ? { isDevHub: true } : {}),
    source: {
      clientId: flags['client-id'] !== undefined ? 'flag' : 'stored-auth',
      ...(jwtKeyFile !== undefined ? { jwtKeyFile: flags['jwt-key-file'] !== undefined ? 'flag' : 'stored-auth' } : {}),
      loginUrl: loginUrlSource,
    },
  };
}
