/*
 * `sf jwt approve` in one call: the flags are checked (every usage error, exit code 2, is thrown before
 * anything is sent), then browser mode (browser.ts) or admin mode (admin.ts) runs.
 */
import { Messages } from '@salesforce/core';
import type { BrowserName } from '../utils/browser.js';
import { timeoutFlagMs } from '../org/adminOrg.js';
import { flagDurationMs } from '../utils/duration.js';
import { checkPermissionSetName } from '../org/grants.js';
import { resolveJwtInputs, type IdentityFlags } from '../org/inputs.js';
import { scopeAllowsJwt } from '../org/authorizeUrl.js';
import { redirectTarget } from './listener.js';
import type { ApproveUi, JwtApproveResult } from './result.js';
import { runBrowserApproval } from './browser.js';
import { runAdminMode } from './admin.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

/** The permission set `--admin-org` uses when --permission-set is not given. */
export const DEFAULT_PERMISSION_SET = 'JWT_Access';
/** How long the listener waits for the browser when --approval-timeout is not given. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 300_000;

/** The flags of `sf jwt approve`, as parsed. */
export type ApproveFlags = IdentityFlags & {
  'redirect-uri': string;
  scope: string;
  browser?: BrowserName;
  'url-only'?: boolean;
  wait?: string;
  'approval-timeout'?: string;
  timeout?: string;
  'admin-org'?: string;
  'permission-set'?: string;
  'dry-run'?: boolean;
};

export type ApproveContext = {
  /** SF_CONTAINER_MODE: no browser is opened. */
  containerMode?: boolean;
  /** Ends every wait (listener, retries); the call then rejects with an AbortedError. */
  signal?: AbortSignal;
};

export type ApproveDurations = { waitMs: number; approvalTimeoutMs: number; timeoutMs: number };

/** The duration flags in milliseconds, with their defaults; a bad value is a usage error (exit 2). */
export function approveDurations(flags: Pick<ApproveFlags, 'wait' | 'approval-timeout' | 'timeout'>): ApproveDurations {
  return {
    waitMs: flagDurationMs(flags.wait, { flag: 'wait', unit: 'seconds', defaultMs: 0 }),
    approvalTimeoutMs: flagDurationMs(flags['approval-timeout'], {
      flag: 'approval-timeout',
      unit: 'seconds',
      defaultMs: DEFAULT_APPROVAL_TIMEOUT_MS,
      minMs: 1000,
    }),
    timeoutMs: timeoutFlagMs(flags.timeout),
  };
}

/** The redirect URI must parse, and a loopback one must name a usable port (usage errors). */
function checkRedirectUri(redirectUri: string): void {
  if (!URL.canParse(redirectUri)) throw messages.createError('error.InvalidRedirectUri', [redirectUri], [], 2);
  redirectTarget(redirectUri);
}

/** Runs `sf jwt approve` for the parsed flags and returns its result (ok, or a fault to exit 1 with). */
export async function runApprove(
  flags: ApproveFlags,
  ui: ApproveUi,
  context: ApproveContext = {},
): Promise<JwtApproveResult> {
  const durations = approveDurations(flags);
  const redirectUri = flags['redirect-uri'];
  checkRedirectUri(redirectUri);

  const adminOrg = flags['admin-org'];
  if (adminOrg) {
    const permissionSet = flags['permission-set'] ?? DEFAULT_PERMISSION_SET;
    checkPermissionSetName(permissionSet);
    return runAdminMode(
      {
        flags,
        adminOrg,
        permissionSet,
        dryRun: flags['dry-run'] ?? false,
        redirectUri,
        waitMs: durations.waitMs,
        timeoutMs: durations.timeoutMs,
        signal: context.signal,
      },
      ui,
    );
  }

  if (!scopeAllowsJwt(flags.scope)) throw messages.createError('error.ScopeWithoutRefreshToken', [flags.scope], [], 2);
  const inputs = await resolveJwtInputs(flags, { requireKey: false });
  return runBrowserApproval(
    {
      inputs,
      redirectUri,
      scope: flags.scope,
      urlOnly: flags['url-only'] ?? false,
      browser: flags.browser,
      ...durations,
      containerMode: context.containerMode,
      signal: context.signal,
    },
    ui,
  );
}
