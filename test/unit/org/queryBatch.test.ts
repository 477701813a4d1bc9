import { expect } from 'chai';
import type { Connection } from '@salesforce/core';
import { batchedQuery, QUERIES_PER_COMPOSITE } from '../../../src/org/queryBatch.js';

type Sub = { method: string; url: string; referenceId: string };
type Call = { kind: 'composite'; subs: Sub[] } | { kind: 'query'; soql: string };

/** A connection double that answers composite (unless told not to) and plain queries, recording each call. */
function fakeConn(opts: { composite: 'ok' | 'unsupported' | 'absent'; failing?: RegExp }): {
  conn: Connection;
  calls: Call[];
} {
  const calls: Call[] = [];
  const rowsFor = (soql: string): Array<Record<string, unknown>> => [{ soql }];
  const conn = {
    getApiVersion: () => '66.0',
    query: async (
      soql: string,
    ): Promise<{ records: Array<Record<string, unknown>>; done: boolean; totalSize: number }> => {
      calls.push({ kind: 'query', soql });
      if (opts.failing?.test(soql)) throw Object.assign(new Error('no access'), { errorCode: 'INSUFFICIENT_ACCESS' });
      return { records: rowsFor(soql), done: true, totalSize: 1 };
    },
    ...(opts.composite === 'absent'
      ? {}
      : {
          request: async (req: { url: string; body: string }): Promise<{ compositeResponse: unknown[] }> => {
            if (opts.composite === 'unsupported')
              throw Object.assign(new Error('The requested resource does not exist'), { errorCode: 'NOT_FOUND' });
            const subs = (JSON.parse(req.body) as { compositeRequest: Sub[] }).compositeRequest;
            calls.push({ kind: 'composite', subs });
            expect(req.url).to.equal('/services/data/v66.0/composite');
            return {
              compositeResponse: subs.map((sub) => {
                const soql = new URL(sub.url, 'https://x').searchParams.get('q') ?? '';
                return opts.failing?.test(soql)
                  ? {
                      referenceId: sub.referenceId,
                      httpStatusCode: 403,
                      httpHeaders: {},
                      body: [{ errorCode: 'INSUFFICIENT_ACCESS', message: 'no access' }],
                    }
                  : {
                      referenceId: sub.referenceId,
                      httpStatusCode: 200,
                      httpHeaders: {},
                      body: { totalSize: 1, done: true, records: rowsFor(soql) },
                    };
              }),
            };
          },
        }),
  } as unknown as Connection;
  return { conn, calls };
}

describe('batched queries', () => {
  it('sends the queries of one round as one composite request, each answered on its own', async () => {
    const { conn, calls } = fakeConn({ composite: 'ok', failing: /FROM Secret/ });
    const results = await Promise.allSettled([
      batchedQuery(conn, 'SELECT Id FROM User'),
      batchedQuery(conn, 'SELECT Id FROM UserLogin'),
      batchedQuery(conn, 'SELECT Id FROM Secret'),
    ]);
    expect(calls).to.have.length(1);
    expect(calls[0].kind).to.equal('composite');
    expect(results[0]).to.deep.equal({ status: 'fulfilled', value: [{ soql: 'SELECT Id FROM User' }] });
    expect(results[1]).to.deep.equal({ status: 'fulfilled', value: [{ soql: 'SELECT Id FROM UserLogin' }] });
    expect(results[2].status).to.equal('rejected');
    const error = (results[2] as PromiseRejectedResult).reason as { errorCode: string; message: string };
    expect(error.errorCode).to.equal('INSUFFICIENT_ACCESS');
    expect(error.message).to.equal('no access');
  });

  it(`puts at most ${QUERIES_PER_COMPOSITE} queries in one composite request`, async () => {
    const { conn, calls } = fakeConn({ composite: 'ok' });
    await Promise.all(Array.from({ length: 7 }, (_, i) => batchedQuery(conn, `SELECT Id FROM T${i}`)));
    expect(calls.map((c) => (c.kind === 'composite' ? c.subs.length : 0))).to.deep.equal([5, 2]);
  });

  it('sends a lone query as a plain query', async () => {
    const { conn, calls } = fakeConn({ composite: 'ok' });
    await batchedQuery(conn, 'SELECT Id FROM User');
    expect(calls).to.deep.equal([{ kind: 'query', soql: 'SELECT Id FROM User' }]);
  });

  it('falls back to plain queries, for good, where composite is not available', async () => {
    const { conn, calls } = fakeConn({ composite: 'unsupported', failing: /FROM Secret/ });
    const first = await Promise.allSettled([
      batchedQuery(conn, 'SELECT Id FROM A'),
      batchedQuery(conn, 'SELECT Id FROM Secret'),
    ]);
    expect(first[0].status).to.equal('fulfilled');
    expect(((first[1] as PromiseRejectedResult).reason as { errorCode: string }).errorCode).to.equal(
      'INSUFFICIENT_ACCESS',
    );
    await Promise.all([batchedQuery(conn, 'SELECT Id FROM B'), batchedQuery(conn, 'SELECT Id FROM C')]);
    expect(calls.map((c) => c.kind)).to.deep.equal(['query', 'query', 'query', 'query']);
  });

  it('uses plain queries on a connection without a request method', async () => {
    const { conn, calls } = fakeConn({ composite: 'absent' });
    await Promise.all([batchedQuery(conn, 'SELECT Id FROM A'), batchedQuery(conn, 'SELECT Id FROM B')]);
    expect(calls.map((c) => c.kind)).to.deep.equal(['query', 'query']);
  });
});
