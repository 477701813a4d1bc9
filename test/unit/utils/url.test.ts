import { expect } from 'chai';
import { redactSecrets, redactUrl } from '../../../src/utils/url.js';

describe('URLs without credentials (url.ts)', () => {
  it('redactUrl: user info, query and fragment become ****, so they still show as being there', () => {
    const cases: Array<[string, string]> = [
      ['https://acme.my.salesforce.com/?access_token=00Dx!abc#frag', 'https://acme.my.salesforce.com/?****#****'],
      ['https://user:pw@acme.my.salesforce.com/path?sid=1', 'https://****@acme.my.salesforce.com/path?****'],
      ['https://test.salesforce.com', 'https://test.salesforce.com'],
      ['https://test.salesforce.com/?', 'https://test.salesforce.com/?'],
      ['https://x.com/#a?b', 'https://x.com/#****'],
      ['acme.my.salesforce.com?sid=1', 'acme.my.salesforce.com?****'],
    ];
    for (const [raw, shown] of cases) expect(redactUrl(raw), raw).to.equal(shown);
  });

  it('redactSecrets: the credentials of every URL in a text, and nothing else', () => {
    const authorize =
      'https://x.com/services/oauth2/authorize?response_type=code&client_id=3MVG&redirect_uri=http%3A%2F%2Flocalhost&code_challenge=abc&state=x';
    expect(redactSecrets(`open ${authorize}`), 'an authorize URL carries no credential').to.equal(`open ${authorize}`);
    expect(
      redactSecrets('GET https://u:p@a.com/x?sid=00D!abc&a=1 then http://b.com/?code=xyz#access_token=t&x=1'),
    ).to.equal('GET https://****@a.com/x?sid=****&a=1 then http://b.com/?code=****#access_token=****&x=1');
    expect(redactSecrets('https://****@a.com/?sid=****')).to.equal('https://****@a.com/?sid=****');
    for (const name of ['access_token', 'refresh_token', 'SID', 'code', 'password', 'client_secret', 'assertion']) {
      expect(redactSecrets(`https://a.com/?${name}=v1`), name).to.equal(`https://a.com/?${name}=****`);
    }
  });
});
