/*
 * The human output of `sf jwt diagnose --all`, as plain rows: a summary by cause code, one row per failing
 * login (username, code, one-line reason, next command), and the logins that work. Column titles come from
 * messages; commands are built with shell.ts, which quotes every value.
 */
import { Messages } from '@salesforce/core';
import { commandLine, placeholder, type CommandPart } from '../utils/shell.js';
import type { ViewLine } from '../utils/view.js';
import type { CauseCode, DiagnoseResult } from './types.js';
import type { DiagnoseAllResult } from './fleet.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');
const causes = Messages.loadMessages('plugin-jwt', 'jwt.causes');

/** The longest reason shown in a row; the full message is one `sf jwt diagnose -o <user>` away. */
const REASON_MAX = 120;

/** The first sentence of a message, on one line, cut to REASON_MAX characters. */
export function oneLineReason(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?[.!?])(?= [A-Z("]|$)/.exec(flat)?.[1] ?? flat;
  if (sentence.length <= REASON_MAX) return sentence;
  const cut = sentence.slice(0, REASON_MAX - 1);
  const atWord = cut.lastIndexOf(' ');
  return `${atWord > REASON_MAX / 2 ? cut.slice(0, atWord) : cut}…`;
}

/** The command that takes a failing login forward: its fix where the cause names one, else its full diagnosis. */
export function nextCommand(org: DiagnoseResult, adminOrg?: string): string {
  const user: CommandPart = ['-o', org.username];
  const admin: CommandPart = ['--admin-org', adminOrg ?? placeholder(causes.getMessage('placeholder.adminOrg'))];
  switch (org.cause?.code) {
    case 'USER_NOT_PREAUTHORIZED':
    case 'NOT_ADMIN_APPROVED':
      return commandLine('sf jwt approve', user, admin);
    case 'APPROVAL_NOT_PROPAGATED':
      return commandLine('sf jwt approve', user, ['--wait', '10m']);
    case 'USER_NOT_APPROVED':
      // Without an admin org the same answer has other causes too: read the org's records first.
      return adminOrg ? commandLine('sf jwt approve', user) : commandLine('sf jwt diagnose', user, admin);
    case 'USER_INACTIVE':
      return adminOrg ? commandLine('sf jwt diagnose', user) : commandLine('sf jwt diagnose', user, admin);
    default:
      return commandLine('sf jwt diagnose', user);
  }
}

export type FleetView = {
  /** One row per cause code, the most frequent first. */
  causes: Array<Record<string, string>>;
  failing: Array<Record<string, string>>;
  working: Array<Record<string, string>>;
};

export function fleetView(orgs: DiagnoseResult[], adminOrg?: string): FleetView {
  const [username, cause, count, reason, next, loginUrl] = [
    'all.username',
    'all.causes.code',
    'all.causes.count',
    'all.failing.reason',
    'all.failing.next',
    'all.loginUrl',
  ].map((key) => messages.getMessage(key));
  const counts = new Map<CauseCode, number>();
  for (const org of orgs) if (org.cause) counts.set(org.cause.code, (counts.get(org.cause.code) ?? 0) + 1);
  return {
    causes: [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([code, n]) => ({ [cause]: code, [count]: String(n) })),
    failing: orgs
      .filter((org) => org.cause)
      .map((org) => ({
        [username]: org.username,
        [cause]: org.cause?.code ?? '',
        [reason]: oneLineReason(org.cause?.message ?? ''),
        [next]: nextCommand(org, adminOrg),
      })),
    working: orgs
      .filter((org) => !org.cause)
      .map((org) => ({ [username]: org.username, [loginUrl]: org.loginUrl ?? '' })),
  };
}

/** Many logins: the causes first, then one row per failing login, then the count (or list) of the working ones. */
export function fleetLines(all: DiagnoseAllResult, opts: { verbose?: boolean; adminOrg?: string }): ViewLine[] {
  if (all.orgs.length === 0) return [{ kind: 'text', text: messages.getMessage('all.none') }];
  const lines: ViewLine[] = [];
  const view = fleetView(all.orgs, opts.adminOrg);
  if (view.causes.length > 0) {
    lines.push({ kind: 'table', title: messages.getMessage('all.causes.title'), data: view.causes });
    lines.push({ kind: 'table', title: messages.getMessage('all.failing.title'), data: view.failing });
  }
  if (opts.verbose && view.working.length > 0) {
    lines.push({ kind: 'table', title: messages.getMessage('all.working.title'), data: view.working });
  } else if (view.working.length > 0) {
    lines.push({ kind: 'text', text: messages.getMessage('all.working.hint', [String(view.working.length)]) });
  }
  lines.push({
    kind: 'text',
    text: messages.getMessage('all.summary', [String(all.summary.ok), String(all.summary.total)]),
  });
  return lines;
}
