/*
 * Salesforce record ids: a 3-character key prefix, a 12-character body, and (for the 18-character
 * form) a 3-character case-safe suffix computed from the case of the first 15 characters.
 */

/** Key prefixes of the objects the emulator knows. */
export const KEY_PREFIXES = {
  Organization: '00D',
  User: '005',
  Profile: '00e',
  UserLogin: '060',
  PermissionSet: '0PS',
  PermissionSetAssignment: '0Pa',
  SetupEntityAccess: '0J0',
  ConnectedApplication: '0H4',
  ExternalClientApplication: '0xI',
  // No official documentation of this prefix was found; any stable 3-character value serves.
  ExtlClntAppOauthPlcyCnfg: '0zQ',
  AppMenuItem: '02u',
  // The records behind the other ECA metadata components and deploy requests. 0Af is what deploy ids look
  // like; the three component prefixes were not checked against an org (any stable value serves).
  ExtlClntAppGlobalOauthSettings: '0Kv',
  ExtlClntAppOauthSettings: '0Kw',
  ExtlClntAppConfigurablePolicies: '0Kx',
  DeployRequest: '0Af',
  ScratchOrgInfo: '2SR',
  // Not checked against an org; no rows of this object are modelled.
  PermissionSetGroupComponent: '0PH',
} as const;

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 3-character case-safe suffix of a 15-character id. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/**
 * True for a 15- or 18-character alphanumeric id. The case-safe suffix is not checked: scenario
 * fixtures use hand-written ids.
 */
export function isValidId(value: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value);
}

/** The 18-character form of a 15- or 18-character id; anything else is returned unchanged. */
export function to18(id: string): string {
  if (/^[a-zA-Z0-9]{15}$/.test(id)) return id + idSuffix(id);
  return id;
}

/** Ids compare on their first 15 characters (case-sensitive), as Salesforce does for 15 vs 18 forms. */
export function sameId(a: string, b: string): boolean {
  if (a === b) return true;
  const idLike = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;
  if (!idLike.test(a) || !idLike.test(b)) return false;
  return a.slice(0, 15) === b.slice(0, 15);
}

/** Builds an 18-character id from a key prefix and a sequence number, e.g. 0PS + pod "5g" + body. */
export function makeId(prefix: string, seq: number): string {
  let body = '';
  let n = seq;
  do {
    body = BASE62.charAt(n % 62) + body;
    n = Math.floor(n / 62);
  } while (n > 0);
  const id15 = (prefix + '5g' + body.padStart(10, '0')).slice(0, 15);
  return id15 + idSuffix(id15);
}

/**
 * A stable id of another object derived from an existing id (e.g. the AppMenuItem of an app, the
 * UserLogin of a user): same body, other prefix.
 */
export function deriveId(prefix: string, fromId: string): string {
  const body = fromId.length >= 15 ? fromId.slice(3, 15) : fromId.padStart(12, '0').slice(-12);
  const id15 = prefix + body;
  return id15 + idSuffix(id15);
}
