import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { runDiagnosis } from '../../diagnose/diagnose.js';
import { DEFAULT_CONCURRENCY, diagnoseAll, type DiagnoseAllResult } from '../../diagnose/fleet.js';
import { checkAdminOrg, timeoutFlagMs } from '../../org/adminOrg.js';
import { fleetLines } from '../../diagnose/fleetView.js';
import { resolveJwtInputs } from '../../org/inputs.js';
import type { DiagnoseResult } from '../../diagnose/types.js';
import {
  adminOrgFlagOf,
  exitCodesHelp,
  identityFlagsOf,
  loginOnlyFlags,
  timeoutFlag,
  undrawn,
} from '../../cli/flags.js';
import { diagnoseView } from '../../diagnose/view.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** One login's diagnosis, or with --all `{ orgs, summary }`. */
export type JwtDiagnoseResult = DiagnoseResult | DiagnoseAllResult;

export default class JwtDiagnose extends JwtCommand<JwtDiagnoseResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  public static readonly flags = {
    // the login's identity, or --all: never both
    ...identityFlagsOf(['all']),
    'admin-org': adminOrgFlagOf(messages),
    'app-name': Flags.string({ summary: shared.getMessage('flags.app-name.summary') }),
    // Not Flags.file({ exists: true }): an unreadable certificate is reported by the cert check, with the fix.
    'cert-file': Flags.string({ summary: messages.getMessage('flags.cert-file.summary') }),
    all: Flags.boolean({ summary: messages.getMessage('flags.all.summary') }),
    // No default value here (the command applies it): oclif would count a default as given and ask for --all.
    // --all has no --no-all form, so it is either given or undefined, and the rule reads it right.
    // eslint-disable-next-line sf-plugin/flag-min-max-default -- no default (above)
    concurrency: Flags.integer({
      summary: messages.getMessage('flags.concurrency.summary', [String(DEFAULT_CONCURRENCY)]),
      min: 1,
      max: 64,
      ...undrawn('all', ['all']),
    }),
    verbose: Flags.boolean({ summary: messages.getMessage('flags.verbose.summary') }),
    timeout: timeoutFlag,
    ...loginOnlyFlags,
  };

  public async run(): Promise<JwtDiagnoseResult> {
    const { flags } = await this.parse(JwtDiagnose);
    const timeoutMs = timeoutFlagMs(flags.timeout);
    const options = { timeoutMs, adminOrg: flags['admin-org'] };
    // checked whenever it is given, not only when a failing login needs its records
    if (options.adminOrg) await checkAdminOrg(options.adminOrg);

    if (flags.all) {
      // Progress on stderr (not with --json): on a terminal the spinner's status changes in place; in a log, a
      // line per tenth of the logins.
      const live = this.progressInPlace();
      if (live) this.spinner.start(messages.getMessage('spinner.all'));
      let shown = 0;
      const { warnings, ...all } = await diagnoseAll({
        ...options,
        concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
        onProgress: ({ done, total, failed }) => {
          const progress = messages.getMessage('all.progress', [String(done), String(total), String(failed)]);
          if (live) {
            this.spinner.status = progress;
          } else if (!this.jsonEnabled() && (done === total || done - shown >= Math.ceil(total / 10))) {
            shown = done;
            this.logToStderr(messages.getMessage('all.progressLine', [progress]));
          }
        },
      });
      if (live) this.spinner.stop();
      for (const warning of warnings) this.warn(warning);
      this.show(fleetLines(all, { verbose: flags.verbose, adminOrg: flags['admin-org'] }));
      if (all.summary.failed > 0) process.exitCode = 1;
      return all;
    }

    const inputs = await resolveJwtInputs(flags);
    const spinner = this.spinnerForWork();
    spinner.start(messages.getMessage('spinner.running', [inputs.username]));
    const result = await runDiagnosis(inputs, options);
    spinner.stop();

    this.show(diagnoseView(result, { verbose: flags.verbose }));
    if (!result.ok) process.exitCode = 1;
    return result;
  }
}
