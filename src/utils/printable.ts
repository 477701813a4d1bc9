/*
 * Text that reaches the terminal: the one sanitizer every command's output goes through (src/cli/command.ts).
 * Usernames, file names, aliases and server answers (error_description) are echoed in messages; none of
 * their control characters may reach the terminal, where an escape sequence could recolour, move the cursor,
 * rewrite the line before it or set the window title.
 */

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
