/*
 * Flags shared by several commands. Kept out of src/commands/ (oclif loads every file there as a command).
 */
import { Messages } from '@salesforce/core';
import { Flags, toHelpSection } from '@salesforce/sf-plugins-core';
import type { HelpSection, Interfaces } from '@oclif/core';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const shared = Messages.loadMessages('plugin-jwt', 'jwt.shared');

/**
 * --username/-o, as in `sf org login jwt`; `exclusive` names flags it cannot go with, `required` marks it so in
 * the help's usage line.
 */
export function usernameFlag(exclusive?: string[], required = false): Interfaces.OptionFlag<string | undefined> {
  return Flags.string({
    // eslint-disable-next-line sf-plugin/dash-o -- same letter as `sf org login jwt --username`
    char: 'o',
    summary: shared.getMessage('flags.username.summary'),
    description: shared.getMessage('flags.username.description'),
    ...(exclusive ? { exclusive } : {}),
    ...(required ? { required: true } : {}),
  }) as Interfaces.OptionFlag<string | undefined>;
}

/**
 * A rule between flags that the help's usage line does not draw; oclif checks it just as `exclusive` ('none')
 * or `dependsOn` ('all'), with the same words. oclif's usage line (DocOpts) draws each flag in one group at
 * most: a second `exclusive` or `dependsOn` naming a flag already drawn in another group leaves an empty place,
 * as in "[-i <value> | ]" or "[--dry-run ]". So a flag is named in one drawn rule at most, and every other
 * rule about it is declared with this.
 */
export function undrawn(
  type: 'all' | 'none',
  flags: string[],
): { relationships: Array<{ type: 'all' | 'none'; flags: string[] }> } {
  return { relationships: [{ type, flags }] };
}

/**
 * The identity flags of `sf org login jwt`, letter for letter, so a pasted login command runs unchanged.
 * Plain strings: a missing key file or a URL without scheme is a diagnosis, not a parse error, and
 * URL.href would add a trailing slash that core then keeps. `exclusive` names flags that the username,
 * client id and key file cannot go with (drawn in the usage line with the username: "[-o <value> | --all]").
 */
export function identityFlagsOf(exclusive?: string[]): {
  username: Interfaces.OptionFlag<string | undefined>;
  'client-id': Interfaces.OptionFlag<string | undefined>;
  'jwt-key-file': Interfaces.OptionFlag<string | undefined>;
  'instance-url': Interfaces.OptionFlag<string | undefined>;
} {
  const apart = exclusive ? undrawn('none', exclusive) : {};
  return {
    username: usernameFlag(exclusive),
    'client-id': Flags.string({ char: 'i', summary: shared.getMessage('flags.client-id.summary'), ...apart }),
    'jwt-key-file': Flags.string({ char: 'f', summary: shared.getMessage('flags.jwt-key-file.summary'), ...apart }),
    'instance-url': Flags.string({
      char: 'r',
      summary: shared.getMessage('flags.instance-url.summary'),
      description: shared.getMessage('flags.instance-url.description'),
    }),
  };
}

/** The identity flags, for commands where nothing excludes them. */
export const identityFlags = identityFlagsOf();

/**
 * --admin-org: an authenticated org to read (and, for approve, write) setup data in. No short character and no
 * default: an admin org is used only when named. A plain string, opened with connectAdminOrg
 * (src/org/adminOrg.ts), so an unknown org is a usage error that names the flag. Each command says in its own
 * words what it does with it (`flags.admin-org.summary` and `.description` of its messages): adminOrgFlagOf.
 */
export const adminOrgFlag = Flags.string({
  summary: shared.getMessage('flags.admin-org.summary'),
  description: shared.getMessage('flags.admin-org.description'),
});

/** --admin-org in a command's own words; `required` marks it so in the help's usage line. */
export function adminOrgFlagOf(
  messages: Messages<string>,
  options: { required?: boolean } = {},
): Interfaces.OptionFlag<string | undefined> {
  return Flags.string({
    summary: messages.getMessage('flags.admin-org.summary'),
    description: messages.getMessage('flags.admin-org.description'),
    ...(options.required ? { required: true } : {}),
  }) as Interfaces.OptionFlag<string | undefined>;
}

/** `sf org login jwt`'s login-only flags: accepted and ignored, so a pasted command runs unchanged. */
export const loginOnlyFlags = {
  alias: Flags.string({ char: 'a', hidden: true, summary: shared.getMessage('flags.alias.summary') }),
  'set-default': Flags.boolean({ char: 's', hidden: true, summary: shared.getMessage('flags.set-default.summary') }),
  'set-default-dev-hub': Flags.boolean({
    char: 'd',
    hidden: true,
    summary: shared.getMessage('flags.set-default-dev-hub.summary'),
  }),
  // also in a --flags-dir written for `sf org login jwt`, which passes every file there as a flag
  'no-prompt': Flags.boolean({ char: 'p', hidden: true, summary: shared.getMessage('flags.no-prompt.summary') }),
};

/**
 * A duration flag: "90", "90s", "10m", "1h". It arrives as text and is read with `flagDurationMs`, so a bad
 * value is a usage error (exit 2); sf's own duration flag reads "10m" as 10 of its unit. It has no computed
 * default, which would make oclif load the whole command just to show --help: commands apply their
 * default, and the summary names it.
 */
export function durationFlag(opts: {
  summary: string;
  description?: string;
}): Interfaces.OptionFlag<string | undefined> {
  return Flags.string({ summary: opts.summary, description: opts.description, helpValue: '<duration>' });
}

/** --timeout: per request. */
export const timeoutFlag = durationFlag({ summary: shared.getMessage('flags.timeout.summary') });

/** The EXIT CODES help section: 0 works, 1 a diagnosed fault, 2 a usage error, in each command's words. */
export function exitCodesHelp(messages: Messages<string>): HelpSection {
  return toHelpSection('EXIT CODES', {
    '0': messages.getMessage('exit.ok'),
    '1': messages.getMessage('exit.fault'),
    '2': messages.getMessage('exit.usage'),
  });
}
