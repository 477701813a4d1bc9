/*
 * The human view of an `sf jwt setup` result, as plain lines for the command to print: a table of the steps
 * (the failing one last), then the verified login with the `sf org login jwt` line for CI and where to keep
 * the key, or why the setup stopped and what to do. Every word comes from messages/jwt.setup.md.
 */
import { Messages } from '@salesforce/core';
import type { ViewLine } from '../utils/view.js';
import type { JwtSetupResult } from './result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

const m = (key: string, tokens: string[] = []): string => messages.getMessage(key, tokens);
const text = (line: string): ViewLine => ({ kind: 'text', text: line });

function stepTable(result: JwtSetupResult): ViewLine {
  const row = (step: string, action: string, details: string): Record<string, string> => ({
    [m('table.step')]: step,
    [m('table.action')]: action,
    [m('table.details')]: details,
  });
  const rows = result.steps.map((step) => row(step.id, step.action, step.message));
  if (result.error) rows.push(row(result.error.step, m('table.failed'), m('table.seeBelow')));
  return { kind: 'table', data: rows, overflow: 'wrap' };
}

function nextSteps(actions: string[]): ViewLine[] {
  if (actions.length === 0) return [];
  return [text(''), text(m('header.actions')), ...[...new Set(actions)].map((action) => text(`  - ${action}`))];
}

/** The result as lines. */
export function setupView(result: JwtSetupResult): ViewLine[] {
  const lines: ViewLine[] = [
    { kind: 'header', text: m(result.dryRun ? 'header.dryRun' : 'header', [result.appName, result.adminOrg]) },
    stepTable(result),
  ];
  if (result.error) {
    lines.push({ kind: 'stderr', text: m('failed', [result.error.step, result.error.message]) });
    return [...lines, ...nextSteps(result.error.actions)];
  }
  if (result.dryRun) {
    lines.push(text(m('dryRun.done')));
    if (result.loginCommand) lines.push(text(''), text(m('loginCommand.after')), text(`  ${result.loginCommand}`));
    return lines;
  }
  const verification = result.verification;
  if (verification?.ok) {
    lines.push({
      kind: 'success',
      text:
        verification.tries > 1
          ? m('verified.after', [result.username, String(verification.tries), String(verification.seconds)])
          : m('verified', [result.username, String(verification.seconds)]),
    });
  }
  const stored = result.steps.some((step) => step.id === 'store');
  lines.push(text(m(stored ? 'stored' : 'notStored', [result.username])));
  if (result.loginCommand) lines.push(text(''), text(m('loginCommand')), text(`  ${result.loginCommand}`));
  lines.push(text(''), text(m('keepKey', [result.keyFile, result.certFile])));
  return lines;
}
