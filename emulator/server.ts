/*
 * The loopback HTTP server of the Salesforce emulator: routing, Bearer auth, fault injection, request
 * recording and the control endpoints used out of process (/__requests, /__state, /__faults, /__users,
 * /__org, /__deploys, /__propagate, /__sessions).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmuRequest, EmuResponse } from './http-types.js';
import { resolveCertificate } from './keys.js';
import {
  handleAuthorize,
  handleDecision,
  handleRemoteAccessErrorPage,
  handleToken,
  REMOTE_ACCESS_ERROR_PAGE,
  OAuthState,
  type OAuthContext,
  type TokenCallInfo,
} from './oauth.js';
import { handleRest } from './rest.js';
import type { Faults, Scenario, ScenarioUser } from './scenario.js';
import { OrgStore } from './store.js';

export const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');
export const TOKEN_PATH = '/services/oauth2/token';

/** One request the emulator received. Never carries a token, assertion, code, verifier or secret. */
export type RecordedRequest = {
  method: string;
  path: string;
  /** Query parameters; secret-bearing ones are replaced by "[redacted]". */
  query: Record<string, string>;
  /** HTTP status answered; 0 while unanswered or when the fault gave none (hang, reset). */
  status: number;
  /** ISO time of arrival (real clock, not shifted). */
  at: string;
  /** Token endpoint only: the grant type and, for JWT bearer, the claims that matter. */
  grantType?: string;
  aud?: string;
  sub?: string;
  /** Token endpoint only: the client id (`iss` or `client_id`), and the OAuth `error` code on failure. */
  iss?: string;
  error?: string;
};

export type Emulator = {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  store: OrgStore;
  requests: RecordedRequest[];
  clearRequests(): void;
  setFaults(f: Faults | undefined): void;
  close(): Promise<void>;
};

export type RestHandler = (store: OrgStore, req: EmuRequest) => Promise<EmuResponse>;

const SECRET_PARAMS = new Set([
  'assertion',
  'code',
  'code_verifier',
  'client_secret',
  'access_token',
  'refresh_token',
  'token',
  'password',
  'sessionid',
]);

const INVALID_SESSION: EmuResponse = {
  status: 401,
  body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
};

/** Reads emulator/scenarios/<name>.json; certificate file names become PEM text. */
export function loadScenario(name: string): Scenario {
  const scenario = JSON.parse(readFileSync(join(SCENARIOS_DIR, `${name}.json`), 'utf8')) as Scenario;
  return resolveScenarioCertificates(scenario);
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether nothing listens on 127.0.0.1:`port` (a listener that should be gone, is). */
export async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export async function startEmulator(scenario: Scenario | string, opts: { port?: number } = {}): Promise<Emulator> {
  const store = new OrgStore(
    typeof scenario === 'string' ? loadScenario(scenario) : resolveScenarioCertificates(scenario),
  );
  const state = new OAuthState();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const rest: RestHandler = handleRest;
  let baseUrl = '';

  const offsetMs = (): number => (store.data.faults?.clockOffsetSeconds ?? 0) * 1000;
  const ctx = (): OAuthContext => ({ store, state, baseUrl, now: () => Date.now() + offsetMs() });
  const startedAt = Date.now();
  for (const user of store.data.users) if (user.approvalPending) state.pendingSinceFor(user.id, startedAt);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }] });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function send(res: ServerResponse, answer: EmuResponse, record?: RecordedRequest): void {
    if (record) Object.assign(record, { status: answer.status });
    res.setHeader('Date', new Date(Date.now() + offsetMs()).toUTCString());
    let body = '';
    if (typeof answer.body === 'string') body = answer.body;
    else if (answer.body !== undefined) {
      body = JSON.stringify(answer.body);
      res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    }
    for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v);
    res.writeHead(answer.status);
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path.startsWith('/__')) {
      send(res, control(method, path, body));
      return;
    }

    const record: RecordedRequest = {
      method,
      path,
      query: redact(url.searchParams),
      status: 0,
      at: new Date().toISOString(),
    };
    requests.push(record);

    const faults = store.data.faults;
    if (faults && appliesTo(faults, path)) {
      if (faults.latencyMs) await sleep(faults.latencyMs);
      if (faults.reset) {
        req.socket.destroy();
        return;
      }
      if (faults.hang) return; // never answered; close() destroys the socket
      if (faults.html503) {
        send(
          res,
          { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: MAINTENANCE_PAGE },
          record,
        );
        return;
      }
      if (faults.notFound) {
        // what Salesforce answers for a resource an org or API version does not have (e.g. no Composite API)
        send(
          res,
          { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] },
          record,
        );
        return;
      }
      if (faults.oauthError) {
        const { status, ...oauthBody } = faults.oauthError;
        record.error = oauthBody.error;
        send(res, { status: status ?? 400, body: oauthBody }, record);
        return;
      }
      if (faults.malformedJson) {
        send(
          res,
          {
            status: 200,
            headers: { 'Content-Type': 'application/json;charset=UTF-8' },
            body: `{"instance_url":"${baseUrl}","id":"`,
          },
          record,
        );
        return;
      }
    }

    const emuReq: EmuRequest = { method, path, query: url.searchParams, headers: req.headers, body, baseUrl };
    send(res, await route(emuReq, record), record);
  }

  async function route(req: EmuRequest, record: RecordedRequest): Promise<EmuResponse> {
    const { path } = req;
    if (path === TOKEN_PATH) {
      const { response, info } = handleToken(ctx(), req);
      Object.assign(record, definedOnly(info));
      return response;
    }
    if (path === '/services/oauth2/authorize' && req.method === 'GET') return handleAuthorize(ctx(), req);
    if (path === '/services/oauth2/authorize/decision') return handleDecision(ctx(), req);
    if (path === REMOTE_ACCESS_ERROR_PAGE && req.method === 'GET') return handleRemoteAccessErrorPage(req);
    // The API version list is public on Salesforce.
    if (path === '/services/data' || path === '/services/data/') return rest(store, req);
    if (path.startsWith('/services/data/') || path.startsWith('/services/Soap/') || path.startsWith('/id/')) {
      const userId = bearerUser(req);
      if (userId === undefined) return INVALID_SESSION;
      if (path.startsWith('/id/')) return identity(path, userId);
      return rest(store, { ...req, userId });
    }
    return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
  }

  function bearerUser(req: EmuRequest): string | undefined {
    const auth = req.headers.authorization ?? '';
    const match = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(auth);
    // SOAP calls may carry the session in the envelope instead of the header.
    const token = match?.[1] ?? /<(?:\w+:)?sessionId>([^<]+)<\/(?:\w+:)?sessionId>/.exec(req.body)?.[1];
    return token === undefined ? undefined : state.userIdForAccessToken(token);
  }

  function identity(path: string, userId: string): EmuResponse {
    const [, , orgId, id] = path.split('/');
    const user = store.data.users.find((u) => u.id === id);
    if (orgId !== store.data.org.id || !user || id !== userId) {
      return { status: 403, body: 'Bad_Id' };
    }
    return {
      status: 200,
      body: {
        id: `${baseUrl}${path}`,
        // eslint-disable-next-line camelcase
        user_id: user.id,
        // eslint-disable-next-line camelcase
        organization_id: orgId,
        username: user.username,
        active: user.isActive !== false,
      },
    };
  }

  function control(method: string, path: string, body: string): EmuResponse {
    const key = `${method} ${path}`;
    if (key === 'GET /__requests') return { status: 200, body: requests };
    if (key === 'DELETE /__requests') {
      requests.length = 0;
      return { status: 204 };
    }
    if (key === 'GET /__state') return { status: 200, body: store.data };
    if (key === 'GET /__faults') return { status: 200, body: store.data.faults ?? {} };
    if (key === 'POST /__faults' || key === 'PUT /__faults') {
      const parsed = parseJson(body);
      if (parsed === undefined) return { status: 400, body: { message: 'body must be JSON Faults (or null)' } };
      store.data.faults = parsed === null ? undefined : (parsed as Faults);
      return { status: 200, body: store.data.faults ?? {} };
    }
    if (key === 'PATCH /__org' || key === 'POST /__org') return patchOrg(body);
    // Every access token issued so far has expired (a session timeout): the next request with one is answered 401
    // INVALID_SESSION_ID, and a client refreshes it.
    if (key === 'DELETE /__sessions') {
      state.expireAccessTokens();
      return { status: 204 };
    }
    // The deploys so far, without their zips: id, status, options, DeployMessages.
    if (key === 'GET /__deploys')
      return { status: 200, body: store.deploys.map((job) => ({ ...job, zipFile: undefined })) };
    // Every deploy has propagated: the token endpoint sees the current apps and grants at once.
    if (key === 'POST /__propagate') {
      store.endPropagation();
      return { status: 204 };
    }
    const userMatch = /^\/__users\/([^/]+)$/.exec(path);
    if (userMatch && (method === 'PATCH' || method === 'POST'))
      return patchUser(decodeURIComponent(userMatch[1]), body);
    return { status: 404, body: { message: `unknown control endpoint ${method} ${path}` } };
  }

  /**
   * PATCH /__org: change org settings at run time, e.g. {"propagationDelayMs": 5000}, {"deployPendingPolls": 0},
   * {"isDevHub": true}, {"consumerSecretsViaMetadata": false}. The org id cannot change.
   */
  function patchOrg(body: string): EmuResponse {
    const patch = parseJson(body);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      return { status: 400, body: { message: 'body must be a JSON object' } };
    Object.assign(store.data.org, patch as Partial<Scenario['org']>, { id: store.data.org.id });
    return { status: 200, body: store.data.org };
  }

  /** PATCH /__users/<username>: change user flags at run time, e.g. {"approvalPending": false}. */
  function patchUser(username: string, body: string): EmuResponse {
    const user = store.data.users.find((u) => u.username.toLowerCase() === username.toLowerCase());
    if (!user) return { status: 404, body: { message: `no user ${username}` } };
    const patch = parseJson(body);
    if (typeof patch !== 'object' || patch === null)
      return { status: 400, body: { message: 'body must be a JSON object' } };
    Object.assign(user, patch as Partial<ScenarioUser>, { id: user.id });
    return { status: 200, body: user };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    store,
    requests,
    clearRequests: (): void => {
      requests.length = 0;
    },
    setFaults: (f: Faults | undefined): void => {
      store.data.faults = f;
    },
    close: async (): Promise<void> => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

const MAINTENANCE_PAGE = `<!DOCTYPE html>
<html><head><title>Salesforce - Maintenance</title></head>
<body><h1>Service Unavailable</h1>
<p>Salesforce is down for maintenance. We apologize for the inconvenience. Please try again later.</p>
</body></html>
`;

function resolveScenarioCertificates(scenario: Scenario): Scenario {
  const copy = structuredClone(scenario);
  for (const app of copy.apps) if (app.certificate) app.certificate = resolveCertificate(app.certificate);
  return copy;
}

function appliesTo(faults: Faults, path: string): boolean {
  const paths = faults.paths ?? [TOKEN_PATH];
  return paths.some((p) => path.startsWith(p));
}

function redact(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = SECRET_PARAMS.has(k.toLowerCase()) ? '[redacted]' : v;
  return out;
}

function definedOnly(info: TokenCallInfo): TokenCallInfo {
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined)) as TokenCallInfo;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
