import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { DEFAULT_REDIRECT_URI, DEFAULT_SCOPE } from '../../org/authorizeUrl.js';
import { runApprove } from '../../approve/approve.js';
import { isContainerMode } from '../../approve/browser.js';
import type { ApproveUi, JwtApproveResult } from '../../approve/result.js';
import { approveView } from '../../approve/view.js';
import { BROWSERS } from '../../utils/browser.js';
import {
  adminOrgFlagOf,
  durationFlag,
  exitCodesHelp,
  identityFlags,
  loginOnlyFlags,
  timeoutFlag,
  undrawn,
} from '../../cli/flags.js';

export type {
  ApprovalStatus,
  BrowserApproval,
  JwtApproveAdminResult,
  JwtApproveBrowserResult,
  JwtApproveResult,
} from '../../approve/result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.approve');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

export default class JwtApprove extends JwtCommand<JwtApproveResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  public static readonly flags = {
    // The key is optional here: without it the approval still happens; only the JWT verification is skipped.
    ...identityFlags,
    // Not Flags.url(): URL.href would add a trailing slash, and Salesforce compares the redirect URI exactly.
    'redirect-uri': Flags.string({
      summary: messages.getMessage('flags.redirect-uri.summary'),
      description: messages.getMessage('flags.redirect-uri.description'),
      default: DEFAULT_REDIRECT_URI,
    }),
    browser: Flags.option({ options: BROWSERS, summary: messages.getMessage('flags.browser.summary') })(),
    'url-only': Flags.boolean({
      summary: messages.getMessage('flags.url-only.summary'),
      description: messages.getMessage('flags.url-only.description'),
      exclusive: ['browser'],
    }),
    scope: Flags.string({ summary: messages.getMessage('flags.scope.summary'), default: DEFAULT_SCOPE }),
    wait: durationFlag({
      summary: messages.getMessage('flags.wait.summary'),
      description: messages.getMessage('flags.wait.description'),
    }),
    'approval-timeout': durationFlag({ summary: messages.getMessage('flags.approval-timeout.summary') }),
    timeout: timeoutFlag,
    'admin-org': adminOrgFlagOf(messages),
    'app-name': Flags.string({ summary: shared.getMessage('flags.app-name.summary') }),
    // No flag default: dependsOn would always see a value. The default (JWT_Access) is applied in src/approve/approve.ts.
    'permission-set': Flags.string({
      summary: messages.getMessage('flags.permission-set.summary'),
      description: messages.getMessage('flags.permission-set.description'),
      ...undrawn('all', ['admin-org']),
    }),
    'dry-run': Flags.boolean({
      summary: messages.getMessage('flags.dry-run.summary'),
      ...undrawn('all', ['admin-org']),
    }),
    ...loginOnlyFlags,
  };

  public async run(): Promise<JwtApproveResult> {
    const { flags } = await this.parse(JwtApprove);
    const result = await runApprove(flags, this.approveUi(), { containerMode: isContainerMode() });
    this.show(
      approveView(result, {
        clientId: flags['client-id'],
        jwtKeyFile: flags['jwt-key-file'],
        loginUrl: flags['instance-url'],
        appName: flags['app-name'],
      }),
    );
    if (!result.ok) process.exitCode = 1;
    return result;
  }

  /**
   * Progress while the command runs. With --json, stdout carries only the final JSON: while the command
   * waits, the URL goes to stderr at once (a script can open it); otherwise it is in the result.
   */
  private approveUi(): ApproveUi {
    return {
      url: (line, waiting): void => {
        if (!this.jsonEnabled()) this.log(line);
        else if (waiting) process.stderr.write(`${line}\n`);
      },
      info: (text) => this.info(text),
      warn: (text) => this.warn(text),
      spinner: this.spinnerForWork(),
    };
  }
}
