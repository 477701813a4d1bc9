/*
 * The JWT logins the CLI has stored, for `sf jwt diagnose --all`: the auth files in ~/.sfdx, read as plain
 * JSON. A JWT diagnosis needs only fields core stores unencrypted (username, client ID, key path, login
 * URL), so nothing is decrypted, and nothing is created: core's StateAggregator would write
 * ~/.sfdx/alias.json, and its keychain ~/.sfdx/key.json, where they are missing. A file that cannot be read
 * or is not an auth file's JSON is listed with the reason, instead of being left out.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Global, Messages } from '@salesforce/core';
import { myDomainOf } from './myDomain.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

/** A stored JWT login: the fields a diagnosis reuses. Never a token. */
export type StoredJwtLogin = {
  username: string;
  file: string;
  clientId?: string;
  /** The key file's path (core stores the path, never the key). */
  privateKey: string;
  loginUrl?: string;
  /** The org of the stored login (plain in the auth file, never a token). */
  orgId?: string;
  /** The org's instance URL as the login stored it (its My Domain). */
  instanceUrl?: string;
  /** core stores isDevHub: true for a login to a Dev Hub (its ScratchOrgInfo answered). */
  isDevHub?: boolean;
};

/** An auth file that could not be read or decoded. */
export type UnreadableLogin = {
  username: string;
  file: string;
  /** Plain words: the file system's error, or what is wrong with the content. */
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

/** Reads one auth file: a JWT login, undefined for another kind of login, or why it could not be read. */
export async function readAuthFile(
  file: string,
  username: string,
): Promise<StoredJwtLogin | UnreadableLogin | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { username, file, reason: (error as Error).message };
  }
  let fields: unknown;
  try {
    fields = JSON.parse(text);
  } catch {
    return { username, file, reason: messages.getMessage(text.trim() ? 'all.reason.notJson' : 'all.reason.empty') };
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return { username, file, reason: messages.getMessage('all.reason.notAuth') };
  }
  const auth = fields as Record<string, unknown>;
  const privateKey = str(auth.privateKey);
  // A JWT login stores the key path and no refresh token (web and device logins store a refresh token).
  if (!privateKey || auth.refreshToken) return undefined;
  return {
    username: str(auth.username) ?? username,
    file,
    clientId: str(auth.clientId),
    privateKey,
    loginUrl: str(auth.loginUrl),
    orgId: str(auth.orgId),
    ...(str(auth.instanceUrl) ? { instanceUrl: str(auth.instanceUrl) } : {}),
    ...(auth.isDevHub === true ? { isDevHub: true } : {}),
  };
}

/**
 * The org's own domain (My Domain) from any login the CLI has stored for that org (JWT, web or other), read as
 * plain JSON like the rest of this file: undefined when none has one. Files that cannot be read are passed over.
 */
export async function storedMyDomainOfOrg(orgId: string, sfdxDir = Global.SFDX_DIR): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(sfdxDir);
  } catch {
    return undefined;
  }
  const domains = await Promise.all(
    names.filter(isAuthFileName).map(async (name) => {
      try {
        const auth = JSON.parse(await readFile(join(sfdxDir, name), 'utf8')) as Record<string, unknown>;
        const id = str(auth?.orgId);
        return id && id.slice(0, 15) === orgId.slice(0, 15) ? myDomainOf(str(auth.instanceUrl)) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return domains.find((d) => d !== undefined);
}

/** Every stored JWT login, by username, and every auth file that could not be read. */
export async function listStoredLogins(sfdxDir = Global.SFDX_DIR): Promise<StoredLogins> {
  const keyFileExists = existsSync(join(sfdxDir, 'key.json'));
  let names: string[];
  try {
    names = await readdir(sfdxDir);
  } catch {
    return { jwt: [], unreadable: [], keyFileExists };
  }
  const files = names.filter(isAuthFileName).sort();
  const read = await Promise.all(
    files.map((name) => readAuthFile(join(sfdxDir, name), name.slice(0, -'.json'.length))),
  );
  const jwt: StoredJwtLogin[] = [];
  const unreadable: UnreadableLogin[] = [];
  for (const entry of read) {
    if (!entry) continue;
    if ('reason' in entry) unreadable.push(entry);
    else jwt.push(entry);
  }
  return { jwt, unreadable, keyFileExists };
}
