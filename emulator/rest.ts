/*
 * The REST side of the emulator: API versions, resources, SOQL query (REST and Tooling), sObject
 * create / read / delete / describe, composite requests, and the Metadata API (SOAP, in soap.ts).
 * Answers use Salesforce's response shapes, error arrays and HTTP statuses.
 */
import type { EmuRequest, EmuResponse } from './http-types.js';
import { handleSoap } from './soap.js';
import { describeColumns, executeSoql, SoqlError } from './soql.js';
import { ApiError, notFound, OrgStore } from './store.js';

export const LATEST_API_VERSION = 66;
const OLDEST_API_VERSION = 20;

type Json = Record<string, unknown>;

function errorResponse(
  status: number,
  errors: Array<{ message: string; errorCode: string; fields?: string[] }>,
): EmuResponse {
  return { status, body: errors };
}

function fromError(err: unknown): EmuResponse {
  if (err instanceof ApiError) return errorResponse(err.status, err.errors);
  if (err instanceof SoqlError) return errorResponse(400, [{ message: err.message, errorCode: err.errorCode }]);
  throw err;
}

/** The release name of an API version: 66.0 is Spring '26, 65.0 Winter '26, 64.0 Summer '25, … */
export function releaseLabel(version: number): string {
  const k = LATEST_API_VERSION - version;
  const cycle = Math.floor(k / 3);
  const year = 26 - cycle;
  switch (k % 3) {
    case 0:
      return `Spring '${String(year).padStart(2, '0')}`;
    case 1:
      return `Winter '${String(year).padStart(2, '0')}`;
    default:
      return `Summer '${String(year - 1).padStart(2, '0')}`;
  }
}

function versions(): EmuResponse {
  const list = [];
  for (let v = OLDEST_API_VERSION; v <= LATEST_API_VERSION; v++) {
    list.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return { status: 200, body: list };
}

function resources(version: string): EmuResponse {
  const base = `/services/data/v${version}`;
  const names = [
    'tooling',
    'metadata',
    'eclair',
    'folders',
    'prechatForms',
    'jsonxform',
    'chatter',
    'tabs',
    'appMenu',
    'quickActions',
    'queryAll',
    'commerce',
    'wave',
    'iot',
    'analytics',
    'search',
    'identity',
    'composite',
    'parameterizedSearch',
    'fingerprint',
    'theme',
    'nouns',
    'event',
    'serviceTemplates',
    'recent',
    'connect',
    'licensing',
    'limits',
    'process',
    'async-queries',
    'query',
    'match',
    'emailConnect',
    'compactLayouts',
    'knowledgeManagement',
    'sobjects',
    'actions',
    'support',
  ];
  const body: Record<string, string> = {};
  for (const n of names) body[n] = n === 'identity' ? '/id/' : `${base}/${n}`;
  return { status: 200, body };
}

function query(store: OrgStore, req: EmuRequest, version: string, tooling: boolean): EmuResponse {
  const q = req.query.get('q');
  if (q === null || q.trim() === '') {
    return errorResponse(400, [{ message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' }]);
  }
  try {
    const ds = store.dataSource(req.userId);
    if (req.query.get('columns') === 'true') {
      return { status: 200, body: describeColumns(q, ds) };
    }
    const prefix = `/services/data/v${version}${tooling ? '/tooling' : ''}/sobjects`;
    return { status: 200, body: executeSoql(q, ds, { sobjectUrlPrefix: prefix }) };
  } catch (err) {
    return fromError(err);
  }
}

function describe(store: OrgStore, name: string): EmuResponse {
  const obj = store.describe(name);
  if (!obj) return fromError(notFound());
  return {
    status: 200,
    body: {
      name: obj.name,
      label: obj.label,
      keyPrefix: obj.keyPrefix,
      createable: obj.createable ?? false,
      deletable: obj.deletable ?? false,
      queryable: true,
      retrieveable: true,
      updateable: false,
      custom: false,
      fields: obj.fields.map((f) => ({
        name: f.name,
        label: f.label ?? f.name,
        type: f.type,
        nillable: f.nillable ?? true,
        createable: f.createable ?? false,
        updateable: false,
        referenceTo: f.referenceTo ? [f.referenceTo] : [],
        relationshipName: f.relationshipName ?? null,
      })),
    },
  };
}

function globalDescribe(store: OrgStore): EmuResponse {
  return {
    status: 200,
    body: {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: store.objects().map((o) => ({
        name: o.name,
        label: o.label,
        keyPrefix: o.keyPrefix,
        createable: o.createable ?? false,
        deletable: o.deletable ?? false,
        queryable: true,
        custom: false,
      })),
    },
  };
}

function parseJsonBody(body: string): Json | EmuResponse {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Json;
    return errorResponse(400, [
      { message: 'Cannot deserialize instance of object from a non-object value', errorCode: 'JSON_PARSER_ERROR' },
    ]);
  } catch (err) {
    return errorResponse(400, [{ message: (err as Error).message, errorCode: 'JSON_PARSER_ERROR' }]);
  }
}

function isResponse(value: unknown): value is EmuResponse {
  return typeof value === 'object' && value !== null && 'status' in value && typeof (value as Json).status === 'number';
}

function sobjects(store: OrgStore, req: EmuRequest, version: string, rest: string[]): EmuResponse {
  const [typeName, second] = rest;
  if (!typeName) {
    return req.method === 'GET' ? globalDescribe(store) : methodNotAllowed(req.method, 'GET,HEAD');
  }
  const obj = store.describe(typeName);
  if (!obj || rest.length > 2) return fromError(notFound());
  try {
    if (second === undefined) {
      if (req.method === 'POST') {
        const parsed = parseJsonBody(req.body);
        if (isResponse(parsed)) return parsed;
        const id = store.create(obj.name, parsed, req.userId);
        return {
          status: 201,
          headers: { Location: `/services/data/v${version}/sobjects/${obj.name}/${id}` },
          body: { id, success: true, errors: [] },
        };
      }
      if (req.method === 'GET') {
        return {
          status: 200,
          body: { objectDescribe: { name: obj.name, label: obj.label, keyPrefix: obj.keyPrefix }, recentItems: [] },
        };
      }
      return methodNotAllowed(req.method, 'GET,HEAD,POST');
    }
    if (second === 'describe') {
      return req.method === 'GET' ? describe(store, obj.name) : methodNotAllowed(req.method, 'GET,HEAD');
    }
    if (req.method === 'GET') {
      store.assertCanRead(obj.name, req.userId);
      const row = store.findById(obj.name, second);
      if (!row) throw notFound();
      const fieldsParam = req.query.get('fields');
      const wanted = fieldsParam
        ? fieldsParam.split(',').map((f) => {
            const field = obj.fields.find((x) => x.name.toLowerCase() === f.trim().toLowerCase());
            if (!field) {
              throw new ApiError(400, [
                { message: `No such column '${f.trim()}' on sobject of type ${obj.name}`, errorCode: 'INVALID_FIELD' },
              ]);
            }
            return field.name;
          })
        : obj.fields.map((x) => x.name);
      const body: Json = {
        attributes: { type: obj.name, url: `/services/data/v${version}/sobjects/${obj.name}/${String(row.Id)}` },
      };
      for (const name of wanted) body[name] = row[name] ?? null;
      return { status: 200, body };
    }
    if (req.method === 'DELETE') {
      store.delete(obj.name, second, req.userId);
      return { status: 204 };
    }
    return methodNotAllowed(req.method, 'GET,HEAD,DELETE');
  } catch (err) {
    return fromError(err);
  }
}

function methodNotAllowed(method: string, allowed: string): EmuResponse {
  return errorResponse(405, [
    { errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are ${allowed}` },
  ]);
}

// ---------------------------------------------------------------------------------------------
// Composite

const ROLLED_BACK = 'The transaction was rolled back since another operation in the same transaction failed.';
const REFERENCE_RE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}/g;
const MAX_SUBREQUESTS = 25;

type SubResult = { body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string };

class UnresolvedReference extends Error {
  public constructor(
    public readonly expression: string,
    public readonly refId: string,
  ) {
    super(`Invalid reference specified. No value for ${expression} found in ${refId}`);
  }
}

/** Follows `.name` and `[n]` steps through a JSON value. */
function lookup(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (current === null || current === undefined || typeof current !== 'object') return undefined;
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function resolveReference(results: Map<string, SubResult>, refId: string, path: string): unknown {
  const expression = `${refId}${path}`;
  const result = results.get(refId);
  if (!result || result.httpStatusCode >= 400) throw new UnresolvedReference(expression, refId);
  const value = lookup(result.body, path);
  if (value === undefined || value === null || typeof value === 'object')
    throw new UnresolvedReference(expression, refId);
  return value;
}

function substituteString(text: string, results: Map<string, SubResult>): unknown {
  const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}$/.exec(text);
  if (whole) return resolveReference(results, whole[1], whole[2]);
  return text.replace(REFERENCE_RE, (_, refId: string, path: string) => String(resolveReference(results, refId, path)));
}

function substituteBody(value: unknown, results: Map<string, SubResult>): unknown {
  if (typeof value === 'string') return substituteString(value, results);
  if (Array.isArray(value)) return value.map((v) => substituteBody(v, results));
  if (typeof value === 'object' && value !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteBody(v, results);
    return out;
  }
  return value;
}

async function composite(store: OrgStore, req: EmuRequest): Promise<EmuResponse> {
  if (req.method !== 'POST') return methodNotAllowed(req.method, 'POST');
  const parsed = parseJsonBody(req.body);
  if (isResponse(parsed)) return parsed;
  const subrequests = parsed.compositeRequest;
  if (!Array.isArray(subrequests) || subrequests.length === 0) {
    return errorResponse(400, [{ message: "'compositeRequest' is a required field.", errorCode: 'JSON_PARSER_ERROR' }]);
  }
  if (subrequests.length > MAX_SUBREQUESTS) {
    return errorResponse(400, [
      {
        message: `Exceeded max limit of subrequests allowed. Max limit: ${MAX_SUBREQUESTS}`,
        errorCode: 'INVALID_INPUT',
      },
    ]);
  }
  for (const sub of subrequests as Json[]) {
    for (const key of ['method', 'url', 'referenceId']) {
      if (typeof sub?.[key] !== 'string' || sub[key] === '') {
        return errorResponse(400, [{ message: `'${key}' is a required field.`, errorCode: 'JSON_PARSER_ERROR' }]);
      }
    }
  }
  const allOrNone = parsed.allOrNone === true;
  const rollback = store.snapshot();
  const results = new Map<string, SubResult>();
  const out: SubResult[] = [];
  let failedAt = -1;
  for (const [k, sub] of (subrequests as Json[]).entries()) {
    const referenceId = sub.referenceId as string;
    let result: SubResult;
    try {
      const url = substituteString(sub.url as string, results);
      const body = sub.body === undefined ? undefined : substituteBody(sub.body, results);
      const target = new URL(String(url), req.baseUrl);
      // eslint-disable-next-line no-await-in-loop -- subrequests run in order and may depend on each other
      const res = await handleRest(store, {
        method: String(sub.method).toUpperCase(),
        path: target.pathname,
        query: target.searchParams,
        headers: {},
        body: body === undefined ? '' : JSON.stringify(body),
        userId: req.userId,
        baseUrl: req.baseUrl,
      });
      result = { body: res.body ?? null, httpHeaders: res.headers ?? {}, httpStatusCode: res.status, referenceId };
    } catch (err) {
      if (!(err instanceof UnresolvedReference)) throw err;
      result = {
        body: [{ errorCode: 'PROCESSING_HALTED', message: err.message }],
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId,
      };
    }
    results.set(referenceId, result);
    out.push(result);
    if (allOrNone && result.httpStatusCode >= 400) {
      failedAt = k;
      break;
    }
  }
  if (failedAt >= 0) {
    rollback();
    const halted = (referenceId: string): SubResult => ({
      body: [{ errorCode: 'PROCESSING_HALTED', message: ROLLED_BACK }],
      httpHeaders: {},
      httpStatusCode: 400,
      referenceId,
    });
    const all = (subrequests as Json[]).map((sub, k) => (k === failedAt ? out[k] : halted(sub.referenceId as string)));
    return { status: 200, body: { compositeResponse: all } };
  }
  return { status: 200, body: { compositeResponse: out } };
}

// ---------------------------------------------------------------------------------------------
// Routing

/**
 * Answers every request under /services/data and /services/Soap for the authenticated user
 * `req.userId` (the server checks the session first).
 */
export async function handleRest(store: OrgStore, req: EmuRequest): Promise<EmuResponse> {
  if (req.path.startsWith('/services/Soap/')) return handleSoap(store, req);
  const path = req.path.replace(/\/+$/, '');
  if (path === '/services/data') return req.method === 'GET' ? versions() : methodNotAllowed(req.method, 'GET,HEAD');
  const m = /^\/services\/data\/v(\d+)\.0(?:\/(.*))?$/.exec(path);
  const major = m ? Number(m[1]) : NaN;
  if (!m || major < OLDEST_API_VERSION || major > LATEST_API_VERSION) return fromError(notFound());
  const version = `${major}.0`;
  const rest = (m[2] ?? '').split('/').filter((s) => s !== '');
  const [head, ...tail] = rest;
  if (head === undefined) return req.method === 'GET' ? resources(version) : methodNotAllowed(req.method, 'GET,HEAD');
  return versionedRoute(store, req, version, head, tail);
}

/** Routes under /services/data/vNN.0/<head>/<tail…>. */
async function versionedRoute(
  store: OrgStore,
  req: EmuRequest,
  version: string,
  head: string,
  tail: string[],
): Promise<EmuResponse> {
  switch (head) {
    case 'query':
    case 'queryAll':
      if (tail.length) return fromError(notFound());
      return req.method === 'GET' ? query(store, req, version, false) : methodNotAllowed(req.method, 'GET,HEAD');
    case 'tooling':
      if (tail[0] === 'query' && tail.length === 1) {
        return req.method === 'GET' ? query(store, req, version, true) : methodNotAllowed(req.method, 'GET,HEAD');
      }
      if (tail[0] === 'sobjects') return sobjects(store, req, version, tail.slice(1));
      return fromError(notFound());
    case 'sobjects':
      return sobjects(store, req, version, tail);
    case 'composite':
      if (tail.length) return fromError(notFound());
      return composite(store, req);
    case 'limits':
      return {
        status: 200,
        body: {
          DailyApiRequests: { Max: 15_000, Remaining: 14_999 },
          DailyAsyncApexExecutions: { Max: 250_000, Remaining: 250_000 },
        },
      };
    default:
      return fromError(notFound());
  }
}
