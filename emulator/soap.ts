/*
 * The Metadata API (SOAP) of the emulator: readMetadata and listMetadata (ConnectedApp, PermissionSet and the
 * five external client app types, metadata.ts), deploy, checkDeployStatus and cancelDeploy (deploy.ts), answered
 * with the envelopes jsforce parses (`conn.metadata.read(type, names)`, `conn.metadata.list([{ type }])`,
 * `conn.metadata.deploy(zip, options)`, `conn.metadata.checkDeployStatus(id, true)`).
 */
import { parseDeployOptions, renderAsyncResult, renderDeployResult, startDeploy } from './deploy.js';
import type { EmuRequest, EmuResponse } from './http-types.js';
import { metadataComponents, type MetadataViewer } from './metadata.js';
import type { OrgStore } from './store.js';
import { el, elements, escapeXml, firstText, unescapeXml } from './xml.js';

export { escapeXml, unescapeXml } from './xml.js';

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';
const XML_HEADERS = { 'Content-Type': 'text/xml;charset=UTF-8' };

/** Types whose records need "View all External Client Apps, view their settings, and edit their policies". */
const POLICY_TYPES = new Set(['ExtlClntAppConfigurablePolicies', 'ExtlClntAppOauthConfigurablePolicies']);

/** A SOAP fault as Salesforce sends it (HTTP 500); jsforce reads faultcode and faultstring. */
export function soapFault(code: string, message: string): EmuResponse {
  return {
    status: 500,
    headers: XML_HEADERS,
    body:
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault>' +
      `<faultcode>sf:${code}</faultcode><faultstring>${escapeXml(`${code}: ${message}`)}</faultstring>` +
      '</soapenv:Fault></soapenv:Body></soapenv:Envelope>',
  };
}

/** The session id of a SOAP envelope's SessionHeader (jsforce sends no Authorization header). */
export function soapSessionId(body: string): string | undefined {
  const m = /<(?:[\w-]+:)?sessionId>([^<]*)<\/(?:[\w-]+:)?sessionId>/.exec(body);
  return m ? unescapeXml(m[1]) : undefined;
}

function respond(method: string, inner: string): EmuResponse {
  return {
    status: 200,
    headers: XML_HEADERS,
    body: `${ENVELOPE_OPEN}<${method}Response>${inner}</${method}Response>${ENVELOPE_CLOSE}`,
  };
}

/**
 * A read of a policy type without the permission to see ECA policies. Salesforce's wording for this case is
 * not known; "insufficient access rights on entity" is its usual form.
 */
function policyAccessFault(type: string): EmuResponse {
  return soapFault('INSUFFICIENT_ACCESS', `insufficient access rights on entity: ${type}`);
}

/**
 * Who sees the consumer key of an ECA's global OAuth settings: the org must allow access to consumer secrets
 * through the Metadata API and the user must have "View External Client Apps Consumer Secrets in Metadata".
 * Assumption: without them the record still comes back, without consumerKey (Salesforce's documented rule is
 * only that both are needed).
 */
function viewerOf(store: OrgStore, userId: string | undefined): MetadataViewer {
  const allowed = store.data.org.consumerSecretsViaMetadata !== false;
  return { consumerKeyVisible: allowed && store.permissions(userId).viewEcaConsumerSecrets };
}

function readMetadata(store: OrgStore, body: string, userId: string | undefined): EmuResponse {
  const type = firstText(body, 'type') ?? '';
  const names = elements(body, 'fullNames').map((n) => unescapeXml(n).trim());
  if (POLICY_TYPES.has(type) && !store.permissions(userId).manageEcaPolicies) return policyAccessFault(type);
  const components = metadataComponents(store.data, type);
  const viewer = viewerOf(store, userId);
  // One <records> per name asked for, in order; a name that does not exist is a nil record.
  const records = names.map((name) => {
    const hit = components.find((c) => c.fullName.toLowerCase() === name.toLowerCase());
    if (!hit) return '<records xsi:nil="true"/>';
    return `<records xsi:type="${type}">${el('fullName', hit.fullName)}${hit.render(viewer)}</records>`;
  });
  return respond('readMetadata', `<result>${records.join('')}</result>`);
}

function listMetadata(store: OrgStore, body: string, userId: string | undefined): EmuResponse {
  const types = elements(body, 'queries').map((q) => firstText(q, 'type') ?? '');
  const denied = types.find((t) => POLICY_TYPES.has(t));
  if (denied && !store.permissions(userId).manageEcaPolicies) return policyAccessFault(denied);
  const nameOf = (id: string): string => store.data.users.find((u) => u.id === id)?.username.split('@')[0] ?? '';
  const results = types.flatMap((type) =>
    metadataComponents(store.data, type).map(
      (c) =>
        '<result>' +
        el('createdById', c.audit.createdById) +
        el('createdByName', nameOf(c.audit.createdById)) +
        el('createdDate', c.audit.createdDate) +
        el('fileName', c.fileName) +
        el('fullName', c.fullName) +
        el('id', c.id) +
        el('lastModifiedById', c.audit.lastModifiedById) +
        el('lastModifiedByName', nameOf(c.audit.lastModifiedById)) +
        el('lastModifiedDate', c.audit.lastModifiedDate) +
        el('manageableState', 'unmanaged') +
        el('type', type) +
        '</result>',
    ),
  );
  return respond('listMetadata', results.join(''));
}

function deploy(store: OrgStore, body: string, userId: string): EmuResponse {
  const zipFile = (elements(body, 'ZipFile')[0] ?? '').replace(/\s+/g, '');
  const options = parseDeployOptions(elements(body, 'DeployOptions')[0] ?? '');
  return respond('deploy', renderAsyncResult(startDeploy(store, userId, zipFile, options)));
}

/** A deploy id that is not one of this org's deploys. Plausible wording: Salesforce's is not known. */
function unknownDeploy(): EmuResponse {
  return soapFault('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
}

function checkDeployStatus(store: OrgStore, body: string): EmuResponse {
  const id = firstText(body, 'asyncProcessId') ?? '';
  const job = store.deploys.find((d) => d.id === id || d.id.slice(0, 15) === id);
  if (!job) return unknownDeploy();
  job.poll(store);
  return respond('checkDeployStatus', renderDeployResult(store, job, firstText(body, 'includeDetails') === 'true'));
}

function cancel(store: OrgStore, body: string): EmuResponse {
  const id = firstText(body, 'id') ?? '';
  const job = store.deploys.find((d) => d.id === id || d.id.slice(0, 15) === id);
  if (!job) return unknownDeploy();
  job.cancel();
  return respond('cancelDeploy', `<result>${el('done', true)}${el('id', job.id)}</result>`);
}

/** Answers POST /services/Soap/m/NN.0 for the authenticated user `req.userId`. */
export function handleSoap(store: OrgStore, req: EmuRequest): EmuResponse {
  if (!/^\/services\/Soap\/m\/\d+\.0\/?$/.test(req.path)) {
    return soapFault('UNKNOWN_EXCEPTION', `The emulator does not serve ${req.path}`);
  }
  if (req.method !== 'POST') {
    return soapFault('INVALID_OPERATION', 'The Metadata API accepts only POST requests');
  }
  const body = elements(req.body, 'Body')[0];
  const method = body ? /<(?:[\w-]+:)?(\w+)[\s>/]/.exec(body)?.[1] : undefined;
  if (!body || !method) {
    return soapFault('INVALID_OPERATION', 'No operation found in the SOAP envelope');
  }
  if (!store.canUseMetadataApi(req.userId)) {
    return soapFault(
      'INSUFFICIENT_ACCESS',
      'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
    );
  }
  switch (method) {
    case 'readMetadata':
      return readMetadata(store, body, req.userId);
    case 'listMetadata':
      return listMetadata(store, body, req.userId);
    case 'deploy':
      return deploy(store, body, req.userId ?? store.data.users[0]?.id ?? '');
    case 'checkDeployStatus':
      return checkDeployStatus(store, body);
    case 'cancelDeploy':
      return cancel(store, body);
    default:
      return soapFault('INVALID_OPERATION', `The emulator does not implement ${method}`);
  }
}
