/*
 * The human output of `sf jwt diagnose --all`: how many logins work, a summary by cause code, each failing
 * login (username, code, one-line reason, next command), and the logins that work. Words come from messages;
 * commands are built by org/suggest.ts, which quotes every value.
 */
import { Messages } from '@salesforce/core';
import {
  ADMIN_ORG_NOTE,
  adminOrgPart,
  approveCommand,
  diagnoseCommand,
  hasAdminOrgPlaceholder,
  type SuggestedLogin,
} from '../org/suggest.js';
import type { ViewLine } from '../utils/view.js';
import type { CauseCode, DiagnoseResult } from './types.js';
import type { DiagnoseAllResult } from './fleet.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');

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

/**
 * The command that takes a failing login forward: its fix where the cause names one, else its full diagnosis
 * (through the admin org, when one was named or when only org records can tell the cause). Every login of
 * --all is stored in the CLI, so its username is all a command needs to find it again.
 */
export function nextCommand(org: DiagnoseResult, adminOrg?: string): string {
  const login: SuggestedLogin = {
    username: org.username,
    clientId: org.clientId,
    loginUrl: org.loginUrl,
    source: org.source ?? { clientId: 'stored-auth', jwtKeyFile: 'stored-auth', loginUrl: 'stored-auth' },
  };
  const admin = adminOrgPart(adminOrg);
  switch (org.cause?.code) {
    case 'USER_NOT_PREAUTHORIZED':
    case 'NOT_ADMIN_APPROVED':
      return approveCommand(login, admin);
    case 'APPROVAL_NOT_PROPAGATED':
      return approveCommand(login, ['--wait', '10m']);
    case 'USER_NOT_APPROVED':
      // Without an admin org the same answer has other causes too: read the org's records first.
      return adminOrg ? approveCommand(login) : diagnoseCommand(login, admin);
    case 'USER_INACTIVE':
      return diagnoseCommand(login, admin);
    default:
      return adminOrg ? diagnoseCommand(login, admin) : diagnoseCommand(login);
  }
}

/** A failing login in the human output: who, the cause, its first sentence, and the command to run next. */
export type FailingLogin = { username: string; code: CauseCode; reason: string; next: string };

export type FleetView = {
  /** One row per cause code, the most frequent first. */
  causes: Array<Record<string, string>>;
  failing: FailingLogin[];
  working: Array<Record<string, string>>;
};

export function fleetView(orgs: DiagnoseResult[], adminOrg?: string): FleetView {
  const [username, cause, count, loginUrl] = [
    'all.username',
    'all.causes.code',
    'all.causes.count',
    'all.loginUrl',
  ].map((key) => messages.getMessage(key));
  const counts = new Map<CauseCode, number>();
  for (const org of orgs) if (org.cause) counts.set(org.cause.code, (counts.get(org.cause.code) ?? 0) + 1);
  return {
    causes: [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([code, n]) => ({ [cause]: code, [count]: String(n) })),
    failing: orgs.flatMap((org) =>
      org.cause
        ? [
            {
              username: org.username,
              code: org.cause.code,
              reason: oneLineReason(org.cause.message),
              next: nextCommand(org, adminOrg),
            },
          ]
        : [],
    ),
    working: orgs
      .filter((org) => !org.cause)
      .map((org) => ({ [username]: org.username, [loginUrl]: org.loginUrl ?? '' })),
  };
}

/**
 * Many logins, the verdict first: one line that says how many work; then the causes, most frequent first, and
 * each failing login with its cause and the command to run next; with --verbose, the logins that work.
 */
export function fleetLines(all: DiagnoseAllResult, opts: { verbose?: boolean; adminOrg?: string }): ViewLine[] {
  if (all.orgs.length === 0) return [{ kind: 'text', text: messages.getMessage('all.none') }];
  const text = (line: string): ViewLine => ({ kind: 'text', text: line });
  const view = fleetView(all.orgs, opts.adminOrg);
  const counts = [String(all.summary.ok), String(all.summary.total)];
  const listed = opts.verbose === true || view.working.length === 0;
  const lines: ViewLine[] = [text(messages.getMessage(listed ? 'all.summary' : 'all.summary.hint', counts))];
  if (view.failing.length > 0) {
    lines.push(text(''), { kind: 'table', title: messages.getMessage('all.causes.title'), data: view.causes });
    lines.push(text(messages.getMessage('all.failing.title')));
    for (const login of view.failing) {
      lines.push(text(`  - ${messages.getMessage('all.failing.item', [login.username, login.code, login.reason])}`));
      lines.push(text(`    ${login.next}`));
    }
    if (view.failing.some((login) => hasAdminOrgPlaceholder(login.next))) lines.push(text(''), text(ADMIN_ORG_NOTE));
  }
  if (opts.verbose && view.working.length > 0) {
    lines.push(text(''), { kind: 'table', title: messages.getMessage('all.working.title'), data: view.working });
  }
  return lines;
}
