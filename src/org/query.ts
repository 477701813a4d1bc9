/*
 * Reading an org through @salesforce/core's Connection without throwing: a failed query is recorded as
 * "what could not be read: why" and answers undefined (unknown), never an empty list. Also the small
 * coercions that the REST and Metadata API answers need (jsforce gives "true" for true in SOAP answers, a
 * single value where a list has one element).
 */
import type { Connection } from '@salesforce/core';
import type { OrgEvidence } from './types.js';
import { batchedQuery } from './queryBatch.js';

export type EvidenceError = NonNullable<OrgEvidence['errors']>[number];
export type Errors = EvidenceError[];
export type Rec = Record<string, unknown>;

/** "ERROR_CODE: message" of a failed request, short and secret-free. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { errorCode?: unknown };
    const raw = typeof e.errorCode === 'string' ? e.errorCode : e.name !== 'Error' ? e.name : undefined;
    const code = raw?.replace(/^sf:/, ''); // SOAP faults arrive as sf:INSUFFICIENT_ACCESS
    const text = e.message.replace(/\s+/g, ' ').trim().slice(0, 300);
    return code && !text.startsWith(code) ? `${code}: ${text}` : text;
  }
  return String(err).slice(0, 300);
}

/** The error code of a failed request (errorCode, or name), e.g. INSUFFICIENT_ACCESS. */
export function errorCodeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { errorCode?: unknown };
  return (typeof e.errorCode === 'string' ? e.errorCode : e.name).replace(/^sf:/, '');
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
    errors.push({ what, message: describeError(err) });
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
