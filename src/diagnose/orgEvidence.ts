/*
 * The org-evidence step of a diagnosis: only for the answers that need it, only with --admin-org, and only
 * from the login's own org. Records that could not be read, and a user missing from an org that may be
 * another org, decide nothing: the cause is then the default without evidence, with what is unknown in words.
 * An answer about the app itself (invalid assertion, app not found) reads the app, not the user's approvals:
 * whether it is in the org, when it last changed, and its certificate, compared with the key.
 */
import type { KeyObject } from 'node:crypto';
import { Messages, type Connection } from '@salesforce/core';
import { adminOrgFacts, afterUserLookup, compareOrgs, type OrgMatch } from '../org/orgMatch.js';
import { collectAppEvidence, collectEvidence } from '../org/evidence.js';
import type { AppLookup } from '../org/apps.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { sandboxSuffixFromAdmin } from '../org/sandbox.js';
import type { JwtInputs } from '../org/inputs.js';
import type { OrgEvidence } from '../org/types.js';
import { withDeadline } from '../utils/deadline.js';
import type { CauseCode, Check, ServerError } from './types.js';
import { classifyServerError, decideApproval, describeOtherOrg, describeUndecided } from './classify.js';
import { skip } from './localChecks.js';
import { compareAppCertificate, type AppCertificateFacts } from './appCertificate.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** What the evidence step needs of the diagnosis options. */
export type EvidenceStepOptions = {
  timeoutMs: number;
  adminOrg?: string;
  /** The admin org's connection, opened at most once and shared by the logins of `--all`. */
  adminConnection?: () => Promise<Connection>;
  /** The private key, compared with the certificate on the app (INVALID_ASSERTION). */
  key?: KeyObject;
};

/** The `what` of the app lookup's notes about the client id (org/apps.ts). */
const CLIENT_ID_NOTE = 'client id';

/** Causes that only org-side records can tell apart. */
const NEEDS_EVIDENCE: ReadonlySet<CauseCode> = new Set(['USER_NOT_APPROVED', 'USER_INACTIVE', 'NOT_ADMIN_APPROVED']);

/** Causes about the app itself: the app is read (in the org or not, last change, certificate), not the approvals. */
const NEEDS_APP_EVIDENCE: ReadonlySet<CauseCode> = new Set(['INVALID_ASSERTION', 'APP_NOT_INSTALLED']);

/**
 * Evidence takes up to six rounds of requests (org/evidence.ts: an external client app found by its consumer key
 * takes the most), each within --timeout.
 */
const EVIDENCE_ROUNDS = 6;

/** What the app evidence shows, for the cause's words and its `evidence`. */
export type AppFacts = {
  /** APP_NOT_INSTALLED: whether the app with this client id is in the login's org, and when it last changed. */
  presence?: { present: boolean; kind?: NonNullable<OrgEvidence['app']>['kind']; lastModifiedDate?: string };
  /** INVALID_ASSERTION: the certificate on the app, compared with the key. */
  certificate?: AppCertificateFacts;
  /** Whether the login's org is a sandbox, as the admin org's stored login says. */
  orgIsSandbox?: boolean;
};

type Read = (conn: Connection) => Promise<{ evidence: OrgEvidence; lookup?: AppLookup }>;

type Gathered = {
  evidence?: OrgEvidence;
  lookup?: AppLookup;
  check: Check;
  sandbox: { isSandbox?: boolean; sandboxName?: string };
  /** Whether the admin org is the login's org (after the user lookup, when there was one). */
  match: OrgMatch;
  /** Whether the admin org is a sandbox, as its stored login says. */
  adminIsSandbox?: boolean;
};

async function gatherEvidence(
  adminOrg: string,
  inputs: JwtInputs,
  options: EvidenceStepOptions,
  read: Read,
  collected = 'evidence.collected',
): Promise<Gathered> {
  const { timeoutMs } = options;
  const conn = await (options.adminConnection?.() ?? connectAdminOrg(adminOrg));
  const facts = adminOrgFacts(adminOrg, conn);
  const before = compareOrgs(facts, {
    username: inputs.username,
    loginUrl: inputs.loginUrl,
    orgId: inputs.orgId,
  });
  if (before.verdict === 'different') {
    // another org's records say nothing about this login: not read at all
    return {
      sandbox: {},
      match: before,
      check: {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.otherOrg', [adminOrg, before.reason]),
        actions: shared.getMessages('error.AdminOrgMismatch.actions'),
      },
    };
  }
  const sandboxName = sandboxSuffixFromAdmin(conn.getUsername(), inputs.username);
  const sandbox = sandboxName ? { isSandbox: true, sandboxName } : {};
  try {
    const { evidence, lookup } = await withDeadline(
      read(conn),
      timeoutMs * EVIDENCE_ROUNDS,
      () =>
        new Error(messages.getMessage('evidence.timeout', [String(Math.round((timeoutMs * EVIDENCE_ROUNDS) / 1000))])),
    );
    const match = afterUserLookup(before, evidence.user ? true : undefined);
    // notes about the client id (no app has this consumer key, or only with whitespace) are findings, not failures
    const failures = (evidence.errors ?? []).filter((e) => e.what !== CLIENT_ID_NOTE);
    let check: Check;
    if (evidence.user === null && match.verdict !== 'same') {
      check = {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.maybeOtherOrg', [adminOrg, inputs.username, inputs.loginUrl]),
        actions: shared.getMessages('error.AdminOrgMismatch.actions'),
      };
    } else if (failures.length) {
      check = {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.partial', [
          adminOrg,
          failures.map((f) => `${f.what}: ${f.message}`).join('; '),
        ]),
      };
    } else {
      check = { id: 'org-evidence', status: 'pass', message: messages.getMessage(collected, [adminOrg]) };
    }
    return { evidence, lookup, sandbox, match, check, adminIsSandbox: facts.isSandbox };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      sandbox,
      match: before,
      check: {
        id: 'org-evidence',
        status: 'warn',
        message: messages.getMessage('evidence.failed', [adminOrg, reason]),
      },
    };
  }
}

/**
 * The cause of "user hasn't approved this consumer" (and the other answers that need evidence) from what the
 * admin org showed. Records that could not be read, and a user missing from an org that may be another org,
 * decide nothing: the cause is then the default without evidence, with `undecided` saying why.
 */
function causeFromEvidence(
  serverError: ServerError,
  code: CauseCode,
  gathered: Gathered,
  inputs: JwtInputs,
): { code: CauseCode; undecided?: string } {
  const evidence = gathered.evidence as OrgEvidence;
  if (code !== 'USER_NOT_APPROVED') {
    return { code: classifyServerError(serverError, evidence) };
  }
  const decision = decideApproval(evidence);
  if (decision.code === 'USER_NOT_FOUND' && gathered.match.verdict !== 'same') {
    return { code: 'USER_NOT_APPROVED', undecided: describeOtherOrg(inputs.username, inputs.loginUrl) };
  }
  return decision.decided
    ? { code: decision.code }
    : { code: decision.code, undecided: describeUndecided(decision, evidence) };
}

export type EvidenceStep = {
  code: CauseCode;
  check: Check;
  evidence?: OrgEvidence;
  undecided?: string;
  sandbox: { isSandbox?: boolean; sandboxName?: string };
  missingEvidence?: string[];
  /** For an answer about the app itself: what the app evidence shows. */
  app?: AppFacts;
};

/** What the app evidence shows; only from the login's own org (an app missing from another org proves nothing). */
function appFacts(code: CauseCode, gathered: Gathered, key: KeyObject | undefined): AppFacts {
  const app = gathered.evidence?.app;
  const lookup = gathered.lookup;
  if (gathered.match.verdict !== 'same' || !lookup) return {};
  if (code === 'APP_NOT_INSTALLED') {
    if (app === undefined) return {};
    return {
      ...(gathered.adminIsSandbox === undefined ? {} : { orgIsSandbox: gathered.adminIsSandbox }),
      presence: app
        ? {
            present: true,
            kind: app.kind,
            ...(lookup.lastModifiedDate ? { lastModifiedDate: lookup.lastModifiedDate } : {}),
          }
        : { present: false },
    };
  }
  const certificate = app && key ? compareAppCertificate(app.name, lookup.certificate, key) : undefined;
  return certificate ? { certificate } : {};
}

/** The app evidence step (INVALID_ASSERTION, APP_NOT_INSTALLED): the code stays, the facts explain it. */
async function appEvidenceStep(
  code: CauseCode,
  inputs: JwtInputs,
  options: EvidenceStepOptions & { adminOrg: string },
): Promise<EvidenceStep> {
  const gathered = await gatherEvidence(
    options.adminOrg,
    inputs,
    options,
    (conn) =>
      collectAppEvidence(conn, { username: inputs.username, clientId: inputs.clientId, appName: inputs.appName }),
    'evidence.collectedApp',
  );
  const base = { code, check: gathered.check, sandbox: gathered.sandbox };
  if (!gathered.evidence) {
    return gathered.match.verdict === 'different'
      ? { ...base, undecided: gathered.match.reason, missingEvidence: messages.getMessages('evidence.missingApp') }
      : base;
  }
  const app = appFacts(code, gathered, options.key);
  const undecided = gathered.match.verdict === 'same' ? undefined : describeOtherOrg(inputs.username, inputs.loginUrl);
  return { ...base, evidence: gathered.evidence, app, ...(undecided ? { undecided } : {}) };
}

/** The org-evidence step: only for answers that need it, only with --admin-org, only from the login's org. */
export async function evidenceStep(
  serverError: ServerError | undefined,
  code: CauseCode,
  inputs: JwtInputs,
  options: EvidenceStepOptions,
): Promise<EvidenceStep> {
  const forApp = NEEDS_APP_EVIDENCE.has(code);
  if (!serverError || !(NEEDS_EVIDENCE.has(code) || forApp)) {
    return { code, sandbox: {}, check: skip('org-evidence', messages.getMessage('skip.notNeeded')) };
  }
  if (!options.adminOrg) {
    return {
      code,
      sandbox: {},
      check: skip('org-evidence', messages.getMessage(forApp ? 'skip.noAdminOrgApp' : 'skip.noAdminOrg')),
      missingEvidence: messages.getMessages(forApp ? 'evidence.missingApp' : 'evidence.missing'),
    };
  }
  if (forApp) return appEvidenceStep(code, inputs, { ...options, adminOrg: options.adminOrg });
  const gathered = await gatherEvidence(options.adminOrg, inputs, options, async (conn) => ({
    evidence: await collectEvidence(conn, {
      username: inputs.username,
      clientId: inputs.clientId,
      appName: inputs.appName,
    }),
  }));
  const base = { code, check: gathered.check, sandbox: gathered.sandbox };
  if (gathered.evidence) {
    return { ...base, evidence: gathered.evidence, ...causeFromEvidence(serverError, code, gathered, inputs) };
  }
  if (gathered.match.verdict === 'different') {
    return { ...base, undecided: gathered.match.reason, missingEvidence: messages.getMessages('evidence.missing') };
  }
  return base;
}
