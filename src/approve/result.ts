/*
 * The JSON contract of `sf jwt approve` (browser mode and admin mode), the progress hooks the command
 * hands to the shared modules, and the ok / exit code decision. Nothing here may ever hold an
 * authorization code, PKCE verifier, access or refresh token, consumer secret, key or assertion.
 */
import type { ApprovalStatusReport } from '../status/status.js';
import type { CauseCode } from '../diagnose/types.js';
import type { Spinner } from '../utils/view.js';
import type { Verification } from '../diagnose/verify.js';
import type { AdminApproval } from './grant.js';
import type { AuthorizeRefusal } from './precheck.js';

export type ApprovalStatus =
  /** Approved, and the code exchange returned a refresh token. */
  | 'approved'
  /** Approved, but Salesforce issued no refresh token: the approval cannot serve JWT. */
  | 'approved-without-refresh-token'
  /** The redirect came back with a code, but the exchange failed. */
  | 'exchange-failed'
  /** The redirect came back with an error (access_denied, …). */
  | 'failed'
  /** No redirect arrived before the time was up. */
  | 'no-redirect'
  /**
   * The redirect URI is one this command can't receive (another host, or https): the outcome happens in the
   * browser, out of sight. With --wait, `verification` tells whether the JWT login confirmed the approval.
   */
  | 'not-received'
  /**
   * --url-only: the URL was printed and the outcome not observed (without --wait nothing watched it; with
   * --wait the redirect never reached this command, and `verification` tells whether the JWT login confirmed
   * the approval).
   */
  | 'not-observed'
  /** Salesforce refused the authorize request before any sign-in (see `refusal`): no browser was opened. */
  | 'refused';

/** The outcome of the browser approval. Never carries the code, the verifier or a token. */
export type BrowserApproval = {
  status: ApprovalStatus;
  message: string;
  actions: string[];
  /** The OAuth error of the redirect, of the code exchange, or of the refusal. */
  error?: string;
  errorDescription?: string;
  /** Whether the code exchange returned a refresh token (never the token itself). */
  refreshToken?: boolean;
  scope?: string;
};

/** What the check of the authorize URL found, before anything was opened or printed. */
export type AuthorizeCheckReport = {
  status: 'passed' | 'refused' | 'unchecked';
  /** Why it could not tell (unchecked): the approval went on as without the check. */
  reason?: string;
};

/** Browser mode (the default): the approval in the browser, then the JWT login. */
export type JwtApproveBrowserResult = {
  mode: 'browser';
  ok: boolean;
  username: string;
  clientId: string;
  loginUrl: string;
  redirectUri: string;
  /** The URL opened (or printed). Its state and PKCE challenge are single-use and not secret. */
  authorizeUrl: string;
  browserOpened: boolean;
  /** --url-only: the URL was printed, not opened. */
  urlOnly: boolean;
  authorizeCheck: AuthorizeCheckReport;
  /** What Salesforce refused before sign-in, in its own words (approval.status is then `refused`). */
  refusal?: AuthorizeRefusal & {
    /** The cause code `sf jwt diagnose` gives the same fault (INVALID_CLIENT_ID, APP_NOT_INSTALLED), when there is one. */
    code?: CauseCode;
  };
  approval: BrowserApproval;
  /** The JWT login tried after the approval; absent when no key file is known or no login was tried. */
  verification?: Verification;
};

/** Admin mode (--admin-org): the permission set grant, then the JWT login and the user record. */
export type JwtApproveAdminResult = {
  mode: 'admin';
  ok: boolean;
  username: string;
  clientId?: string;
  adminOrg: string;
  permissionSet: string;
  dryRun: boolean;
  app?: AdminApproval['app'];
  /** PermissionSet, SetupEntityAccess, PermissionSetAssignment: created, exists or would-create. */
  steps: AdminApproval['steps'];
  /** Records created by this run. */
  changed: number;
  /** Records the plan needed before this run (what --dry-run would create). */
  planned: number;
  selfAuthorize: boolean;
  message: string;
  actions: string[];
  error?: AdminApproval['error'];
  verification?: Verification;
  /** The approval state on the user record after the run (as `sf jwt status` shows it). */
  userRecord?: ApprovalStatusReport;
};

export type JwtApproveResult = JwtApproveBrowserResult | JwtApproveAdminResult;

/** Progress shown while the command runs; the command decides where each goes (stdout, stderr, spinner). */
export type ApproveUi = {
  /**
   * The approval URL line, once the URL is checked and the listener (if any) is up. `waiting`: the command
   * now waits for the approval (so a script reading the output may want to open the URL at once).
   */
  url: (line: string, waiting: boolean) => void;
  info: (text: string) => void;
  warn: (text: string) => void;
  spinner: Spinner;
};

/** A UI that shows nothing (for callers that only want the result). */
export const silentUi: ApproveUi = {
  url: () => {},
  info: () => {},
  warn: () => {},
  spinner: { start: () => {}, status: () => {}, stop: () => {} },
};

/**
 * Browser mode works when the JWT login works; without a login tried, when the approval was received, or
 * was not meant to be observed. A refusal before sign-in never works.
 */
export function browserOk(approval: BrowserApproval, verification: Verification | undefined): boolean {
  if (approval.status === 'refused') return false;
  if (verification) return verification.ok;
  return approval.status === 'approved' || approval.status === 'not-observed' || approval.status === 'not-received';
}

/**
 * Admin mode works when the grant was made (or planned, with --dry-run) and, with a key, the JWT login
 * works; for a self-authorize app nothing is granted, so only a working login counts.
 */
export function adminOk(
  result: Pick<JwtApproveAdminResult, 'error' | 'dryRun' | 'selfAuthorize' | 'verification'>,
): boolean {
  if (result.error) return false;
  if (result.dryRun) return true;
  if (result.selfAuthorize) return result.verification?.ok ?? false;
  return result.verification?.ok ?? true;
}
