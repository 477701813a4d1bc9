/*
 * Table rows for the human output. Plain data in, plain rows out; column titles come from messages.
 */
import { Messages } from '@salesforce/core';
import type { OrgEvidence } from '../org/types.js';
import type { ViewLine } from '../utils/view.js';
import type { Attempt, Cause, Check, DiagnoseResult } from './types.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

export function checkRows(checks: Check[]): Array<Record<string, string>> {
  const [check, status, detail] = ['table.check', 'table.status', 'table.detail'].map((k) => messages.getMessage(k));
  return checks.map((c) => ({
    [check]: c.id,
    [status]: c.code ? `${c.status} (${c.code})` : c.status,
    [detail]: c.message,
  }));
}

export function describeAttempt(a: Attempt): string {
  switch (a.outcome) {
    case 'success':
      return messages.getMessage('attempt.success');
    case 'oauth-error':
      return `${a.status ?? ''} ${a.serverError?.error ?? ''}: ${a.serverError?.error_description ?? ''}`.trim();
    case 'skipped':
      return messages.getMessage('attempt.skipped', [a.message ?? '']);
    default:
      return a.message ?? a.outcome;
  }
}

/**
 * A row per attempt: where it went (the host, and the audience under it, so that two URLs never share a line)
 * and what came back.
 */
export function attemptRows(attempts: Attempt[]): Array<Record<string, string>> {
  const [request, result] = ['attempts.request', 'attempts.result'].map((k) => messages.getMessage(k));
  return attempts.map((a) => ({
    [request]: messages.getMessage('attempts.request.value', [
      a.host,
      a.kind === 'audience-probe' ? `${a.audience} ${messages.getMessage('attempt.probe')}` : a.audience,
    ]),
    [result]: describeAttempt(a),
  }));
}

export function evidenceRows(evidence: OrgEvidence): Array<Record<string, string>> {
  const field = messages.getMessage('evidence.field');
  const value = messages.getMessage('evidence.value');
  const none = messages.getMessage('evidence.none');
  const unknown = messages.getMessage('evidence.unknown');
  const rows: Array<[string, string]> = [];
  if (evidence.user !== undefined) {
    const u = evidence.user;
    rows.push([
      messages.getMessage('evidence.user'),
      u
        ? messages.getMessage('evidence.user.value', [
            u.username,
            u.isActive ? 'active' : 'inactive',
            u.isFrozen ? ', frozen' : '',
          ])
        : messages.getMessage('evidence.user.missing'),
    ]);
  }
  if (evidence.app !== undefined) {
    const app = evidence.app;
    rows.push([
      messages.getMessage('evidence.app'),
      app
        ? `${app.label ?? app.name} (${app.kind})`
        : app === null
          ? messages.getMessage('evidence.app.missing')
          : unknown,
    ]);
    if (app) {
      const policy =
        app.adminApprovedOnly === undefined
          ? unknown
          : messages.getMessage(app.adminApprovedOnly ? 'evidence.policy.admin' : 'evidence.policy.self');
      rows.push([messages.getMessage('evidence.policy'), policy]);
      rows.push([messages.getMessage('evidence.scopes'), app.scopes ? app.scopes.join(', ') || none : unknown]);
    }
  }
  if (evidence.grants) {
    const reaching = evidence.grants
      .filter((g) => g.assignedToUser)
      .map((g) => g.permissionSetName ?? g.permissionSetId);
    rows.push([messages.getMessage('evidence.grants'), reaching.length ? reaching.join(', ') : none]);
  }
  if (evidence.oauthTokens) {
    const tokens = evidence.oauthTokens.map((t) => `${t.appName} (${t.createdDate ?? '?'}, used ${t.useCount ?? 0}×)`);
    rows.push([messages.getMessage('evidence.approvals'), tokens.length ? tokens.join('; ') : none]);
  }
  for (const e of evidence.errors ?? []) rows.push([messages.getMessage('evidence.errors'), `${e.what}: ${e.message}`]);
  return rows.map(([f, v]) => ({ [field]: f, [value]: v }));
}

/** The answer of an attempt, to compare attempts by: the OAuth error and its description, or what happened. */
const answerOf = (a: Attempt): string =>
  a.outcome === 'oauth-error' ? `${a.serverError?.error ?? ''}: ${a.serverError?.error_description ?? ''}` : a.outcome;

const rejectsAudience = (a: Attempt): boolean => /audience is invalid/i.test(a.serverError?.error_description ?? '');

/**
 * Why a later attempt's answer says nothing about the cause, when it doesn't: it came from another host (a
 * fallback login server, another org), or it is the login URL rejecting a fallback audience.
 */
function besideThePoint(a: Attempt, first: Attempt): 'otherHost' | 'otherAudience' | undefined {
  if (a.outcome === 'success' || a.outcome === 'skipped') return undefined;
  if (a.host !== first.host) return 'otherHost';
  return rejectsAudience(a) && !rejectsAudience(first) ? 'otherAudience' : undefined;
}

/**
 * The attempts worth a reader's time after the first one (whose answer is shown with the cause): a token that
 * was issued, or another answer from the login URL that says something about this login (another audience it
 * accepts, with a different refusal). Skipped attempts (fallback hosts that could not be reached) fold into
 * one line; the answers of fallback hosts, and a fallback audience the login URL rejects, say nothing about the
 * cause and are left out (--verbose shows them, marked so).
 */
export function attemptsThatMatter(attempts: Attempt[]): Attempt[] {
  const [first, ...rest] = attempts;
  if (!first) return [];
  return rest.filter(
    (a) =>
      a.outcome === 'success' ||
      (a.outcome !== 'skipped' &&
        a.outcome !== 'network-error' &&
        besideThePoint(a, first) === undefined &&
        answerOf(a) !== answerOf(first)),
  );
}

/** Every attempt as a row; an answer that says nothing about the cause is marked so. */
function allAttemptRows(attempts: Attempt[]): Array<Record<string, string>> {
  const [first] = attempts;
  const rows = attemptRows(attempts);
  const result = messages.getMessage('attempts.result');
  return rows.map((row, i) => {
    const why = i > 0 && first ? besideThePoint(attempts[i], first) : undefined;
    return why ? { ...row, [result]: `${row[result]} ${messages.getMessage(`attempt.${why}`)}` } : row;
  });
}

/** The hosts of skipped attempts, in order, each once. */
const skippedHosts = (attempts: Attempt[]): string[] => [
  ...new Set(attempts.filter((a, i) => i > 0 && a.outcome === 'skipped').map((a) => a.host)),
];

const text = (line: string): ViewLine => ({ kind: 'text', text: line });

/** The answer Salesforce gave, and where: the first token request's host and audience. */
function answerLine(result: DiagnoseResult, serverError: NonNullable<Cause['serverError']>): string {
  const { error, error_description: description } = serverError;
  const answer = description ? `${error}: ${description}` : error;
  const first = result.attempts[0];
  return first
    ? messages.getMessage('cause.serverError.at', [answer, first.host, first.audience])
    : messages.getMessage('cause.serverError', [answer]);
}

/** The org's records, one "Field  value" line each, the values aligned. */
function evidenceLines(evidence: OrgEvidence): ViewLine[] {
  const rows = evidenceRows(evidence);
  if (rows.length === 0) return [];
  const [field, value] = ['evidence.field', 'evidence.value'].map((k) => messages.getMessage(k));
  const width = Math.max(...rows.map((row) => row[field].length));
  return [
    text(''),
    text(messages.getMessage('evidence.header')),
    ...rows.map((row) => text(`  ${row[field].padEnd(width)}  ${row[value]}`)),
  ];
}

/**
 * The verdict of a failing login: the cause, Salesforce's answer, the evidence, and the next steps; with
 * `verbose`, also the evidence that was not collected (the cause and its next steps say how to collect it).
 */
function causeLines(result: DiagnoseResult, cause: Cause, verbose: boolean): ViewLine[] {
  const lines: ViewLine[] = [text(messages.getMessage('verdict.fails', [result.username, cause.code, cause.message]))];
  if (cause.serverError) lines.push(text(answerLine(result, cause.serverError)));
  if (result.evidence) lines.push(...evidenceLines(result.evidence));
  if (verbose && result.missingEvidence?.length) {
    lines.push(text(''), text(messages.getMessage('evidence.missingHeader')));
    lines.push(...result.missingEvidence.map((line) => text(`  - ${line}`)));
  }
  if (cause.actions.length > 0) {
    lines.push(text(''), text(messages.getMessage('cause.actions')));
    lines.push(...cause.actions.map((action) => text(`  - ${action}`)));
  }
  if (result.approvalUrl && !cause.actions.some((a) => a.includes(result.approvalUrl as string))) {
    lines.push(text(''), text(messages.getMessage('approvalUrl', [result.approvalUrl])));
  }
  return lines;
}

/**
 * The checks and token requests after the verdict. Every one with `verbose`; otherwise only the checks that
 * failed or warned besides the one that carries the cause (its message, or the answer and where it came from,
 * is above), the requests that got another answer, one line for the fallback hosts not reached, and a word on
 * --verbose. Nothing for a healthy login: its warnings are shown with it.
 */
function detailLines(result: DiagnoseResult, verbose: boolean): ViewLine[] {
  const { cause } = result;
  if (verbose) {
    const lines: ViewLine[] = [
      text(''),
      { kind: 'table', title: messages.getMessage('table.title', [result.username]), data: checkRows(result.checks) },
    ];
    if (result.attempts.length > 0) {
      lines.push({
        kind: 'table',
        title: messages.getMessage('attempts.title'),
        data: allAttemptRows(result.attempts),
      });
    }
    return lines;
  }
  if (!cause) return [];
  const checks = result.checks.filter(
    (c) =>
      (c.status === 'fail' || c.status === 'warn') &&
      c.message !== cause.message &&
      !(c.id === 'token-exchange' && c.code === cause.code),
  );
  const attempts = attemptsThatMatter(result.attempts);
  const skipped = skippedHosts(result.attempts);
  const lines: ViewLine[] = [text('')];
  if (checks.length > 0) {
    lines.push({
      kind: 'table',
      title: messages.getMessage('table.title.failed', [result.username]),
      data: checkRows(checks),
    });
  }
  if (attempts.length > 0) {
    lines.push({ kind: 'table', title: messages.getMessage('attempts.title.more'), data: attemptRows(attempts) });
  }
  if (skipped.length > 0) lines.push(text(messages.getMessage('attempts.skipped', [skipped.join(', ')])));
  lines.push(text(messages.getMessage('verbose.hint')));
  return lines;
}

/**
 * A diagnosis as lines, the verdict first: a healthy login is one line. A failing one starts with the cause
 * (its code and message), then the evidence and the next steps, then only the checks that failed or warned and
 * the token requests that matter. `verbose` shows every check and every token request.
 */
export function diagnoseView(result: DiagnoseResult, opts: { verbose?: boolean } = {}): ViewLine[] {
  const verdict: ViewLine[] = result.cause
    ? causeLines(result, result.cause, opts.verbose ?? false)
    : [{ kind: 'success', text: messages.getMessage('ok', [result.username]) }];
  const warnings = (result.warnings ?? []).map((warning): ViewLine => ({ kind: 'warning', text: warning }));
  return [...verdict, ...warnings, ...detailLines(result, opts.verbose ?? false)];
}
