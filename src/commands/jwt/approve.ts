import { Messages, SfError } from '@salesforce/core';
import type { Interfaces } from '@oclif/core';
import type { AnyJson } from '@salesforce/ts-types';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../command.js';
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  DEFAULT_REDIRECT_URI,
  DEFAULT_SCOPE,
  isLoopbackRedirect,
  listenForRedirect,
  scopeAllowsJwt,
  type RedirectListener,
} from '../../shared/authorize.js';
import { completeApproval, type BrowserApproval, type CompleteApprovalOptions } from '../../shared/approveBrowser.js';
import {
  RETRYABLE_AFTER_GRANT,
  runAdminApproval,
  verifyJwtLogin,
  type AdminApproval,
  type Verification,
} from '../../shared/approveAdmin.js';
import { browser, BROWSERS } from '../../shared/browser.js';
import { connectAdminOrg, DEFAULT_TIMEOUT_MS } from '../../shared/adminOrg.js';
import { checkPermissionSetName } from '../../shared/grants.js';
import { readStoredAuth, resolveJwtInputs, resolveUsername } from '../../shared/inputs.js';
import { adminOrgFacts, compareOrgs } from '../../shared/orgMatch.js';
import { approvalStatus, type ApprovalStatusReport } from '../../shared/status.js';
import { statusView } from '../../shared/statusRows.js';
import type { JwtInputs } from '../../shared/types.js';
import { adminOrgFlag, durationFlag, exitCodesHelp, identityFlags, loginOnlyFlags, timeoutFlag } from '../../flags.js';
import { flagDurationMs } from '../../shared/duration.js';
import { withDeadline } from '../../shared/deadline.js';
import { useMemoryRootLogger } from '../../shared/logging.js';
import { shellQuote } from '../../shared/shell.js';

export { approveTiming } from '../../shared/approveAdmin.js';

// Before anything logs: the plugin's copy of core logs without a second worker thread (logging.ts).
useMemoryRootLogger();
Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

export type { ApprovalStatus, BrowserApproval } from '../../shared/approveBrowser.js';

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
  approval: BrowserApproval;
  /** The JWT login tried after the approval; absent when no key file is known. */
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

/** The permission set `--admin-org` uses when --permission-set is not given. */
export const DEFAULT_PERMISSION_SET = 'JWT_Access';

type ApproveFlags = Interfaces.InferredFlags<(typeof JwtApprove)['flags']>;

/** Planning and applying a grant takes a few round trips (grants.ts), each within --timeout. */
const ADMIN_ROUNDS = 8;

type ApproveDurations = { waitMs: number; approvalTimeoutMs: number; timeoutMs: number };

/** The duration flags in milliseconds, with their defaults; a bad value is a usage error (exit 2). */
function approveDurations(flags: Pick<ApproveFlags, 'wait' | 'approval-timeout' | 'timeout'>): ApproveDurations {
  return {
    waitMs: flagDurationMs(flags.wait, { flag: 'wait', unit: 'seconds', defaultMs: 0 }),
    approvalTimeoutMs: flagDurationMs(flags['approval-timeout'], {
      flag: 'approval-timeout',
      unit: 'seconds',
      defaultMs: 300_000,
      minMs: 1000,
    }),
    timeoutMs: flagDurationMs(flags.timeout, {
      flag: 'timeout',
      unit: 'seconds',
      defaultMs: DEFAULT_TIMEOUT_MS,
      minMs: 1000,
    }),
  };
}

function isContainerMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.SF_CONTAINER_MODE ?? env.SFDX_CONTAINER_MODE;
  return value !== undefined && value !== '' && value !== 'false';
}

// eslint-disable-next-line sf-plugin/only-extend-SfCommand -- JwtCommand is SfCommand plus the rules every command shares (src/command.ts)
export default class JwtApprove extends JwtCommand<JwtApproveResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  // eslint-disable-next-line sf-plugin/spread-base-flags -- JwtCommand adds no flags of its own
  public static readonly flags = {
    // The key is optional here: without it the approval still happens; only the JWT verification is skipped.
    ...identityFlags,
    // Not Flags.url(): URL.href would add a trailing slash, and Salesforce compares the redirect URI exactly.
    'redirect-uri': Flags.string({
      summary: messages.getMessage('flags.redirect-uri.summary'),
      description: messages.getMessage('flags.redirect-uri.description'),
      default: DEFAULT_REDIRECT_URI,
    }),
    browser: Flags.option({ options: BROWSERS, summary: messages.getMessage('flags.browser.summary') })(),
    'url-only': Flags.boolean({
      summary: messages.getMessage('flags.url-only.summary'),
      description: messages.getMessage('flags.url-only.description'),
      exclusive: ['browser'],
    }),
    scope: Flags.string({ summary: messages.getMessage('flags.scope.summary'), default: DEFAULT_SCOPE }),
    wait: durationFlag({
      summary: messages.getMessage('flags.wait.summary'),
      description: messages.getMessage('flags.wait.description'),
    }),
    'approval-timeout': durationFlag({ summary: messages.getMessage('flags.approval-timeout.summary') }),
    timeout: timeoutFlag,
    'admin-org': adminOrgFlag,
    'app-name': Flags.string({ summary: shared.getMessage('flags.app-name.summary') }),
    // No flag default: dependsOn would always see a value. The default (JWT_Access) is applied in run().
    'permission-set': Flags.string({
      summary: messages.getMessage('flags.permission-set.summary'),
      description: messages.getMessage('flags.permission-set.description'),
      dependsOn: ['admin-org'],
    }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary'), dependsOn: ['admin-org'] }),
    ...loginOnlyFlags,
  };

  public async run(): Promise<JwtApproveResult> {
    const { flags } = await this.parse(JwtApprove);
    const durations = approveDurations(flags);
    if (flags['admin-org']) return this.runAdmin(flags, flags['admin-org'], durations);

    const scope = flags.scope;
    if (!scopeAllowsJwt(scope)) throw messages.createError('error.ScopeWithoutRefreshToken', [scope], [], 2);
    const redirectUri = flags['redirect-uri'];
    if (!URL.canParse(redirectUri)) throw messages.createError('error.InvalidRedirectUri', [redirectUri], [], 2);

    const inputs = await resolveJwtInputs(flags, { requireKey: false });
    const clientId = (inputs.clientId ?? '').trim();
    const pkce = createPkce();
    const state = createState();
    let authorizeUrl: string;
    try {
      authorizeUrl = buildAuthorizeUrl({
        loginUrl: inputs.loginUrl,
        clientId,
        redirectUri,
        scope,
        state,
        codeChallenge: pkce.challenge,
      });
    } catch (error) {
      throw usage(error);
    }

    // Listen before opening anything: a port in use is reported before a browser shows a dead end.
    const listener = isLoopbackRedirect(redirectUri)
      ? await listenForRedirect({ redirectUri, state, timeoutMs: durations.approvalTimeoutMs })
      : undefined;

    const urlLine = messages.getMessage('info.url', [inputs.username, authorizeUrl]);
    // With --json, stdout carries only the final JSON: the URL goes to stderr, so it can be opened while the command waits.
    if (this.jsonEnabled()) process.stderr.write(`${urlLine}\n`);
    else this.log(urlLine);
    const browserOpened = await this.openBrowser(authorizeUrl, flags['url-only'], flags.browser, listener);
    if (!listener) this.info(messages.getMessage('info.notLoopback', [redirectUri]));

    const approval = listener
      ? await this.receive(listener, {
          loginUrl: inputs.loginUrl,
          clientId,
          redirectUri,
          verifier: pkce.verifier,
          timeoutMs: durations.timeoutMs,
          username: inputs.username,
        })
      : {
          status: 'not-received' as const,
          message: messages.getMessage('approval.notReceived'),
          actions: messages.getMessages('approval.notReceived.actions', [shellQuote(inputs.username)]),
        };

    const result: JwtApproveBrowserResult = {
      mode: 'browser',
      ok: false,
      username: inputs.username,
      clientId,
      loginUrl: inputs.loginUrl,
      redirectUri,
      authorizeUrl,
      browserOpened,
      approval,
    };

    if (inputs.jwtKeyFile) {
      // After a failed approval, waiting cannot help: try once, to say whether the login works anyway.
      const approvalFailed = ['failed', 'no-redirect', 'exchange-failed', 'approved-without-refresh-token'].includes(
        approval.status,
      );
      const waitMs = approvalFailed ? 0 : durations.waitMs;
      result.verification = await this.verify(inputs, waitMs, durations.timeoutMs);
      result.ok = result.verification.ok;
    } else {
      result.ok = approval.status === 'approved' || approval.status === 'not-received';
    }

    this.render(result);
    if (!result.ok) process.exitCode = 1;
    return result;
  }

  /** Admin mode: grant the app through a permission set, then verify and show the user record. */
  private async runAdmin(
    flags: ApproveFlags,
    adminOrg: string,
    durations: ApproveDurations,
  ): Promise<JwtApproveAdminResult> {
    const permissionSet = flags['permission-set'] ?? DEFAULT_PERMISSION_SET;
    checkPermissionSetName(permissionSet);
    const dryRun = flags['dry-run'] ?? false;

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
    await refuseOtherOrg(adminOrg, conn, username, inputs);
    this.spinner.start(messages.getMessage(dryRun ? 'spinner.planning' : 'spinner.granting', [adminOrg]));
    const budgetMs = durations.timeoutMs * ADMIN_ROUNDS;
    const admin = await withDeadline(
      runAdminApproval(conn, { username, clientId, appName: flags['app-name'], permissionSet, dryRun }),
      budgetMs,
      () => messages.createError('error.AdminNoAnswer', [adminOrg, String(Math.round(budgetMs / 1000))]),
    );
    this.spinner.stop();

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
        // A self-authorize app was not changed: one try says whether the user's own approval already works.
        const waitMs = admin.selfAuthorize ? 0 : durations.waitMs;
        result.verification = await this.verify(inputs, waitMs, durations.timeoutMs, adminOrg);
      }
      this.spinner.start(messages.getMessage('spinner.userRecord', [username]));
      result.userRecord = await approvalStatus(conn, {
        username,
        appName: admin.app?.name,
        clientId: admin.app ? undefined : clientId,
      });
      this.spinner.stop();
    }

    if (admin.error) result.ok = false;
    else if (dryRun) result.ok = true;
    else if (admin.selfAuthorize) result.ok = result.verification?.ok ?? false;
    else result.ok = result.verification?.ok ?? true;

    this.renderAdmin(result);
    if (!result.ok) process.exitCode = 1;
    return result;
  }

  private async openBrowser(
    url: string,
    urlOnly: boolean,
    app: (typeof BROWSERS)[number] | undefined,
    listener: RedirectListener | undefined,
  ): Promise<boolean> {
    if (urlOnly || isContainerMode()) {
      this.info(messages.getMessage(urlOnly ? 'info.urlOnly' : 'info.containerMode', [String(listener?.port ?? '')]));
      return false;
    }
    try {
      await browser.open(url, app ? { app } : undefined);
      return true;
    } catch (error) {
      this.warn(
        messages.getMessage('warning.browserNotOpened', [error instanceof Error ? error.message : String(error)]),
      );
      return false;
    }
  }

  /** Waits for the redirect, then completes the code exchange (spinner only; the logic is in approveBrowser.ts). */
  private async receive(
    listener: RedirectListener,
    opts: Omit<CompleteApprovalOptions, 'onExchange'>,
  ): Promise<BrowserApproval> {
    this.spinner.start(messages.getMessage('spinner.waiting'));
    try {
      return await completeApproval(listener, {
        ...opts,
        onExchange: () => {
          this.spinner.status = messages.getMessage('spinner.exchanging');
        },
      });
    } finally {
      this.spinner.stop();
    }
  }

  /** Tries the JWT login as `sf org login jwt` does; with a wait, retries with growing pauses and a spinner. */
  private async verify(inputs: JwtInputs, waitMs: number, timeoutMs: number, adminOrg?: string): Promise<Verification> {
    this.spinner.start(messages.getMessage('spinner.verifying', [inputs.username]));
    try {
      return await verifyJwtLogin(inputs, {
        waitMs,
        timeoutMs,
        ...(adminOrg ? { adminOrg, retryable: RETRYABLE_AFTER_GRANT } : {}),
        onRetry: (tries, cause, delayMs) => {
          this.spinner.status = messages.getMessage('spinner.retry', [
            String(tries),
            cause,
            String(Math.round(delayMs / 1000)),
          ]);
        },
      });
    } finally {
      this.spinner.stop();
    }
  }

  private render(result: JwtApproveBrowserResult): void {
    this.styledHeader(messages.getMessage('header.approval'));
    this.log(result.approval.message);
    const actions = [...result.approval.actions];
    this.renderVerification(result, actions);
  }

  private renderAdmin(result: JwtApproveAdminResult): void {
    this.styledHeader(messages.getMessage('header.admin', [result.adminOrg]));
    if (result.app) {
      this.log(
        messages.getMessage('admin.app', [
          result.app.label ?? result.app.name,
          messages.getMessage(`policy.${result.app.policy}`),
        ]),
      );
    }
    if (result.steps.length > 0) {
      this.table({
        data: result.steps.map((step) => ({
          [messages.getMessage('table.record')]: step.sobject,
          [messages.getMessage('table.name')]: step.name,
          [messages.getMessage('table.action')]: messages.getMessage(`action.${step.action}`),
          [messages.getMessage('table.id')]: step.id ?? '',
        })),
      });
    }
    if (result.error) this.logToStderr(result.message);
    else this.log(result.message);
    const actions = [...result.actions];
    if (result.dryRun) {
      this.renderActions(result.ok, actions);
      return;
    }
    if (result.userRecord) {
      this.styledHeader(messages.getMessage('header.userRecord', [result.username]));
      const view = statusView(result.userRecord, result.app?.name, result.adminOrg);
      for (const table of view.tables) this.table({ data: table.data, title: table.title });
      for (const note of view.notes) this.log(note);
      if (view.verdict) this.log(view.verdict);
      for (const warning of view.warnings) this.warn(warning);
    }
    this.renderVerification(result, actions);
  }

  private renderVerification(result: JwtApproveResult, actions: string[]): void {
    if (result.verification) {
      this.styledHeader(messages.getMessage('header.verification'));
      if (result.verification.ok) this.logSuccess(result.verification.message);
      else this.log(result.verification.message);
      if (result.verification.tries > 1) {
        this.log(
          messages.getMessage('verification.tries', [
            String(result.verification.tries),
            String(result.verification.elapsedSeconds),
          ]),
        );
      }
      if (!result.verification.ok) actions.push(...(result.verification.cause?.actions ?? []));
    } else if (result.mode === 'browser' || !result.error) {
      this.log(messages.getMessage('verification.skipped', [result.username, shellQuote(result.username)]));
    }
    this.renderActions(result.ok, actions);
  }

  private renderActions(ok: boolean, actions: string[]): void {
    if (!ok && actions.length > 0) {
      this.log('');
      this.log(messages.getMessage('header.actions'));
      for (const action of [...new Set(actions)]) this.log(`  - ${action}`);
    }
  }
}

/**
 * Nothing is granted through an admin org that is provably another org than the user's (by the org ids of the
 * stored logins, or the login URL given or stored): a usage error, exit code 2. A default login URL proves
 * nothing here.
 */
async function refuseOtherOrg(
  adminOrg: string,
  conn: Parameters<typeof adminOrgFacts>[1],
  username: string,
  inputs: JwtInputs | undefined,
): Promise<void> {
  const orgId = inputs?.orgId ?? (await readStoredAuth(username))?.orgId;
  const loginUrl = inputs && inputs.source.loginUrl !== 'default' ? inputs.loginUrl : undefined;
  const match = compareOrgs(adminOrgFacts(adminOrg, conn), { username, orgId, loginUrl });
  if (match.verdict === 'different') {
    throw shared.createError('error.AdminOrgMismatch', [adminOrg, username, match.reason], [], 2);
  }
}

/** A login URL the approval cannot use is the user's input to fix: exit code 2. */
function usage(error: unknown): SfError {
  const err = error instanceof SfError ? (error as SfError) : SfError.wrap<AnyJson>(error as Error);
  err.exitCode = 2;
  return err;
}
