/*
 * The commands the plugin suggests, taken out of its words and turned back into argv, the way a shell reads
 * them: for the test that runs every concrete `sf jwt diagnose` and `sf jwt status` suggestion.
 */

/** A suggested `sf jwt diagnose` or `sf jwt status` command: after a colon, to the end of the text. */
const SUGGESTION = /(?:^|: )(sf jwt (?:diagnose|status)(?: .*)?)$/;

/** The `sf jwt diagnose` and `sf jwt status` commands suggested in these texts (actions, messages), once each. */
export function suggestedCommands(texts: string[]): string[] {
  return [...new Set(texts.flatMap((text) => SUGGESTION.exec(text.trim())?.[1] ?? []))];
}

/**
 * The words of a command line as a POSIX shell reads them: split at spaces outside quotes, single-quoted and
 * double-quoted parts joined to their word, a backslash escaping the next character outside single quotes.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * A suggestion with its placeholders filled in (each placeholder → a value, quoted for the shell), as argv
 * for the command class (without `sf jwt <command>`); undefined when a placeholder is left that nothing fills.
 */
export function concreteArgv(
  command: string,
  fill: Record<string, string>,
): { command: 'diagnose' | 'status'; argv: string[] } | undefined {
  let line = command;
  for (const [placeholder, value] of Object.entries(fill)) {
    line = line.split(placeholder).join(`'${value.replace(/'/g, "'\\''")}'`);
  }
  if (/<[^<>]*>/.test(line.replace(/'[^']*'/g, ''))) return undefined;
  const [sf, jwt, name, ...argv] = shellWords(line);
  if (sf !== 'sf' || jwt !== 'jwt' || (name !== 'diagnose' && name !== 'status')) return undefined;
  return { command: name, argv };
}

/** The exit code an error out of a command ends with (sf's `exitCode`, oclif's `oclif.exit`). */
export function exitCodeOf(error: unknown): number | undefined {
  const { exitCode, oclif } = (error ?? {}) as { exitCode?: unknown; oclif?: { exit?: unknown } };
  const code = exitCode ?? oclif?.exit;
  return typeof code === 'number' ? code : undefined;
}
