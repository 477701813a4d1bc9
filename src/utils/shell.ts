/*
 * Commands the plugin suggests are meant to be pasted into a shell. Every value that goes into one (a
 * username, a path, a URL, an alias) is quoted here, so that spaces, quotes, $, ; or a newline in it can
 * neither break the command nor run anything.
 */

/** Characters that never need quoting in a POSIX shell word (a leading ~ or = is handled separately). */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One shell word for `value` (POSIX sh, bash, zsh): as is when it holds only safe characters, otherwise in
 * single quotes, with each single quote written as '\''.
 */
export function shellQuote(value: string): string {
  if (value.length > 0 && SAFE.test(value) && !value.startsWith('=')) return value;
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** A value the user fills in (`<admin org alias>`): written as is, never quoted. */
export type Placeholder = { placeholder: string };

export const placeholder = (text: string): Placeholder => ({ placeholder: text });

/** Flags and values of a suggested command: undefined values (and their flags) are left out. */
export type CommandPart = string | [flag: string, value: string | Placeholder | undefined];

/**
 * A command line to suggest: `commandLine('sf jwt approve', ['--username', u], ['--client-id', id])`. The
 * command itself is written as given; every value is quoted with shellQuote, except placeholders.
 */
export function commandLine(command: string, ...parts: CommandPart[]): string {
  const words = [command];
  for (const part of parts) {
    if (typeof part === 'string') words.push(part);
    else if (typeof part[1] === 'string') words.push(part[0], shellQuote(part[1]));
    else if (part[1] !== undefined) words.push(part[0], part[1].placeholder);
  }
  return words.join(' ');
}
