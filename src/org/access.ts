/*
 * Who may use an app: the permission sets (profile-owned ones included) that grant it (SetupEntityAccess), the
 * user's assignments (PermissionSetAssignment, permission set groups expanded when needed), and the user's
 * approvals (OauthToken rows: app name, dates and use count, never a token field).
 */
import { Messages, type Connection } from '@salesforce/core';
import type { OrgEvidence } from './types.js';
import { soqlList, soqlString } from './soql.js';
import { bool, num, queryRecords, rel, sameName, str, type Errors } from './query.js';
import type { EvidenceApp } from './apps.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

type GrantRow = { ParentId: string; Parent?: { Name?: string; IsOwnedByProfile?: boolean; ProfileId?: string } | null };
type AssignmentRow = { PermissionSetId: string; PermissionSetGroupId?: string | null };
type TokenRow = {
  AppName?: string;
  CreatedDate?: string;
  LastUsedDate?: string;
  UseCount?: number;
  AppMenuItem?: { ApplicationId?: string } | null;
};

export type GrantRecord = {
  permissionSetId: string;
  permissionSetName?: string;
  isOwnedByProfile?: boolean;
  profileId?: string;
};

/** The permission sets (profile-owned ones included) that grant the app. */
export async function readGrants(
  conn: Connection,
  app: EvidenceApp,
  errors: Errors,
): Promise<GrantRecord[] | undefined> {
  if (!app.id) return undefined;
  const rows = await queryRecords<GrantRow>(
    conn,
    'SetupEntityAccess',
    `SELECT ParentId, Parent.Name, Parent.IsOwnedByProfile, Parent.ProfileId FROM SetupEntityAccess WHERE SetupEntityType = ${soqlString(
      app.kind,
    )} AND SetupEntityId = ${soqlString(app.id)}`,
    errors,
  );
  return rows?.map((r) => ({
    permissionSetId: r.ParentId,
    permissionSetName: str(rel(r.Parent)?.Name),
    isOwnedByProfile: bool(rel(r.Parent)?.IsOwnedByProfile),
    profileId: str(rel(r.Parent)?.ProfileId),
  }));
}

export type Assignments = { permissionSetIds: Set<string>; groupIds: Set<string> };

export async function readAssignments(
  conn: Connection,
  userId: string,
  errors: Errors,
): Promise<Assignments | undefined> {
  const rows = await queryRecords<AssignmentRow>(
    conn,
    'PermissionSetAssignment',
    `SELECT PermissionSetId, PermissionSetGroupId FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)}`,
    errors,
  );
  if (!rows) return undefined;
  return {
    permissionSetIds: new Set(rows.map((r) => r.PermissionSetId)),
    groupIds: new Set(rows.map((r) => str(r.PermissionSetGroupId)).filter((g): g is string => g !== undefined)),
  };
}

/** Adds the permission sets the user gets through permission set groups (one query, only when needed). */
async function expandGroups(conn: Connection, assignments: Assignments, errors: Errors): Promise<void> {
  if (!assignments.groupIds.size) return;
  const rows = await queryRecords<{ PermissionSetId: string }>(
    conn,
    'PermissionSetGroupComponent',
    `SELECT PermissionSetId FROM PermissionSetGroupComponent WHERE PermissionSetGroupId IN ${soqlList([...assignments.groupIds])}`,
    errors,
  );
  rows?.forEach((r) => assignments.permissionSetIds.add(r.PermissionSetId));
}

export type TokenRecord = NonNullable<OrgEvidence['oauthTokens']>[number] & { applicationId?: string };

/** The user whose approvals are read: the record id, and the username (to tell the admin's own user). */
export type TokenOwner = { id: string; username: string };

/** The admin org's own username, when the connection knows it. */
function adminUsername(conn: Connection): string | undefined {
  const getUsername = (conn as { getUsername?: () => string | undefined }).getUsername;
  return typeof getUsername === 'function' ? getUsername.call(conn) : undefined;
}

/**
 * Whether the admin sees every user's OauthToken rows: Salesforce shows them only to a user with Customize
 * Application ("Otherwise, you see only your own tokens", and without an error). undefined when that could not
 * be read.
 */
async function seesEveryonesTokens(conn: Connection, errors: Errors): Promise<boolean | undefined> {
  const rows = await queryRecords<{ PermissionsCustomizeApplication?: boolean }>(
    conn,
    'UserPermissionAccess',
    'SELECT PermissionsCustomizeApplication FROM UserPermissionAccess',
    errors,
  );
  return rows?.[0] ? bool(rows[0].PermissionsCustomizeApplication) : undefined;
}

/**
 * The user's OauthToken rows: app name, dates and use count only, never a token field. undefined (unknown, with
 * the reason in `errors`) when they could not be read, and when none came back for another user than the admin's
 * own while the admin may not see other users' approvals: an empty list is "no approval" only when it can be.
 */
export async function readOauthTokens(
  conn: Connection,
  user: TokenOwner,
  errors: Errors,
): Promise<TokenRecord[] | undefined> {
  const base = 'SELECT AppName, CreatedDate, LastUsedDate, UseCount';
  const where = `FROM OauthToken WHERE UserId = ${soqlString(user.id)}`;
  const local: Errors = [];
  // asked in the same round as the rows (one composite request), used only when no row comes back
  const seesAll = sameName(adminUsername(conn), user.username) ? Promise.resolve(true) : seesEveryonesTokens(conn, []);
  let rows = await queryRecords<TokenRow>(conn, 'OauthToken', `${base}, AppMenuItem.ApplicationId ${where}`, local);
  if (!rows && local.some((e) => /INVALID_FIELD|INVALID_TYPE_FOR_OPERATION|relationship/i.test(e.message))) {
    // an org that cannot follow AppMenuItem: match by AppName (the app's label) instead
    local.length = 0;
    rows = await queryRecords<TokenRow>(conn, 'OauthToken', `${base} ${where}`, local);
  }
  errors.push(...local);
  if (rows?.length === 0 && (await seesAll) !== true) {
    errors.push({ what: 'OauthToken', message: messages.getMessage('evidence.tokensMayBeHidden') });
    return undefined;
  }
  return rows?.map((r) => {
    const t: TokenRecord = { appName: str(r.AppName) ?? '' };
    const created = str(r.CreatedDate);
    const lastUsed = str(r.LastUsedDate);
    const useCount = num(r.UseCount);
    const applicationId = str(rel(r.AppMenuItem)?.ApplicationId);
    if (created) t.createdDate = created;
    if (lastUsed) t.lastUsedDate = lastUsed;
    if (useCount !== undefined) t.useCount = useCount;
    if (applicationId) t.applicationId = applicationId;
    return t;
  });
}

/** Whether a token row belongs to the app: by application id when both are known, else by name or label. */
export function tokenBelongsToApp(t: TokenRecord, app: EvidenceApp): boolean {
  if (t.applicationId && app.id) return t.applicationId.slice(0, 15) === app.id.slice(0, 15);
  return sameName(t.appName, app.label) || sameName(t.appName, app.name);
}

/** Grants with `assignedToUser` set from the assignments (or the user's profile for profile-owned sets). */
function markAssigned(
  grants: GrantRecord[],
  assignments: Assignments | undefined,
  user: NonNullable<OrgEvidence['user']>,
): NonNullable<OrgEvidence['grants']> {
  return grants.map((g) => ({
    ...g,
    assignedToUser:
      Boolean(assignments?.permissionSetIds.has(g.permissionSetId)) ||
      Boolean(g.isOwnedByProfile && g.profileId && g.profileId === user.profileId),
  }));
}

/**
 * markAssigned, counting the permission sets inside the user's permission set groups too: the groups are
 * expanded (one more query) only when no grant reaches the user otherwise.
 */
export async function markAssignedThroughGroups(
  conn: Connection,
  grants: GrantRecord[],
  assignments: Assignments | undefined,
  user: NonNullable<OrgEvidence['user']>,
  errors: Errors,
): Promise<NonNullable<OrgEvidence['grants']>> {
  const marked = markAssigned(grants, assignments, user);
  if (!assignments?.groupIds.size || marked.some((g) => g.assignedToUser)) return marked;
  await expandGroups(conn, assignments, errors);
  return markAssigned(grants, assignments, user);
}

/**
 * The grants with whether each reaches the user (expanding permission set groups when needed). Assignments that
 * could not be read are unknown, not absent: then only a grant through the user's profile is known to reach the
 * user, and nothing is said about the others (undefined when none is known).
 */
export async function grantsWithReach(
  conn: Connection,
  grants: GrantRecord[],
  assignments: Assignments | undefined,
  user: NonNullable<OrgEvidence['user']>,
  errors: Errors,
): Promise<OrgEvidence['grants']> {
  const marked = await markAssignedThroughGroups(conn, grants, assignments, user, errors);
  if (assignments) return marked;
  const reaching = marked.filter((g) => g.assignedToUser);
  return reaching.length ? reaching : undefined;
}

/** Strips the internal applicationId so evidence keeps the shared OrgEvidence shape. */
export const publicToken = (t: TokenRecord): NonNullable<OrgEvidence['oauthTokens']>[number] => {
  const copy = { ...t };
  delete copy.applicationId;
  return copy;
};
