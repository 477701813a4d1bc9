/*
 * A network failure in words. undici, Node and OpenSSL report failures with their own codes and strings
 * ("UND_ERR_SOCKET: other side closed", "error:0A00010B:SSL routines::wrong version number", "bad port"),
 * which mean nothing to the person who runs the command; this says what happened.
 */
import { Messages } from '@salesforce/core';
import type { HttpFailure } from './http.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.token');

/** Error code (or code family) → message key in jwt.token.md. */
const BY_CODE: Record<string, string> = {
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'connectTimeout',
  UND_ERR_HEADERS_TIMEOUT: 'stalled',
  UND_ERR_BODY_TIMEOUT: 'stalled',
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dnsAgain',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'closed',
  UND_ERR_CLOSED: 'closed',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EPROTO: 'notTls',
};

/** TLS failures by what the detail says (Node's certificate messages, OpenSSL's reason strings). */
const TLS_DETAILS: Array<[RegExp, string]> = [
  [/wrong version number|packet length too long|http request|unknown protocol/i, 'tls.notTls'],
  [/expired/i, 'tls.expired'],
  [/self[- ]signed/i, 'tls.selfSigned'],
  [/altname|hostname|host name|does not match/i, 'tls.hostname'],
  [/unable to (verify|get)|issuer|untrusted|chain/i, 'tls.untrusted'],
];

/** What went wrong with the connection, in words, without any internal code or library string. */
export function describeNetworkFailure(failure: Pick<HttpFailure, 'code' | 'detail'>): string {
  if (failure.code === 'TLS') {
    const key = TLS_DETAILS.find(([pattern]) => pattern.test(failure.detail))?.[1] ?? 'tls.other';
    return messages.getMessage(`network.${key}`);
  }
  const key = BY_CODE[failure.code];
  if (key) return messages.getMessage(`network.${key}`);
  if (/bad port/i.test(failure.detail)) return messages.getMessage('network.badPort');
  return messages.getMessage('network.other');
}
