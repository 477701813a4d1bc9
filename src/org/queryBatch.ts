/*
 * Few round trips: SOQL queries started in the same tick (one "round" of Promise.all) go to Salesforce as
 * one Composite API request (at most 5 queries per composite request, Salesforce's limit for query
 * subrequests). A connection that cannot do composite (an older API, a proxy, a test double) falls back
 * to one plain REST query per SOQL, for the rest of its life. Results and errors are per query, exactly as
 * `conn.query` would give them.
 */
import type { Connection } from '@salesforce/core';

type Rec = Record<string, unknown>;
type Pending = { soql: string; resolve: (rows: Rec[]) => void; reject: (error: Error) => void };
type QueryAnswer = { records?: Rec[]; done?: boolean; nextRecordsUrl?: string };
type SubResponse = { body: unknown; httpStatusCode: number; referenceId: string };

/** Salesforce's limit of query subrequests in one composite request. */
export const QUERIES_PER_COMPOSITE = 5;

/** An error of one query, shaped like jsforce's (errorCode + message). */
export class QueryError extends Error {
  public readonly errorCode: string;

  public constructor(errorCode: string, message: string) {
    super(message);
    this.name = errorCode;
    this.errorCode = errorCode;
  }
}

function subrequestError(body: unknown, status: number): QueryError {
  const first = Array.isArray(body) ? (body[0] as { errorCode?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof first?.errorCode === 'string' ? first.errorCode : `HTTP_${status}`;
  const message = typeof first?.message === 'string' ? first.message : `HTTP ${status}`;
  return new QueryError(code, message);
}

class QueryBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  private compositeWorks: boolean;

  public constructor(private readonly conn: Connection) {
    this.compositeWorks = typeof (conn as Partial<Connection>).request === 'function';
  }

  public query(soql: string): Promise<Rec[]> {
    return new Promise<Rec[]>((resolve, reject) => {
      this.pending.push({ soql, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // let every query of this round register before sending
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const groups: Pending[][] = [];
    for (let i = 0; i < batch.length; i += QUERIES_PER_COMPOSITE)
      groups.push(batch.slice(i, i + QUERIES_PER_COMPOSITE));
    await Promise.all(groups.map((group) => this.send(group)));
  }

  private async send(group: Pending[]): Promise<void> {
    if (group.length > 1 && this.compositeWorks) {
      try {
        await this.sendComposite(group);
        return;
      } catch {
        // composite unavailable here: plain queries from now on (the subrequests' own errors never land here)
        this.compositeWorks = false;
      }
    }
    await Promise.all(group.map((p) => this.plain(p)));
  }

  private async plain(p: Pending): Promise<void> {
    try {
      const result = await this.conn.query<Rec>(p.soql, { autoFetch: true, maxFetch: 10_000 });
      p.resolve(result.records);
    } catch (error) {
      p.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async sendComposite(group: Pending[]): Promise<void> {
    const base = `/services/data/v${this.conn.getApiVersion()}`;
    const answer = await this.conn.request<{ compositeResponse?: SubResponse[] }>({
      method: 'POST',
      url: `${base}/composite`,
      body: JSON.stringify({
        allOrNone: false,
        compositeRequest: group.map((p, i) => ({
          method: 'GET',
          url: `${base}/query?q=${encodeURIComponent(p.soql)}`,
          referenceId: `q${i}`,
        })),
      }),
      headers: { 'content-type': 'application/json' },
    });
    const responses = answer?.compositeResponse;
    if (!Array.isArray(responses) || responses.length !== group.length) throw new Error('not a composite answer');
    await Promise.all(
      group.map(async (p, i) => {
        const sub = responses.find((r) => r.referenceId === `q${i}`) ?? responses[i];
        if (sub.httpStatusCode !== 200) {
          p.reject(subrequestError(sub.body, sub.httpStatusCode));
          return;
        }
        try {
          p.resolve(await this.allRecords(sub.body as QueryAnswer));
        } catch (error) {
          p.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
  }

  /** Follows nextRecordsUrl like autoFetch does (rare for these small setup queries), up to 10,000 records. */
  private async allRecords(page: QueryAnswer, before: Rec[] = []): Promise<Rec[]> {
    const records = [...before, ...(page.records ?? [])];
    if (page.done !== false || !page.nextRecordsUrl || records.length >= 10_000) return records;
    return this.allRecords(await this.conn.request<QueryAnswer>(page.nextRecordsUrl), records);
  }
}

const batchers = new WeakMap<Connection, QueryBatcher>();

/** Runs a SOQL query, batched with the other queries of the same round on this connection. */
export function batchedQuery<T extends Rec>(conn: Connection, soql: string): Promise<T[]> {
  let batcher = batchers.get(conn);
  if (!batcher) {
    batcher = new QueryBatcher(conn);
    batchers.set(conn, batcher);
  }
  return batcher.query(soql) as Promise<T[]>;
}
