import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { runDiagnosis } from '../../diagnose/diagnose.js';
import { DEFAULT_CONCURRENCY, diagnoseAll, type DiagnoseAllResult } from '../../diagnose/fleet.js';
import { timeoutFlagMs } from '../../org/adminOrg.js';
import { fleetView } from '../../diagnose/fleetView.js';
import { resolveJwtInputs } from '../../org/inputs.js';
import type { DiagnoseResult } from '../../diagnose/types.js';
import {
  adminOrgFlag,
  exitCodesHelp,
  identityFlags,
  loginOnlyFlags,
  timeoutFlag,
  usernameFlag,
} from '../../cli/flags.js';
import { attemptRows, checkRows, evidenceRows } from '../../diagnose/view.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.diagnose');
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/** One login's diagnosis, or with --all `{ orgs, summary }`. */
export type JwtDiagnoseResult = DiagnoseResult | DiagnoseAllResult;

// eslint-disable-next-line sf-plugin/only-extend-SfCommand -- JwtCommand is SfCommand plus the rules every command shares (src/command.ts)
export default class JwtDiagnose extends JwtCommand<JwtDiagnoseResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  // eslint-disable-next-line sf-plugin/spread-base-flags -- JwtCommand adds no flags of its own
  public static readonly flags = {
    ...identityFlags,
    username: usernameFlag(['all']),
    'admin-org': adminOrgFlag,
    'app-name': Flags.string({ summary: shared.getMessage('flags.app-name.summary') }),
    // Not Flags.file({ exists: true }): an unreadable certificate is reported by the cert check, with the fix.
    'cert-file': Flags.string({ summary: messages.getMessage('flags.cert-file.summary') }),
    all: Flags.boolean({
      summary: messages.getMessage('flags.all.summary'),
      // eslint-disable-next-line sf-plugin/flag-cross-references -- client-id and jwt-key-file come from identityFlags
      exclusive: ['username', 'client-id', 'jwt-key-file'],
    }),
    // No default value here (the command applies it): oclif would count a default as given and ask for --all.
    // --all has no --no-all form, so it is either given or undefined, and dependsOn reads it right.
    // eslint-disable-next-line sf-plugin/flag-min-max-default, sf-plugin/no-depends-on-boolean-flag
    concurrency: Flags.integer({
      summary: messages.getMessage('flags.concurrency.summary', [String(DEFAULT_CONCURRENCY)]),
      min: 1,
      max: 64,
      dependsOn: ['all'],
    }),
    // eslint-disable-next-line sf-plugin/no-depends-on-boolean-flag -- as for --concurrency
    verbose: Flags.boolean({ summary: messages.getMessage('flags.verbose.summary'), dependsOn: ['all'] }),
    timeout: timeoutFlag,
    ...loginOnlyFlags,
  };

  public async run(): Promise<JwtDiagnoseResult> {
    const { flags } = await this.parse(JwtDiagnose);
    const timeoutMs = timeoutFlagMs(flags.timeout);
    const options = { timeoutMs, adminOrg: flags['admin-org'] };

    if (flags.all) {
      // Progress on stderr (not with --json): on a terminal the spinner's status changes in place; in a log, a
      // line per tenth of the logins.
      const live = Boolean(process.stderr.isTTY);
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
      this.renderAll(all, flags.verbose, flags['admin-org']);
      if (all.summary.failed > 0) process.exitCode = 1;
      return all;
    }

    const inputs = await resolveJwtInputs(flags);
    this.spinner.start(messages.getMessage('spinner.running', [inputs.username]));
    const result = await runDiagnosis(inputs, options);
    this.spinner.stop();

    this.render(result);
    if (!result.ok) process.exitCode = 1;
    return result;
  }

  private render(result: DiagnoseResult): void {
    this.table({
      title: messages.getMessage('table.title', [result.username]),
      data: checkRows(result.checks),
      overflow: 'wrap',
    });
    if (result.attempts.length > 0) {
      this.table({
        title: messages.getMessage('attempts.title'),
        data: attemptRows(result.attempts),
        overflow: 'wrap',
      });
    }
    for (const warning of result.warnings ?? []) this.warn(warning);
    if (!result.cause) {
      this.logSuccess(messages.getMessage('ok', [result.username]));
      return;
    }
    this.styledHeader(messages.getMessage('cause.header', [result.cause.code]));
    this.log(result.cause.message);
    if (result.cause.serverError) {
      const { error, error_description: description } = result.cause.serverError;
      this.log(messages.getMessage('cause.serverError', [description ? `${error}: ${description}` : error]));
    }
    if (result.evidence) {
      const rows = evidenceRows(result.evidence);
      if (rows.length > 0) this.table({ title: messages.getMessage('evidence.header'), data: rows, overflow: 'wrap' });
    }
    if (result.missingEvidence?.length) {
      this.log('');
      this.log(messages.getMessage('evidence.missingHeader'));
      for (const line of result.missingEvidence) this.log(`  - ${line}`);
    }
    if (result.cause.actions.length > 0) {
      this.log('');
      this.log(messages.getMessage('cause.actions'));
      for (const action of result.cause.actions) this.log(`  - ${action}`);
    }
    if (result.approvalUrl && !result.cause.actions.some((a) => a.includes(result.approvalUrl as string))) {
      this.log('');
      this.log(messages.getMessage('approvalUrl', [result.approvalUrl]));
    }
  }

  /** Many logins: the causes first, then one row per failing login, then the count (or list) of the working ones. */
  private renderAll(all: DiagnoseAllResult, verbose: boolean, adminOrg?: string): void {
    if (all.orgs.length === 0) {
      this.log(messages.getMessage('all.none'));
      return;
    }
    const view = fleetView(all.orgs, adminOrg);
    if (view.causes.length > 0) {
      this.table({ title: messages.getMessage('all.causes.title'), data: view.causes });
      this.table({ title: messages.getMessage('all.failing.title'), data: view.failing });
    }
    if (verbose && view.working.length > 0) {
      this.table({ title: messages.getMessage('all.working.title'), data: view.working });
    } else if (view.working.length > 0) {
      this.log(messages.getMessage('all.working.hint', [String(view.working.length)]));
    }
    this.log(messages.getMessage('all.summary', [String(all.summary.ok), String(all.summary.total)]));
  }
}
