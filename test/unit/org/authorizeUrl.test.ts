import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  DEFAULT_REDIRECT_URI,
  DEFAULT_SCOPE,
  scopeAllowsJwt,
} from '../../../src/org/authorizeUrl.js';

function queryOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

describe('authorize: buildAuthorizeUrl', () => {
  const base = { clientId: '3MVG9abc', redirectUri: DEFAULT_REDIRECT_URI, scope: DEFAULT_SCOPE, state: 'st4te' };

  it('builds the exact authorize URL, spaces as %20, prompt login consent', () => {
    const url = buildAuthorizeUrl({ ...base, loginUrl: 'https://test.salesforce.com' });
    expect(url).to.equal(
      'https://test.salesforce.com/services/oauth2/authorize?response_type=code&client_id=3MVG9abc' +
        '&redirect_uri=http%3A%2F%2Flocalhost%3A1717%2FOauthRedirect&scope=refresh_token%20api%20web' +
        '&prompt=login%20consent&state=st4te',
    );
    expect(url).to.not.include('+');
  });

  it('sends the redirect URI exactly as given: trailing slash kept, none added', () => {
    const withSlash = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      redirectUri: 'https://ci.acme.com/oauth/callback/',
    });
    expect(queryOf(withSlash).get('redirect_uri')).to.equal('https://ci.acme.com/oauth/callback/');
    const bareOrigin = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      redirectUri: 'http://localhost:1717',
    });
    expect(queryOf(bareOrigin).get('redirect_uri')).to.equal('http://localhost:1717');
    const withQuery = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      redirectUri: 'https://x.example/cb?a=1&b=2',
    });
    expect(queryOf(withQuery).get('redirect_uri')).to.equal('https://x.example/cb?a=1&b=2');
  });

  it('uses the My Domain origin and keeps an Experience Cloud path prefix, without double slashes', () => {
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'https://acme.my.salesforce.com/' })).to.match(
      /^https:\/\/acme\.my\.salesforce\.com\/services\/oauth2\/authorize\?/,
    );
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'https://acme.my.site.com/partners/' })).to.match(
      /^https:\/\/acme\.my\.site\.com\/partners\/services\/oauth2\/authorize\?/,
    );
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'https://acme.my.site.com/partners?x=1#frag' }))
      .to.throw(/query/)
      .with.property('name', 'LoginUrlNotUsableError');
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'https://ci:pw@acme.my.salesforce.com' }))
      .to.throw(/user name or password/)
      .with.property('name', 'LoginUrlNotUsableError');
  });

  it('encodes scope and client id as query values', () => {
    const url = buildAuthorizeUrl({
      ...base,
      loginUrl: 'https://login.salesforce.com',
      clientId: '3MVG9a+b/c=',
      scope: '  api   refresh_token ',
    });
    expect(url).to.include('client_id=3MVG9a%2Bb%2Fc%3D');
    expect(url).to.include('scope=api%20refresh_token&');
    expect(queryOf(url).get('prompt')).to.equal('login consent');
    expect(queryOf(url).get('response_type')).to.equal('code');
  });

  it('adds a PKCE S256 challenge that is the SHA-256 of the verifier', () => {
    const pkce = createPkce();
    expect(pkce.method).to.equal('S256');
    expect(pkce.verifier).to.match(/^[A-Za-z0-9_-]{43,128}$/);
    expect(pkce.challenge).to.equal(createHash('sha256').update(pkce.verifier).digest('base64url'));
    expect(pkce.challenge).to.not.equal(pkce.verifier);
    expect(createPkce().verifier).to.not.equal(pkce.verifier);

    const url = buildAuthorizeUrl({ ...base, loginUrl: 'https://login.salesforce.com', codeChallenge: pkce.challenge });
    expect(queryOf(url).get('code_challenge')).to.equal(pkce.challenge);
    expect(queryOf(url).get('code_challenge_method')).to.equal('S256');
    expect(url).to.not.include(pkce.verifier);
    expect(
      queryOf(buildAuthorizeUrl({ ...base, loginUrl: 'https://login.salesforce.com' })).has('code_challenge'),
    ).to.equal(false);
  });

  it('creates a fresh, URL-safe state each time', () => {
    const a = createState();
    expect(a).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(createState()).to.not.equal(a);
  });

  it('allows plain http only for loopback hosts and refuses other URLs', () => {
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'http://127.0.0.1:6101' })).to.match(
      /^http:\/\/127\.0\.0\.1:6101\/services/,
    );
    expect(buildAuthorizeUrl({ ...base, loginUrl: 'http://localhost:6101' })).to.match(
      /^http:\/\/localhost:6101\/services/,
    );
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'http://login.salesforce.com' }))
      .to.throw()
      .with.property('name', 'InsecureLoginUrlError');
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'login.salesforce.com' }))
      .to.throw()
      .with.property('name', 'InvalidLoginUrlError');
    expect(() => buildAuthorizeUrl({ ...base, loginUrl: 'ftp://login.salesforce.com' }))
      .to.throw()
      .with.property('name', 'InvalidLoginUrlError');
  });
});

describe('authorize URL: scopes', () => {
  it('accepts a scope only when it carries refresh_token or offline_access', () => {
    expect(scopeAllowsJwt(DEFAULT_SCOPE)).to.equal(true);
    expect(scopeAllowsJwt('api offline_access')).to.equal(true);
    expect(scopeAllowsJwt('api+refresh_token')).to.equal(true);
    expect(scopeAllowsJwt('api web')).to.equal(false);
    expect(scopeAllowsJwt('api refresh_tokens')).to.equal(false);
    expect(scopeAllowsJwt('full')).to.equal(false);
    expect(scopeAllowsJwt('')).to.equal(false);
  });
});
