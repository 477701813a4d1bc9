import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { connectAdminOrg, timeoutFlagMs } from '../../org/adminOrg.js';
import { withDeadline } from '../../utils/deadline.js';
import { adminOrgFlag, exitCodesHelp, timeoutFlag, usernameFlag } from '../../cli/flags.js';
import { readStoredAuth, resolveUsername } from '../../org/inputs.js';
import { refuseOtherOrg } from '../../org/orgMatch.js';
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
    // Not required: true, so that a missing value gets words that say why it is needed (still exit code 2).
    'admin-org': adminOrgFlag,
    username: usernameFlag(),
    'client-id': Flags.string({
      char: 'i',
      summary: messages.getMessage('flags.client-id.summary'),
      exclusive: ['app-name'],
    }),
    'app-name': Flags.string({ summary: messages.getMessage('flags.app-name.summary'), exclusive: ['client-id'] }),
    timeout: timeoutFlag,
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
    this.spinner.start(messages.getMessage('spinner.reading', [username, adminOrg]));
    const budgetMs = timeoutMs * STATUS_ROUNDS;
    const report = await withDeadline(
      approvalStatus(conn, { username, clientId, appName: flags['app-name'] }),
      budgetMs,
      () => messages.createError('error.NoAnswer', [adminOrg, String(Math.round(budgetMs / 1000))]),
    );
    this.spinner.stop();

    const view = statusView(report, flags['app-name'] ?? clientId, adminOrg);
    this.show(statusLines(view, messages.getMessage('header.verdict')));

    if (statusIsFault(report)) process.exitCode = 1;
    return { ...report, adminOrg, message: view.message };
  }
}
