/*
 * What the `finally` hook needs to point a failed `sf org login jwt` to `sf jwt diagnose`: which command ran,
 * the identity flags it was given, and the `sf jwt diagnose` command line for them.
 *
 * Every sf command loads the `finally` hook, so this module imports nothing but the quoting helper, a module
 * that imports nothing itself.
 */
import { commandLine, type CommandPart } from '../utils/shell.js';

/** `org login jwt` and its aliases, as oclif reports command ids (colon-separated). */
export const LOGIN_JWT_IDS: ReadonlySet<string> = new Set(['org:login:jwt', 'force:auth:jwt:grant', 'auth:jwt:grant']);

/** The part of an oclif command (a manifest entry) that the hook reads. */
export type CommandLike = {
  id?: string;
  aliases?: string[];
  flags?: Record<string, FlagSpec | undefined>;
};

/** A flag as the oclif manifest describes it. */
export type FlagSpec = {
  type?: 'boolean' | 'option';
  char?: string;
  aliases?: string[];
  charAliases?: string[];
};

/** The flags of `sf org login jwt` (plugin-auth), for when the command's own flag list is not at hand. */
export const LOGIN_JWT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  username: { type: 'option', char: 'o', aliases: ['u'] },
  'jwt-key-file': { type: 'option', char: 'f', aliases: ['jwtkeyfile', 'keyfile'] },
  'client-id': { type: 'option', char: 'i', aliases: ['clientid'] },
  'instance-url': { type: 'option', char: 'r', aliases: ['instanceurl', 'l'] },
  'set-default-dev-hub': {
    type: 'boolean',
    char: 'd',
    aliases: ['setdefaultdevhub', 'setdefaultdevhubusername', 'v'],
  },
  'set-default': { type: 'boolean', char: 's', aliases: ['setdefaultusername'] },
  alias: { type: 'option', char: 'a', aliases: ['setalias'] },
  'no-prompt': { type: 'boolean', char: 'p', aliases: ['noprompt'] },
  json: { type: 'boolean' },
  'flags-dir': { type: 'option' },
  loglevel: { type: 'option' },
};

/** The flags that say which login failed, in the order `sf jwt diagnose` is given them. */
export const IDENTITY_FLAGS = ['username', 'client-id', 'jwt-key-file', 'instance-url'] as const;
/**
 * The flags the hint passes on: the identity flags, and --flags-dir, whose files may hold them (every sf command,
 * `sf jwt diagnose` too, reads its flags from there).
 */
export const HINT_FLAGS = [...IDENTITY_FLAGS, 'flags-dir'] as const;
export type IdentityFlag = (typeof HINT_FLAGS)[number];
export type Identity = Partial<Record<IdentityFlag, string>>;

const toColons = (id: string): string => id.trim().replace(/\s+/g, ':');

/** True when the command that ran is `org login jwt`, under its own id or one of its aliases. */
export function isLoginJwt(id: string | undefined, command: CommandLike | undefined): boolean {
  if (command?.id !== undefined) {
    if (LOGIN_JWT_IDS.has(toColons(command.id))) return true;
    // an alias of org:login:jwt that oclif reports under the alias's id
    if (command.aliases?.some((alias) => LOGIN_JWT_IDS.has(toColons(alias)))) return true;
    return false;
  }
  return id !== undefined && LOGIN_JWT_IDS.has(toColons(id));
}

/** The command's flag list when it has one with the identity flags, else the known flags of `org login jwt`. */
export function flagSpecsOf(command: CommandLike | undefined): Record<string, FlagSpec | undefined> {
  const flags = command?.flags;
  if (flags && IDENTITY_FLAGS.every((name) => flags[name] !== undefined)) return flags;
  return LOGIN_JWT_FLAGS;
}

type Lookup = { long: Map<string, string>; short: Map<string, string> };

function lookupOf(specs: Record<string, FlagSpec | undefined>): Lookup {
  const long = new Map<string, string>();
  const short = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    if (!spec) continue;
    long.set(name, name);
    if (spec.char) short.set(spec.char, name);
    for (const alias of [...(spec.aliases ?? []), ...(spec.charAliases ?? [])]) {
      // oclif accepts an alias after two dashes, and a one-letter alias after one dash as well
      long.set(alias, name);
      if (alias.length === 1) short.set(alias, name);
    }
  }
  return { long, short };
}

/**
 * The identity flags in `argv` the way oclif's parser reads them: `--username value`, `--username=value`,
 * `-o value`, `-ovalue`, `-o=value`, flag aliases (`-u`, `--clientid`, `--jwtkeyfile`, `-l`, …), bundled
 * boolean short flags (`-sd`), and nothing after `--`. The values of other flags are skipped, never taken for
 * identity flags. When a flag is given twice, the last value is kept.
 */
export function parseIdentityFlags(
  argv: readonly string[],
  specs: Record<string, FlagSpec | undefined> = LOGIN_JWT_FLAGS,
): Identity {
  const { long, short } = lookupOf(specs);
  const identity: Identity = {};
  const isIdentity = (name: string): name is IdentityFlag => (HINT_FLAGS as readonly string[]).includes(name);
  const takesValue = (name: string): boolean => specs[name]?.type !== 'boolean';
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined && isIdentity(name)) identity[name] = value;
  };

  const queue = [...argv];
  while (queue.length > 0) {
    const arg = queue.shift() as string;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      let name = long.get(body);
      let inline: string | undefined;
      if (name === undefined && body.includes('=')) {
        name = long.get(body.slice(0, body.indexOf('=')));
        inline = body.slice(body.indexOf('=') + 1);
      }
      if (name === undefined || !takesValue(name)) continue;
      set(name, inline ?? queue.shift());
    } else if (arg.startsWith('-') && arg.length > 1) {
      const name = short.get(arg[1]);
      if (name === undefined) continue;
      if (!takesValue(name)) {
        // -sd: the other characters are more short flags
        if (arg.length > 2) queue.unshift(`-${arg.slice(2)}`);
        continue;
      }
      set(name, arg.length > 2 ? arg.slice(arg[2] === '=' ? 3 : 2) : queue.shift());
    }
  }
  return identity;
}

/** The `sf jwt diagnose` command line for the same login: the identity flags (and --flags-dir) given, each value quoted. */
export function diagnoseCommand(identity: Identity, bin = 'sf'): string {
  return commandLine(`${bin} jwt diagnose`, ...HINT_FLAGS.map((flag): CommandPart => [`--${flag}`, identity[flag]]));
}

/** SF_JWT_HINT=false (or 0, no, off) turns the hint off. */
export function hintDisabled(env: NodeJS.ProcessEnv): boolean {
  return /^(false|0|no|off)$/i.test(env.SF_JWT_HINT?.trim() ?? '');
}

/**
 * A usage error: the command line itself was wrong (a missing or unknown flag, a value that does not parse),
 * so no login was tried and the CLI's own message already says what to fix. oclif and sf use exit code 2.
 */
export function isUsageError(error: unknown): boolean {
  return exitCodeOf(error) === 2;
}

/** An error that ends the command without a failure (oclif's exit(0)). */
export function isCleanExit(error: unknown): boolean {
  return exitCodeOf(error) === 0;
}

/** The exit code an error ends the command with (sf's `exitCode`, oclif's `oclif.exit`), when it carries one. */
function exitCodeOf(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const { exitCode, oclif } = error as { exitCode?: unknown; oclif?: { exit?: unknown } };
  return exitCode ?? oclif?.exit;
}
