/*
 * Table rows for the human output. Plain data in, plain rows out; column titles come from messages.
 */
import { Messages } from '@salesforce/core';
import type { OrgEvidence } from '../org/types.js';
import type { ViewLine } from '../utils/view.js';
import type { Attempt, Check, DiagnoseResult } from './types.js';

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

export function attemptRows(attempts: Attempt[]): Array<Record<string, string>> {
  const [host, audience, result] = ['attempts.host', 'attempts.audience', 'attempts.result'].map((k) =>
    messages.getMessage(k),
  );
  return attempts.map((a) => ({
    [host]: a.host,
    [audience]: a.kind === 'audience-probe' ? `${a.audience} ${messages.getMessage('attempt.probe')}` : a.audience,
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

/** A diagnosis as lines: the checks, the attempts, warnings, then the verdict with its evidence and next steps. */
export function diagnoseView(result: DiagnoseResult): ViewLine[] {
  const lines: ViewLine[] = [];
  const text = (line: string): void => {
    lines.push({ kind: 'text', text: line });
  };
  lines.push({
    kind: 'table',
    title: messages.getMessage('table.title', [result.username]),
    data: checkRows(result.checks),
    overflow: 'wrap',
  });
  if (result.attempts.length > 0) {
    lines.push({
      kind: 'table',
      title: messages.getMessage('attempts.title'),
      data: attemptRows(result.attempts),
      overflow: 'wrap',
    });
  }
  for (const warning of result.warnings ?? []) lines.push({ kind: 'warning', text: warning });
  if (!result.cause) {
    lines.push({ kind: 'success', text: messages.getMessage('ok', [result.username]) });
    return lines;
  }
  lines.push({ kind: 'header', text: messages.getMessage('cause.header', [result.cause.code]) });
  text(result.cause.message);
  if (result.cause.serverError) {
    const { error, error_description: description } = result.cause.serverError;
    text(messages.getMessage('cause.serverError', [description ? `${error}: ${description}` : error]));
  }
  if (result.evidence) {
    const rows = evidenceRows(result.evidence);
    if (rows.length > 0) {
      lines.push({ kind: 'table', title: messages.getMessage('evidence.header'), data: rows, overflow: 'wrap' });
    }
  }
  if (result.missingEvidence?.length) {
    text('');
    text(messages.getMessage('evidence.missingHeader'));
    for (const line of result.missingEvidence) text(`  - ${line}`);
  }
  if (result.cause.actions.length > 0) {
    text('');
    text(messages.getMessage('cause.actions'));
    for (const action of result.cause.actions) text(`  - ${action}`);
  }
  if (result.approvalUrl && !result.cause.actions.some((a) => a.includes(result.approvalUrl as string))) {
    text('');
    text(messages.getMessage('approvalUrl', [result.approvalUrl]));
  }
  return lines;
}
