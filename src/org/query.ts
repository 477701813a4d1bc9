/*
 * Reading an org through @salesforce/core's Connection without throwing: a failed query is recorded as
 * "what could not be read: why" and answers undefined (unknown), never an empty list. Also the small
 * coercions that the REST and Metadata API answers need (jsforce gives "true" for true in SOAP answers, a
 * single value where a list has one element).
 */
import { Messages, type Connection } from '@salesforce/core';
import { describeFsError } from '../utils/files.js';
import { printable, serverLine } from '../utils/printable.js';
import { redactSecrets } from '../utils/url.js';
import type { OrgEvidence } from './types.js';
import { batchedQuery } from './queryBatch.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.causes');

export type EvidenceError = NonNullable<OrgEvidence['errors']>[number];
export type Errors = EvidenceError[];
export type Rec = Record<string, unknown>;

/** A string from a field of an error of any shape: a string, or a parsed XML element (`{ _: 'text' }`). */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    for (const key of ['_', '#text', 'text', 'value']) {
      if (typeof node[key] === 'string') return node[key];
    }
  }
  return undefined;
}

/** The fields an error of any shape may carry its code and words in (jsforce, core, SOAP faults, REST bodies). */
function fieldsOf(err: unknown): Record<string, unknown> {
  if (err && typeof err === 'object') return err as Record<string, unknown>;
  return {};
}

/** A Salesforce error code: letters, digits and underscores (INSUFFICIENT_ACCESS, sf:INVALID_SESSION_ID). */
const codeLike = (value: string | undefined): string | undefined => {
  const code = value?.trim().replace(/^[a-z]+:/i, '');
  return code && /^[A-Za-z][A-Za-z0-9_]{1,80}$/.test(code) && code !== 'Error' ? code : undefined;
};

/**
 * The error code of a failed request of any shape (errorCode, faultcode, name, a REST body's first error), e.g.
 * INSUFFICIENT_ACCESS; undefined when it has none. Never throws.
 */
export function errorCodeOf(err: unknown): string | undefined {
  const e = fieldsOf(err);
  const data = fieldsOf(Array.isArray(e.data) ? e.data[0] : e.data);
  for (const candidate of [e.errorCode, e.faultcode, data.errorCode, e.code, e.name]) {
    const code = codeLike(textOf(candidate));
    if (code) return code;
  }
  return undefined;
}

/** A REST error body that jsforce left as the message (`[{"message":…,"errorCode":…}]`), read. */
function parsedBody(text: string): { code?: string; words: string } | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    const body = JSON.parse(text) as unknown;
    const first = fieldsOf(Array.isArray(body) ? body[0] : body);
    const words = textOf(first.message) ?? textOf(first.error_description);
    return words ? { code: codeLike(textOf(first.errorCode) ?? textOf(first.error)), words } : undefined;
  } catch {
    return undefined;
  }
}

/** A file system error that core put in its words ("ENOENT: no such file or directory, open '/x'"), in words. */
const FS_ERROR = /\b(E[A-Z]{2,}): [^,']*, [a-z]+ '([^']*)'/g;
const fsWords = (text: string): string =>
  text.replace(
    FS_ERROR,
    (whole, code: string, path: string) => `${path}: ${describeFsError(Object.assign(new Error(whole), { code }))}`,
  );

/** The words of a failed request of any shape (message, faultstring, a REST body's first error); '' when none. */
function wordsOf(err: unknown): { code?: string; words: string } {
  if (typeof err === 'string') return { words: err };
  const e = fieldsOf(err);
  const data = fieldsOf(Array.isArray(e.data) ? e.data[0] : e.data);
  for (const candidate of [e.message, e.faultstring, data.message, e.error_description]) {
    const text = textOf(candidate);
    if (text?.trim()) return parsedBody(text) ?? { words: text };
  }
  return { words: '' };
}

/**
 * The one normaliser of a failed read through an admin org: any failure (an HTTP or SOQL error, a refused
 * object, a SOAP fault, a session that could not be refreshed, a thrown value of an odd shape) as
 * "ERROR_CODE: words", on one line, short, without control characters or a credential in a URL. Never throws.
 */
export function describeError(err: unknown): string {
  let code: string | undefined;
  let words: string;
  try {
    const said = wordsOf(err);
    code = said.code ?? errorCodeOf(err);
    words = fsWords(said.words);
  } catch {
    code = undefined;
    words = '';
  }
  const text = redactSecrets(serverLine(printable(words).replace(/\s+/g, ' '), 300));
  if (!text) return code ?? messages.getMessage('evidence.noReason');
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

/** A failed read through an admin org as data: what could not be read, and why in words (describeError). */
export function readFailure(what: string, err: unknown): EvidenceError {
  return { what, message: describeError(err) };
}

/** Runs a SOQL query; on failure records it under `what` and returns undefined. */
export async function queryRecords<T extends Rec>(
  conn: Connection,
  what: string,
  soql: string,
  errors: Errors,
): Promise<T[] | undefined> {
  try {
    return await batchedQuery<T>(conn, soql);
  } catch (err) {
    errors.push(readFailure(what, err));
    return undefined;
  }
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const bool = (v: unknown): boolean | undefined =>
  typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined;
export const rel = (v: unknown): Rec | undefined => (v && typeof v === 'object' ? (v as Rec) : undefined);
export const arr = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v];

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Two names (API names, labels) are the same regardless of case and surrounding spaces. */
export const sameName = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
