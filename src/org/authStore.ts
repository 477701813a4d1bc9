/*
 * The one reader of what the CLI stores in ~/.sfdx: the auth files (`<username>.json`) and the aliases
 * (alias.json), for `sf jwt diagnose` (one login and --all), approve, status and `sf doctor`. Read as plain
 * JSON: a JWT diagnosis needs only fields core stores unencrypted (username, client ID, key path, login URL,
 * org id), so nothing is decrypted, and nothing is created (core's StateAggregator would write alias.json, and
 * its keychain key.json, where they are missing).
 *
 * Every file is read as the key file is (utils/files.ts readRegularFile): a regular file only (a named pipe, a
 * device, a directory or a socket is named as such and never read, so nothing blocks), at most
 * MAX_STORE_FILE_BYTES, and every failure in words with the path. A store that cannot be listed is an error,
 * never an empty store; a file that cannot be read or is not an auth file's JSON is reported with the reason,
 * never left out.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Global, Logger, Messages, SfError } from '@salesforce/core';
import { describeFileProblem, describeFsError, errorCode, readRegularFile, type FileRead } from '../utils/files.js';
import { mapLimited } from '../utils/sequence.js';
import { myDomainOf } from './myDomain.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** An auth file of the CLI is a few KB; nothing the CLI writes to ~/.sfdx comes near this. */
export const MAX_STORE_FILE_BYTES = 256 * 1024;

/** The name of the store's debug records in the sf log (DEBUG=sf:jwt:store shows them on the terminal). */
export const LOGGER_NAME = 'jwt:store';

/** Logins read at the same time (each read opens a file). */
const READ_CONCURRENCY = 16;

/** The file system calls of the store, replaceable in tests (a directory root can always read). */
export const storeFs = {
  readdir: (dir: string): Promise<string[]> => readdir(dir),
  readFile: (path: string): Promise<FileRead> => readRegularFile(path, MAX_STORE_FILE_BYTES),
};

/** The fields of a stored login that the plugin may use. Never a token. */
export type StoredLogin = {
  username: string;
  file: string;
  clientId?: string;
  /** The key file's path (core stores the path, never the key). */
  privateKey?: string;
  loginUrl?: string;
  instanceUrl?: string;
  /** The org of the stored login (plain in the auth file, never a token). */
  orgId?: string;
  /** core stores isDevHub: true for a login to a Dev Hub (its ScratchOrgInfo answered). */
  isDevHub?: boolean;
  /** A JWT login: a key path and no refresh token (web and device logins store a refresh token). */
  isJwt: boolean;
  /** Whether the login holds a refresh token (a web or device login), never the token itself. */
  hasRefreshToken: boolean;
};

/** A stored JWT login: the fields a diagnosis reuses. Never a token. */
export type StoredJwtLogin = StoredLogin & { privateKey: string };

/** An auth file that could not be read or decoded. */
export type UnreadableLogin = {
  username: string;
  file: string;
  /** Plain words: what the path is, the file system's error, or what is wrong with the content. */
  reason: string;
};

export type StoredLogins = {
  jwt: StoredJwtLogin[];
  unreadable: UnreadableLogin[];
  /** Whether ~/.sfdx/key.json exists: core's generic keychain, which encrypts the stored tokens. */
  keyFileExists: boolean;
};

/** Auth files are named after their username: `<username>.json` (not alias.json, key.json, sfdx-config.json). */
const isAuthFileName = (name: string): boolean => name.endsWith('.json') && name.includes('@');

const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** Why a store file could not be read, in words (the size limit is the store's, not a key's). */
export function describeStoreProblem(read: Extract<FileRead, { ok: false }>): string {
  if (read.problem === 'tooLarge') {
    return messages.getMessage('store.tooLarge', [String(read.size ?? 0), String(MAX_STORE_FILE_BYTES)]);
  }
  return describeFileProblem(read);
}

/** A store file's JSON object, or why it is not one. */
async function readJsonObject(
  file: string,
): Promise<{ fields: Record<string, unknown> } | { missing: true } | { reason: string }> {
  // the path only, never the content (it holds encrypted tokens)
  Logger.childFromRoot(LOGGER_NAME).debug(`Reading stored file ${file}`);
  const read = await storeFs.readFile(file);
  if (!read.ok) return read.problem === 'notFound' ? { missing: true } : { reason: describeStoreProblem(read) };
  const text = read.data.toString('utf8');
  let fields: unknown;
  try {
    fields = JSON.parse(text);
  } catch {
    return { reason: messages.getMessage(text.trim() ? 'store.notJson' : 'store.empty') };
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return { reason: messages.getMessage('store.notAuth') };
  }
  return { fields: fields as Record<string, unknown> };
}

function loginFrom(file: string, username: string, auth: Record<string, unknown>): StoredLogin {
  const privateKey = str(auth.privateKey);
  const hasRefreshToken = Boolean(auth.refreshToken);
  return {
    username: str(auth.username) ?? username,
    file,
    clientId: str(auth.clientId),
    privateKey,
    loginUrl: str(auth.loginUrl),
    instanceUrl: str(auth.instanceUrl),
    orgId: str(auth.orgId),
    ...(auth.isDevHub === true ? { isDevHub: true } : {}),
    isJwt: Boolean(privateKey) && !hasRefreshToken,
    hasRefreshToken,
  };
}

/** Reads one auth file: the stored login, why it could not be read, or undefined when there is no such file. */
export async function readAuthFile(file: string, username: string): Promise<StoredLogin | UnreadableLogin | undefined> {
  const json = await readJsonObject(file);
  if ('missing' in json) return undefined;
  if ('reason' in json) return { username, file, reason: json.reason };
  return loginFrom(file, username, json.fields);
}

/** The auth file of a username: `<username>.json` in ~/.sfdx (undefined for a name that is not a file name). */
export function authFileOf(username: string, sfdxDir = Global.SFDX_DIR): string | undefined {
  if (/[\\/]/.test(username) || username === '.' || username === '..' || username.length === 0) return undefined;
  return join(sfdxDir, `${username}.json`);
}

/** A stored login file that exists but cannot be read: exit code 1, with the path and the reason. */
function unreadableError(username: string, file: string, reason: string): SfError {
  return messages.createError('error.StoredLoginUnreadable', [username, file, reason], [file, username], 1);
}

/**
 * The CLI's stored login of a username: undefined when there is none; an error (exit code 1) naming the file
 * when it exists but cannot be read or is not an auth file.
 */
export async function readStoredLogin(username: string, sfdxDir = Global.SFDX_DIR): Promise<StoredLogin | undefined> {
  const file = authFileOf(username, sfdxDir);
  if (!file) return undefined;
  const login = await readAuthFile(file, username);
  if (login && 'reason' in login) throw unreadableError(username, file, login.reason);
  return login;
}

/**
 * The CLI's aliases (alias.json: `{ "orgs": { "<alias>": "<username>" } }`); empty when there is no such file;
 * an error (exit code 1) naming the file when it cannot be read.
 */
export async function readAliases(sfdxDir = Global.SFDX_DIR): Promise<Map<string, string>> {
  const file = join(sfdxDir, 'alias.json');
  const json = await readJsonObject(file);
  if ('missing' in json) return new Map();
  if ('reason' in json) throw messages.createError('error.AliasFileUnreadable', [file, json.reason], [file], 1);
  const orgs = json.fields.orgs;
  const entries =
    orgs && typeof orgs === 'object' && !Array.isArray(orgs) ? Object.entries(orgs as Record<string, unknown>) : [];
  return new Map(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Checks that a file of the store that core is about to read (the keychain's key.json) can be read without
 * blocking: an error (exit code 1) naming it otherwise. A missing file is fine.
 */
export async function checkStoreFile(file: string): Promise<void> {
  const read = await storeFs.readFile(file);
  if (!read.ok && read.problem !== 'notFound') {
    throw messages.createError('error.StoreFileUnreadable', [file, describeStoreProblem(read)], [file], 1);
  }
}

/**
 * One login per username: a second file for the same user (a symbolic link to the auth file, a copy under
 * another name) is left out, keeping the file core itself reads, `<username>.json`.
 */
function onePerUser(logins: StoredJwtLogin[]): StoredJwtLogin[] {
  const byUser = new Map<string, StoredJwtLogin>();
  for (const login of logins) {
    const seen = byUser.get(login.username);
    const own = basename(login.file) === `${login.username}.json`;
    if (!seen || (own && basename(seen.file) !== `${seen.username}.json`)) byUser.set(login.username, login);
  }
  return logins.filter((login) => byUser.get(login.username) === login);
}

/**
 * The org's own domain (My Domain) from any login the CLI has stored for that org (JWT, web or other):
 * undefined when none has one. Files that cannot be read, and a store that cannot be listed, are passed over.
 */
export async function storedMyDomainOfOrg(orgId: string, sfdxDir = Global.SFDX_DIR): Promise<string | undefined> {
  let names: string[];
  try {
    names = await storeFs.readdir(sfdxDir);
  } catch {
    return undefined;
  }
  const logins = await mapLimited(names.filter(isAuthFileName), READ_CONCURRENCY, (name) =>
    readAuthFile(join(sfdxDir, name), name.slice(0, -'.json'.length)),
  );
  const sameOrg = logins.find(
    (login) =>
      login &&
      !('reason' in login) &&
      login.orgId?.slice(0, 15) === orgId.slice(0, 15) &&
      myDomainOf(login.instanceUrl),
  );
  return sameOrg && !('reason' in sameOrg) ? myDomainOf(sameOrg.instanceUrl) : undefined;
}

/**
 * Every stored JWT login, one per username, and every auth file that could not be read. A missing ~/.sfdx is an
 * empty store; one that cannot be listed is an error (exit code 1) saying why, never an empty store.
 */
export async function listStoredLogins(sfdxDir = Global.SFDX_DIR): Promise<StoredLogins> {
  let names: string[];
  try {
    names = await storeFs.readdir(sfdxDir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { jwt: [], unreadable: [], keyFileExists: false };
    throw messages.createError('error.StoreUnreadable', [sfdxDir, describeFsError(error)], [sfdxDir], 1);
  }
  const keyFileExists = existsSync(join(sfdxDir, 'key.json'));
  const files = names.filter(isAuthFileName).sort();
  const read = await mapLimited(files, READ_CONCURRENCY, (name) =>
    readAuthFile(join(sfdxDir, name), name.slice(0, -'.json'.length)),
  );
  const jwt: StoredJwtLogin[] = [];
  const unreadable: UnreadableLogin[] = [];
  for (const entry of read) {
    if (!entry) continue;
    if ('reason' in entry) unreadable.push(entry);
    else if (entry.isJwt && entry.privateKey) jwt.push({ ...entry, privateKey: entry.privateKey });
  }
  return { jwt: onePerUser(jwt), unreadable, keyFileExists };
}
