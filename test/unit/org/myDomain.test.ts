import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isLegacyLoginHost, myDomainOf } from '../../../src/org/myDomain.js';
import { readAuthFile, storedMyDomainOfOrg } from '../../../src/org/authStore.js';

describe('the org’s My Domain', () => {
  it('knows the legacy login hosts, with or without a trailing slash, and nothing else', () => {
    for (const url of [
      'https://login.salesforce.com',
      'https://test.salesforce.com/',
      'https://LOGIN.salesforce.com/',
      ' https://test.salesforce.com ',
    ]) {
      expect(isLegacyLoginHost(url), url).to.equal(true);
    }
    for (const url of [
      'https://acme.my.salesforce.com',
      'http://login.salesforce.com',
      'https://login.salesforce.com.evil.example',
      'not a url',
      undefined,
    ]) {
      expect(isLegacyLoginHost(url), String(url)).to.equal(false);
    }
  });

  it('takes an org’s own https domain or a loopback test server, as an origin', () => {
    expect(myDomainOf('https://acme--uat.sandbox.my.salesforce.com/')).to.equal(
      'https://acme--uat.sandbox.my.salesforce.com',
    );
    expect(myDomainOf('http://127.0.0.1:4321/')).to.equal('http://127.0.0.1:4321');
    for (const url of [
      'https://login.salesforce.com',
      'https://test.salesforce.com/',
      'https://acme.lightning.force.com',
      'http://acme.my.salesforce.com',
      'https://user:pw@acme.my.salesforce.com',
      'https://intranet',
      '',
      undefined,
    ]) {
      expect(myDomainOf(url), String(url)).to.equal(undefined);
    }
  });

  describe('from the logins the CLI stores', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'plugin-jwt-mydomain-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const write = (name: string, fields: unknown): void =>
      writeFileSync(join(dir, name), typeof fields === 'string' ? fields : JSON.stringify(fields));

    it('finds the My Domain of any stored login of the same org (15- or 18-character id), read-only', async () => {
      write('ci@acme.com.json', {
        username: 'ci@acme.com',
        orgId: '00D000000000001AAA',
        instanceUrl: 'https://test.salesforce.com',
      });
      write('admin@acme.com.json', {
        username: 'admin@acme.com',
        orgId: '00D000000000001',
        instanceUrl: 'https://acme.my.salesforce.com',
        refreshToken: 'encrypted',
      });
      write('other@x.com.json', { orgId: '00D000000000002AAA', instanceUrl: 'https://other.my.salesforce.com' });
      write('broken@x.com.json', '{');
      mkdirSync(join(dir, 'dir@x.com.json'));
      expect(await storedMyDomainOfOrg('00D000000000001AAA', dir)).to.equal('https://acme.my.salesforce.com');
      expect(await storedMyDomainOfOrg('00D000000000009AAA', dir)).to.equal(undefined);
      expect(await storedMyDomainOfOrg('00D000000000001AAA', join(dir, 'missing'))).to.equal(undefined);
    });

    it('reads a stored JWT login’s instance URL and whether core stored it as a Dev Hub', async () => {
      write('hub@acme.com.json', {
        username: 'hub@acme.com',
        clientId: 'K',
        privateKey: '/keys/server.key',
        instanceUrl: 'https://acme.my.salesforce.com',
        isDevHub: true,
      });
      expect(await readAuthFile(join(dir, 'hub@acme.com.json'), 'hub@acme.com')).to.deep.include({
        instanceUrl: 'https://acme.my.salesforce.com',
        isDevHub: true,
      });
    });
  });
});
