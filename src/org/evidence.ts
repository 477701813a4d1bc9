/*
 * Org-side evidence for an approval failure, read through @salesforce/core's Connection (plain REST
 * queries and Metadata API read/list only). Nothing here throws for a failing query: the failure is
 * recorded in `evidence.errors` with its reason. No token field is ever selected.
 *
 * Requests, for the benchmark. The SOQL queries of one round go out as one Composite API request
 * (queryBatch.ts; plain parallel queries where composite is not available):
 *   need 'user'                      R1: User                                   R2: UserLogin              = 2 requests
 *   client id only, connected app    R1: composite(User, ConnectedApplication names) + Metadata read(ConnectedApp)
 *                                        in chunks of 10, stopping at the first match (Metadata list when none)
 *                                    R2: composite(UserLogin + admin-approved: SetupEntityAccess,
 *                                        PermissionSetAssignment | self-authorize: OauthToken | unknown: all three)
 *                                    = 3 requests (+1 round, PermissionSetGroupComponent, only when the user has
 *                                      permission set groups and no direct grant)
 *   --app-name, connected app        R1: composite(User, ConnectedApplication) + Metadata read; R2 as above = 3
 *   --app-name, external client app  as above, plus ExternalClientApplication then ExtlClntAppOauthPlcyCnfg
 *                                    after the connected-app lookups found nothing (+2 rounds)
 *   user missing or inactive         stops after R1 = 2 requests
 */
import { Messages, type Connection } from '@salesforce/core';
import type { OrgEvidence } from '../diagnose/types.js';
import { soqlList, soqlString } from './soql.js';
import { batchedQuery } from './queryBatch.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

export type EvidenceOptions = { username: string; clientId?: string; appName?: string; need?: 'all' | 'user' };

export type EvidenceApp = NonNullable<OrgEvidence['app']>;
export type EvidenceError = NonNullable<OrgEvidence['errors']>[number];
type Errors = EvidenceError[];

/** Metadata read chunk size (the Metadata API reads at most 10 components per call). */
export const METADATA_CHUNK = 10;
/** Metadata read chunks sent at the same time. */
export const METADATA_PARALLEL = 5;

// ---------------------------------------------------------------------------------------------
// small helpers
// ---------------------------------------------------------------------------------------------

type Rec = Record<string, unknown>;

/** "ERROR_CODE: message" of a failed request, short and secret-free. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { errorCode?: unknown };
    const raw = typeof e.errorCode === 'string' ? e.errorCode : e.name !== 'Error' ? e.name : undefined;
    const code = raw?.replace(/^sf:/, ''); // SOAP faults arrive as sf:INSUFFICIENT_ACCESS
    const text = e.message.replace(/\s+/g, ' ').trim().slice(0, 300);
    return code && !text.startsWith(code) ? `${code}: ${text}` : text;
  }
  return String(err).slice(0, 300);
}

/** The error code of a failed request (errorCode, or name), e.g. INSUFFICIENT_ACCESS. */
export function errorCodeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { errorCode?: unknown };
  return (typeof e.errorCode === 'string' ? e.errorCode : e.name).replace(/^sf:/, '');
}

/** Runs a SOQL query; on failure records it under `what` and returns undefined. */
export async function queryRecords<T extends Rec>(
  conn: Connection,
  what: string,
  soql: string,
  errors: Errors,
): Promise<T[] | undefined> {
  try {
    return await batchedQuery<T>(conn, soql);
  } catch (err) {
    errors.push({ what, message: describeError(err) });
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const bool = (v: unknown): boolean | undefined =>
  typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined;
const rel = (v: unknown): Rec | undefined => (v && typeof v === 'object' ? (v as Rec) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v]);

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------------------------
// the user
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// the app
// ---------------------------------------------------------------------------------------------

type ConnectedApplicationRow = { Id: string; Name: string; OptionsAllowAdminApprovedUsersOnly?: boolean };
type ConnectedAppMetadata = {
  fullName?: string;
  label?: string;
  oauthConfig?: {
    consumerKey?: string;
    scopes?: string | string[];
    isAdminApproved?: boolean | string;
    callbackUrl?: string;
  };
};

async function readConnectedAppMetadata(
  conn: Connection,
  names: string[],
  errors: Errors,
): Promise<ConnectedAppMetadata[] | undefined> {
  if (!names.length) return [];
  try {
    const res = (await conn.metadata.read('ConnectedApp', names)) as unknown;
    return arr(res).filter((m): m is ConnectedAppMetadata =>
      Boolean(m && typeof m === 'object' && str((m as Rec).fullName)),
    );
  } catch (err) {
    errors.push({ what: 'Metadata read ConnectedApp', message: describeError(err) });
    return undefined;
  }
}

function appFromMetadata(md: ConnectedAppMetadata, row: ConnectedApplicationRow | undefined): EvidenceApp {
  const oauth = md.oauthConfig ?? {};
  const scopes = arr(oauth.scopes).map(String);
  const callbackUrls = arr(oauth.callbackUrl)
    .flatMap((c) => String(c).split(/[\s,]+/))
    .filter(Boolean);
  return {
    id: row?.Id,
    name: md.fullName ?? row?.Name ?? '',
    label: str(md.label) ?? row?.Name,
    kind: 'ConnectedApplication',
    adminApprovedOnly: bool(row?.OptionsAllowAdminApprovedUsersOnly) ?? bool(oauth.isAdminApproved) ?? false,
    scopes: md.oauthConfig ? scopes : undefined,
    callbackUrls: md.oauthConfig ? callbackUrls : undefined,
  };
}

function appFromRow(row: ConnectedApplicationRow): EvidenceApp {
  return {
    id: row.Id,
    name: row.Name,
    label: row.Name,
    kind: 'ConnectedApplication',
    adminApprovedOnly: bool(row.OptionsAllowAdminApprovedUsersOnly),
  };
}

const sameName = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

function rowFor(
  rows: ConnectedApplicationRow[] | undefined,
  md: ConnectedAppMetadata,
): ConnectedApplicationRow | undefined {
  return rows?.find((r) => sameName(r.Name, md.fullName)) ?? rows?.find((r) => sameName(r.Name, md.label));
}

/** Reads metadata in chunks (METADATA_PARALLEL at a time) until one component's consumer key is the client id. */
async function findByConsumerKey(
  conn: Connection,
  names: string[],
  clientId: string,
  errors: Errors,
): Promise<{ match?: ConnectedAppMetadata; nearMatch?: ConnectedAppMetadata; failed: boolean }> {
  let failed = false;
  let nearMatch: ConnectedAppMetadata | undefined;
  for (const wave of chunks(chunks(names, METADATA_CHUNK), METADATA_PARALLEL)) {
    // waves run one after another on purpose: stop reading as soon as a wave holds the match
    // eslint-disable-next-line no-await-in-loop
    const results = await Promise.all(wave.map((names10) => readConnectedAppMetadata(conn, names10, errors)));
    for (const mds of results) {
      if (!mds) {
        failed = true;
        continue;
      }
      const match = mds.find((m) => m.oauthConfig?.consumerKey === clientId);
      if (match) return { match, failed };
      nearMatch ??= mds.find(
        (m) => m.oauthConfig?.consumerKey !== undefined && m.oauthConfig.consumerKey.trim() === clientId.trim(),
      );
    }
  }
  return { nearMatch, failed };
}

async function resolveByClientId(conn: Connection, clientId: string, errors: Errors): Promise<OrgEvidence['app']> {
  const rows = await queryRecords<ConnectedApplicationRow>(
    conn,
    'ConnectedApplication',
    'SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication',
    errors,
  );
  const read = new Set<string>();
  let failed = !rows;
  const names = [...new Set((rows ?? []).map((r) => r.Name))];
  names.forEach((n) => read.add(n));
  let found = await findByConsumerKey(conn, names, clientId, errors);
  failed ||= found.failed;
  if (!found.match) {
    // ConnectedApplication.Name is not always the metadata fullName: list the API names and read the rest
    try {
      const listed = arr(await conn.metadata.list([{ type: 'ConnectedApp' }]))
        .map((p) => str((p as Rec).fullName))
        .filter((n): n is string => n !== undefined && !read.has(n));
      const more = await findByConsumerKey(conn, listed, clientId, errors);
      failed ||= more.failed;
      found = { ...more, nearMatch: found.nearMatch ?? more.nearMatch };
    } catch (err) {
      errors.push({ what: 'Metadata list ConnectedApp', message: describeError(err) });
      failed = true;
    }
  }
  if (found.match) {
    let row = rowFor(rows, found.match);
    if (!row && rows) {
      // the listing did not hold it by either name: ask by both names once
      const byName = await queryRecords<ConnectedApplicationRow>(
        conn,
        'ConnectedApplication',
        `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name IN ${soqlList(
          [found.match.fullName, found.match.label].filter((n): n is string => Boolean(n)),
        )}`,
        errors,
      );
      row = byName?.[0];
    }
    return appFromMetadata(found.match, row);
  }
  if (found.nearMatch) {
    errors.push({
      what: 'client id',
      message: messages.getMessage('evidence.consumerKeyWhitespace', [found.nearMatch.fullName ?? '?']),
    });
  }
  // nothing matched: null only when every lookup answered, otherwise unknown
  if (failed) return undefined;
  errors.push({ what: 'client id', message: messages.getMessage('evidence.noConsumerKeyMatch') });
  return null;
}

type EcaRow = { Id: string; DeveloperName: string; MasterLabel?: string };

async function resolveExternalClientApp(
  conn: Connection,
  appName: string,
  errors: Errors,
): Promise<OrgEvidence['app']> {
  const rows = await queryRecords<EcaRow>(
    conn,
    'ExternalClientApplication',
    `SELECT Id, DeveloperName, MasterLabel FROM ExternalClientApplication WHERE DeveloperName = ${soqlString(appName)} OR MasterLabel = ${soqlString(appName)}`,
    errors,
  );
  if (!rows) return undefined;
  const eca = rows[0];
  if (!eca) return null;
  const policies = await queryRecords<{ PermittedUsersPolicyType?: string }>(
    conn,
    'ExtlClntAppOauthPlcyCnfg',
    `SELECT PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplicationId = ${soqlString(eca.Id)}`,
    errors,
  );
  const policy = str(policies?.[0]?.PermittedUsersPolicyType);
  return {
    id: eca.Id,
    name: eca.DeveloperName,
    label: str(eca.MasterLabel) ?? eca.DeveloperName,
    kind: 'ExternalClientApplication',
    adminApprovedOnly: policy === undefined ? undefined : policy === 'AdminApprovedPreAuthorized',
  };
}

async function resolveByName(conn: Connection, appName: string, errors: Errors): Promise<OrgEvidence['app']> {
  const [rows, mds] = await Promise.all([
    queryRecords<ConnectedApplicationRow>(
      conn,
      'ConnectedApplication',
      `SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = ${soqlString(appName)}`,
      errors,
    ),
    readConnectedAppMetadata(conn, [appName], errors),
  ]);
  const md = mds?.[0];
  if (md) return appFromMetadata(md, rows?.[0]);
  if (rows?.[0]) return appFromRow(rows[0]);
  const eca = await resolveExternalClientApp(conn, appName, errors);
  if (eca !== null) return eca;
  // not a connected app and not an external client app; unknown if a connected-app lookup failed
  return rows === undefined && mds === undefined ? undefined : null;
}

/**
 * The app by --app-name (connected app, else external client app) or by client id (Metadata API consumer
 * key). null: looked everywhere and it is not in this org; undefined: could not tell (see errors).
 */
export async function resolveApp(
  conn: Connection,
  opts: { clientId?: string; appName?: string },
  errors: Errors = [],
): Promise<OrgEvidence['app']> {
  if (opts.appName) return resolveByName(conn, opts.appName, errors);
  if (opts.clientId) return resolveByClientId(conn, opts.clientId, errors);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// grants, assignments, approvals
// ---------------------------------------------------------------------------------------------

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

/** The user's OauthToken rows: app name, dates and use count only, never a token field. */
export async function readOauthTokens(
  conn: Connection,
  userId: string,
  errors: Errors,
): Promise<TokenRecord[] | undefined> {
  const base = 'SELECT AppName, CreatedDate, LastUsedDate, UseCount';
  const where = `FROM OauthToken WHERE UserId = ${soqlString(userId)}`;
  const local: Errors = [];
  let rows = await queryRecords<TokenRow>(conn, 'OauthToken', `${base}, AppMenuItem.ApplicationId ${where}`, local);
  if (!rows && local.some((e) => /INVALID_FIELD|INVALID_TYPE_FOR_OPERATION|relationship/i.test(e.message))) {
    // an org that cannot follow AppMenuItem: match by AppName (the app's label) instead
    local.length = 0;
    rows = await queryRecords<TokenRow>(conn, 'OauthToken', `${base} ${where}`, local);
  }
  errors.push(...local);
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
 * Salesforce answers an OauthToken query from an admin without Customize Application with that admin's own
 * rows only, and no error. When the same admin was refused other setup data, say that an empty list may
 * be incomplete, so "no approval" is not taken as proven. Returns true when the list may be incomplete.
 */
export function noteHiddenTokens(rowCount: number, errors: Errors): boolean {
  if (rowCount === 0 && errors.some((e) => /INSUFFICIENT_ACCESS|INSUFFICIENT_PRIVILEGES/.test(e.message))) {
    errors.push({ what: 'OauthToken', message: messages.getMessage('evidence.tokensMayBeHidden') });
    return true;
  }
  return false;
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
async function grantsWithReach(
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
const publicToken = (t: TokenRecord): NonNullable<OrgEvidence['oauthTokens']>[number] => {
  const copy = { ...t };
  delete copy.applicationId;
  return copy;
};

// ---------------------------------------------------------------------------------------------
// evidence
// ---------------------------------------------------------------------------------------------

/**
 * Reads what the approval decision needs, in two rounds of parallel requests (see the header comment).
 * `oauthTokens` holds the user's approvals of the app when the app is known, all of them otherwise.
 */
export async function collectEvidence(conn: Connection, opts: EvidenceOptions): Promise<OrgEvidence> {
  const errors: Errors = [];
  const wantApp = opts.need !== 'user' && Boolean(opts.appName ?? opts.clientId);

  // round 1: the user and the app
  const [user, app] = await Promise.all([
    readUser(conn, opts.username, errors),
    wantApp ? resolveApp(conn, { clientId: opts.clientId, appName: opts.appName }, errors) : Promise.resolve(undefined),
  ]);

  const evidence: OrgEvidence = { user };
  if (wantApp) evidence.app = app;
  const done = (): OrgEvidence => (errors.length ? { ...evidence, errors } : evidence);

  // stop early: nothing else matters for a missing or inactive user, or when the user is unknown
  if (!user || !user.isActive) return done();

  // round 2: only what the decision needs
  const policy = app?.adminApprovedOnly;
  const needGrants = opts.need !== 'user' && Boolean(app?.id) && policy !== false;
  const needTokens = opts.need !== 'user' && policy !== true;
  const [frozen, grants, assignments, tokens] = await Promise.all([
    readFrozen(conn, user.id, errors),
    needGrants && app ? readGrants(conn, app, errors) : Promise.resolve(undefined),
    needGrants ? readAssignments(conn, user.id, errors) : Promise.resolve(undefined),
    needTokens ? readOauthTokens(conn, user.id, errors) : Promise.resolve(undefined),
  ]);
  if (frozen !== undefined) user.isFrozen = frozen;

  if (grants) {
    const known = await grantsWithReach(conn, grants, assignments, user, errors);
    if (known) evidence.grants = known;
  }
  if (tokens) {
    const forApp = (app ? tokens.filter((t) => tokenBelongsToApp(t, app)) : tokens).map(publicToken);
    // an empty list that may hide other users' rows is unknown, not "no approval"
    if (!noteHiddenTokens(forApp.length, errors)) evidence.oauthTokens = forApp;
  }
  return done();
}
