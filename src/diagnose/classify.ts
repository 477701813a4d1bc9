/*
 * Server answer (+ org-side evidence) → cause code, and cause code → message and next steps.
 * Pure and table-driven: no I/O besides loading messages/jwt.causes.md.
 */
import { Messages } from '@salesforce/core';
import { commandLine, placeholder, shellQuote, type CommandPart, type Placeholder } from '../utils/shell.js';
import { printable } from '../utils/printable.js';
import type { Cause, CauseCode, OrgEvidence, ServerError } from './types.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

export type ClassifyContext = {
  username: string;
  clientId?: string;
  loginUrl?: string;
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
};

/** The order in which "user hasn't approved this consumer" is decided when evidence is present. */
export const APPROVAL_DECISION_ORDER: readonly CauseCode[] = [
  'USER_NOT_FOUND',
  'USER_INACTIVE',
  'USER_FROZEN',
  'USER_NOT_PREAUTHORIZED',
  'APP_SCOPE_MISSING_REFRESH_TOKEN',
  'USER_NOT_APPROVED',
  'APPROVAL_NOT_PROPAGATED',
];

/** Causes whose fix is an approval (browser or admin): their actions carry the approval URL. */
export const APPROVAL_CAUSES: readonly CauseCode[] = [
  'USER_NOT_APPROVED',
  'USER_NOT_PREAUTHORIZED',
  'APP_SCOPE_MISSING_REFRESH_TOKEN',
  'APPROVAL_NOT_PROPAGATED',
  'NOT_ADMIN_APPROVED',
];

/** OAuth `error` code → cause (checked first). */
const BY_ERROR: Record<string, CauseCode> = {
  // eslint-disable-next-line camelcase
  invalid_client_id: 'INVALID_CLIENT_ID',
  // eslint-disable-next-line camelcase
  app_not_found: 'APP_NOT_INSTALLED',
  // eslint-disable-next-line camelcase
  invalid_app_access: 'NOT_ADMIN_APPROVED',
  // eslint-disable-next-line camelcase
  inactive_org: 'ORG_INACTIVE',
  // eslint-disable-next-line camelcase
  rate_limit_exceeded: 'RATE_LIMITED',
  // eslint-disable-next-line camelcase
  inactive_user: 'USER_INACTIVE',
};

const NOT_APPROVED = "user hasn't approved this consumer";

/** `error_description` (lower case, trimmed) → cause, for any `error` code not in BY_ERROR. */
const BY_DESCRIPTION: Record<string, CauseCode> = {
  'audience is invalid': 'AUDIENCE_INVALID',
  'invalid assertion': 'INVALID_ASSERTION',
  'expired authorization code': 'CLOCK_SKEW',
  'ip restricted or invalid login hours': 'IP_RESTRICTED',
  [NOT_APPROVED]: 'USER_NOT_APPROVED',
  // the descriptions that go with the codes above, for callers that only kept the description
  'client identifier invalid': 'INVALID_CLIENT_ID',
  'external client app is not installed in this org': 'APP_NOT_INSTALLED',
  'user is not admin approved to access this app': 'NOT_ADMIN_APPROVED',
  'org is locked, closed, or suspended': 'ORG_INACTIVE',
  'number of logins exceeded': 'RATE_LIMITED',
  'user is inactive': 'USER_INACTIVE',
  'inactive user': 'USER_INACTIVE',
};

/**
 * Looser matches, tried only when neither the code nor the exact description is known: Salesforce has
 * changed wordings before, and a proxy or another Salesforce front end may word the same refusal differently.
 * Order matters: the first match wins.
 */
const BY_PATTERN: Array<[RegExp, CauseCode]> = [
  [/admin[- ]approved/, 'NOT_ADMIN_APPROVED'],
  [/(hasn'?t|has not|not) approved/, 'USER_NOT_APPROVED'],
  [/audience/, 'AUDIENCE_INVALID'],
  [/frozen/, 'USER_FROZEN'],
  [
    /\b(user|username|subject)\b.*\b(not found|does not exist|doesn't exist|unknown)\b|\bunknown (user|username)\b/,
    'USER_NOT_FOUND',
  ],
  [/\binactive user\b|\buser\b.*\b(inactive|deactivated)\b/, 'USER_INACTIVE'],
  [/ip restrict|login hours/, 'IP_RESTRICTED'],
  [/\borg(anization)?\b.*\b(locked|closed|suspended|inactive|expired)\b/, 'ORG_INACTIVE'],
  [/expired/, 'CLOCK_SKEW'],
  [/signature|invalid assertion|malformed (jwt|assertion)/, 'INVALID_ASSERTION'],
  [/client identifier|consumer key|client[ _]id/, 'INVALID_CLIENT_ID'],
  [/not installed|app(lication)? not found/, 'APP_NOT_INSTALLED'],
  [/rate limit|too many|logins exceeded/, 'RATE_LIMITED'],
];

/** Lower case, trimmed, typographic apostrophe folded, core's " [audience=… login=…]" suffix removed. */
export function normalizeDescription(description: string | undefined): string {
  return (description ?? '')
    .replace(/\s*\[audience=[^\]]*\]\s*$/, '')
    .replace(/\u2019/g, "'")
    .trim()
    .toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Evidence helpers (also used by status.ts)
// ---------------------------------------------------------------------------------------------

type EvidenceApp = NonNullable<OrgEvidence['app']>;
type EvidenceUser = NonNullable<OrgEvidence['user']>;
type EvidenceGrant = NonNullable<OrgEvidence['grants']>[number];

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

// ---------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------

/** Evidence that decides an approval cause, when it could not be read (or is hidden from the admin). */
export type UnknownEvidence = 'user' | 'frozen' | 'app' | 'grants' | 'approvals' | 'scopes';

export type ApprovalDecision = {
  code: CauseCode;
  /** false: the records that would tell the causes apart could not all be read; `code` is then the default. */
  decided: boolean;
  /** What was not known (empty when decided). */
  unknown: UnknownEvidence[];
};

/**
 * Decides "user hasn't approved this consumer" from org-side evidence, in APPROVAL_DECISION_ORDER. A cause is
 * named only from records that were read: a record that could not be read (refused, or hidden from an admin
 * without the right permission) is unknown, never absent. A missing grant or approval that was read is a fault
 * whatever else is unknown; "everything is in place" (APPROVAL_NOT_PROPAGATED) needs every record. When the
 * evidence cannot decide, the answer is the default without evidence, USER_NOT_APPROVED, with `decided: false`.
 */
export function decideApproval(evidence: OrgEvidence | undefined): ApprovalDecision {
  if (!evidence) return undecided('user', 'app');
  const { user } = evidence;
  if (user === undefined) return undecided('user');
  if (user === null) return decided('USER_NOT_FOUND');
  if (!user.isActive) return decided('USER_INACTIVE');
  if (user.isFrozen) return decided('USER_FROZEN');
  return decideForApp(evidence, user);
}

const undecided = (...unknown: UnknownEvidence[]): ApprovalDecision => ({
  code: 'USER_NOT_APPROVED',
  decided: false,
  unknown,
});
const decided = (code: CauseCode): ApprovalDecision => ({ code, decided: true, unknown: [] });

/** The app's side, for an active user who is not known to be frozen. */
function decideForApp(evidence: OrgEvidence, user: EvidenceUser): ApprovalDecision {
  const { app } = evidence;
  const reaching = grantsReachingUser(evidence);
  const adminApproved = app?.adminApprovedOnly;
  if (adminApproved === true) {
    if (reaching === undefined) return undecided('grants');
    if (reaching.length === 0) return decided('USER_NOT_PREAUTHORIZED');
  }
  const refreshScope = appHasRefreshScope(app);
  if (refreshScope === false) return decided('APP_SCOPE_MISSING_REFRESH_TOKEN');

  const approvals = approvalsForApp(evidence);
  if (adminApproved === false) {
    if (approvals === undefined) return undecided('approvals');
    if (approvals.length === 0) return decided('USER_NOT_APPROVED');
  }
  if (adminApproved === undefined) {
    const policyUnknown = decidePolicyUnknown(app, reaching, approvals);
    if (policyUnknown) return policyUnknown;
  }
  // everything that blocks was read and is in place: only then is it a propagation delay
  const unknown: UnknownEvidence[] = [];
  if (user.isFrozen === undefined) unknown.push('frozen');
  if (refreshScope === undefined && (evidence.errors ?? []).some((e) => /ConnectedApp|Metadata/i.test(e.what))) {
    unknown.push('scopes');
  }
  return unknown.length ? undecided(...unknown) : decided('APPROVAL_NOT_PROPAGATED');
}

/** The app's policy is unknown: decided only when neither a grant nor an approval reaches the user, both read. */
function decidePolicyUnknown(
  app: OrgEvidence['app'],
  reaching: EvidenceGrant[] | undefined,
  approvals: OrgEvidence['oauthTokens'],
): ApprovalDecision | undefined {
  if (Boolean(reaching?.length) || Boolean(approvals?.length)) {
    return app === undefined || app === null ? undecided('app') : undefined;
  }
  if (reaching !== undefined && approvals !== undefined) return decided('USER_NOT_APPROVED');
  const unknown: UnknownEvidence[] = [];
  if (reaching === undefined) unknown.push('grants');
  if (approvals === undefined) unknown.push('approvals');
  return undecided(...unknown);
}

/** Why the evidence could not decide, in words: the records that could not be read, or what is unknown. */
export function describeUndecided(decision: ApprovalDecision, evidence: OrgEvidence): string {
  const errors = evidence.errors ?? [];
  if (errors.length) return msg('undecided.unread', [errors.map((e) => `${e.what} (${e.message})`).join('; ')]);
  return msg('undecided.missing', [decision.unknown.map((u) => msg(`undecided.unknown.${u}`)).join(', ')]);
}

/** A user missing from an admin org that may be another org than the login's. */
export function describeOtherOrg(username: string, loginUrl: string): string {
  return msg('undecided.otherOrg', [username, loginUrl]);
}

/** Maps Salesforce's OAuth error (and, for approval errors, org-side evidence) to a cause code. */
export function classifyServerError(err: ServerError, evidence?: OrgEvidence, ctx?: ClassifyContext): CauseCode {
  const ev = evidence ?? (ctx?.evidenceCollected ? ctx.evidence : undefined);
  const description = normalizeDescription(err.error_description);
  const code =
    BY_ERROR[err.error.trim().toLowerCase()] ??
    BY_DESCRIPTION[description] ??
    BY_PATTERN.find(([pattern]) => pattern.test(description))?.[1];
  if (code === 'USER_INACTIVE')
    return ev?.user?.isActive !== false && ev?.user?.isFrozen ? 'USER_FROZEN' : 'USER_INACTIVE';
  if (code === 'USER_NOT_APPROVED') return decideApproval(ev).code;
  return code ?? 'UNKNOWN_ERROR';
}

// ---------------------------------------------------------------------------------------------
// Messages and actions
// ---------------------------------------------------------------------------------------------

const msg = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens);

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The sandbox name from a sandbox My Domain URL (acme--uat.sandbox.my.salesforce.com → uat). */
export function sandboxNameFromUrl(url: string | undefined): string | undefined {
  const m = /^[^.]+--([a-z0-9_]+)\.sandbox\.my\.salesforce\.com$/i.exec(hostOf(url) ?? '');
  return m?.[1];
}

export function looksLikeSandbox(ctx: Pick<ClassifyContext, 'loginUrl' | 'isSandbox'>): boolean {
  if (ctx.isSandbox) return true;
  const host = hostOf(ctx.loginUrl) ?? '';
  return host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com');
}

const TLD = /^(com|org|net|edu|gov|mil|int|io|co|biz|info|dev|app|cloud|ai|tech|online|site|xyz|[a-z]{2})$/i;

/** A username whose domain ends in a top-level domain carries no sandbox suffix (ci@acme.com vs ci@acme.com.uat). */
export function usernameLacksSandboxSuffix(username: string): boolean {
  const domain = username.split('@')[1] ?? '';
  const last = domain.split('.').pop() ?? '';
  return domain.includes('.') && TLD.test(last);
}

function appLabel(ctx: ClassifyContext): string {
  const app = ctx.evidence?.app;
  return app?.label ?? app?.name ?? ctx.appName ?? msg('placeholder.app');
}

function adminOrgName(ctx: ClassifyContext): string {
  return ctx.adminOrg ?? msg('placeholder.adminOrg');
}

function adminOrgPart(ctx: ClassifyContext): CommandPart {
  const value: string | Placeholder = ctx.adminOrg ?? placeholder(msg('placeholder.adminOrg'));
  return ['--admin-org', value];
}

/** `--client-id X` or `--app-name Y` for commands that need the app. */
function appPart(ctx: ClassifyContext): CommandPart {
  if (ctx.clientId) return ['--client-id', ctx.clientId.trim()];
  return ['--app-name', ctx.evidence?.app?.name ?? ctx.appName];
}

function clientIdPart(ctx: ClassifyContext): CommandPart {
  return ['--client-id', ctx.clientId ? ctx.clientId.trim() : undefined];
}

function approveCommand(ctx: ClassifyContext): string {
  return commandLine('sf jwt approve', ['--username', ctx.username], appPart(ctx), ['--instance-url', ctx.loginUrl]);
}

/** A permission set to name in `sf jwt approve --admin-org`: an existing granting one, else a new name. */
export function suggestedPermissionSet(ctx: ClassifyContext): string {
  const existing = ctx.evidence?.grants?.find((g) => !g.isOwnedByProfile && g.permissionSetName);
  if (existing?.permissionSetName) return existing.permissionSetName;
  const base = (ctx.evidence?.app?.name ?? ctx.appName ?? 'Connected_App').replace(/[^A-Za-z0-9_]/g, '_');
  return `${/^[A-Za-z]/.test(base) ? '' : 'App_'}${base}_JWT_Users`.replace(/_+/g, '_');
}

function adminApproveCommand(ctx: ClassifyContext): string {
  return commandLine('sf jwt approve', adminOrgPart(ctx), ['--username', ctx.username], appPart(ctx), [
    '--permission-set',
    suggestedPermissionSet(ctx),
  ]);
}

function statusCommand(ctx: ClassifyContext): string {
  return commandLine('sf jwt status', adminOrgPart(ctx), ['--username', ctx.username], appPart(ctx));
}

function diagnoseWithAdminOrg(ctx: ClassifyContext): string {
  return commandLine('sf jwt diagnose', ['--username', ctx.username], clientIdPart(ctx), adminOrgPart(ctx));
}

function approvalUrlAction(ctx: ClassifyContext): string[] {
  return ctx.approvalUrl ? [msg('action.approvalUrl', [ctx.username, ctx.approvalUrl])] : [];
}

/** What to say when evidence was not collected or some of it could not be read. */
function evidenceNotes(ctx: ClassifyContext): string[] {
  if (!ctx.evidenceCollected) return [];
  const errors = ctx.evidence?.errors ?? [];
  return errors.length ? [msg('note.evidenceErrors', [errors.map((e) => `${e.what} (${e.message})`).join('; ')])] : [];
}

function grantSummary(ctx: ClassifyContext): string {
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
type Renderer = (ctx: ClassifyContext) => Rendered;

const setupUserPath = (ctx: ClassifyContext): string => msg('path.user', [ctx.username]);

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
  APP_NOT_INSTALLED: (ctx) => ({
    message: msg('APP_NOT_INSTALLED', [ctx.loginUrl ?? msg('placeholder.loginUrl')]),
    actions: [msg('action.installEca'), msg('action.useMyDomain'), msg('action.waitNewSandbox')],
  }),
  INVALID_ASSERTION: (ctx) => ({
    message: msg('INVALID_ASSERTION'),
    actions: [
      msg('action.uploadCert', [appLabel(ctx)]),
      msg('action.certCheck', [commandLine('sf jwt diagnose', ['--username', ctx.username])]),
      msg('action.keygen'),
    ],
  }),
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
        ...(sandboxHint
          ? [msg('action.sandboxUsername', [commandLine('sf org login jwt', ['--username', suggestion])])]
          : []),
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
      msg('action.status', [statusCommand(ctx)]),
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
      msg('action.approveAfterScope', [ctx.username, approveCommand(ctx)]),
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
          msg('action.approve', [ctx.username, approveCommand(ctx)]),
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
        msg('action.approve', [ctx.username, approveCommand(ctx)]),
        ...approvalUrlAction(ctx),
        msg('action.status', [statusCommand(ctx)]),
        ...evidenceNotes(ctx),
      ],
      evidence: { app: ctx.evidence?.app, oauthTokens: ctx.evidence?.oauthTokens ?? null },
    };
  },
  APPROVAL_NOT_PROPAGATED: (ctx) => ({
    message: msg('APPROVAL_NOT_PROPAGATED', [ctx.username, grantSummary(ctx)]),
    actions: [
      msg('action.waitRetry', [commandLine('sf jwt diagnose', ['--username', ctx.username], clientIdPart(ctx))]),
      msg('action.waitApprove', [`${approveCommand(ctx)} --wait 10m`]),
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
export function buildCause(code: CauseCode, ctx: ClassifyContext): Cause {
  const rendered = RENDERERS[code](ctx);
  const cause: Cause = { code, message: rendered.message, actions: rendered.actions };
  if (ctx.serverError) cause.serverError = { ...ctx.serverError };
  if (rendered.evidence) {
    const facts = Object.fromEntries(Object.entries(rendered.evidence).filter(([, v]) => v !== undefined));
    if (Object.keys(facts).length) cause.evidence = facts;
  }
  return cause;
}

/** classifyServerError + buildCause in one call, with the server error kept on the cause. */
export function causeFromServerError(err: ServerError, ctx: ClassifyContext): Cause {
  const code = classifyServerError(err, ctx.evidenceCollected ? ctx.evidence : undefined, ctx);
  return buildCause(code, { ...ctx, serverError: err });
}
