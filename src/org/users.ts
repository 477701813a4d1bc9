/*
 * The JWT user as the admin org shows it: the User record (active, profile) and UserLogin (frozen).
 */
import type { Connection } from '@salesforce/core';
import type { OrgEvidence } from './types.js';
import { soqlString } from './soql.js';
import { bool, queryRecords, rel, str, type Errors } from './query.js';

type UserRow = {
  Id: string;
  Username: string;
  IsActive: boolean;
  ProfileId?: string;
  Profile?: { Name?: string } | null;
};

/** The user by username: null when missing, undefined when the query failed. */
export async function readUser(conn: Connection, username: string, errors: Errors): Promise<OrgEvidence['user']> {
  const rows = await queryRecords<UserRow>(
    conn,
    'User',
    `SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User WHERE Username = ${soqlString(username)}`,
    errors,
  );
  if (!rows) return undefined;
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.Id,
    username: row.Username,
    isActive: bool(row.IsActive) ?? true,
    profileId: str(row.ProfileId),
    profileName: str(rel(row.Profile)?.Name),
  };
}

/** UserLogin.IsFrozen, or undefined when unreadable. */
export async function readFrozen(conn: Connection, userId: string, errors: Errors): Promise<boolean | undefined> {
  const rows = await queryRecords<{ IsFrozen: boolean }>(
    conn,
    'UserLogin',
    `SELECT IsFrozen FROM UserLogin WHERE UserId = ${soqlString(userId)}`,
    errors,
  );
  if (!rows) return undefined;
  return rows.some((r) => bool(r.IsFrozen) === true);
}
