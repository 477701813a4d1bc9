/*
 * The human view of an approval status report (status.ts): titled tables, a verdict line and warnings.
 * Shared by `sf jwt status` and `sf jwt approve --admin-org` (which shows the user record after the grant).
 * Plain data in, plain rows out; every word comes from messages/jwt.status.md.
 */
import { Messages } from '@salesforce/core';
import { adminOrgPart, approveCommand, type SuggestedLogin } from '../org/suggest.js';
import type { ViewLine } from '../utils/view.js';
import type { ApprovalStatusReport } from './status.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.status');

export type StatusTable = { title: string; data: Array<Record<string, string>> };
export type StatusView = {
  tables: StatusTable[];
  /** Lines shown after the tables (empty lists, a missing user or app). */
  notes: string[];
  /** One line: whether the record shows what a JWT login needs. */
  verdict?: string;
  /** Queries that failed, in words. */
  warnings: string[];
  /** One line that sums the report up (the verdict, or why there is none), for --json. */
  message: string;
};

const m = (key: string, tokens: string[] = []): string => messages.getMessage(key, tokens);
const yesNo = (v: boolean | undefined): string => (v === undefined ? m('unknown') : v ? m('yes') : m('no'));

function keyValue(title: string, pairs: Array<[string, string]>): StatusTable {
  const field = m('field');
  const value = m('value');
  return { title, data: pairs.map(([f, v]) => ({ [field]: f, [value]: v })) };
}

function userTable(user: NonNullable<ApprovalStatusReport['user']>): StatusTable {
  return keyValue(m('header.user'), [
    [m('row.username'), user.username],
    [m('row.userId'), user.id],
    [m('row.active'), yesNo(user.isActive)],
    [m('row.frozen'), yesNo(user.isFrozen)],
    [m('row.profile'), user.profileName ?? user.profileId ?? m('unknown')],
  ]);
}

function appTable(report: ApprovalStatusReport, app: NonNullable<ApprovalStatusReport['app']>): StatusTable {
  return keyValue(m('header.app'), [
    [m('row.app'), app.label && app.label !== app.name ? `${app.label} (${app.name})` : app.name],
    [m('row.kind'), app.kind],
    [m('row.policy'), m(`policy.${report.policy ?? 'unknown'}`)],
    [m('row.scopes'), app.scopes ? app.scopes.join(', ') || m('none') : m('unknown')],
    [m('row.refreshScope'), yesNo(report.refreshScope)],
  ]);
}

function tokensTable(
  report: ApprovalStatusReport,
  tokens: NonNullable<ApprovalStatusReport['oauthTokens']>,
): StatusTable {
  const withApp = report.app !== undefined && report.app !== null;
  return {
    title: m('header.approvals', [report.username]),
    data: tokens.map((t) => ({
      [m('col.app')]: t.appName,
      [m('col.created')]: t.createdDate ?? m('unknown'),
      [m('col.lastUsed')]: t.lastUsedDate ?? m('never'),
      [m('col.useCount')]: String(t.useCount ?? 0),
      ...(withApp ? { [m('col.forApp')]: yesNo(t.forApp) } : {}),
    })),
  };
}

function grantsTable(appLabel: string, grants: NonNullable<ApprovalStatusReport['grants']>): StatusTable {
  return {
    title: m('header.grants', [appLabel]),
    data: grants.map((g) => ({
      [m('col.permissionSet')]: g.permissionSetName ?? g.permissionSetId,
      [m('col.ownedByProfile')]: yesNo(g.isOwnedByProfile ?? false),
      [m('col.via')]: m(`via.${g.via}`),
    })),
  };
}

/**
 * The report as tables. `appArg` is how the app was named on the command line (for words when it is missing);
 * `login` is the JWT login as given, for the commands a verdict suggests (default: the username and the app).
 */
export function statusView(
  report: ApprovalStatusReport,
  appArg: string | undefined,
  adminOrg: string,
  login?: SuggestedLogin,
): StatusView {
  const view: StatusView = {
    tables: [],
    notes: [],
    warnings: (report.errors ?? []).map((e) => m('warning.readError', [e.what, e.message])),
    message: '',
  };
  const { user, app } = report;
  const appLabel = app ? (app.label ?? app.name) : (appArg ?? '');
  if (user === null || user === undefined) {
    view.notes.push(m(user === null ? 'user.missing' : 'user.unknown', [report.username, adminOrg]));
  } else view.tables.push(userTable(user));
  if (app === null) view.notes.push(m('app.missing', [appArg ?? '']));
  if (app === undefined && report.policy !== undefined) view.notes.push(m('app.unknown', [appArg ?? '', adminOrg]));
  if (app) view.tables.push(appTable(report, app));
  addListings(view, report, appLabel, adminOrg);
  if (app && user)
    view.verdict = verdict(report, appLabel, adminOrg, login ?? { username: report.username, appName: app.name });
  view.message = view.verdict ?? (view.notes.length ? view.notes.join(' ') : m('summary.listed', [report.username]));
  return view;
}

/** The approvals and the grants: a table each, or a note when the list is empty. */
function addListings(view: StatusView, report: ApprovalStatusReport, appLabel: string, adminOrg: string): void {
  if (report.user && report.oauthTokens === undefined && report.errors?.some((e) => e.what === 'OauthToken')) {
    view.notes.push(m('approvals.unknown', [report.username, adminOrg]));
  } else if (report.oauthTokens?.length === 0) {
    // For an admin-approved app the grant is what a JWT login uses: no approval is missing.
    view.notes.push(
      report.policy === 'admin-approved'
        ? m('noApprovals.adminApproved', [report.username, appLabel])
        : m('noApprovals', [report.username]),
    );
  } else if (report.oauthTokens) view.tables.push(tokensTable(report, report.oauthTokens));
  if (!report.app) return;
  if (report.grants?.length === 0) view.notes.push(m('noGrants', [appLabel]));
  else if (report.grants) view.tables.push(grantsTable(appLabel, report.grants));
}

function verdict(report: ApprovalStatusReport, appLabel: string, adminOrg: string, login: SuggestedLogin): string {
  if (report.refreshScope === false) return m('verdict.noRefreshScope', [appLabel]);
  if (report.approved === true) return m('verdict.approved', [report.username, appLabel]);
  if (report.approved === false && report.policy === 'admin-approved') {
    return m('verdict.notApproved.admin', [appLabel, report.username, approveCommand(login, adminOrgPart(adminOrg))]);
  }
  if (report.approved === false)
    return m('verdict.notApproved.self', [report.username, appLabel, approveCommand(login)]);
  const unread = [...new Set((report.errors ?? []).map((e) => e.what))];
  return unread.length ? m('verdict.unknown.unread', [unread.join(', '), adminOrg]) : m('verdict.unknown');
}

/**
 * The status view as lines: the tables, the notes, the verdict (under `verdictHeader` when given) and the
 * warnings. `sf jwt status` shows it on its own; `sf jwt approve --admin-org` inside its own sections.
 */
export function statusLines(view: StatusView, verdictHeader?: string): ViewLine[] {
  const lines: ViewLine[] = view.tables.map((table) => ({ kind: 'table', title: table.title, data: table.data }));
  for (const note of view.notes) lines.push({ kind: 'text', text: note });
  if (view.verdict) {
    if (verdictHeader) lines.push({ kind: 'header', text: verdictHeader });
    lines.push({ kind: 'text', text: view.verdict });
  }
  for (const warning of view.warnings) lines.push({ kind: 'warning', text: warning });
  return lines;
}
