/*
 * Server answer (+ org-side evidence) → cause code. Pure and table-driven: no I/O besides loading
 * messages/jwt.causes.md (the words for evidence that could not decide).
 */
import { Messages } from '@salesforce/core';
import type { OrgEvidence } from '../org/types.js';
import { appHasRefreshScope, approvalsForApp, grantsReachingUser } from '../org/evidence.js';
import type { CauseCode, ServerError } from './types.js';

type EvidenceUser = NonNullable<OrgEvidence['user']>;
type EvidenceGrant = NonNullable<OrgEvidence['grants']>[number];

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

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
const BY_ERROR = new Map<string, CauseCode>([
  ['invalid_client_id', 'INVALID_CLIENT_ID'],
  ['app_not_found', 'APP_NOT_INSTALLED'],
  ['invalid_app_access', 'NOT_ADMIN_APPROVED'],
  ['inactive_org', 'ORG_INACTIVE'],
  ['rate_limit_exceeded', 'RATE_LIMITED'],
  ['inactive_user', 'USER_INACTIVE'],
]);

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
export function classifyServerError(
  err: ServerError,
  evidence?: OrgEvidence,
  ctx?: { evidenceCollected: boolean; evidence?: OrgEvidence },
): CauseCode {
  const ev = evidence ?? (ctx?.evidenceCollected ? ctx.evidence : undefined);
  const description = normalizeDescription(err.error_description);
  const code =
    BY_ERROR.get(err.error.trim().toLowerCase()) ??
    BY_DESCRIPTION[description] ??
    BY_PATTERN.find(([pattern]) => pattern.test(description))?.[1];
  if (code === 'USER_INACTIVE')
    return ev?.user?.isActive !== false && ev?.user?.isFrozen ? 'USER_FROZEN' : 'USER_INACTIVE';
  if (code === 'USER_NOT_APPROVED') return decideApproval(ev).code;
  return code ?? 'UNKNOWN_ERROR';
}

const msg = (key: string, tokens: Array<string | number> = []): string => messages.getMessage(key, tokens);
