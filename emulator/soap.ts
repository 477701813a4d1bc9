/*
 * The Metadata API (SOAP) of the emulator: readMetadata and listMetadata for ConnectedApp and the
 * external client app OAuth types, answered with the envelopes jsforce parses
 * (`conn.metadata.read(type, names)`, `conn.metadata.list([{ type }])`).
 */
import type { EmuRequest, EmuResponse } from './http-types.js';
import { resolveCertificate } from './keys.js';
import type { ScenarioApp } from './scenario.js';
import type { AppMetadataExtras, OrgStore } from './store.js';

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';
const XML_HEADERS = { 'Content-Type': 'text/xml;charset=UTF-8' };
const METADATA_DATE = '2025-01-06T09:00:00.000Z';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

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

/** Text of every element `<name>` (any namespace prefix) inside `xml`. */
function elements(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]);
}

/** `<name>value</name>`, or nothing for undefined. */
function el(name: string, value: string | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function respond(method: string, inner: string): EmuResponse {
  return {
    status: 200,
    headers: XML_HEADERS,
    body: `${ENVELOPE_OPEN}<${method}Response>${inner}</${method}Response>${ENVELOPE_CLOSE}`,
  };
}

function installedApps(store: OrgStore, kind: 'ConnectedApplication' | 'ExternalClientApplication'): ScenarioApp[] {
  return store.data.apps.filter((a) => a.installed !== false && (a.kind ?? 'ConnectedApplication') === kind);
}

function certificateOf(app: ScenarioApp): string | undefined {
  if (!app.certificate) return undefined;
  try {
    return resolveCertificate(app.certificate);
  } catch {
    return app.certificate;
  }
}

// ---------------------------------------------------------------------------------------------
// The metadata types

type MetadataType = {
  /** fullName of each component of this type in the org, with the app it comes from. */
  components(store: OrgStore): Array<{ fullName: string; app: ScenarioApp }>;
  /** The inner XML of one <records> element (after fullName). */
  render(app: ScenarioApp, store: OrgStore): string;
  fileName(fullName: string): string;
};

const TYPES: Record<string, MetadataType> = {
  ConnectedApp: {
    components: (store) => installedApps(store, 'ConnectedApplication').map((app) => ({ fullName: app.name, app })),
    render: (app) => {
      const extras = app as ScenarioApp & AppMetadataExtras;
      return (
        el('contactEmail', extras.contactEmail ?? 'admin@example.com') +
        el('label', app.label) +
        '<oauthConfig>' +
        el('callbackUrl', app.callbackUrls.join('\n')) +
        el('certificate', certificateOf(app)) +
        el('consumerKey', app.consumerKey) +
        el('isAdminApproved', app.adminApprovedOnly ?? false) +
        el('isClientCredentialEnabled', false) +
        el('isCodeCredentialEnabled', false) +
        el('isConsumerSecretOptional', false) +
        el('isIntrospectAllTokens', false) +
        el('isNamedUserJwtEnabled', false) +
        el('isPkceRequired', app.isPkceRequired ?? false) +
        el('isRefreshTokenRotationEnabled', false) +
        el('isSecretRequiredForRefreshToken', true) +
        el('isTokenExchangeEnabled', false) +
        app.scopes.map((s) => el('scopes', s)).join('') +
        '</oauthConfig>' +
        '<oauthPolicy>' +
        el('ipRelaxation', extras.ipRelaxation ?? 'ENFORCE') +
        el('refreshTokenPolicy', extras.refreshTokenPolicy ?? 'infinite') +
        '</oauthPolicy>'
      );
    },
    fileName: (fullName) => `connectedApps/${fullName}.connectedApp`,
  },
  ExtlClntAppGlobalOauthSettings: {
    components: (store) =>
      installedApps(store, 'ExternalClientApplication').map((app) => ({ fullName: `${app.name}_glbloauth`, app })),
    render: (app) =>
      el('callbackUrl', app.callbackUrls.join('\n')) +
      el('certificate', certificateOf(app)) +
      el('consumerKey', app.consumerKey) +
      el('externalClientApplication', app.name) +
      el('isConsumerSecretOptional', false) +
      el('isPkceRequired', app.isPkceRequired ?? true) +
      el('label', app.label),
    fileName: (fullName) => `extlClntAppGlobalOauthSets/${fullName}.ecaGlblOauth`,
  },
  ExtlClntAppOauthConfigurablePolicies: {
    components: (store) =>
      installedApps(store, 'ExternalClientApplication').map((app) => ({ fullName: `${app.name}_oauthPlcy`, app })),
    render: (app) => {
      const extras = app as ScenarioApp & AppMetadataExtras;
      const ip = extras.ipRelaxation ?? 'ENFORCE';
      const ipType =
        ip === 'BYPASS'
          ? 'Bypass'
          : ip === 'BYPASS_2FACTOR'
            ? 'Bypass_2factor'
            : ip === 'ENFORCE'
              ? 'Enforce'
              : 'Enforce_RelaxRefresh';
      return (
        el('externalClientApplication', app.name) +
        el('ipRelaxationPolicyType', ipType) +
        el('isClientCredentialsFlowEnabled', false) +
        el('label', app.label) +
        el('permittedUsersPolicyType', app.adminApprovedOnly ? 'AdminApprovedPreAuthorized' : 'AllSelfAuthorized') +
        el('refreshTokenPolicyType', 'Infinite')
      );
    },
    fileName: (fullName) => `extlClntAppOauthPolicies/${fullName}.ecaOauthPlcy`,
  },
};

function readMetadata(store: OrgStore, body: string): EmuResponse {
  const type = unescapeXml(elements(body, 'type')[0] ?? '').trim();
  const names = elements(body, 'fullNames').map((n) => unescapeXml(n).trim());
  const mt = TYPES[type] as MetadataType | undefined;
  const components = mt?.components(store) ?? [];
  // One <records> per name asked for, in order; a name that does not exist is a nil record.
  const records = names.map((name) => {
    const hit = components.find((c) => c.fullName === name);
    if (!hit || !mt) return '<records xsi:nil="true"/>';
    return `<records xsi:type="${type}">${el('fullName', hit.fullName)}${mt.render(hit.app, store)}</records>`;
  });
  return respond('readMetadata', `<result>${records.join('')}</result>`);
}

function listMetadata(store: OrgStore, body: string): EmuResponse {
  const creator = store.data.users[0];
  const results = elements(body, 'queries').flatMap((q) => {
    const type = unescapeXml(elements(q, 'type')[0] ?? '').trim();
    const mt = TYPES[type] as MetadataType | undefined;
    if (!mt) return [];
    return mt
      .components(store)
      .map(
        ({ fullName, app }) =>
          '<result>' +
          el('createdById', creator?.id ?? '') +
          el('createdByName', creator ? creator.username.split('@')[0] : '') +
          el('createdDate', METADATA_DATE) +
          el('fileName', mt.fileName(fullName)) +
          el('fullName', fullName) +
          el('id', app.id) +
          el('lastModifiedById', creator?.id ?? '') +
          el('lastModifiedByName', creator ? creator.username.split('@')[0] : '') +
          el('lastModifiedDate', METADATA_DATE) +
          el('manageableState', 'unmanaged') +
          el('type', type) +
          '</result>',
      );
  });
  return respond('listMetadata', results.join(''));
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
  if (store.isRestricted(req.userId)) {
    return soapFault(
      'INSUFFICIENT_ACCESS',
      'use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
    );
  }
  switch (method) {
    case 'readMetadata':
      return readMetadata(store, body);
    case 'listMetadata':
      return listMetadata(store, body);
    default:
      return soapFault('INVALID_OPERATION', `The emulator does not implement ${method}`);
  }
}
