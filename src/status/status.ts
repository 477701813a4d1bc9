/*
 * The data `sf jwt status` shows: the "OAuth Connected Apps" related list of the user record, the app's
 * permitted-users policy and scopes, and which profile / permission sets grant the app and whether the
 * user has them. Built from the evidence readers (two rounds of parallel requests; see org/evidence.ts).
 */
import type { Connection } from '@salesforce/core';
import type { OrgEvidence } from '../org/types.js';
import { appHasRefreshScope, grantReachesUser } from '../org/evidence.js';
import {
  markAssignedThroughGroups,
  readAssignments,
  readGrants,
  readOauthTokens,
  tokenBelongsToApp,
} from '../org/access.js';
import { readFrozen, readUser } from '../org/users.js';
import { resolveApp } from '../org/apps.js';
import { type EvidenceError } from '../org/query.js';

export type StatusOptions = { username: string; clientId?: string; appName?: string };

export type StatusGrant = NonNullable<OrgEvidence['grants']>[number] & {
  /**
   * How the grant reaches the user: through the user's profile, an assigned permission set, or not at all;
   * 'unknown' when the user's permission set assignments could not be read.
   */
  via: 'profile' | 'permission-set' | 'none' | 'unknown';
};

export type StatusToken = NonNullable<OrgEvidence['oauthTokens']>[number] & {
  /** Set when the app is known: whether this approval is of the app. */
  forApp?: boolean;
};

export type ApprovalStatusReport = {
  username: string;
  /** null: no such user; undefined: could not be read (see errors). */
  user: OrgEvidence['user'];
  /** null: the app is not in this org; undefined: no app given, or it could not be read. */
  app?: OrgEvidence['app'];
  /** The app's permitted-users policy. */
  policy?: 'admin-approved' | 'self-authorize' | 'unknown';
  /** Whether the app's scopes include refresh_token / offline_access (undefined when unknown). */
  refreshScope?: boolean;
  /** All the user's approvals (OauthToken rows: app name, dates, use count; never a token). */
  oauthTokens?: StatusToken[];
  /** The permission sets (profile-owned included) that grant the app. */
  grants?: StatusGrant[];
  /**
   * Whether the user record shows what a JWT login needs: for an admin-approved app a grant that reaches
   * the user; for a self-authorize app an approval of it. undefined when that can't be told.
   */
  approved?: boolean;
  errors?: EvidenceError[];
};

/** Reads the approval state of a user (and of an app, when given by client id or name). */
export async function approvalStatus(conn: Connection, opts: StatusOptions): Promise<ApprovalStatusReport> {
  const errors: EvidenceError[] = [];
  const wantApp = Boolean(opts.appName ?? opts.clientId);

  // round 1: the user and the app
  const [user, app] = await Promise.all([
    readUser(conn, opts.username, errors),
    wantApp ? resolveApp(conn, { clientId: opts.clientId, appName: opts.appName }, errors) : Promise.resolve(undefined),
  ]);
  const report: ApprovalStatusReport = { username: opts.username, user };
  if (wantApp) {
    report.app = app;
    report.policy =
      app?.adminApprovedOnly === true
        ? 'admin-approved'
        : app?.adminApprovedOnly === false
          ? 'self-authorize'
          : 'unknown';
    report.refreshScope = appHasRefreshScope(app);
  }
  if (!user) return withErrors(report, errors);

  // round 2: everything the user record shows (status is for reading, so nothing is skipped)
  const [frozen, tokens, grants, assignments] = await Promise.all([
    readFrozen(conn, user.id, errors),
    readOauthTokens(conn, user, errors),
    app?.id ? readGrants(conn, app, errors) : Promise.resolve(undefined),
    app?.id ? readAssignments(conn, user.id, errors) : Promise.resolve(undefined),
  ]);
  if (frozen !== undefined) user.isFrozen = frozen;

  if (tokens) {
    const rows: StatusToken[] = tokens.map((t) => {
      const { applicationId, ...row } = t;
      void applicationId; // internal: used only to match rows to the app
      return app ? { ...row, forApp: tokenBelongsToApp(t, app) } : row;
    });
    // (approvals that may be hidden from this admin were not read: unknown, not "no approvals")
    report.oauthTokens = rows;
  }
  if (grants) {
    const marked = await markAssignedThroughGroups(conn, grants, assignments, user, errors);
    report.grants = marked.map((g) => ({
      ...g,
      via:
        g.isOwnedByProfile && g.profileId === user.profileId
          ? 'profile'
          : g.assignedToUser
            ? 'permission-set'
            : assignments
              ? 'none'
              : 'unknown',
    }));
  }

  report.approved = approvedOf(report, user, assignments !== undefined);

  return withErrors(report, errors);
}

/**
 * Whether the record shows what a JWT login needs: for an admin-approved app a grant that reaches the user, for
 * a self-authorize app an approval of it. undefined when that can't be told: a grant's reach is unknown when
 * the assignments could not be read, and approvals that may be hidden from the admin are not read as "none".
 */
function approvedOf(
  report: ApprovalStatusReport,
  user: NonNullable<OrgEvidence['user']>,
  assignmentsKnown: boolean,
): boolean | undefined {
  const reached = report.grants?.some((g) => grantReachesUser(g, user))
    ? true
    : report.grants && assignmentsKnown
      ? false
      : undefined;
  const appApprovals = report.oauthTokens?.filter((t) => t.forApp).length;
  if (report.policy === 'admin-approved') return reached;
  if (report.policy === 'self-authorize') {
    return appApprovals === undefined ? undefined : appApprovals > 0 && report.refreshScope !== false;
  }
  return reached === true || (appApprovals ?? 0) > 0 ? true : undefined;
}

/**
 * Exit code 1 for status: the user or the app is not in the org, or part of the user record could not be read (a
 * refused read is not an answer: what is shown is then incomplete, and "none" is never concluded from it).
 */
export function statusIsFault(report: ApprovalStatusReport): boolean {
  if (report.user === null || report.app === null || report.user === undefined) return true;
  // an app was asked for (policy is set) and could not be identified or decided
  if (report.policy !== undefined && report.approved === undefined) return true;
  return Boolean(report.errors?.length);
}

function withErrors(report: ApprovalStatusReport, errors: EvidenceError[]): ApprovalStatusReport {
  return errors.length ? { ...report, errors } : report;
}
