/*
 * `sf jwt approve --admin-org`: the grant through a permission set (grant.ts), then the JWT login (with
 * --wait, until it works) and the user record as `sf jwt status` shows it.
 */
import { Messages } from '@salesforce/core';
import type { JwtInputs } from '../org/inputs.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { readStoredAuth, resolveJwtInputs, resolveUsername, type IdentityFlags } from '../org/inputs.js';
import { adminOrgFacts, refuseOtherOrg } from '../org/orgMatch.js';
import { withDeadline } from '../utils/deadline.js';
import { orgDisplayCommand, suggestedLoginOf } from '../org/suggest.js';
import { approvalStatus } from '../status/status.js';
import { RETRYABLE_AFTER_GRANT, RETRYABLE_UNCHANGED, verifyWithProgress } from '../diagnose/verify.js';
import { runAdminApproval, type AdminApproval } from './grant.js';
import { adminOk, type ApproveUi, type JwtApproveAdminResult } from './result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

/**
 * Nothing is granted through an admin org that is provably another org than the user's (by the org ids of the
 * stored logins, or the login URL given or stored): a usage error, exit code 2. A default login URL proves
 * nothing here.
 */
async function refuseGrantToOtherOrg(
  adminOrg: string,
  conn: Parameters<typeof adminOrgFacts>[1],
  username: string,
  inputs: JwtInputs | undefined,
): Promise<void> {
  // resolveJwtInputs has read the stored login already; without inputs, read it here
  const orgId = inputs ? inputs.orgId : (await readStoredAuth(username))?.orgId;
  const loginUrl = inputs && inputs.source.loginUrl !== 'default' ? inputs.loginUrl : undefined;
  refuseOtherOrg(adminOrg, conn, { username, orgId, loginUrl });
}

/** Planning and applying a grant takes a few round trips (org/grants.ts), each within --timeout. */
const ADMIN_ROUNDS = 8;

export type AdminModeOptions = {
  /** The identity flags as given (the client id and key may come from the stored login). */
  flags: IdentityFlags;
  adminOrg: string;
  permissionSet: string;
  dryRun: boolean;
  /** The redirect URI a browser approval would use (checked against a self-authorize app's callback URLs). */
  redirectUri?: string;
  waitMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
};

/**
 * `sf jwt approve --admin-org`: grants the app through a permission set (or, with --dry-run, plans it),
 * then tries the JWT login (with --wait, until it works) and reads the user record, as `sf jwt status` does.
 */
export async function runAdminMode(opts: AdminModeOptions, ui: ApproveUi): Promise<JwtApproveAdminResult> {
  const { flags, adminOrg, permissionSet, dryRun } = opts;
  // The client id and key may come from the stored JWT login; with --app-name the client id is optional.
  let inputs: JwtInputs | undefined;
  let username: string;
  try {
    inputs = await resolveJwtInputs(flags, { requireKey: false });
    username = inputs.username;
  } catch (error) {
    if (!flags['app-name'] || !flags.username) throw error;
    username = await resolveUsername(flags.username);
  }
  const clientId = inputs?.clientId?.trim();

  const conn = await connectAdminOrg(adminOrg);
  await refuseGrantToOtherOrg(adminOrg, conn, username, inputs);
  ui.spinner.start(messages.getMessage(dryRun ? 'spinner.planning' : 'spinner.granting', [adminOrg]));
  const budgetMs = opts.timeoutMs * ADMIN_ROUNDS;
  let admin: AdminApproval;
  try {
    admin = await withDeadline(
      runAdminApproval(conn, {
        username,
        clientId,
        appName: flags['app-name'],
        permissionSet,
        dryRun,
        redirectUri: opts.redirectUri,
        login: inputs ? suggestedLoginOf(inputs) : { username, appName: flags['app-name'] },
      }),
      budgetMs,
      () =>
        messages.createError(
          'error.AdminNoAnswer',
          [adminOrg, String(Math.round(budgetMs / 1000))],
          [orgDisplayCommand(adminOrg)],
        ),
    );
  } finally {
    ui.spinner.stop();
  }

  const result: JwtApproveAdminResult = {
    mode: 'admin',
    ok: false,
    username,
    ...(clientId ? { clientId } : {}),
    adminOrg,
    ...admin,
  };

  if (!admin.error && !dryRun) {
    if (inputs?.jwtKeyFile) {
      // A self-authorize app was not changed: waiting helps only while the user's approval is on the record
      // but not applied yet (APPROVAL_NOT_PROPAGATED), never for a missing one.
      result.verification = await verifyWithProgress(
        inputs,
        {
          waitMs: opts.waitMs,
          timeoutMs: opts.timeoutMs,
          adminOrg,
          retryable: admin.selfAuthorize ? RETRYABLE_UNCHANGED : RETRYABLE_AFTER_GRANT,
          signal: opts.signal,
        },
        ui.spinner,
      );
    }
    ui.spinner.start(messages.getMessage('spinner.userRecord', [username]));
    try {
      result.userRecord = await approvalStatus(conn, {
        username,
        appName: admin.app?.name,
        clientId: admin.app ? undefined : clientId,
      });
    } finally {
      ui.spinner.stop();
    }
  }

  result.ok = adminOk(result);
  return result;
}
