import { expect } from 'chai';
import { checkLoginUrl } from '../../../../src/diagnose/checks/loginUrl.js';
import { isLoopbackHost, redactUserInfo } from '../../../../src/utils/url.js';

describe('checks: login URL', () => {
  it('passes https URLs and returns the URL', () => {
    for (const raw of [
      'https://login.salesforce.com',
      'https://test.salesforce.com/',
      'https://acme--uat.sandbox.my.salesforce.com',
    ]) {
      const { check, url } = checkLoginUrl(raw);
      expect(check, raw).to.include({ id: 'login-url', status: 'pass' });
      expect(url?.protocol).to.equal('https:');
    }
  });

  it('passes plain http to loopback hosts (local test servers)', () => {
    for (const raw of ['http://127.0.0.1:8443/', 'http://localhost:1717', 'http://[::1]:9000', 'http://127.1.2.3']) {
      const { check, url } = checkLoginUrl(raw);
      expect(check.status, raw).to.equal('pass');
      expect(check.message).to.include('loopback');
      expect(url).to.be.instanceOf(URL);
    }
  });

  it('fails plain http to any other host and suggests https', () => {
    const { check, url } = checkLoginUrl('http://acme.my.salesforce.com');
    expect(check).to.include({ status: 'fail', code: 'LOGIN_URL_INVALID' });
    expect(check.message).to.include('unencrypted');
    expect(check.actions?.[0]).to.include('--instance-url https://acme.my.salesforce.com');
    expect(url).to.equal(undefined);
    expect(checkLoginUrl('http://10.0.0.5').check.code).to.equal('LOGIN_URL_INVALID');
  });

  it('fails a URL without a scheme and suggests https://', () => {
    const { check } = checkLoginUrl('acme.my.salesforce.com');
    expect(check).to.include({ status: 'fail', code: 'LOGIN_URL_INVALID' });
    expect(check.message).to.include('no scheme');
    expect(check.actions?.[0]).to.include('--instance-url https://acme.my.salesforce.com');
  });

  it('suggests the My Domain URL for a Lightning domain without a scheme', () => {
    expect(checkLoginUrl('acme.lightning.force.com').check.actions?.[0]).to.include('https://acme.my.salesforce.com');
  });

  it('fails Lightning domains and suggests the My Domain URL (production and sandbox)', () => {
    const prod = checkLoginUrl('https://acme.lightning.force.com/');
    expect(prod.check).to.include({ status: 'fail', code: 'LOGIN_URL_INVALID' });
    expect(prod.check.message).to.include('lightning.force.com');
    expect(prod.check.actions?.[0]).to.include('--instance-url https://acme.my.salesforce.com');
    const sandbox = checkLoginUrl('https://acme--uat.sandbox.lightning.force.com/lightning/page/home');
    expect(sandbox.check.actions?.[0]).to.include('https://acme--uat.sandbox.my.salesforce.com');
  });

  it('fails a URL with a user name or password, and never repeats the password', () => {
    for (const raw of ['https://ci:s3cret-pw@acme.my.salesforce.com', 'http://ci:s3cret-pw@127.0.0.1:1717']) {
      const { check } = checkLoginUrl(redactUserInfo(raw));
      expect(check, raw).to.include({ status: 'fail', code: 'LOGIN_URL_INVALID' });
      expect(check.message).to.include('user name or password');
      expect(JSON.stringify(check)).not.to.include('s3cret-pw');
    }
    expect(redactUserInfo('https://ci:p@ss@acme.my.salesforce.com/x')).to.equal(
      'https://****@acme.my.salesforce.com/x',
    );
    expect(redactUserInfo('ci:s3cret@acme.my.salesforce.com')).to.equal('****@acme.my.salesforce.com');
    expect(redactUserInfo('https://acme.my.salesforce.com')).to.equal('https://acme.my.salesforce.com');
  });

  it('fails a query, a fragment or a page path, and suggests the bare host', () => {
    for (const raw of [
      'https://acme.my.salesforce.com/?startURL=/home',
      'https://acme.my.salesforce.com/#top',
      'https://acme.my.salesforce.com/lightning/page/home',
      'https://login.salesforce.com/services/oauth2/token',
    ]) {
      const { check } = checkLoginUrl(raw);
      expect(check, raw).to.include({ status: 'fail', code: 'LOGIN_URL_INVALID' });
      expect(check.actions?.[0], raw).to.match(/--instance-url https:\/\/(acme\.my|login)\.salesforce\.com$/);
    }
  });

  it('keeps the path of an Experience Cloud site, which names the site', () => {
    expect(checkLoginUrl('https://acme.my.site.com/partners').check.status).to.equal('pass');
    expect(checkLoginUrl('https://acme.my.site.com/partners?x=1').check.actions?.[0]).to.include(
      'https://acme.my.site.com/partners',
    );
  });

  it('fails things that are not URLs', () => {
    for (const raw of ['', '   ', 'not a url', 'https://', 'login salesforce com']) {
      expect(checkLoginUrl(raw).check.code, JSON.stringify(raw)).to.equal('LOGIN_URL_INVALID');
    }
  });

  it('fails other schemes', () => {
    const { check } = checkLoginUrl('ftp://login.salesforce.com');
    expect(check.code).to.equal('LOGIN_URL_INVALID');
    expect(check.actions?.[0]).to.include('https://login.salesforce.com');
  });

  it('tolerates surrounding whitespace', () => {
    expect(checkLoginUrl(' https://login.salesforce.com\n').check.status).to.equal('pass');
  });

  describe('isLoopbackHost', () => {
    it('accepts loopback names and addresses', () => {
      for (const host of [
        'localhost',
        'LOCALHOST',
        '127.0.0.1',
        '127.255.0.9',
        '::1',
        '[::1]',
        '0:0:0:0:0:0:0:1',
        '::ffff:127.0.0.1',
        '[::ffff:7f00:1]',
      ]) {
        expect(isLoopbackHost(host), host).to.equal(true);
      }
    });
    it('refuses everything else', () => {
      for (const host of [
        'login.salesforce.com',
        '128.0.0.1',
        '10.0.0.1',
        '::2',
        '::ffff:10.0.0.1',
        'localhost.evil.com',
        '127.0.0.1.nip.io',
        '',
      ]) {
        expect(isLoopbackHost(host), host).to.equal(false);
      }
    });
  });
});
