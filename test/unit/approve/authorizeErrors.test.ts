import { expect } from 'chai';
import { describeAuthorizeError } from '../../../src/approve/authorizeErrors.js';

describe('authorize: describeAuthorizeError', () => {
  it('explains every known authorize and exchange error with next steps', () => {
    const known = [
      'access_denied',
      'redirect_uri_mismatch',
      'redirect_uri_missing',
      'invalid_client_id',
      'OAUTH_EC_APP_NOT_FOUND',
      'app_not_found',
      'invalid_scope',
      'inactive_user',
      'inactive_org',
      'rate_limit_exceeded',
      'unsupported_response_type',
      'invalid_client',
      'invalid_request',
      'invalid_grant',
      'unexpected_response',
      'network_error',
      'timeout',
    ];
    const messagesSeen = new Set<string>();
    for (const error of known) {
      const { message, actions } = describeAuthorizeError(error);
      expect(message, error).to.be.a('string').and.not.equal('');
      expect(message, error).to.not.include('%s');
      expect(actions, error).to.be.an('array').that.is.not.empty;
      expect(message, error).to.not.match(/^Salesforce refused the approval/); // not the generic fallback
      messagesSeen.add(message);
    }
    expect(messagesSeen.size).to.be.greaterThan(10);
  });

  it('says the redirect URI must match exactly, trailing slash included', () => {
    const { message, actions } = describeAuthorizeError(
      'redirect_uri_mismatch',
      'redirect_uri must match configuration',
    );
    expect(message).to.include('must match the app').and.include('trailing slash included');
    expect(message).to.include('redirect_uri must match configuration');
    expect(actions.join(' ')).to.include('Callback URL').and.include('--redirect-uri');
  });

  it('points to the consumer secret variable for invalid_client', () => {
    expect(describeAuthorizeError('invalid_client', 'invalid client credentials').actions.join(' ')).to.include(
      'SF_JWT_CONSUMER_SECRET',
    );
  });

  it('tells an uninstalled connected app apart from a missing consumer secret (both invalid_client)', () => {
    const uninstalled = describeAuthorizeError('invalid_client', 'app must be installed into org');
    expect(uninstalled.message).to.include('not installed');
    expect(uninstalled.actions.join(' ')).to.include('Connected Apps OAuth Usage');
    expect(uninstalled.actions.join(' ')).to.not.include('SF_JWT_CONSUMER_SECRET');
  });

  it('recognizes IP restrictions inside invalid_grant', () => {
    const { message } = describeAuthorizeError('invalid_grant', 'IP restricted or invalid login hours');
    expect(message).to.include('IP restrictions');
  });

  it('shows unknown errors verbatim, cleaned of control characters', () => {
    const { message, actions } = describeAuthorizeError('brand_new_error', 'something \u001b[31mred\u0007 happened');
    expect(message).to.include('brand_new_error').and.include('something');
    expect([...message].some((c) => c.charCodeAt(0) < 0x20)).to.equal(false);
    expect(actions).to.not.be.empty;
  });
});
