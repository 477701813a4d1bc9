import type { Check } from '../types.js';
import { checkMessages as messages } from './messages.js';

/** Consumer keys are 8–256 characters of letters, digits, dots and underscores. */
export const CONSUMER_KEY_MIN = 8;
export const CONSUMER_KEY_MAX = 256;
const CONSUMER_KEY_CHAR = /^[A-Za-z0-9._]$/;

/** Straight and typographic quotes, and the backtick, as they arrive from copied text. */
const QUOTES = new Set(['"', "'", '`', '\u201c', '\u201d', '\u2018', '\u2019', '\u201e', '\u201a', '\u00ab', '\u00bb']);
const isNewline = (c: string): boolean => c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';

/** "3MVG9A…wxyz": enough to recognize a client id, short enough for one line. */
export function abbreviateClientId(value: string): string {
  return value.length > 14 ? `${value.slice(0, 6)}…${value.slice(-4)}` : value;
}

const describeChar = (c: string): string => {
  const codePoint = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c) ? `"${c}" (${codePoint})` : codePoint;
};

const joinProblems = (problems: string[]): string =>
  problems.length <= 1
    ? problems.join('')
    : `${problems.slice(0, -1).join(', ')} ${messages.getMessage('clientId.and')} ${problems[problems.length - 1]}`;

/** What is wrong with the client id, in words, in the order the characters appear. */
function findProblems(raw: string): { problems: string[]; cleaned: string } {
  const problems: string[] = [];
  const leading = /^\s*/u.exec(raw)?.[0] ?? '';
  const trailing = raw.trim().length === 0 ? '' : (/\s*$/u.exec(raw)?.[0] ?? '');
  if (leading.length > 0) {
    problems.push(
      messages.getMessage(
        [...leading].some(isNewline) ? 'clientId.problem.leadingNewline' : 'clientId.problem.leadingSpace',
      ),
    );
  }

  // by code point, so a character outside the BMP (an emoji) is one character, named by its real code point
  const chars = [...raw];
  let start = leading.length;
  let end = chars.length - trailing.length;
  if (end - start >= 2 && QUOTES.has(chars[start]) && QUOTES.has(chars[end - 1])) {
    problems.push(messages.getMessage('clientId.problem.wrappedQuotes'));
    start += 1;
    end -= 1;
  }

  const seen = new Set<string>();
  const once = (key: string, tokens: string[]): void => {
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(messages.getMessage(key, tokens));
  };
  let cleaned = '';
  for (let i = start; i < end; i++) {
    const c = chars[i];
    const position = String(i + 1);
    if (isNewline(c)) once('clientId.problem.innerNewline', [position]);
    else if (/\s/u.test(c)) once('clientId.problem.innerSpace', [position]);
    else if (QUOTES.has(c)) once('clientId.problem.quote', [describeChar(c), position]);
    else {
      if (!CONSUMER_KEY_CHAR.test(c)) once('clientId.problem.badChar', [describeChar(c), position]);
      cleaned += c;
    }
  }

  if (trailing.length > 0) {
    problems.push(
      messages.getMessage(
        [...trailing].some(isNewline) ? 'clientId.problem.trailingNewline' : 'clientId.problem.trailingSpace',
      ),
    );
  }
  if (cleaned.length > 0 && cleaned.length < CONSUMER_KEY_MIN) {
    problems.push(messages.getMessage('clientId.problem.tooShort', [String(cleaned.length), String(CONSUMER_KEY_MIN)]));
  } else if (cleaned.length > CONSUMER_KEY_MAX) {
    problems.push(messages.getMessage('clientId.problem.tooLong', [String(cleaned.length), String(CONSUMER_KEY_MAX)]));
  }
  return { problems, cleaned };
}

/**
 * Checks the client id (consumer key) for what copying it breaks: surrounding whitespace, newlines,
 * quotes (straight or typographic), inner spaces, and characters a consumer key never has.
 *
 * @param clientId the client id exactly as given
 */
export function checkClientId(clientId: string): Check {
  const { problems, cleaned } = findProblems(clientId);
  if (cleaned.length === 0) {
    return {
      id: 'client-id',
      status: 'fail',
      code: 'INVALID_CLIENT_ID',
      message: messages.getMessage('clientId.empty'),
      actions: messages.getMessages('clientId.empty.actions'),
    };
  }
  if (problems.length > 0) {
    return {
      id: 'client-id',
      status: 'fail',
      code: 'INVALID_CLIENT_ID',
      message: messages.getMessage('clientId.invalid', [joinProblems(problems), abbreviateClientId(cleaned)]),
      actions: messages.getMessages('clientId.invalid.actions'),
    };
  }
  return {
    id: 'client-id',
    status: 'pass',
    message: messages.getMessage('clientId.pass', [abbreviateClientId(cleaned), String(cleaned.length)]),
  };
}
