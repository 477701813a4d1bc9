/*
 * Errors of the authorize redirect and the code exchange, in plain words with the next steps. Unknown errors
 * are shown verbatim; the description is server text and is cleaned of control characters first.
 */
import { Messages } from '@salesforce/core';
import { serverText } from '../utils/printable.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('plugin-jwt', 'jwt.authorize');

/** error (or error + description) → message key in jwt.authorize.md */
const KNOWN_ERRORS = new Map<string, string>([
  ['access_denied', 'accessDenied'],
  ['redirect_uri_mismatch', 'redirectUriMismatch'],
  ['redirect_uri_missing', 'redirectUriMismatch'],
  ['invalid_client_id', 'invalidClientId'],
  ['OAUTH_EC_APP_NOT_FOUND', 'appNotFound'],
  ['app_not_found', 'appNotFound'],
  ['invalid_scope', 'invalidScope'],
  ['inactive_user', 'inactiveUser'],
  ['inactive_org', 'inactiveOrg'],
  ['rate_limit_exceeded', 'rateLimited'],
  ['unsupported_response_type', 'unsupportedResponseType'],
  ['invalid_client', 'invalidClient'],
  ['invalid_request', 'invalidRequest'],
  ['invalid_grant', 'invalidGrant'],
  ['unexpected_response', 'unexpectedResponse'],
  ['network_error', 'networkError'],
  ['timeout', 'timeout'],
]);

/**
 * Plain words and next steps for an error from the authorize redirect or the code exchange. Unknown errors
 * are shown verbatim. The description is server text: it is cleaned of control characters before use.
 */
export function describeAuthorizeError(error: string, description?: string): { message: string; actions: string[] } {
  const desc = serverText(description);
  let key = KNOWN_ERRORS.get(error);
  if (error === 'invalid_grant' && desc && /ip restricted|login hours/i.test(desc)) key = 'ipRestricted';
  // A connected app that is not installed in the org (Salesforce restricts uninstalled apps since 2025)
  if (error === 'invalid_client' && desc && /must be installed/i.test(desc)) key = 'appMustBeInstalled';
  if (!key) {
    return {
      message: messages.getMessage('authorizeError.unknown', [serverText(error, 100) ?? error, desc ?? '']).trim(),
      actions: messages.getMessages('authorizeError.unknown.actions'),
    };
  }
  const base = messages.getMessage(`authorizeError.${key}`);
  const said =
    desc && key !== 'unexpectedResponse' && key !== 'networkError' && key !== 'timeout'
      ? ` ${messages.getMessage('authorizeError.serverSaid', [error, desc])}`
      : desc
        ? ` ${desc}`
        : '';
  return { message: `${base}${said}`, actions: messages.getMessages(`authorizeError.${key}.actions`) };
}
