/*
 * The admin org behind --admin-org (diagnose, approve and status): opening its connection, and the
 * per-request timeout (--timeout) of the commands.
 */
import { Messages, Org, type Connection } from '@salesforce/core';
import { flagDurationMs } from '../utils/duration.js';
import { checkUsernameOrAlias, resolveUsername, storedAuthExists } from './inputs.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** Per request, when --timeout is not given. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** --timeout in milliseconds: at least a second, DEFAULT_TIMEOUT_MS when not given; a bad value is a usage error. */
export function timeoutFlagMs(value: string | undefined): number {
  return flagDurationMs(value, { flag: 'timeout', unit: 'seconds', defaultMs: DEFAULT_TIMEOUT_MS, minMs: 1000 });
}

/**
 * Opens the admin org's connection; an unknown alias or broken auth is a usage error naming the flag. Looks
 * before asking core: Org.create writes ~/.sfdx/alias.json and key.json on a machine without them.
 */
export async function connectAdminOrg(adminOrg: string): Promise<Connection> {
  checkUsernameOrAlias(adminOrg, '--admin-org');
  const username = await resolveUsername(adminOrg);
  if (!storedAuthExists(username)) {
    throw shared.createError('error.UnknownAdminOrg', [adminOrg, shared.getMessage('adminOrg.notStored')], [], 2);
  }
  try {
    const org = await Org.create({ aliasOrUsername: adminOrg });
    return org.getConnection();
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
