/*
 * Text that reaches the terminal: the one sanitizer every command's output goes through (src/cli/command.ts).
 * Usernames, file names, aliases and server answers (error_description) are echoed in messages; none of
 * their control characters may reach the terminal, where an escape sequence could recolour, move the cursor,
 * rewrite the line before it or set the window title. Nor may a credential in a URL (url.ts redactSecrets).
 */
import { redactSecrets } from './url.js';

/* eslint-disable no-control-regex -- matching control characters is the point of this module */
/** ANSI escape sequences: CSI (ESC [ … or the one-byte CSI), OSC (ESC ] … BEL or ESC \), and two-byte escapes. */
const ESCAPE_SEQUENCE =
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]/g;
/**
 * Control characters other than line feed and tab (C0, DEL, C1), and the bidirectional overrides and
 * isolates that make text display in another order than it is read.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** A run of control characters, line breaks and tabs included (C0, DEL, C1). */
const CONTROL_RUN = /[\u0000-\u001f\u007f-\u009f]+/g;
/* eslint-enable no-control-regex */

/** `text` without escape sequences and control characters; line feeds and tabs are kept. */
export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

/** True when `text` holds a character that printable() would remove. */
export function hasControlCharacters(text: string): boolean {
  ESCAPE_SEQUENCE.lastIndex = 0;
  CONTROL.lastIndex = 0;
  return ESCAPE_SEQUENCE.test(text) || CONTROL.test(text) || /[\n\t]/.test(text);
}

/**
 * Server text (an OAuth error, its description) for one line of a message: every run of control characters,
 * line breaks included, becomes one space; trimmed, and cut at `max` characters.
 */
export function serverLine(text: string, max: number): string {
  const clean = text.replace(CONTROL_RUN, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Server text for a message (an OAuth error, its description, a page's error): serverLine's cleaning, cut at
 * `max` characters; undefined when nothing is left.
 */
export function serverText(text: string | null | undefined, max = 500): string | undefined {
  const clean = text ? serverLine(text, max) : '';
  return clean === '' ? undefined : clean;
}

/**
 * Text for one line that must stay one line (a diagnostic of `sf doctor`, the hint after a failed login): what
 * printable() keeps of it, with each line break shown as \n and each tab as a space, so that a value read from
 * outside (a stored username, a flag) can neither split the line nor forge another one.
 */
export function printableLine(text: string): string {
  return printable(text)
    .replace(/\r?\n|[\u2028\u2029]/g, '\\n')
    .replace(/\t/g, ' ');
}

/** A line as it may be shown: printable(), with the credentials of every URL in it hidden (url.ts redactSecrets). */
export function displayText(text: string): string {
  return redactSecrets(printable(text));
}

/** One line as it may be shown: printableLine(), with the credentials of every URL in it hidden. */
export function displayLine(text: string): string {
  return redactSecrets(printableLine(text));
}

/**
 * A value as it may leave the plugin as JSON (the --json result, the doctor's plugin data): every string in it
 * with the credentials of its URLs hidden (JSON escapes control characters itself). Plain data only: objects and
 * arrays are copied, everything else is returned as it is.
 */
export function redactJson<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactJson(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v)])) as T;
  }
  return value;
}
