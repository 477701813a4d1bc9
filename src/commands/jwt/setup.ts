import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { durationFlag, exitCodesHelp, timeoutFlag } from '../../cli/flags.js';
import { runSetup } from '../../setup/setup.js';
import type { JwtSetupResult, SetupUi } from '../../setup/result.js';
import { setupView } from '../../setup/view.js';

export type {
  JwtSetupResult,
  SetupAction,
  SetupError,
  SetupStep,
  SetupStepId,
  SetupVerification,
} from '../../setup/result.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.setup');

/** The flags of the stored login, which --no-store leaves without a purpose. */
const STORE_FLAGS = ['alias', 'set-default', 'set-default-dev-hub'];

export default class JwtSetup extends JwtCommand<JwtSetupResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  // No computed defaults (help never loads the command's modules): the defaults are applied in src/setup/inputs.ts.
  public static readonly flags = {
    'admin-org': Flags.string({
      summary: messages.getMessage('flags.admin-org.summary'),
      description: messages.getMessage('flags.admin-org.description'),
      required: true,
    }),
    username: Flags.string({
      // eslint-disable-next-line sf-plugin/dash-o -- same letter as `sf org login jwt --username`
      char: 'o',
      summary: messages.getMessage('flags.username.summary'),
      description: messages.getMessage('flags.username.description'),
    }),
    'app-name': Flags.string({
      summary: messages.getMessage('flags.app-name.summary'),
      description: messages.getMessage('flags.app-name.description'),
    }),
    // Plain strings: a key that fails the key checks is a failed step (exit 1), not a parse error.
    'jwt-key-file': Flags.string({
      char: 'f',
      summary: messages.getMessage('flags.jwt-key-file.summary'),
      description: messages.getMessage('flags.jwt-key-file.description'),
    }),
    'cert-file': Flags.string({
      summary: messages.getMessage('flags.cert-file.summary'),
      dependsOn: ['jwt-key-file'],
    }),
    'output-dir': Flags.string({
      summary: messages.getMessage('flags.output-dir.summary'),
      description: messages.getMessage('flags.output-dir.description'),
    }),
    'permission-set': Flags.string({ summary: messages.getMessage('flags.permission-set.summary') }),
    scope: Flags.string({
      summary: messages.getMessage('flags.scope.summary'),
      description: messages.getMessage('flags.scope.description'),
    }),
    // Not Flags.url(): URL.href would add a trailing slash, and Salesforce compares callback URLs exactly.
    'callback-url': Flags.string({ summary: messages.getMessage('flags.callback-url.summary') }),
    'instance-url': Flags.string({
      char: 'r',
      summary: messages.getMessage('flags.instance-url.summary'),
      description: messages.getMessage('flags.instance-url.description'),
    }),
    wait: durationFlag({
      summary: messages.getMessage('flags.wait.summary'),
      description: messages.getMessage('flags.wait.description'),
    }),
    timeout: timeoutFlag,
    alias: Flags.string({ char: 'a', summary: messages.getMessage('flags.alias.summary') }),
    'set-default': Flags.boolean({ char: 's', summary: messages.getMessage('flags.set-default.summary') }),
    'set-default-dev-hub': Flags.boolean({
      char: 'd',
      summary: messages.getMessage('flags.set-default-dev-hub.summary'),
    }),
    'no-store': Flags.boolean({ summary: messages.getMessage('flags.no-store.summary'), exclusive: STORE_FLAGS }),
    'replace-cert': Flags.boolean({
      summary: messages.getMessage('flags.replace-cert.summary'),
      description: messages.getMessage('flags.replace-cert.description'),
    }),
    'dry-run': Flags.boolean({ summary: messages.getMessage('flags.dry-run.summary') }),
  };

  public async run(): Promise<JwtSetupResult> {
    const { flags } = await this.parse(JwtSetup);
    const result = await runSetup(flags, this.setupUi());
    this.show(setupView(result));
    if (!result.ok) process.exitCode = 1;
    return result;
  }

  private setupUi(): SetupUi {
    return {
      info: (text) => this.info(text),
      warn: (text) => this.warn(text),
      spinner: this.spinnerForWork(),
    };
  }
}
