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
 *                                        PermissionSetAssignment | self-authorize: OauthToken and the admin's
 *                                        UserPermissionAccess | unknown: all four)
 *                                    = 3 requests (+1 round, PermissionSetGroupComponent, only when the user has
 *                                      permission set groups and no direct grant)
 *   client id only, external client  R1 as above, finding no connected app; then one Metadata list (ConnectedApp and
 *   app                              the ECA global and OAuth settings), Metadata read(ExtlClntAppGlobalOauthSettings)
 *                                    in chunks of 10 stopping at the consumer key, composite(ExternalClientApplication
 *                                    + ExtlClntAppOauthPlcyCnfg) with a Metadata read of its OAuth settings (scopes),
 *                                    then R2 as above = 7 requests
 *   --app-name, connected app        R1: composite(User, ConnectedApplication) + Metadata read; R2 as above = 3
 *   --app-name, external client app  as above, plus composite(ExternalClientApplication + ExtlClntAppOauthPlcyCnfg)
 *                                    after the connected-app lookups found nothing (+1 round)
 *   need 'app' (INVALID_ASSERTION,   R1 only: the user (to tell the org apart) and the app with its certificate and
 *   APP_NOT_INSTALLED)               dates (collectAppEvidence)
 *   user missing or inactive         stops after R1 = 2 requests
 */
import type { Connection } from '@salesforce/core';
import type { OrgEvidence } from './types.js';
import type { Errors } from './query.js';
import { readFrozen, readUser } from './users.js';
import { resolveApp, resolveAppDetails, type AppLookup, type EvidenceApp } from './apps.js';
import {
  publicToken,
  readAssignments,
  readGrants,
  readOauthTokens,
  tokenBelongsToApp,
  grantsWithReach,
} from './access.js';

export type EvidenceOptions = { username: string; clientId?: string; appName?: string; need?: 'all' | 'user' };

type EvidenceUser = NonNullable<OrgEvidence['user']>;
type EvidenceGrant = NonNullable<OrgEvidence['grants']>[number];

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
    needTokens ? readOauthTokens(conn, user, errors) : Promise.resolve(undefined),
  ]);
  if (frozen !== undefined) user.isFrozen = frozen;

  if (grants) {
    const known = await grantsWithReach(conn, grants, assignments, user, errors);
    if (known) evidence.grants = known;
  }
  if (tokens) {
    // (approvals that may be hidden from this admin were not read: unknown, not "no approval")
    evidence.oauthTokens = (app ? tokens.filter((t) => tokenBelongsToApp(t, app)) : tokens).map(publicToken);
  }
  return done();
}

/** The user and the app as collectAppEvidence reads them, with the app's certificate and dates. */
export type AppEvidence = { evidence: OrgEvidence; lookup: AppLookup };

/**
 * What an answer about the app itself needs (invalid assertion, app not found): the app with its certificate and
 * dates, and the user (a user found there proves the admin org is the login's org). One round.
 */
export async function collectAppEvidence(conn: Connection, opts: Omit<EvidenceOptions, 'need'>): Promise<AppEvidence> {
  const errors: Errors = [];
  const [user, lookup] = await Promise.all([
    readUser(conn, opts.username, errors),
    resolveAppDetails(conn, { clientId: opts.clientId, appName: opts.appName, details: true }, errors),
  ]);
  const evidence: OrgEvidence = { user, app: lookup.app };
  return { evidence: errors.length ? { ...evidence, errors } : evidence, lookup };
}

// ---------------------------------------------------------------------------------------------
// reading the evidence
// ---------------------------------------------------------------------------------------------

/** Whether a grant reaches the user: an assigned permission set, or the permission set owned by the user's profile. */
export function grantReachesUser(grant: EvidenceGrant, user: EvidenceUser | null | undefined): boolean {
  if (grant.assignedToUser) return true;
  return Boolean(grant.isOwnedByProfile && user?.profileId && grant.profileId === user.profileId);
}

/** The grants that reach the user, or undefined when the grants were not read. */
export function grantsReachingUser(evidence: OrgEvidence): EvidenceGrant[] | undefined {
  return evidence.grants?.filter((g) => grantReachesUser(g, evidence.user));
}

/** true/false when the app's scopes are known: whether they include RefreshToken or OfflineAccess. */
export function appHasRefreshScope(app: EvidenceApp | null | undefined): boolean | undefined {
  if (!app?.scopes) return undefined;
  return app.scopes.some((s) => /^(refreshtoken|offlineaccess|refresh_token|offline_access)$/i.test(s.trim()));
}

/** Whether an OauthToken row (by its AppName, the app's label) belongs to the app. */
export function tokenMatchesApp(appName: string, app: EvidenceApp | null | undefined): boolean {
  if (!app) return true;
  const n = appName.trim().toLowerCase();
  return [app.label, app.name].some((x) => x !== undefined && x.trim().toLowerCase() === n);
}

/** The user's approvals of the app, or undefined when the OauthToken rows were not read. */
export function approvalsForApp(evidence: OrgEvidence): NonNullable<OrgEvidence['oauthTokens']> | undefined {
  return evidence.oauthTokens?.filter((t) => tokenMatchesApp(t.appName, evidence.app));
}
