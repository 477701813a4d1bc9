/*
 * Bullet lists from messages/*.md with tokens. Like `Messages.getMessages(key, tokens)`, tokens are used in
 * order, each bullet taking as many as it has specifiers; but a bullet without a specifier is simply kept,
 * where core would write a warning to the CLI's log file (diagnosing must leave the CLI's files untouched).
 */
import { format } from 'node:util';
import type { Messages } from '@salesforce/core';

const SPECIFIER = /%[sdifjoO]/g;

export function bullets(messages: Messages<string>, key: string, tokens: Array<string | number> = []): string[] {
  let next = 0;
  return messages.getMessages(key).map((line) => {
    const count = line.match(SPECIFIER)?.length ?? 0;
    if (count === 0) return line;
    const used = tokens.slice(next, next + count);
    next += count;
    return format(line, ...used);
  });
}
