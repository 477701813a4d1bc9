import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { connectAdminOrg, timeoutFlagMs } from '../../org/adminOrg.js';
import { withDeadline } from '../../utils/deadline.js';
import { adminOrgFlagOf, exitCodesHelp, timeoutFlag, usernameFlag } from '../../cli/flags.js';
import { readStoredAuth, resolveUsername } from '../../org/inputs.js';
import { refuseOtherOrg } from '../../org/orgMatch.js';
import { orgDisplayCommand, type SuggestedLogin } from '../../org/suggest.js';
import { approvalStatus, statusIsFault, type ApprovalStatusReport } from '../../status/status.js';
import { statusLines, statusView } from '../../status/view.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.status');

/** Reading the user record takes a few round trips (status/status.ts), each within --timeout. */
const STATUS_ROUNDS = 4;

/** The approval state on the user record (status.ts), plus the admin org it was read through. */
export type JwtStatusResult = ApprovalStatusReport & {
  adminOrg: string;
  /** One line that sums it up: the verdict, or why there is none (a missing user or app, records not read). */
  message: string;
};

export default class JwtStatus extends JwtCommand<JwtStatusResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  public static readonly flags = {
    // Required; a missing one gets words that say why it is needed (requiredFlagError), still exit code 2.
    'admin-org': adminOrgFlagOf(messages, { required: true }),
    username: usernameFlag(undefined, true),
    'client-id': Flags.string({
      char: 'i',
      summary: messages.getMessage('flags.client-id.summary'),
      exclusive: ['app-name'],
    }),
    'app-name': Flags.string({ summary: messages.getMessage('flags.app-name.summary'), exclusive: ['client-id'] }),
    timeout: timeoutFlag,
  };

  /** A required flag left out: why it is needed, and how to give it. */
  protected readonly requiredFlagErrors = {
    'admin-org': (): Error => messages.createError('error.MissingAdminOrg', [], [], 2),
    username: (): Error => messages.createError('error.MissingUsername', [], [], 2),
  };

  public async run(): Promise<JwtStatusResult> {
    const { flags } = await this.parse(JwtStatus);
    const adminOrg = flags['admin-org'];
    if (!adminOrg) throw messages.createError('error.MissingAdminOrg', [], [], 2);
    if (!flags.username) throw messages.createError('error.MissingUsername', [], [], 2);

    const timeoutMs = timeoutFlagMs(flags.timeout);
    const username = await resolveUsername(flags.username);
    const conn = await connectAdminOrg(adminOrg);
    // another org's records say nothing about this user: refuse before reading them
    const stored = await readStoredAuth(username);
    refuseOtherOrg(adminOrg, conn, { username, orgId: stored?.orgId, loginUrl: stored?.loginUrl });
    const clientId = flags['client-id']?.trim();
    const spinner = this.spinnerForWork();
    spinner.start(messages.getMessage('spinner.reading', [username, adminOrg]));
    const budgetMs = timeoutMs * STATUS_ROUNDS;
    const report = await withDeadline(
      approvalStatus(conn, { username, clientId, appName: flags['app-name'] }),
      budgetMs,
      () =>
        messages.createError(
          'error.NoAnswer',
          [adminOrg, String(Math.round(budgetMs / 1000))],
          [orgDisplayCommand(adminOrg)],
        ),
    );
    spinner.stop();

    // A stored JWT login is found again by the username; otherwise the commands a verdict suggests name the
    // app and the org's login URL (the admin org's, the same org: refuseOtherOrg).
    const login: SuggestedLogin = stored?.isJwt
      ? { username, clientId: stored.clientId, source: { clientId: 'stored-auth', loginUrl: 'stored-auth' } }
      : { username, clientId, appName: flags['app-name'] ?? report.app?.name, loginUrl: conn.instanceUrl };
    const view = statusView(report, flags['app-name'] ?? clientId, adminOrg, login);
    this.show(statusLines(view, messages.getMessage('header.verdict')));

    if (statusIsFault(report)) process.exitCode = 1;
    return { ...report, adminOrg, message: view.message };
  }
}
