/*
 * The org-evidence step of a diagnosis: only for the answers that need it, only with --admin-org, and only
 * from the login's own org. Records that could not be read, and a user missing from an org that may be
 * another org, decide nothing: the cause is then the default without evidence, with what is unknown in words.
 */
import { Messages, type Connection } from '@salesforce/core';
import { adminOrgFacts, afterUserLookup, compareOrgs, type OrgMatch } from '../org/orgMatch.js';
import { collectEvidence } from '../org/evidence.js';
import { connectAdminOrg } from '../org/adminOrg.js';
import { sandboxSuffixFromAdmin } from '../org/sandbox.js';
import type { JwtInputs } from '../org/inputs.js';
import type { OrgEvidence } from '../org/types.js';
import { withDeadline } from '../utils/deadline.js';
import type { CauseCode, Check, ServerError } from './types.js';
import { classifyServerError, decideApproval, describeOtherOrg, describeUndecided } from './classify.js';
import { skip } from './localChecks.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** What the evidence step needs of the diagnosis options. */
export type EvidenceStepOptions = {
  timeoutMs: number;
  adminOrg?: string;
  /** The admin org's connection, opened at most once and shared by the logins of `--all`. */
  adminConnection?: () => Promise<Connection>;
};

/** Causes that only org-side records can tell apart. */
const NEEDS_EVIDENCE: ReadonlySet<CauseCode> = new Set(['USER_NOT_APPROVED', 'USER_INACTIVE', 'NOT_ADMIN_APPROVED']);

/** Evidence takes up to three round trips (org/evidence.ts), each within --timeout. */
const EVIDENCE_ROUNDS = 3;

type Gathered = {
  evidence?: OrgEvidence;
  check: Check;
  sandbox: { isSandbox?: boolean; sandboxName?: string };
  /** Whether the admin org is the login's org (after the user lookup, when there was one). */
  match: OrgMatch;
};

async function gatherEvidence(adminOrg: string, inputs: JwtInputs, options: EvidenceStepOptions): Promise<Gathered> {
  const { timeoutMs } = options;
  const conn = await (options.adminConnection?.() ?? connectAdminOrg(adminOrg));
  const before = compareOrgs(adminOrgFacts(adminOrg, conn), {
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
    const evidence = await withDeadline(
      collectEvidence(conn, { username: inputs.username, clientId: inputs.clientId, appName: inputs.appName }),
      timeoutMs * EVIDENCE_ROUNDS,
      () =>
        new Error(messages.getMessage('evidence.timeout', [String(Math.round((timeoutMs * EVIDENCE_ROUNDS) / 1000))])),
    );
    const match = afterUserLookup(before, evidence.user ? true : undefined);
    const failures = evidence.errors ?? [];
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
      check = { id: 'org-evidence', status: 'pass', message: messages.getMessage('evidence.collected', [adminOrg]) };
    }
    return { evidence, sandbox, match, check };
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
};

/** The org-evidence step: only for answers that need it, only with --admin-org, only from the login's org. */
export async function evidenceStep(
  serverError: ServerError | undefined,
  code: CauseCode,
  inputs: JwtInputs,
  options: EvidenceStepOptions,
): Promise<EvidenceStep> {
  if (!serverError || !NEEDS_EVIDENCE.has(code)) {
    return { code, sandbox: {}, check: skip('org-evidence', messages.getMessage('skip.notNeeded')) };
  }
  if (!options.adminOrg) {
    return {
      code,
      sandbox: {},
      check: skip('org-evidence', messages.getMessage('skip.noAdminOrg')),
      missingEvidence: messages.getMessages('evidence.missing'),
    };
  }
  const gathered = await gatherEvidence(options.adminOrg, inputs, options);
  const base = { code, check: gathered.check, sandbox: gathered.sandbox };
  if (gathered.evidence) {
    return { ...base, evidence: gathered.evidence, ...causeFromEvidence(serverError, code, gathered, inputs) };
  }
  if (gathered.match.verdict === 'different') {
    return { ...base, undecided: gathered.match.reason, missingEvidence: messages.getMessages('evidence.missing') };
  }
  return base;
}
