import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { audienceCandidate, audienceProbes, loginAudienceCombos } from '../../../src/diagnose/pairs.js';
import { PRODUCTION_URL, SANDBOX_URL } from '../../../src/org/loginUrl.js';

const require = createRequire(import.meta.url);
// core does not export this helper; load it from its file to prove the pairs are the same
const core = require(resolve('node_modules/@salesforce/core/lib/util/sfdcUrl.js')) as {
  getLoginAudienceCombos: (a: string, l: string) => Array<[string, string]>;
};

describe('login/audience pairs', () => {
  const loginUrls = [
    'https://login.salesforce.com',
    'https://test.salesforce.com',
    'https://test.salesforce.com/',
    'https://acme--uat.sandbox.my.salesforce.com/',
    'http://127.0.0.1:41234/',
    'https://gs1.my.salesforce.com/',
  ];
  const audiences = [PRODUCTION_URL, SANDBOX_URL, 'https://gs1.salesforce.com', 'https://acme.my.site.com/customers'];
  for (const loginUrl of loginUrls) {
    for (const aud of audiences) {
      it(`matches core for ${loginUrl} with audience ${aud}`, () => {
        expect(loginAudienceCombos(aud, loginUrl)).to.deep.equal(core.getLoginAudienceCombos(aud, loginUrl));
      });
    }
  }

  it('gives the five pairs of a local login URL, the login URL first', () => {
    const l = 'http://127.0.0.1:41234/';
    expect(loginAudienceCombos(PRODUCTION_URL, l)).to.deep.equal([
      [l, l],
      [SANDBOX_URL, SANDBOX_URL],
      [PRODUCTION_URL, PRODUCTION_URL],
      [l, PRODUCTION_URL],
      [l, SANDBOX_URL],
    ]);
  });

  it('takes the audience candidate from SF_AUDIENCE_URL, then SFDX_AUDIENCE_URL, then gs1, else production', () => {
    expect(audienceCandidate('https://x.my.salesforce.com', { SF_AUDIENCE_URL: 'https://a.example' })).to.equal(
      'https://a.example',
    );
    expect(audienceCandidate('https://x.my.salesforce.com', { SFDX_AUDIENCE_URL: 'https://b.example' })).to.equal(
      'https://b.example',
    );
    expect(audienceCandidate('https://gs1.my.salesforce.com', {})).to.equal('https://gs1.salesforce.com');
    expect(audienceCandidate('https://test.salesforce.com', {})).to.equal(PRODUCTION_URL);
  });
});

it('proposes audience probes not yet tried against the login URL', () => {
  const l = 'https://acme.my.site.com/';
  expect(audienceProbes(l, [l, PRODUCTION_URL, SANDBOX_URL], {})).to.deep.equal(['https://acme.my.site.com']);
  expect(audienceProbes(l, [l], { SF_AUDIENCE_URL: 'https://x.example' })).to.include('https://x.example');
});
