import type { IncomingHttpHeaders } from 'node:http';

/** A parsed request handed by the server to a route handler. */
export type EmuRequest = {
  method: string;
  /** Path without the query string, e.g. /services/data/v66.0/query */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Raw request body (utf8). */
  body: string;
  /** The user the Bearer token belongs to (set by the server for authenticated routes). */
  userId?: string;
  /** The emulator's own base URL, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
};

export type EmuResponse = {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
};
