import { expect } from 'chai';
import type { SfError } from '@salesforce/core';
import { checkSetupFlags, DEFAULT_WAIT_MS, type SetupFlags } from '../../../src/setup/inputs.js';

const flags = (extra: Partial<SetupFlags> = {}): SetupFlags => ({ 'admin-org': 'admin', ...extra });

/** The usage error (exit code 2) the flags give. */
function refusal(extra: Partial<SetupFlags>): SfError {
  try {
    checkSetupFlags(flags(extra));
  } catch (error) {
    expect((error as SfError).exitCode, (error as Error).message).to.equal(2);
    return error as SfError;
  }
  return expect.fail('expected a usage error');
}

describe('setup/inputs: the flags of sf jwt setup', () => {
  it('applies the defaults of the design', () => {
    expect(checkSetupFlags(flags())).to.deep.equal({
      adminOrg: 'admin',
      appName: 'sf_jwt',
      outputDir: '.',
      permissionSet: 'JWT_Access',
      scope: 'api refresh_token',
      waitMs: DEFAULT_WAIT_MS,
      timeoutMs: 30_000,
      setDefault: false,
      setDefaultDevHub: false,
      store: true,
      replaceCert: false,
      dryRun: false,
    });
    expect(DEFAULT_WAIT_MS).to.equal(600_000);
  });

  it('keeps what is given; --no-store turns the store off; --wait takes durations', () => {
    const inputs = checkSetupFlags(
      flags({
        username: 'ci@acme.com',
        'app-name': 'CI_JWT',
        'jwt-key-file': 'k.key',
        'cert-file': 'k.crt',
        'callback-url': 'https://ci.example.com/callback',
        'instance-url': 'https://acme.my.salesforce.com',
        wait: '2m',
        'no-store': true,
        'replace-cert': true,
        'dry-run': true,
        alias: 'ci',
      }),
    );
    expect(inputs).to.deep.include({
      username: 'ci@acme.com',
      appName: 'CI_JWT',
      keyFile: 'k.key',
      certFile: 'k.crt',
      callbackUrl: 'https://ci.example.com/callback',
      instanceUrl: 'https://acme.my.salesforce.com',
      waitMs: 120_000,
      store: false,
      replaceCert: true,
      dryRun: true,
      alias: 'ci',
    });
  });

  it('refuses an app or permission set name that is not an API name, saying which rule and how to write it', () => {
    const app = refusal({ 'app-name': 'my app' });
    expect(app.message).to.equal(
      '--app-name "my app" is not a Salesforce API name: it has characters an API name can\'t have: " " (only letters, digits and underscores).',
    );
    expect(app.actions?.join('')).to.include('for example --app-name my_app');
    expect(refusal({ 'app-name': '1app' }).message).to.include('it must start with a letter');
    expect(refusal({ 'app-name': 'a__b' }).message).to.include('two underscores in a row');
    expect(refusal({ 'app-name': 'a_' }).message).to.include('ends with an underscore');
    expect(refusal({ 'app-name': 'a'.repeat(81) }).message).to.include(
      'it has 81 characters, more than the 80 allowed',
    );
    expect(refusal({ 'permission-set': 'JWT-Access' }).message).to.match(/^--permission-set "JWT-Access"/);
  });

  it('refuses unknown scopes, an empty scope and a scope without refresh_token', () => {
    const unknown = refusal({ scope: 'api refresh_tokens' });
    expect(unknown.message).to.include("doesn't know: refresh_tokens");
    expect(unknown.actions?.join('')).to.include('refresh_token');
    expect(refusal({ scope: ' ' }).name).to.equal('EmptyScopeError');
    const noRefresh = refusal({ scope: 'api web' });
    expect(noRefresh.message).to.include('neither refresh_token nor offline_access');
    expect(noRefresh.actions?.join('')).to.include('--scope "api web refresh_token"');
    expect(checkSetupFlags(flags({ scope: 'Api,OfflineAccess' })).scope).to.equal('Api,OfflineAccess');
  });

  it('refuses a callback URL Salesforce could not store or use', () => {
    expect(refusal({ 'callback-url': 'localhost:1717' }).message).to.include('not an absolute URL');
    expect(refusal({ 'callback-url': 'https://a.example.com/x,https://b.example.com' }).message).to.include('a comma');
    expect(refusal({ 'callback-url': 'javascript://x/alert(1)' }).message).to.include("that scheme can't be");
    expect(checkSetupFlags(flags({ 'callback-url': 'myapp://callback' })).callbackUrl).to.equal('myapp://callback');
  });

  it('refuses an unusable --instance-url with the login URL check’s words and fix', () => {
    const lightning = refusal({ 'instance-url': 'https://acme.lightning.force.com' });
    expect(lightning.message).to.match(/^--instance-url can't be used: /);
    expect(lightning.actions?.join(' ')).to.include('https://acme.my.salesforce.com');
    expect(refusal({ 'instance-url': 'http://acme.my.salesforce.com' }).message).to.include('http');
  });

  it('refuses blank or padded names and directories, and bad durations', () => {
    expect(refusal({ 'admin-org': ' ' }).name).to.equal('BlankUsernameError');
    expect(refusal({ username: 'ci@acme.com\n' }).message).to.include('line break');
    expect(refusal({ alias: 'my ci' }).message).to.include('whitespace');
    expect(refusal({ 'output-dir': '' }).name).to.equal('EmptyOutputDirError');
    expect(refusal({ wait: 'soon' }).name).to.equal('InvalidDurationError');
    expect(refusal({ timeout: '0' }).name).to.equal('DurationTooShortError');
  });
});
