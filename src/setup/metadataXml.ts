/*
 * Metadata API XML for the package that `sf jwt setup` deploys: escaping, the element order of each type it
 * writes, one component file, and package.xml.
 *
 * Element order. A Metadata API file is read against its type's sequence of elements, so elements are written
 * in that order, which is also the order a retrieve returns them in. The lists below are the sequences of the
 * Metadata API at version 66.0 (they are alphabetical for these types). An element that is not in its type's
 * list is never written: a field that a newer API version adds is dropped rather than placed where its order
 * is not known.
 */

export const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';

/** What a caller did wrong when building the package: a code and its data, worded by the caller. */
export class SetupPackageError extends Error {
  public readonly code: string;
  public readonly data: Readonly<Record<string, unknown>>;

  public constructor(code: string, data: Readonly<Record<string, unknown>> = {}) {
    super(`${code} ${JSON.stringify(data)}`);
    this.name = 'SetupPackageError';
    this.code = code;
    this.data = data;
  }
}

/** A value of a metadata element: text, a nested record, or a list (written as repeated elements). */
export type XmlValue = string | number | boolean | XmlRecord | readonly XmlValue[] | null | undefined;
export type XmlRecord = { readonly [element: string]: XmlValue };

/**
 * The element order (WSDL `xsd:sequence`) of each type written here, nested types included. Only the
 * elements of PermissionSet that a new, empty permission set needs are listed.
 */
export const ELEMENT_ORDER: Readonly<Record<string, readonly string[]>> = {
  ExternalClientApplication: [
    'contactEmail',
    'contactPhone',
    'description',
    'distributionState',
    'iconUrl',
    'infoUrl',
    'isProtected',
    'label',
    'logoUrl',
    'managedType',
    'orgScopedExternalApp',
  ],
  ExtlClntAppGlobalOauthSettings: [
    'callbackUrl',
    'certificate',
    'consumerKey',
    'consumerSecret',
    'externalClientApplication',
    'idTokenConfig',
    'isClientCredentialsFlowEnabled',
    'isCodeCredFlowEnabled',
    'isCodeCredPostOnly',
    'isConsumerSecretOptional',
    'isDeviceFlowEnabled',
    'isIntrospectAllTokens',
    'isNamedUserJwtEnabled',
    'isPkceRequired',
    'isRefreshTokenRotationEnabled',
    'isSecretRequiredForRefreshToken',
    'isSecretRequiredForTokenExchange',
    'isTokenExchangeEnabled',
    'label',
    'shouldRotateConsumerKey',
    'shouldRotateConsumerSecret',
  ],
  ExternalAppIdTokenConfig: [
    'idTokenAudience',
    'idTokenIncludeAttributes',
    'idTokenIncludeCustomPermissions',
    'idTokenIncludeStandardClaims',
    'idTokenValidityInMinutes',
  ],
  ExtlClntAppOauthSettings: [
    'areAttributesIncludedInAssetToken',
    'areCustomPermsIncludedInAssetToken',
    'assetTokenAudiences',
    'assetTokenSigningCertificate',
    'assetTokenValidity',
    'clientAssertionCertificate',
    'commaSeparatedCustomScopes',
    'commaSeparatedOauthScopes',
    'customAttributes',
    'externalClientApplication',
    'isFirstPartyAppEnabled',
    'label',
    'oauthLink',
    'singleLogoutUrl',
    'trustedIpRanges',
  ],
  ExtlClntAppOauthSettingsAttribute: ['formula', 'key'],
  ExtlClntAppOauthIpRange: ['description', 'endIpAddress', 'startIpAddress'],
  ExtlClntAppConfigurablePolicies: [
    'externalClientApplication',
    'isCanvasPluginEnabled',
    'isEnabled',
    'isMobilePluginEnabled',
    'isNotificationPluginEnabled',
    'isOauthPluginEnabled',
    'isPushPluginEnabled',
    'isSamlPluginEnabled',
    'label',
    'startPage',
    'startUrl',
  ],
  ExtlClntAppOauthConfigurablePolicies: [
    'apexHandler',
    'clientCredentialsFlowUser',
    'commaSeparatedCustomScopes',
    'commaSeparatedPermissionSet',
    'commaSeparatedProfile',
    'customAttributes',
    'executeHandlerAs',
    'externalClientApplication',
    'guestJwtSessionTimeoutType',
    'guestJwtTimeout',
    'ipRelaxationPolicyType',
    'isClientCredentialsFlowEnabled',
    'isGuestCodeCredFlowEnabled',
    'isTokenExchangeFlowEnabled',
    'label',
    'namedUserJwtSessionTimeoutType',
    'namedUserJwtTimeout',
    'permittedUsersPolicyType',
    'policyAction',
    'refreshTokenPolicyType',
    'refreshTokenValidityPeriod',
    'refreshTokenValidityUnit',
    'requiredSessionLevel',
    'sessionTimeoutInMinutes',
    'singleLogoutUrl',
    'startUrl',
  ],
  ExtlClntAppOauthPoliciesAttribute: ['formula', 'key'],
  PermissionSet: ['description', 'hasActivationRequired', 'label', 'license'],
};

/** Elements whose value is a record of another type (WSDL complex types), by type and element. */
const NESTED_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ExtlClntAppGlobalOauthSettings: { idTokenConfig: 'ExternalAppIdTokenConfig' },
  ExtlClntAppOauthSettings: {
    customAttributes: 'ExtlClntAppOauthSettingsAttribute',
    trustedIpRanges: 'ExtlClntAppOauthIpRange',
  },
  ExtlClntAppOauthConfigurablePolicies: { customAttributes: 'ExtlClntAppOauthPoliciesAttribute' },
};

/** Whether `text` has a character that XML 1.0 cannot carry, even escaped (C0 controls but tab, LF, CR; U+FFFE/F). */
function hasNonXmlCharacter(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xff_fe || code === 0xff_ff) {
      return true;
    }
  }
  return false;
}

/**
 * Escapes text for an XML element or attribute (`&`, `<`, `>`, `"`, `'`). Throws SetupPackageError
 * `XML_INVALID_CHARACTER` for characters that XML cannot carry.
 */
export function escapeXml(text: string): string {
  if (hasNonXmlCharacter(text)) throw new SetupPackageError('XML_INVALID_CHARACTER', { text });
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const INDENT = '    ';

const isRecord = (value: XmlValue): value is XmlRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function renderElement(type: string, element: string, value: XmlValue, depth: number): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) {
    return (value as readonly XmlValue[]).flatMap((item) => renderElement(type, element, item, depth));
  }
  const pad = INDENT.repeat(depth);
  if (isRecord(value)) {
    const nested = NESTED_TYPES[type]?.[element];
    if (!nested) throw new SetupPackageError('XML_UNEXPECTED_RECORD', { type, element });
    return [`${pad}<${element}>`, ...renderFields(nested, value, depth + 1), `${pad}</${element}>`];
  }
  return [`${pad}<${element}>${escapeXml(String(value))}</${element}>`];
}

function renderFields(type: string, fields: XmlRecord, depth: number): string[] {
  const order = ELEMENT_ORDER[type];
  if (!order) throw new SetupPackageError('XML_UNKNOWN_TYPE', { type });
  const unknown = Object.keys(fields).filter((key) => fields[key] !== undefined && !order.includes(key));
  if (unknown.length > 0) throw new SetupPackageError('XML_UNKNOWN_ELEMENT', { type, elements: unknown });
  return order.flatMap((element) => renderElement(type, element, fields[element], depth));
}

/** Keeps only the elements of `type` that its order lists (others are dropped, see the module comment). */
export function knownElements(type: string, fields: Readonly<Record<string, unknown>>): Record<string, XmlValue> {
  const order = ELEMENT_ORDER[type] ?? [];
  const nested = NESTED_TYPES[type] ?? {};
  const kept: Record<string, XmlValue> = {};
  for (const element of order) {
    const value = toXmlValue(fields[element], nested[element]);
    if (value !== undefined) kept[element] = value;
  }
  return kept;
}

function toXmlValue(value: unknown, nestedType: string | undefined): XmlValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => toXmlValue(item, nestedType)).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object' && value !== null && nestedType) {
    const record = knownElements(nestedType, value as Record<string, unknown>);
    return Object.keys(record).length > 0 ? record : undefined;
  }
  return undefined;
}

/**
 * One component file: the XML declaration, the root element of `type` in the metadata namespace and its
 * elements in WSDL order, four-space indented, as a retrieve writes them. Throws SetupPackageError for an
 * element the type does not have.
 */
export function renderMetadataXml(type: string, fields: XmlRecord): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${type} xmlns="${METADATA_NAMESPACE}">`,
    ...renderFields(type, fields, 1),
    `</${type}>`,
    '',
  ].join('\n');
}

/** A member of the package: its metadata type and full name. */
export type PackageMember = { readonly type: string; readonly fullName: string };

/**
 * package.xml for `members`: one `<types>` per metadata type (types sorted by name, members sorted within a
 * type, as the CLI writes manifests), then `<version>`.
 */
export function renderPackageXml(members: readonly PackageMember[], apiVersion: string): string {
  const byType = new Map<string, string[]>();
  for (const { type, fullName } of members) byType.set(type, [...(byType.get(type) ?? []), fullName]);
  const types = [...byType.keys()].sort();
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Package xmlns="${METADATA_NAMESPACE}">`,
    ...types.flatMap((type) => [
      `${INDENT}<types>`,
      ...[...(byType.get(type) ?? [])].sort().map((name) => `${INDENT}${INDENT}<members>${escapeXml(name)}</members>`),
      `${INDENT}${INDENT}<name>${escapeXml(type)}</name>`,
      `${INDENT}</types>`,
    ]),
    `${INDENT}<version>${escapeXml(apiVersion)}</version>`,
    '</Package>',
    '',
  ].join('\n');
}
