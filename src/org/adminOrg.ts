/*
 * The admin org behind --admin-org (diagnose, approve and status): checking it, opening its connection, and the
 * per-request timeout (--timeout) of the commands.
 *
 * The admin org's stored login is left as it is. Core writes a login's auth file while it uses it: the access
 * token it gets when the stored one has expired, and the org's API version, cached for a day. For a login without
 * a refresh token (a JWT login, an access token) those writes are kept in memory here (StoredAsIsAuthInfo): the
 * expired token is replaced for this run only, and the next run gets its own. A login with a refresh token (sf org
 * login web) is used as every sf command uses it (sf data query too): when its access token has expired, core
 * refreshes it and saves the new access token, and the new refresh token where the app rotates them, because
 * under refresh token rotation the old refresh token stops working, and a login whose new one was not saved
 * would be lost.
 */
import { join } from 'node:path';
import { AuthInfo, Connection, Global, Messages, type AuthFields } from '@salesforce/core';
import { flagDurationMs } from '../utils/duration.js';
import { checkStoreFile, readStoredLogin, type StoredLogin } from './authStore.js';
import { checkUsernameOrAlias, resolveUsername } from './inputs.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** Per request, when --timeout is not given. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** --timeout in milliseconds: at least a second, DEFAULT_TIMEOUT_MS when not given; a bad value is a usage error. */
export function timeoutFlagMs(value: string | undefined): number {
  return flagDurationMs(value, { flag: 'timeout', unit: 'seconds', defaultMs: DEFAULT_TIMEOUT_MS, minMs: 1000 });
}

/**
 * A stored login whose changes stay in memory: core's save() (a refreshed access token, the cached API version,
 * the org's name and edition) updates this object and writes nothing.
 */
export class StoredAsIsAuthInfo extends AuthInfo {
  public async save(authData?: AuthFields): Promise<AuthInfo> {
    this.update(authData);
    return Promise.resolve(this);
  }
}

/**
 * Checks --admin-org without a request: a username or alias of a login the CLI has stored, readable. Throws a usage
 * error (exit code 2) naming the flag when there is no such login, and the store's error (exit code 1) when its
 * file cannot be read. Returns the admin's username and stored login.
 */
export async function checkAdminOrg(adminOrg: string): Promise<{ username: string; stored: StoredLogin }> {
  checkUsernameOrAlias(adminOrg, '--admin-org');
  const username = await resolveUsername(adminOrg);
  const stored = await readStoredLogin(username);
  if (!stored) {
    throw shared.createError('error.UnknownAdminOrg', [adminOrg, shared.getMessage('adminOrg.notStored')], [], 2);
  }
  return { username, stored };
}

/**
 * Opens the admin org's connection; an unknown alias or broken auth is a usage error naming the flag. Looks before
 * asking core, through the store's guarded reader: core would write ~/.sfdx/alias.json and key.json on a machine
 * without them, and block on a stored file that is a named pipe.
 */
export async function connectAdminOrg(adminOrg: string): Promise<Connection> {
  const { username, stored } = await checkAdminOrg(adminOrg);
  // the keychain core decrypts the access token with
  await checkStoreFile(join(Global.SFDX_DIR, 'key.json'));
  try {
    const authInfo = stored.hasRefreshToken
      ? await AuthInfo.create({ username })
      : await StoredAsIsAuthInfo.create({ username });
    return await Connection.create({ authInfo });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw shared.createError(
      'error.UnknownAdminOrg',
      [adminOrg, reason],
      [],
      2,
      error instanceof Error ? error : undefined,
    );
  }
}
