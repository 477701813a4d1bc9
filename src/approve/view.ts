/*
 * The human view of an `sf jwt approve` result, as plain lines for the command to print: headers, text,
 * tables, the verification and the next steps. Every word comes from messages/jwt.approve.md (and, for the
 * user record, status/view.ts).
 */
import { Messages } from '@salesforce/core';
import { diagnoseCommand, type SuggestedLogin } from '../org/suggest.js';
import type { ViewLine } from '../utils/view.js';
import { statusLines, statusView } from '../status/view.js';
import type { JwtApproveAdminResult, JwtApproveBrowserResult, JwtApproveResult } from './result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');

const m = (key: string, tokens: string[] = []): string => messages.getMessage(key, tokens);

/**
 * The result as lines, browser or admin mode. `given` is the login as given on the command line, for the
 * commands the view suggests.
 */
export function approveView(result: JwtApproveResult, given: Omit<SuggestedLogin, 'username'> = {}): ViewLine[] {
  const login: SuggestedLogin = { ...given, username: result.username };
  return result.mode === 'browser' ? browserView(result, login) : adminView(result, login);
}

function browserView(result: JwtApproveBrowserResult, login: SuggestedLogin): ViewLine[] {
  const lines: ViewLine[] = [{ kind: 'header', text: m('header.approval') }];
  lines.push({ kind: 'text', text: result.approval.message });
  if (result.approval.status === 'refused') return [...lines, ...nextSteps([...result.approval.actions])];
  const actions = [...result.approval.actions];
  // Nothing was waited for: the next steps are how to finish and confirm, even though nothing failed.
  const unobserved =
    (result.approval.status === 'not-observed' || result.approval.status === 'not-received') && !result.verification;
  lines.push(...verificationView(result, actions, unobserved, login));
  return [...lines, ...(result.ok && !unobserved ? [] : nextSteps(actions))];
}

function adminView(result: JwtApproveAdminResult, login: SuggestedLogin): ViewLine[] {
  const lines: ViewLine[] = [{ kind: 'header', text: m('header.admin', [result.adminOrg]) }];
  if (result.app) {
    lines.push({
      kind: 'text',
      text: m('admin.app', [result.app.label ?? result.app.name, m(`policy.${result.app.policy}`)]),
    });
    if (result.app.callbackUrls?.length) {
      lines.push({ kind: 'text', text: m('admin.callbackUrls', [result.app.callbackUrls.join(', ')]) });
    } else if (result.selfAuthorize && !result.app.callbackUrls) {
      lines.push({ kind: 'text', text: m('admin.callbackUrls.unknown') });
    }
  }
  if (result.steps.length > 0) {
    lines.push({
      kind: 'table',
      data: result.steps.map((step) => ({
        [m('table.record')]: step.sobject,
        [m('table.name')]: step.name,
        [m('table.action')]: m(`action.${step.action}`),
        [m('table.id')]: step.id ?? '',
      })),
    });
  }
  lines.push({ kind: result.error ? 'stderr' : 'text', text: result.message });
  const actions = [...result.actions];
  if (result.dryRun) return [...lines, ...(result.ok ? [] : nextSteps(actions))];
  if (result.userRecord) {
    lines.push({ kind: 'header', text: m('header.userRecord', [result.username]) });
    const app = login.clientId ? login : { ...login, appName: result.app?.name };
    lines.push(...statusLines(statusView(result.userRecord, result.app?.name, result.adminOrg, app)));
  }
  lines.push(...verificationView(result, actions, false, login));
  return [...lines, ...(result.ok ? [] : nextSteps(actions))];
}

/** The JWT login section; a failing login adds its cause's actions to `actions`. */
function verificationView(
  result: JwtApproveResult,
  actions: string[],
  unobserved: boolean,
  login: SuggestedLogin,
): ViewLine[] {
  const { verification } = result;
  if (!verification) {
    // No login was tried: say how to try it (not after a refusal or an admin error, where it is beside the point).
    if (unobserved || (result.mode === 'admin' && result.error)) return [];
    return [{ kind: 'text', text: m('verification.skipped', [result.username, diagnoseCommand(login)]) }];
  }
  const lines: ViewLine[] = [
    { kind: 'header', text: m('header.verification') },
    { kind: verification.ok ? 'success' : 'text', text: verification.message },
  ];
  if (verification.tries > 1) {
    lines.push({
      kind: 'text',
      text: m('verification.tries', [String(verification.tries), String(verification.elapsedSeconds)]),
    });
  }
  if (!verification.ok) actions.push(...(verification.cause?.actions ?? []));
  return lines;
}

function nextSteps(actions: string[]): ViewLine[] {
  if (actions.length === 0) return [];
  return [
    { kind: 'text', text: '' },
    { kind: 'text', text: m('header.actions') },
    ...[...new Set(actions)].map((action): ViewLine => ({ kind: 'text', text: `  - ${action}` })),
  ];
}
