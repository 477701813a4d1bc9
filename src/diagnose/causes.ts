/*
 * A cause code → its message and next steps (with the exact commands, quoted), and the facts that support it.
 * Pure: no I/O besides loading messages/jwt.causes.md.
 */
import { Messages } from '@salesforce/core';
import type { OrgEvidence } from '../org/types.js';
import type { InputSource } from '../org/inputs.js';
import {
  ADMIN_ORG_NOTE,
  adminOrgPart,
  approveCommand,
  diagnoseCommand,
  hasAdminOrgPlaceholder,
  loginCommand,
  statusCommand,
  type SuggestedLogin,
} from '../org/suggest.js';
import { approvalsForApp, grantsReachingUser } from '../org/evidence.js';
import { looksLikeSandbox, sandboxNameFromUrl, usernameLacksSandboxSuffix } from '../org/sandbox.js';
import { shellQuote } from '../utils/shell.js';
import { printable } from '../utils/printable.js';
import { classifyServerError } from './classify.js';
import type { Attempt, Cause, CauseCode, ServerError } from './types.js';
import type { AppFacts } from './orgEvidence.js';

/**
 * APP_NOT_INSTALLED at a legacy login host: the org's My Domain (an origin) and what the one more login through it
 * answered; `unknown` when the CLI does not know the org's My Domain, so it was not tried.
 */
export type MyDomainTry =
  | {
      url: string;
      works: boolean;
      /** Salesforce found the app there: the login works, or stops at another OAuth error than app_not_found. */
      appFound?: boolean;
      attempt?: Attempt;
    }
  | { unknown: true };

/** An app created or changed this many minutes ago may not have reached the login servers yet. */
export const RECENT_CHANGE_MINUTES = 15;

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

export type CauseContext = {
  username: string;
  clientId?: string;
  /** The key file, for the commands in actions (repeated when it was given as a flag). */
  jwtKeyFile?: string;
  loginUrl?: string;
  /** Where the client id, key file and login URL came from: suggested commands repeat what was given as flags. */
  source?: InputSource;
  audience?: string;
  serverError?: ServerError;
  evidence?: OrgEvidence;
  /** true when org-side evidence was collected (an --admin-org was given and reached). */
  evidenceCollected: boolean;
  /**
   * Set when org-side evidence was collected but can't decide the cause: what was not known, in words (records
   * that could not be read, or an admin org that may be another org). The cause is then the default.
   */
  undecided?: string;
  /** For approval causes: the authorize URL, put into the actions. */
  approvalUrl?: string;
  /** AUDIENCE_INVALID: an audience verified to work against the login URL. */
  workingAudience?: string;
  /** CLOCK_SKEW: local clock minus server clock, in seconds. */
  skewSeconds?: number;
  /** The --admin-org given, for commands in actions. */
  adminOrg?: string;
  appName?: string;
  /** NETWORK_ERROR: the network error words; UNEXPECTED_RESPONSE: HTTP status and a short, secret-free body excerpt. */
  detail?: string;
  /** The org is known to be a sandbox (e.g. from the stored auth). */
  isSandbox?: boolean;
  /** The sandbox name, when known from elsewhere than the login URL (e.g. the admin org's username suffix). */
  sandboxName?: string;
  /** APP_NOT_INSTALLED at a legacy login host: the login once more through the org's My Domain. */
  myDomain?: MyDomainTry;
  /** SF_AUDIENCE_URL (or SFDX_AUDIENCE_URL), when the environment sets it. */
  audienceEnv?: { name: string; value: string };
  /** With --admin-org, for an answer about the app itself: whether it is in the org, and its certificate. */
  app?: AppFacts;
  /** The current time (tests pass a fixed one). */
  now?: Date;
};

const msg = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens);

function appLabel(ctx: CauseContext): string {
  const app = ctx.evidence?.app;
  return app?.label ?? app?.name ?? ctx.appName ?? msg('placeholder.app');
}

function adminOrgName(ctx: CauseContext): string {
  return ctx.adminOrg ?? msg('placeholder.adminOrg');
}

/** The login, as the commands in actions name it (org/suggest.ts). */
function loginOf(ctx: CauseContext): SuggestedLogin {
  return {
    username: ctx.username,
    clientId: ctx.clientId,
    jwtKeyFile: ctx.jwtKeyFile,
    loginUrl: ctx.loginUrl,
    source: ctx.source,
    appName: ctx.evidence?.app?.name ?? ctx.appName,
  };
}

/** A permission set to name in `sf jwt approve --admin-org`: an existing granting one, else a new name. */
export function suggestedPermissionSet(ctx: CauseContext): string {
  const existing = ctx.evidence?.grants?.find((g) => !g.isOwnedByProfile && g.permissionSetName);
  if (existing?.permissionSetName) return existing.permissionSetName;
  const base = (ctx.evidence?.app?.name ?? ctx.appName ?? 'Connected_App').replace(/[^A-Za-z0-9_]/g, '_');
  return `${/^[A-Za-z]/.test(base) ? '' : 'App_'}${base}_JWT_Users`.replace(/_+/g, '_');
}

function adminApproveCommand(ctx: CauseContext): string {
  return approveCommand(loginOf(ctx), adminOrgPart(ctx.adminOrg), ['--permission-set', suggestedPermissionSet(ctx)]);
}

function statusOf(ctx: CauseContext): string {
  return statusCommand(loginOf(ctx), ctx.adminOrg);
}

function diagnoseWithAdminOrg(ctx: CauseContext): string {
  return diagnoseCommand(loginOf(ctx), adminOrgPart(ctx.adminOrg));
}

function approvalUrlAction(ctx: CauseContext): string[] {
  return ctx.approvalUrl ? [msg('action.approvalUrl', [ctx.username, ctx.approvalUrl])] : [];
}

/** What to say when evidence was not collected or some of it could not be read. */
function evidenceNotes(ctx: CauseContext): string[] {
  if (!ctx.evidenceCollected) return [];
  const errors = ctx.evidence?.errors ?? [];
  return errors.length ? [msg('note.evidenceErrors', [errors.map((e) => `${e.what} (${e.message})`).join('; ')])] : [];
}

function grantSummary(ctx: CauseContext): string {
  const ev = ctx.evidence;
  const reaching = ev ? grantsReachingUser(ev) : undefined;
  if (reaching?.length) {
    return msg('summary.grants', [reaching.map((g) => g.permissionSetName ?? g.permissionSetId).join(', ')]);
  }
  const approvals = ev ? approvalsForApp(ev) : undefined;
  if (approvals?.length) {
    return msg('summary.approvals', [approvals.length, approvals[0].createdDate ?? msg('placeholder.unknownDate')]);
  }
  return msg('summary.nothingMissing');
}

type Rendered = { message: string; actions: string[]; evidence?: Record<string, unknown> };
type Renderer = (ctx: CauseContext) => Rendered;

/** The login through another login URL (the org's My Domain), given as a flag so commands repeat it. */
function throughLoginUrl(ctx: CauseContext, loginUrl: string): SuggestedLogin {
  const login = loginOf(ctx);
  return { ...login, loginUrl, source: { ...login.source, loginUrl: 'flag' } };
}

/** What an attempt answered, in one line (server text without its control characters). */
function answerOf(attempt: Attempt | undefined): string {
  if (!attempt) return msg('placeholder.noDetail');
  if (attempt.serverError) {
    const { error, error_description: description } = attempt.serverError;
    return printable(description ? `${error}: ${description}` : error);
  }
  return printable(attempt.message ?? attempt.outcome);
}

/** Whole minutes since an ISO date-time; undefined when it does not parse. */
function minutesSince(iso: string | undefined, now: Date): number | undefined {
  const at = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.floor((now.getTime() - at) / 60_000));
}

/** Where an app missing from this org may live instead: the org is a sandbox, production, or not known. */
function appElsewhere(ctx: CauseContext, orgIsSandbox: boolean | undefined): 'sandbox' | 'production' | 'unknown' {
  if (orgIsSandbox ?? looksLikeSandbox(ctx)) return 'sandbox';
  if (orgIsSandbox === false) return 'production';
  const host = ctx.loginUrl ? (URL.canParse(ctx.loginUrl) ? new URL(ctx.loginUrl).hostname.toLowerCase() : '') : '';
  return host === 'login.salesforce.com' || host.endsWith('.my.salesforce.com') ? 'production' : 'unknown';
}

/** The sentence on the My Domain: tried and refused, or not known so not tried; '' when it does not apply. */
function myDomainSentence(ctx: CauseContext): string {
  const md = ctx.myDomain;
  if (!md) return '';
  if ('unknown' in md) return ` ${msg('APP_NOT_INSTALLED.myDomainUnknown')}`;
  return md.works ? '' : ` ${msg('APP_NOT_INSTALLED.myDomainFailed', [md.url, answerOf(md.attempt)])}`;
}

/** What to do with SF_AUDIENCE_URL once the My Domain works: it names an audience this app refuses. */
function audienceEnvAction(ctx: CauseContext, myDomain: string): string[] {
  const env = ctx.audienceEnv;
  return env ? [msg('action.audienceEnvLegacy', [env.name, env.value, `${env.name}=${shellQuote(myDomain)}`])] : [];
}

/**
 * APP_NOT_INSTALLED: a verified fix through the My Domain; with --admin-org, an app missing from the org (and where
 * it may live) or one that is there (changed minutes ago: wait; else the login host or the app's state); without
 * evidence, the possible causes, with what was tried.
 */
function appNotInstalled(ctx: CauseContext): Rendered {
  const login = ctx.loginUrl ?? msg('placeholder.loginUrl');
  const md = ctx.myDomain && 'url' in ctx.myDomain ? ctx.myDomain : undefined;
  const tried = md ? { myDomainTried: md.url } : {};
  if (md?.works) {
    return {
      message: msg('APP_NOT_INSTALLED.legacyHost', [login, md.url]),
      actions: [
        msg('action.loginMyDomain', [loginCommand(throughLoginUrl(ctx, md.url))]),
        ...audienceEnvAction(ctx, md.url),
      ],
      evidence: { workingLoginUrl: md.url, workingAudience: md.attempt?.audience },
    };
  }
  if (md?.appFound) {
    // through the My Domain the app was found: the login stops at the next problem, which a diagnosis there names
    return {
      message: msg('APP_NOT_INSTALLED.legacyHostNextProblem', [login, md.url, answerOf(md.attempt)]),
      actions: [
        msg('action.diagnoseMyDomain', [
          diagnoseCommand(throughLoginUrl(ctx, md.url), ...(ctx.adminOrg ? [adminOrgPart(ctx.adminOrg)] : [])),
        ]),
        ...audienceEnvAction(ctx, md.url),
      ],
      evidence: { appInOrg: true, myDomainTried: md.url, myDomainAnswer: md.attempt?.serverError },
    };
  }
  const presence = ctx.app?.presence;
  const legacyAction = ctx.myDomain ? [msg('action.useMyDomain')] : [];
  if (presence?.present === false) {
    const where = appElsewhere(ctx, ctx.app?.orgIsSandbox);
    return {
      message: `${msg('APP_NOT_INSTALLED.absent', [adminOrgName(ctx), (ctx.clientId ?? '').trim(), login])} ${msg(
        `APP_NOT_INSTALLED.where.${where}`,
      )}${myDomainSentence(ctx)}`,
      actions: [msg('action.installEca'), msg(`action.appElsewhere.${where}`), msg('action.appOtherOrg')],
      evidence: { appInOrg: false, ...tried },
    };
  }
  if (presence?.present) {
    const app = appLabel(ctx);
    const minutes = minutesSince(presence.lastModifiedDate, ctx.now ?? new Date());
    const facts = { appInOrg: true, app: ctx.evidence?.app, appLastModifiedDate: presence.lastModifiedDate, ...tried };
    if (minutes !== undefined && minutes <= RECENT_CHANGE_MINUTES) {
      return {
        message: `${msg('APP_NOT_INSTALLED.recent', [app, minutes, presence.lastModifiedDate ?? '', login])}${myDomainSentence(ctx)}`,
        actions: [
          msg('action.waitRetry', [diagnoseCommand(loginOf(ctx))]),
          msg('action.waitApprove', [approveCommand(loginOf(ctx), adminOrgPart(ctx.adminOrg), ['--wait', '10m'])]),
        ],
        evidence: facts,
      };
    }
    return {
      message: `${msg('APP_NOT_INSTALLED.present', [
        app,
        adminOrgName(ctx),
        presence.lastModifiedDate ?? msg('placeholder.unknownDate'),
        login,
      ])}${myDomainSentence(ctx)}`,
      actions: [...legacyAction, msg('action.ecaEnabled', [app]), msg('action.waitNewSandbox')],
      evidence: facts,
    };
  }
  return {
    message: `${msg('APP_NOT_INSTALLED', [login])}${myDomainSentence(ctx)}`,
    actions: [
      msg('action.installEca'),
      msg('action.useMyDomain'),
      msg('action.waitNewSandbox'),
      ...(ctx.undecided ? [msg('note.appUndecided', [adminOrgName(ctx), ctx.undecided])] : []),
      ...evidenceNotes(ctx),
    ],
    evidence: Object.keys(tried).length ? tried : undefined,
  };
}

/** Where to upload the key's certificate: the external client app's own Setup path when the app is known to be one. */
function uploadCertAction(ctx: CauseContext): string {
  return ctx.evidence?.app?.kind === 'ExternalClientApplication'
    ? msg('action.uploadCertEca', [appLabel(ctx)])
    : msg('action.uploadCert', [appLabel(ctx)]);
}

/** INVALID_ASSERTION: with --admin-org, the certificate on the app compared with the key. */
function invalidAssertion(ctx: CauseContext): Rendered {
  const app = appLabel(ctx);
  const cert = ctx.app?.certificate;
  const certCheck = msg('action.certCheck', [diagnoseCommand(loginOf(ctx))]);
  if (!cert || cert.unreadable) {
    return {
      message: msg('INVALID_ASSERTION'),
      actions: [
        uploadCertAction(ctx),
        certCheck,
        msg('action.keygen'),
        ...(ctx.undecided ? [msg('note.appUndecided', [adminOrgName(ctx), ctx.undecided])] : []),
        ...evidenceNotes(ctx),
      ],
      evidence: cert ? { appCertificate: cert } : undefined,
    };
  }
  const evidence = { appCertificate: cert, app: ctx.evidence?.app };
  if (!cert.present) {
    return {
      message: msg('INVALID_ASSERTION.noCert', [app]),
      actions: [uploadCertAction(ctx), msg('action.keygen')],
      evidence,
    };
  }
  const validity = msg(cert.expired ? 'word.expiredOn' : 'word.validUntil', [cert.validTo ?? '']);
  if (cert.matchesKey === false) {
    return {
      message: msg('INVALID_ASSERTION.otherCert', [
        app,
        cert.subject ?? '',
        validity,
        cert.certFingerprint ?? '',
        cert.keyFingerprint,
      ]),
      actions: [uploadCertAction(ctx), msg('action.keyOfCert', [cert.certFingerprint ?? '']), msg('action.keygen')],
      evidence,
    };
  }
  return {
    message: msg('INVALID_ASSERTION.sameCert', [
      app,
      cert.keyFingerprint,
      cert.subject ?? '',
      validity,
      ctx.loginUrl ?? msg('placeholder.loginUrl'),
    ]),
    actions: [msg('action.waitRetry', [diagnoseCommand(loginOf(ctx))]), msg('action.rightOrg', [ctx.username])],
    evidence,
  };
}

const setupUserPath = (ctx: CauseContext): string => msg('path.user', [ctx.username]);

const RENDERERS: Record<CauseCode, Renderer> = {
  KEY_FILE_NOT_FOUND: () => ({
    message: msg('KEY_FILE_NOT_FOUND'),
    actions: [msg('action.keyPath'), msg('action.keygen')],
  }),
  KEY_UNREADABLE: () => ({
    message: msg('KEY_UNREADABLE'),
    actions: [msg('action.keyFormat'), msg('action.keygen')],
  }),
  KEY_TOO_SHORT: (ctx) => ({
    message: msg('KEY_TOO_SHORT'),
    actions: [msg('action.keygen'), msg('action.uploadCert', [appLabel(ctx)])],
  }),
  KEY_CERT_MISMATCH: (ctx) => ({
    message: msg('KEY_CERT_MISMATCH'),
    actions: [msg('action.matchingPair'), msg('action.uploadCert', [appLabel(ctx)])],
  }),
  LOGIN_URL_INVALID: (ctx) => ({
    message: msg('LOGIN_URL_INVALID', [ctx.loginUrl ?? msg('placeholder.loginUrl')]),
    actions: [msg('action.loginUrl')],
  }),
  NETWORK_ERROR: (ctx) => ({
    message: msg('NETWORK_ERROR', [
      ctx.loginUrl ?? msg('placeholder.loginUrl'),
      ctx.detail ?? msg('placeholder.noDetail'),
    ]),
    actions: [msg('action.network'), msg('action.timeout')],
  }),
  UNEXPECTED_RESPONSE: (ctx) => ({
    message: msg('UNEXPECTED_RESPONSE', [
      ctx.loginUrl ?? msg('placeholder.loginUrl'),
      ctx.detail ?? msg('placeholder.noDetail'),
    ]),
    actions: [msg('action.loginUrl'), msg('action.retryLater')],
  }),
  CLOCK_SKEW: (ctx) => ({
    message:
      ctx.skewSeconds === undefined
        ? msg('CLOCK_SKEW.unknown')
        : msg('CLOCK_SKEW', [
            Math.abs(Math.round(ctx.skewSeconds)),
            ctx.skewSeconds < 0 ? msg('word.behind') : msg('word.ahead'),
          ]),
    actions: [msg('action.syncClock')],
    evidence: ctx.skewSeconds === undefined ? undefined : { skewSeconds: ctx.skewSeconds },
  }),
  INVALID_CLIENT_ID: (ctx) => ({
    message:
      ctx.clientId !== undefined && ctx.clientId !== ctx.clientId.trim().replace(/^["']|["']$/g, '')
        ? msg('INVALID_CLIENT_ID.whitespace', [JSON.stringify(ctx.clientId)])
        : msg('INVALID_CLIENT_ID', [ctx.loginUrl ?? msg('placeholder.loginUrl')]),
    actions: [msg('action.copyConsumerKey', [appLabel(ctx)]), msg('action.rightOrg', [ctx.username])],
  }),
  APP_NOT_INSTALLED: appNotInstalled,
  INVALID_ASSERTION: invalidAssertion,
  AUDIENCE_INVALID: (ctx) => {
    const aud = ctx.audience ?? ctx.loginUrl ?? msg('placeholder.loginUrl');
    const login = ctx.loginUrl ?? msg('placeholder.loginUrl');
    if (ctx.workingAudience) {
      return {
        message: msg('AUDIENCE_INVALID.verified', [aud, login, ctx.workingAudience]),
        actions: [msg('action.audienceEnv', [shellQuote(ctx.workingAudience)]), msg('action.sandboxLoginUrl')],
        evidence: { workingAudience: ctx.workingAudience },
      };
    }
    return { message: msg('AUDIENCE_INVALID', [aud, login]), actions: [msg('action.sandboxLoginUrl')] };
  },
  USER_NOT_FOUND: (ctx) => {
    const sandboxHint = looksLikeSandbox(ctx) && usernameLacksSandboxSuffix(ctx.username);
    const suggestion = `${ctx.username}.${sandboxNameFromUrl(ctx.loginUrl) ?? ctx.sandboxName ?? msg('placeholder.sandboxName')}`;
    return {
      message: sandboxHint
        ? msg('USER_NOT_FOUND.sandbox', [ctx.username, suggestion])
        : msg('USER_NOT_FOUND', [ctx.username]),
      actions: [
        ...(sandboxHint ? [msg('action.sandboxUsername', [loginCommand(loginOf(ctx), { username: suggestion })])] : []),
        msg('action.checkUsername'),
        ...evidenceNotes(ctx),
      ],
      evidence: ctx.evidence?.user === null ? { user: null } : undefined,
    };
  },
  USER_INACTIVE: (ctx) => {
    if (!ctx.evidence?.user) {
      // Salesforce answers inactive_user for a deactivated and for a frozen user alike
      return {
        message: msg('USER_INACTIVE.orFrozen', [ctx.username]),
        actions: [
          msg('action.reactivate', [setupUserPath(ctx)]),
          msg('action.unfreeze', [setupUserPath(ctx)]),
          ...(ctx.evidenceCollected
            ? evidenceNotes(ctx)
            : [msg('action.tellInactiveFrozen', [diagnoseWithAdminOrg(ctx)])]),
        ],
      };
    }
    return {
      message: msg('USER_INACTIVE', [ctx.username]),
      actions: [msg('action.reactivate', [setupUserPath(ctx)]), ...evidenceNotes(ctx)],
      evidence: { user: ctx.evidence.user },
    };
  },
  USER_FROZEN: (ctx) => ({
    message: msg('USER_FROZEN', [ctx.username]),
    actions: [msg('action.unfreeze', [setupUserPath(ctx)]), ...evidenceNotes(ctx)],
    evidence: ctx.evidence?.user ? { user: ctx.evidence.user } : undefined,
  }),
  USER_NOT_PREAUTHORIZED: (ctx) => ({
    message: msg('USER_NOT_PREAUTHORIZED', [
      appLabel(ctx),
      ctx.evidence?.user?.profileName ?? ctx.evidence?.user?.profileId ?? msg('placeholder.profile'),
      ctx.username,
    ]),
    actions: [
      msg('action.adminApprove', [adminApproveCommand(ctx)]),
      msg('action.managePermissionSets', [appLabel(ctx), ctx.username]),
      msg('action.status', [statusOf(ctx)]),
      ...evidenceNotes(ctx),
    ],
    evidence: { user: ctx.evidence?.user, app: ctx.evidence?.app, grants: ctx.evidence?.grants },
  }),
  APP_SCOPE_MISSING_REFRESH_TOKEN: (ctx) => ({
    message: msg('APP_SCOPE_MISSING_REFRESH_TOKEN', [
      appLabel(ctx),
      (ctx.evidence?.app?.scopes ?? []).join(', ') || msg('placeholder.none'),
    ]),
    actions: [
      msg('action.addRefreshScope', [appLabel(ctx)]),
      msg('action.approveAfterScope', [ctx.username, approveCommand(loginOf(ctx))]),
      ...approvalUrlAction(ctx),
      ...evidenceNotes(ctx),
    ],
    evidence: { app: ctx.evidence?.app },
  }),
  USER_NOT_APPROVED: (ctx) => {
    if (!ctx.evidenceCollected || ctx.undecided !== undefined) {
      return {
        message:
          ctx.undecided === undefined
            ? msg('USER_NOT_APPROVED.noEvidence', [ctx.username])
            : msg('USER_NOT_APPROVED.undecided', [ctx.username, adminOrgName(ctx), ctx.undecided]),
        actions: [
          msg('action.approve', [ctx.username, approveCommand(loginOf(ctx))]),
          ...approvalUrlAction(ctx),
          msg(ctx.undecided === undefined ? 'action.tellApart' : 'action.tellApartWithRights', [
            diagnoseWithAdminOrg(ctx),
          ]),
          msg('action.userRecord', [msg('path.userOauth', [ctx.username])]),
        ],
      };
    }
    const policyKnown = ctx.evidence?.app?.adminApprovedOnly === false;
    return {
      message: msg(policyKnown ? 'USER_NOT_APPROVED' : 'USER_NOT_APPROVED.policyUnknown', [
        appLabel(ctx),
        ctx.username,
      ]),
      actions: [
        msg('action.approve', [ctx.username, approveCommand(loginOf(ctx))]),
        ...approvalUrlAction(ctx),
        msg('action.status', [statusOf(ctx)]),
        ...evidenceNotes(ctx),
      ],
      evidence: { app: ctx.evidence?.app, oauthTokens: ctx.evidence?.oauthTokens ?? null },
    };
  },
  APPROVAL_NOT_PROPAGATED: (ctx) => ({
    message: msg('APPROVAL_NOT_PROPAGATED', [ctx.username, grantSummary(ctx)]),
    actions: [
      msg('action.waitRetry', [diagnoseCommand(loginOf(ctx))]),
      msg('action.waitApprove', [approveCommand(loginOf(ctx), ['--wait', '10m'])]),
      ...approvalUrlAction(ctx),
      ...evidenceNotes(ctx),
    ],
    evidence: {
      user: ctx.evidence?.user,
      app: ctx.evidence?.app,
      grants: ctx.evidence?.grants,
      oauthTokens: ctx.evidence?.oauthTokens,
    },
  }),
  NOT_ADMIN_APPROVED: (ctx) => ({
    message: msg('NOT_ADMIN_APPROVED', [ctx.username, appLabel(ctx)]),
    actions: [
      msg('action.adminApprove', [adminApproveCommand(ctx)]),
      msg('action.managePermissionSets', [appLabel(ctx), ctx.username]),
      ...(ctx.evidenceCollected ? [] : [msg('action.tellApart', [diagnoseWithAdminOrg(ctx)])]),
    ],
  }),
  IP_RESTRICTED: (ctx) => ({
    message: msg('IP_RESTRICTED', [ctx.username]),
    actions: [
      msg('action.ipRelaxation', [appLabel(ctx)]),
      msg('action.profileIpRanges', [ctx.evidence?.user?.profileName ?? msg('placeholder.profile')]),
    ],
  }),
  ORG_INACTIVE: (ctx) => ({
    message: msg('ORG_INACTIVE', [ctx.loginUrl ?? msg('placeholder.loginUrl')]),
    actions: [msg('action.orgInactive')],
  }),
  RATE_LIMITED: (ctx) => ({
    message: msg('RATE_LIMITED', [ctx.username]),
    actions: [msg('action.rateLimit')],
  }),
  UNKNOWN_ERROR: (ctx) => ({
    message: ctx.serverError
      ? msg('UNKNOWN_ERROR', [printable(ctx.serverError.error), printable(ctx.serverError.error_description ?? '')])
      : msg('UNKNOWN_ERROR.noServerError'),
    actions: [msg('action.unknown')],
  }),
};

/** Message, actions and supporting facts for a cause code. Works for every code in CAUSE_CODES. */
export function buildCause(code: CauseCode, ctx: CauseContext): Cause {
  const rendered = RENDERERS[code](ctx);
  // a command with the admin org placeholder: say what to put there
  const actions = rendered.actions.some(hasAdminOrgPlaceholder)
    ? [...rendered.actions, ADMIN_ORG_NOTE]
    : rendered.actions;
  const cause: Cause = { code, message: rendered.message, actions };
  if (ctx.serverError) cause.serverError = { ...ctx.serverError };
  if (rendered.evidence) {
    const facts = Object.fromEntries(Object.entries(rendered.evidence).filter(([, v]) => v !== undefined));
    if (Object.keys(facts).length) cause.evidence = facts;
  }
  return cause;
}

/** classifyServerError + buildCause in one call, with the server error kept on the cause. */
export function causeFromServerError(err: ServerError, ctx: CauseContext): Cause {
  const code = classifyServerError(err, ctx.evidenceCollected ? ctx.evidence : undefined, ctx);
  return buildCause(code, { ...ctx, serverError: err });
}
