import { expect } from 'chai';
import { afterUserLookup, compareOrgs, type AdminOrgFacts } from '../../../src/org/orgMatch.js';

const uatAdmin: AdminOrgFacts = {
  name: 'uat-admin',
  orgId: '00D5g000000UAT1EAO',
  instanceUrl: 'https://acme--uat.sandbox.my.salesforce.com',
  loginUrl: 'https://test.salesforce.com/',
  isSandbox: true,
};
const prodAdmin: AdminOrgFacts = {
  name: 'prod-admin',
  orgId: '00D5g000000PRD1EAO',
  instanceUrl: 'https://acme.my.salesforce.com',
  loginUrl: 'https://login.salesforce.com/',
  isSandbox: false,
};

describe('is --admin-org the login’s org (orgMatch)', () => {
  it('org ids of both stored logins decide (15-character ids match 18-character ones)', () => {
    expect(compareOrgs(uatAdmin, { username: 'ci@acme.com.uat', orgId: '00D5g000000UAT1' }).verdict).to.equal('same');
    const other = compareOrgs(uatAdmin, { username: 'ci@acme.com', orgId: '00D5g000000PRD1EAO' });
    expect(other.verdict).to.equal('different');
    expect(other.reason).to.include('00D5g000000UAT1EAO').and.to.include('00D5g000000PRD1EAO');
  });

  it('the same My Domain is the same org; two My Domains are two orgs', () => {
    expect(
      compareOrgs(uatAdmin, { username: 'ci@acme.com.uat', loginUrl: 'https://acme--uat.sandbox.my.salesforce.com/' })
        .verdict,
    ).to.equal('same');
    expect(
      compareOrgs(uatAdmin, { username: 'ci@acme.com', loginUrl: 'https://acme.my.salesforce.com' }).verdict,
    ).to.equal('different');
  });

  it('a sandbox admin for a production login (and the other way round) is another org', () => {
    const sandboxForProd = compareOrgs(uatAdmin, { username: 'ci@acme.com', loginUrl: 'https://login.salesforce.com' });
    expect(sandboxForProd.verdict).to.equal('different');
    expect(sandboxForProd.reason).to.include('is a sandbox').and.to.include('production');
    expect(
      compareOrgs(prodAdmin, { username: 'ci@acme.com.uat', loginUrl: 'https://test.salesforce.com' }).verdict,
    ).to.equal('different');
  });

  it('cannot tell from test.salesforce.com which sandbox it is; a user found there settles it', () => {
    const unknown = compareOrgs(uatAdmin, { username: 'ci@acme.com', loginUrl: 'https://test.salesforce.com' });
    expect(unknown.verdict).to.equal('unknown');
    expect(afterUserLookup(unknown, true).verdict).to.equal('same');
    expect(afterUserLookup(unknown, false).verdict).to.equal('unknown');
    expect(afterUserLookup(unknown, undefined).verdict).to.equal('unknown');
  });

  it('two local test servers on different ports are two orgs', () => {
    const emu = { name: 'emu-admin', instanceUrl: 'http://127.0.0.1:4001', loginUrl: 'http://127.0.0.1:4001/' };
    expect(compareOrgs(emu, { username: 'ci@acme.com', loginUrl: 'http://127.0.0.1:4001/' }).verdict).to.equal('same');
    expect(compareOrgs(emu, { username: 'ci@acme.com', loginUrl: 'http://127.0.0.1:4002/' }).verdict).to.equal(
      'different',
    );
  });
});
