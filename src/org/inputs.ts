/*
 * Merges explicit flags with what the CLI already knows: a stored JWT auth for the username (client id,
 * key path, login URL), aliases, and sfdx-project.json's sfdcLoginUrl, the way `sf org login jwt` does.
 * Read-only: nothing here writes the CLI's auth files, config or aliases.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Global, Messages, SfError, SfProject, StateAggregator } from '@salesforce/core';
import type { JwtInputs } from '../diagnose/types.js';
import { PRODUCTION_URL } from '../diagnose/token.js';
import { redactUserInfo } from '../diagnose/checks/loginUrl.js';
import { hasControlCharacters } from '../utils/printable.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.shared');

export type IdentityFlags = {
  username?: string;
  'client-id'?: string;
  'jwt-key-file'?: string;
  'instance-url'?: string;
  'cert-file'?: string;
  'app-name'?: string;
};

/** The fields of a stored auth that a JWT diagnosis may reuse. Never tokens. */
export type StoredJwtAuth = {
  username: string;
  clientId?: string;
  privateKey?: string;
  loginUrl?: string;
  instanceUrl?: string;
  /** The org of the stored login (plain in the auth file, never a token). */
  orgId?: string;
  isJwt: boolean;
};

/*
 * Core's StateAggregator writes ~/.sfdx/alias.json when that file is missing, so it is opened only when
 * there is something to read: diagnosing on a machine without CLI state must not create files either.
 */
const aliasFileExists = (): boolean => existsSync(join(Global.SFDX_DIR, 'alias.json'));
const authFileExists = (username: string): boolean => existsSync(join(Global.SFDX_DIR, `${username}.json`));

/** Whether the CLI has a login stored for this username (without opening anything). */
export const storedAuthExists = authFileExists;

/** Reads a stored auth without decrypting anything. */
export async function readStoredAuth(username: string): Promise<StoredJwtAuth | undefined> {
  if (!authFileExists(username)) return undefined;
  const state = await StateAggregator.getInstance();
  // Not state.orgs.exists(): it only knows auth files this process has already loaded.
  const fields = await state.orgs.read(username, false, false);
  if (!fields) return undefined;
  const privateKey = typeof fields.privateKey === 'string' ? fields.privateKey : undefined;
  return {
    username,
    clientId: typeof fields.clientId === 'string' ? fields.clientId : undefined,
    privateKey,
    loginUrl: typeof fields.loginUrl === 'string' ? fields.loginUrl : undefined,
    instanceUrl: typeof fields.instanceUrl === 'string' ? fields.instanceUrl : undefined,
    orgId: typeof fields.orgId === 'string' ? fields.orgId : undefined,
    isJwt: Boolean(privateKey) && !fields.refreshToken,
  };
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

/** Resolves an alias to its username; a value with no alias is returned as is. Checks the value first. */
export async function resolveUsername(usernameOrAlias: string): Promise<string> {
  checkUsernameOrAlias(usernameOrAlias);
  if (!aliasFileExists()) return usernameOrAlias;
  const state = await StateAggregator.getInstance();
  return state.aliases.resolveUsername(usernameOrAlias);
}

/** Login URL as plugin-auth resolves it when --instance-url is absent: sfdcLoginUrl, else production. */
export async function projectLoginUrl(): Promise<string | undefined> {
  try {
    const project = await SfProject.resolve();
    const config = await project.resolveProjectConfig();
    const url = (config as { sfdcLoginUrl?: unknown }).sfdcLoginUrl;
    return typeof url === 'string' && url ? normalizeLoginUrl(url) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `--instance-url` arrives in core as `URL.href` (with a trailing slash); keep unparsable input as typed. A user
 * name or password in it is replaced by **** here, before anything can echo it (the login URL check still
 * refuses the URL).
 */
export function normalizeLoginUrl(raw: string): string {
  const trimmed = redactUserInfo(raw.trim());
  try {
    const url = new URL(trimmed);
    return /^https?:$/.test(url.protocol) ? url.href : trimmed;
  } catch {
    return trimmed;
  }
}

/**
 * The login URL as `sf org login jwt` picks it: the flag, the stored login's, sfdcLoginUrl, production. A user
 * name or password in it is replaced by ****, wherever it came from.
 */
export async function resolveLoginUrl(
  flag: string | undefined,
  jwtAuth: { loginUrl?: string } | undefined,
): Promise<{ loginUrl: string; loginUrlSource: 'flag' | 'stored-auth' | 'default' }> {
  if (flag !== undefined) return { loginUrl: normalizeLoginUrl(flag), loginUrlSource: 'flag' };
  if (jwtAuth?.loginUrl) return { loginUrl: redactUserInfo(jwtAuth.loginUrl), loginUrlSource: 'stored-auth' };
  return { loginUrl: (await projectLoginUrl()) ?? PRODUCTION_URL, loginUrlSource: 'default' };
}

function usageError(key: string, tokens: string[] = []): SfError {
  return messages.createError(key, tokens, [], 2);
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
  if (missing.length > 0) {
    const looksLikeAlias = !username.includes('@');
    if (looksLikeAlias && !stored) throw usageError('error.UnknownAlias', [flags.username]);
    throw usageError(stored && !stored.isJwt ? 'error.StoredAuthNotJwt' : 'error.MissingInputs', [
      username,
      missing.join(', '),
    ]);
  }

  const { loginUrl, loginUrlSource } = await resolveLoginUrl(flags['instance-url'], jwtAuth);

  return {
    username,
    clientId,
    jwtKeyFile,
    loginUrl,
    certFile: flags['cert-file'],
    appName: flags['app-name'],
    ...(stored?.orgId ? { orgId: stored.orgId } : {}),
    source: {
      clientId: flags['client-id'] !== undefined ? 'flag' : 'stored-auth',
      ...(jwtKeyFile !== undefined ? { jwtKeyFile: flags['jwt-key-file'] !== undefined ? 'flag' : 'stored-auth' } : {}),
      loginUrl: loginUrlSource,
    },
  };
}
