import { Messages } from '@salesforce/core';
import { Flags } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../cli/command.js';
import { exitCodesHelp } from '../../cli/flags.js';
import {
  DEFAULT_BITS,
  DEFAULT_COMMON_NAME,
  DEFAULT_DAYS,
  generateKeyPairAndCert,
  validateKeygenOptions,
} from '../../keys/generate.js';
import { assertCanWrite, validateOutputDir, writeKeyAndCert } from '../../keys/write.js';
import { keygenView, type JwtKeygenResult } from '../../keys/view.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.keygen');

export type { JwtKeygenResult } from '../../keys/view.js';

export default class JwtKeygen extends JwtCommand<JwtKeygenResult> {
  public static readonly summary = messages.getMessage('summary');
  public static readonly description = messages.getMessage('description');
  public static readonly examples = messages.getMessages('examples');
  public static readonly errorCodes = exitCodesHelp(messages);

  public static readonly flags = {
    'output-dir': Flags.directory({
      char: 'd',
      summary: messages.getMessage('flags.output-dir.summary'),
      default: '.',
    }),
    // an integer, not an option flag: a refused size (1024) gets its reason, not only the list of choices
    bits: Flags.integer({ char: 'b', summary: messages.getMessage('flags.bits.summary'), default: DEFAULT_BITS }),
    days: Flags.integer({ summary: messages.getMessage('flags.days.summary'), default: DEFAULT_DAYS }),
    'common-name': Flags.string({
      summary: messages.getMessage('flags.common-name.summary'),
      default: DEFAULT_COMMON_NAME,
    }),
    force: Flags.boolean({ summary: messages.getMessage('flags.force.summary'), default: false }),
  };

  public async run(): Promise<JwtKeygenResult> {
    const { flags } = await this.parse(JwtKeygen);
    const options = validateKeygenOptions({ bits: flags.bits, days: flags.days, commonName: flags['common-name'] });
    const outputDir = validateOutputDir(flags['output-dir']);
    // refuse before spending time on a key that could not be written
    await assertCanWrite(outputDir, { force: flags.force });

    const spinner = this.spinnerForWork();
    spinner.start(messages.getMessage('spinner.generating', [String(options.bits)]));
    const generated = await generateKeyPairAndCert(options);
    spinner.stop();
    const files = await writeKeyAndCert(outputDir, generated, { force: flags.force });

    const result: JwtKeygenResult = {
      ...files,
      fingerprint: generated.fingerprint,
      expiresAt: generated.expiresAt.toISOString(),
      bits: generated.bits,
      commonName: generated.commonName,
    };
    this.show(keygenView(result));
    return result;
  }
}
