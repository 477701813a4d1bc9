/*
 * A Connection-shaped fake for unit tests of evidence/grants/status: answers SOQL by regular expression,
 * records every request and the "round" it was sent in (requests sent before any other completed share a
 * round), so tests can assert request counts and parallelism. Integration tests use the emulator instead.
 */
import type { Connection } from '@salesforce/core';

type Rec = Record<string, unknown>;
export type Answer = Rec[] | Error | ((soql: string) => Rec[] | Error);

export type FakeCall = { kind: 'query' | 'metadata.read' | 'metadata.list' | 'create'; detail: string; round: number };

export function apiError(errorCode: string, message = errorCode): Error {
  const err = new Error(message) as Error & { errorCode: string };
  err.name = errorCode;
  err.errorCode = errorCode;
  return err;
}

export type FakeOptions = {
  queries: Array<[RegExp, Answer]>;
  /** fullName → metadata record (ConnectedApp); `<type>:<fullName>` for a record of another type. */
  metadata?: Record<string, Rec>;
  metadataError?: Error;
  /** What metadata.list answers: a ConnectedApp fullName, or a row of any type (filtered by the types asked for). */
  listed?: Array<string | { type: string; fullName: string; createdDate?: string; lastModifiedDate?: string }>;
  create?: (sobject: string, fields: Rec) => Rec | Error;
};

export type FakeConnection = { conn: Connection; calls: FakeCall[]; rounds(): number };

export function fakeConnection(opts: FakeOptions): FakeConnection {
  const calls: FakeCall[] = [];
  let completed = 0;
  let round = 0;
  let lastCompletedSeen = -1;
  const record = (kind: FakeCall['kind'], detail: string): void => {
    if (completed !== lastCompletedSeen) {
      round++;
      lastCompletedSeen = completed;
    }
    calls.push({ kind, detail, round });
  };
  const settle = async <T>(fn: () => T): Promise<T> => {
    await new Promise((r) => setImmediate(r));
    completed++;
    return fn();
  };

  const conn = {
    query: (soql: string): Promise<{ records: Rec[]; totalSize: number; done: boolean }> => {
      record('query', soql);
      return settle(() => {
        const route = opts.queries.find(([re]) => re.test(soql));
        if (!route) throw new Error(`fake connection: no answer for ${soql}`);
        const answer = typeof route[1] === 'function' ? route[1](soql) : route[1];
        if (answer instanceof Error) throw answer;
        return { records: answer, totalSize: answer.length, done: true };
      });
    },
    metadata: {
      read: (type: string, names: string[]): Promise<Rec[]> => {
        record('metadata.read', `${type}:${names.join(',')}`);
        return settle(() => {
          if (opts.metadataError) throw opts.metadataError;
          return names.map((n) => opts.metadata?.[`${type}:${n}`] ?? opts.metadata?.[n] ?? { fullName: '' });
        });
      },
      list: (queries: Array<{ type: string }>): Promise<Rec[]> => {
        record('metadata.list', queries.map((q) => q.type).join(','));
        const types = new Set(queries.map((q) => q.type));
        return settle(() =>
          (opts.listed ?? [])
            .map((row) => (typeof row === 'string' ? { fullName: row, type: 'ConnectedApp' } : row))
            .filter((row) => types.has(row.type)),
        );
      },
    },
    sobject: (name: string) => ({
      create: (fields: Rec): Promise<Rec> => {
        record('create', `${name}:${JSON.stringify(fields)}`);
        return settle(() => {
          const res = opts.create ? opts.create(name, fields) : { id: `new-${name}`, success: true, errors: [] };
          if (res instanceof Error) throw res;
          return res;
        });
      },
    }),
  };
  return { conn: conn as unknown as Connection, calls, rounds: () => round };
}
