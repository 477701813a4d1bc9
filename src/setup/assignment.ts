/*
 * The `assignment` step of `sf jwt setup`: the permission set that pre-authorizes the JWT user grants the app
 * and is assigned to the user. The deploy already lists the permission set in the app's OAuth policy (which
 * Salesforce keeps as the app's SetupEntityAccess rows); the grant and the assignment are then planned and
 * applied by the same code as `sf jwt approve --admin-org` (org/grants.ts), so a grant the org lacks is made
 * too, and a second run creates nothing.
 */
import { Messages, SfError, type Connection } from '@salesforce/core';
import { applyGrant, planGrant, type GrantPlan } from '../org/grants.js';
import { queryRecords, type Errors } from '../org/query.js';
import { soqlString } from '../org/soql.js';
import type { OrgEvidence } from '../org/types.js';
import { timed } from './metadata.js';
import { readFailure } from './preflight.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

/** A grant takes a few round trips (org/grants.ts), each within --timeout. */
const GRANT_ROUNDS = 6;

export type AssignmentOptions = {
  adminOrg: string;
  adminUsername: string;
  username: string;
  appName: string;
  permissionSet: string;
  timeoutMs: number;
};

export type Assignment = {
  /** Whether this run created the assignment (or the grant). */
  changed: boolean;
  /** What was done, in words (the records created or found). */
  message: string;
  /** The assignment's record id. */
  id?: string;
};

/** The external client app's record id, which SetupEntityAccess names. */
async function appId(conn: Connection, opts: AssignmentOptions): Promise<string> {
  const errors: Errors = [];
  const rows = await timed(
    queryRecords<{ Id: string }>(
      conn,
      'ExternalClientApplication',
      `SELECT Id FROM ExternalClientApplication WHERE DeveloperName = ${soqlString(opts.appName)}`,
      errors,
    ),
    'ExternalClientApplication',
    opts.timeoutMs,
  );
  if (!rows) throw readFailure('ExternalClientApplication', new Error(errors[0]?.message ?? ''), opts);
  const id = rows[0]?.Id;
  if (!id) {
    throw new SfError(
      messages.getMessage('error.AppNotVisible', [opts.appName, opts.adminOrg]),
      'AppNotVisibleError',
      messages.getMessages('error.AppNotVisible.actions'),
      1,
    );
  }
  return id;
}

/**
 * Makes the permission set grant the app and be assigned to the user, creating only what is missing. Throws the
 * grant's own errors (insufficient access names the permission; `data.plan` shows what was done).
 */
export async function ensureAssignment(conn: Connection, opts: AssignmentOptions): Promise<Assignment> {
  const app: NonNullable<OrgEvidence['app']> = {
    id: await appId(conn, opts),
    name: opts.appName,
    label: opts.appName,
    kind: 'ExternalClientApplication',
    adminApprovedOnly: true,
  };
  const budgetMs = opts.timeoutMs * GRANT_ROUNDS;
  const plan = await timed(
    planGrant(conn, { username: opts.username, app, permissionSet: opts.permissionSet }),
    'PermissionSetAssignment',
    budgetMs,
  );
  const applied: GrantPlan = await timed(applyGrant(conn, plan), 'PermissionSetAssignment', budgetMs);
  const assignment = applied.steps.find((step) => step.sobject === 'PermissionSetAssignment');
  const made = applied.steps.filter((step) => step.action === 'created');
  return {
    changed: made.length > 0,
    // the grant is said only when this step made it (the deploy's policy normally has)
    message: applied.steps
      .filter((step) => step.sobject === 'PermissionSetAssignment' || step.action === 'created')
      .map((step) => step.description)
      .join(' '),
    ...(assignment?.id ? { id: assignment.id } : {}),
  };
}
