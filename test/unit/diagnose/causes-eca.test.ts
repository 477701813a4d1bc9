/*
 * The words of the External Client App causes: APP_NOT_INSTALLED with the My Domain retry (verified, refused, not
 * known) and with the admin org's evidence (absent, changed minutes ago, present), and INVALID_ASSERTION with the
 * app's certificate compared with the key.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { buildCause, RECENT_CHANGE_MINUTES, type CauseContext } from '../../../src/diagnose/causes.js';
import { compareAppCertificate } from '../../../src/diagnose/appCertificate.js';
import { parsePrivateKey } from '../../../src/keys/parse.js';
import { publicKeyFingerprint } from '../../../src/keys/match.js';
import type { Attempt } from '../../../src/diagnose/types.js';
import { fixtureKey } from '../../helpers/keys.js';

const NOT_FOUND = { error: 'app_not_found', error_description: 'External client app is not installed in this org' };
const MY_DOMAIN = 'https://acme--uat.sandbox.my.salesforce.com';
const base: CauseContext = {
  username: 'ci@acme.com.uat',
  clientId: '3MVG9abc',
  jwtKeyFile: '/keys/server.key',
  loginUrl: 'https://test.salesforce.com/',
  serverError: NOT_FOUND,
  evidenceCollected: false,
};
const attempt = (over: Partial<Attempt>): Attempt => ({
  host: `${MY_DOMAIN}/`,
  audience: `${MY_DOMAIN}/`,
  outcome: 'success',
  durationMs: 5,
  kind: 'audience-probe',
  ...over,
});
const ECA = { id: '0xI000000000001AAA', name: 'CI_ECA', label: 'CI ECA', kind: 'ExternalClientApplication' as const };

function key(file: string): ReturnType<typeof parsePrivateKey> & { ok: true } {
  const parsed = parsePrivateKey(readFileSync(fixtureKey(file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file} does not parse`);
  return parsed;
}

describe('APP_NOT_INSTALLED', () => {
  it('through the My Domain that works: a verified fix, the exact --instance-url, the URL in the evidence', () => {
    const cause = buildCause('APP_NOT_INSTALLED', {
      ...base,
      myDomain: { url: MY_DOMAIN, works: true, appFound: true, attempt: attempt({}) },
    });
    expect(cause.message)
      .to.include('The external client app is in this org, but it refuses the login host https://test.salesforce.com/')
      .and.to.include('"External client app is not installed in this org"')
      .and.to.include(MY_DOMAIN);
    expect(cause.actions).to.deep.equal([
      `Log in through the org's My Domain: sf org login jwt --username ci@acme.com.uat --client-id 3MVG9abc --jwt-key-file /keys/server.key --instance-url ${MY_DOMAIN}`,
    ]);
    expect(cause.evidence).to.deep.equal({ workingLoginUrl: MY_DOMAIN, workingAudience: `${MY_DOMAIN}/` });
  });

  it('through the My Domain the app is found and the login stops at the next problem: diagnose it there', () => {
    const notApproved = { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };
    const cause = buildCause('APP_NOT_INSTALLED', {
      ...base,
      adminOrg: 'uat-admin',
      myDomain: {
        url: MY_DOMAIN,
        works: false,
        appFound: true,
        attempt: attempt({ outcome: 'oauth-error', serverError: notApproved }),
      },
    });
    expect(cause.message)
      .to.include('The external client app is in this org, but it refuses the login host https://test.salesforce.com/')
      .and.to.include("stopped at the next problem: invalid_grant: user hasn't approved this consumer");
    expect(cause.actions[0]).to.equal(
      `Log in through the org's My Domain from now on, and find what stops the login there: sf jwt diagnose --username ci@acme.com.uat --client-id 3MVG9abc --jwt-key-file /keys/server.key --instance-url ${MY_DOMAIN} --admin-org uat-admin`,
    );
    expect(cause.evidence).to.deep.equal({ appInOrg: true, myDomainTried: MY_DOMAIN, myDomainAnswer: notApproved });
  });

  it('names SF_AUDIENCE_URL when the environment sets it', () => {
    const cause = buildCause('APP_NOT_INSTALLED', {
      ...base,
      myDomain: { url: MY_DOMAIN, works: true, attempt: attempt({}) },
      audienceEnv: { name: 'SFDX_AUDIENCE_URL', value: 'https://test.salesforce.com' },
    });
    expect(cause.actions[1])
      .to.include('SFDX_AUDIENCE_URL=https://test.salesforce.com')
      .and.to.include(`SFDX_AUDIENCE_URL=${MY_DOMAIN}`);
  });

  it('says what the My Domain answered when it refused too, and that it was not tried when unknown', () => {
    const refused = buildCause('APP_NOT_INSTALLED', {
      ...base,
      myDomain: { url: MY_DOMAIN, works: false, attempt: attempt({ outcome: 'oauth-error', serverError: NOT_FOUND }) },
    });
    expect(refused.message).to.include(
      `The org's My Domain ${MY_DOMAIN} was tried too, as login URL and audience, and answered: app_not_found: External client app is not installed in this org.`,
    );
    expect(refused.evidence).to.deep.equal({ myDomainTried: MY_DOMAIN });
    const unknown = buildCause('APP_NOT_INSTALLED', { ...base, myDomain: { unknown: true } });
    expect(unknown.message).to.include("the org's My Domain isn't known here");
    expect(unknown.evidence).to.equal(undefined);
    const plain = buildCause('APP_NOT_INSTALLED', { ...base, loginUrl: `${MY_DOMAIN}/` });
    expect(plain.message).to.not.include('My Domain');
  });

  it('absent from the org (--admin-org): says where it may live, for a sandbox and for production', () => {
    const evidence = { user: null, app: null };
    const sandbox = buildCause('APP_NOT_INSTALLED', {
      ...base,
      adminOrg: 'uat-admin',
      evidenceCollected: true,
      evidence,
      app: { presence: { present: false } },
    });
    expect(sandbox.message)
      .to.include('No external client app in the org of uat-admin has the consumer key 3MVG9abc')
      .and.to.include('This org is a sandbox: an app created in production after the sandbox was last refreshed');
    expect(sandbox.actions.join('\n')).to.include('refresh the sandbox');
    expect(sandbox.evidence).to.deep.equal({ appInOrg: false });
    const production = buildCause('APP_NOT_INSTALLED', {
      ...base,
      loginUrl: 'https://acme.my.salesforce.com/',
      adminOrg: 'prod-admin',
      evidenceCollected: true,
      evidence,
      app: { presence: { present: false }, orgIsSandbox: false },
    });
    expect(production.message).to.include('This org is a production org');
  });

  it(`present and changed within ${RECENT_CHANGE_MINUTES} minutes: wait and retry, with approve --wait`, () => {
    const now = new Date('2026-05-01T12:00:00.000Z');
    const cause = buildCause('APP_NOT_INSTALLED', {
      ...base,
      loginUrl: `${MY_DOMAIN}/`,
      adminOrg: 'uat-admin',
      evidenceCollected: true,
      evidence: { app: ECA },
      app: { presence: { present: true, kind: ECA.kind, lastModifiedDate: '2026-05-01T11:56:30.000Z' } },
      now,
    });
    expect(cause.message).to.include('CI ECA is in this org, and it was created or changed 3 minute(s) ago');
    expect(cause.actions[1]).to.equal(
      `Or let the plugin retry until it works: sf jwt approve --username ci@acme.com.uat --client-id 3MVG9abc --jwt-key-file /keys/server.key --instance-url ${MY_DOMAIN}/ --admin-org uat-admin --wait 10m`,
    );
    expect(cause.evidence).to.deep.include({ appInOrg: true, appLastModifiedDate: '2026-05-01T11:56:30.000Z' });

    const old = buildCause('APP_NOT_INSTALLED', {
      ...base,
      adminOrg: 'uat-admin',
      evidenceCollected: true,
      evidence: { app: ECA },
      app: { presence: { present: true, kind: ECA.kind, lastModifiedDate: '2026-04-01T00:00:00.000Z' } },
      myDomain: { url: MY_DOMAIN, works: false, attempt: attempt({ outcome: 'oauth-error', serverError: NOT_FOUND }) },
      now,
    });
    expect(old.message)
      .to.include('The external client app CI ECA is in this org (the admin org uat-admin maps the client ID to it')
      .and.to.include(`The org's My Domain ${MY_DOMAIN} was tried too`);
    expect(old.actions.join('\n')).to.include('CI ECA → Policies');
  });
});

describe('INVALID_ASSERTION with the app’s certificate', () => {
  const server = key('server.key').key;
  const serverCert = readFileSync(fixtureKey('server.crt'), 'utf8');
  const otherCert = readFileSync(fixtureKey('other.crt'), 'utf8');
  const ctx: CauseContext = {
    ...base,
    serverError: { error: 'invalid_grant', error_description: 'invalid assertion' },
    adminOrg: 'uat-admin',
    evidenceCollected: true,
    evidence: { app: ECA },
  };

  it('compares the certificate with the key: fingerprints, subject, expiry', () => {
    const facts = compareAppCertificate('CI_ECA', otherCert, server, new Date('2026-01-01T00:00:00Z'));
    expect(facts).to.deep.include({ app: 'CI_ECA', present: true, matchesKey: false, expired: false });
    expect(facts?.keyFingerprint).to.equal(publicKeyFingerprint(server));
    expect(facts?.subject).to.match(/^CN=/);
    expect(compareAppCertificate('CI_ECA', serverCert, server)?.matchesKey).to.equal(true);
    expect(compareAppCertificate('CI_ECA', null, server)).to.deep.equal({
      app: 'CI_ECA',
      present: false,
      keyFingerprint: publicKeyFingerprint(server),
    });
    expect(compareAppCertificate('CI_ECA', 'not a certificate', server)).to.include({ unreadable: true });
    expect(compareAppCertificate('CI_ECA', undefined, server)).to.equal(undefined);
    expect(compareAppCertificate('CI_ECA', otherCert, server, new Date('2100-01-01T00:00:00Z'))?.expired).to.equal(
      true,
    );
  });

  it('another key’s certificate: both fingerprints, and the ECA’s own Setup path by name', () => {
    const certificate = compareAppCertificate('CI_ECA', otherCert, server);
    const cause = buildCause('INVALID_ASSERTION', { ...ctx, app: { certificate } });
    expect(cause.message)
      .to.include("the certificate on the app CI ECA isn't this key's")
      .and.to.include(String(certificate?.certFingerprint))
      .and.to.include(String(certificate?.keyFingerprint));
    expect(cause.actions[0]).to.include('External Client App Manager → CI ECA →');
    expect(cause.actions.join('\n')).to.not.include('<app>');
    expect(cause.evidence).to.deep.equal({ appCertificate: certificate, app: ECA });
  });

  it('this key’s certificate: not the key, so propagation or another org', () => {
    const cause = buildCause('INVALID_ASSERTION', {
      ...ctx,
      app: { certificate: compareAppCertificate('CI_ECA', serverCert, server) },
    });
    expect(cause.message).to.include("yet the certificate on the app CI ECA is this key's");
    expect(cause.actions.join('\n')).to.include('Wait a few minutes');
  });

  it('no certificate on the app: its JWT bearer flow is off', () => {
    const cause = buildCause('INVALID_ASSERTION', {
      ...ctx,
      app: { certificate: compareAppCertificate('CI_ECA', null, server) },
    });
    expect(cause.message).to.include('the app CI ECA has no certificate');
  });

  it('without evidence: the words of before, and the next step names the app when it is known', () => {
    const cause = buildCause('INVALID_ASSERTION', { ...base, serverError: ctx.serverError, appName: 'CI_ECA' });
    expect(cause.message).to.equal(
      "Salesforce couldn't verify the assertion's signature (\"invalid assertion\"): the certificate uploaded to the app doesn't match this private key.",
    );
    expect(cause.actions[0]).to.include('App Manager → CI_ECA →');
    expect(cause.evidence).to.equal(undefined);
  });
});
