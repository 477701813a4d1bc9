/*
 * The `store` step of `sf jwt setup`: the verified login stored in the CLI exactly as `sf org login jwt` stores
 * it (core's AuthInfo: the JWT login, then `save`, then the alias and the target-org / target-dev-hub config),
 * so `sf org display`, `sf org list` and every later command (and its token refresh) use it; `sf org login jwt`
 * itself is never needed afterwards.
 *
 * Where it differs from `sf org login jwt`, on purpose: a stored login that is already this JWT login (same
 * client id, key file, login URL and org) is left as it is; another stored login of the user (a web login, another
 * app) is replaced, but its aliases and the config that names it are kept (`sf org login jwt` drops them), and
 * it is put back if the new login can't be stored.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthInfo, Config, Global, Messages, StateAggregator } from '@salesforce/core';
import { readStoredAuth } from '../org/inputs.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

export type StoreOptions = {
  username: string;
  clientId: string;
  /** Absolute path of the key file (the auth file keeps only this path). */
  keyFile: string;
  /** The login URL as `sf org login jwt --instance-url` passes it on (URL.href: with a trailing slash). */
  loginUrl: string;
  /**
   * The org's id (the admin org's): a stored login of another org (the sandbox before its refresh) is stored
   * again, whatever else it has in common with this one.
   */
  orgId?: string;
  alias?: string;
  setDefault?: boolean;
  setDefaultDevHub?: boolean;
};

export type StoredLogin = {
  action: 'created' | 'updated' | 'already present';
  message: string;
};

/** A config value as the CLI resolves it: the project's config first, then the global one (read from disk). */
async function configValue(key: string): Promise<unknown> {
  const read = async (isGlobal: boolean): Promise<unknown> => {
    try {
      return (await Config.create({ isGlobal })).get(key);
    } catch {
      return undefined; // no project here: no local config
    }
  };
  return (await read(false)) ?? read(true);
}

/** Whether the alias and the defaults asked for are already what the CLI has. */
async function sideEffectsInPlace(opts: StoreOptions): Promise<boolean> {
  const state = await StateAggregator.getInstance();
  if (opts.alias && state.aliases.resolveUsername(opts.alias) !== opts.username) return false;
  const known = new Set<unknown>([opts.username, ...state.aliases.getAll(opts.username)]);
  if (opts.setDefault && !known.has(await configValue('target-org'))) return false;
  if (opts.setDefaultDevHub && !known.has(await configValue('target-dev-hub'))) return false;
  return true;
}

const sameOrgId = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

const authFile = (username: string): string => join(Global.SFDX_DIR, `${username}.json`);

/** The raw auth file of the user and its mode, to put back if the new login can't be stored. */
function backup(username: string): { text: string; mode: number } | undefined {
  try {
    const path = authFile(username);
    return { text: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777 };
  } catch {
    return undefined;
  }
}

/** Removes only the auth file (aliases and config stay), as core's own store sees it. */
async function removeAuthFile(username: string): Promise<void> {
  const state = await StateAggregator.getInstance();
  await state.orgs.read(username, false, false);
  await state.orgs.remove(username);
}

/**
 * Stores the JWT login of the user in the CLI, as `sf org login jwt` does (a JWT login through core, its auth
 * file, then the alias and defaults). Returns what it did; throws core's error when the login can't be stored
 * (any login stored before is then put back).
 */
export async function storeLogin(opts: StoreOptions): Promise<StoredLogin> {
  const existing = await readStoredAuth(opts.username);
  const sideEffects = {
    alias: opts.alias,
    setDefault: opts.setDefault === true,
    setDefaultDevHub: opts.setDefaultDevHub === true,
  };
  const same =
    existing?.isJwt === true &&
    existing.clientId === opts.clientId &&
    existing.privateKey === opts.keyFile &&
    existing.loginUrl === opts.loginUrl &&
    (opts.orgId === undefined || existing.orgId === undefined || sameOrgId(existing.orgId, opts.orgId));
  if (same) {
    if (await sideEffectsInPlace(opts)) {
      return { action: 'already present', message: messages.getMessage('store.alreadyPresent', [opts.username]) };
    }
    const auth = await AuthInfo.create({ username: opts.username });
    await auth.handleAliasAndDefaultSettings(sideEffects);
    return { action: 'updated', message: messages.getMessage('store.defaults', [opts.username]) };
  }

  const previous = existing ? backup(opts.username) : undefined;
  if (existing) await removeAuthFile(opts.username);
  try {
    const auth = await AuthInfo.create({
      username: opts.username,
      oauth2Options: { clientId: opts.clientId, privateKeyFile: opts.keyFile, loginUrl: opts.loginUrl },
    });
    await auth.save();
    await auth.handleAliasAndDefaultSettings(sideEffects);
  } catch (error) {
    if (previous !== undefined) {
      writeFileSync(authFile(opts.username), previous.text, { mode: previous.mode });
      StateAggregator.clearInstance();
    }
    throw error;
  }
  return existing
    ? {
        action: 'updated',
        message: messages.getMessage(existing.isJwt ? 'store.replacedJwt' : 'store.replaced', [opts.username]),
      }
    : { action: 'created', message: messages.getMessage('store.created', [opts.username]) };
}
