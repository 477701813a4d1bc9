import { expect } from 'chai';
import { externalClientAppOf, resolveApp, resolveAppDetails, METADATA_CHUNK } from '../../../src/org/apps.js';
import { apiError, fakeConnection, type Answer } from '../../helpers/fakeConnection.js';
import { CA_MD, ADMIN_MD, routes } from '../../helpers/orgRecords.js';

describe('resolveApp', () => {
  it('maps a client id to the app through the consumer key', async () => {
    const fake = fakeConnection({ queries: routes(), metadata: { CI_App: CA_MD, Admin_App: ADMIN_MD } });
    const app = await resolveApp(fake.conn, { clientId: 'KEY.ADMIN' });
    expect(app).to.deep.include({ id: '0H4B', name: 'Admin_App', adminApprovedOnly: true });
    expect(fake.calls.map((c) => c.kind)).to.deep.equal(['query', 'metadata.read']);
  });

  it('reads metadata in chunks of 10, in parallel, and stops at the match', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({
      Id: `0H4${i}`,
      Name: `App${i}`,
      OptionsAllowAdminApprovedUsersOnly: false,
    }));
    const metadata = Object.fromEntries(
      rows.map((r) => [r.Name, { fullName: r.Name, oauthConfig: { consumerKey: `K${r.Name}`, scopes: ['Api'] } }]),
    );
    const fake = fakeConnection({ queries: [[/FROM ConnectedApplication$/, rows]], metadata });
    const app = await resolveApp(fake.conn, { clientId: 'KApp22' });
    expect(app).to.deep.include({ id: '0H422', name: 'App22' });
    const reads = fake.calls.filter((c) => c.kind === 'metadata.read');
    expect(reads).to.have.length(3);
    expect(reads.every((r) => r.detail.split(',').length <= METADATA_CHUNK)).to.equal(true);
    expect(new Set(reads.map((r) => r.round)).size).to.equal(1);
  });

  it('falls back to metadata list when ConnectedApplication names are not API names', async () => {
    const fake = fakeConnection({
      queries: [
        [/FROM ConnectedApplication$/, [{ Id: '0H4L', Name: 'CI App' }]],
        [/WHERE Name IN \('CI_App','CI App'\)/, [{ Id: '0H4L', Name: 'CI App' }]],
      ],
      metadata: { CI_App: CA_MD },
      listed: ['CI_App'],
    });
    const app = await resolveApp(fake.conn, { clientId: 'KEY.CI' });
    expect(app).to.deep.include({ id: '0H4L', name: 'CI_App', label: 'CI App' });
    expect(fake.calls.map((c) => c.kind)).to.include('metadata.list');
  });

  it('notes a consumer key that matches only when whitespace is ignored, and answers null', async () => {
    const errors: Array<{ what: string; message: string }> = [];
    const fake = fakeConnection({ queries: routes(), metadata: { CI_App: CA_MD, Admin_App: ADMIN_MD } });
    const app = await resolveApp(fake.conn, { clientId: ' KEY.CI\n' }, errors);
    expect(app).to.equal(null);
    expect(errors.map((e) => e.message).join('\n')).to.include('only when whitespace is ignored');
  });

  it('answers undefined (unknown), not null, when the Metadata API is refused', async () => {
    const errors: Array<{ what: string; message: string }> = [];
    const fake = fakeConnection({ queries: routes(), metadataError: apiError('INSUFFICIENT_ACCESS') });
    expect(await resolveApp(fake.conn, { clientId: 'KEY.CI' }, errors)).to.equal(undefined);
    expect(errors[0]).to.deep.equal({ what: 'Metadata read ConnectedApp', message: 'INSUFFICIENT_ACCESS' });
  });

  it('answers null for an app name that is nowhere', async () => {
    const fake = fakeConnection({ queries: routes() });
    expect(await resolveApp(fake.conn, { appName: 'Nope' })).to.equal(null);
  });

  describe('external client apps by consumer key', () => {
    const GLOBAL = {
      fullName: 'CI_ECA_glbloauth',
      externalClientApplication: 'CI_ECA',
      consumerKey: 'KEY.ECA',
      callbackUrl: 'http://localhost:1717/OauthRedirect',
      certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    };
    const listed = [
      { type: 'ExtlClntAppGlobalOauthSettings', fullName: 'Other_glbloauth' },
      {
        type: 'ExtlClntAppGlobalOauthSettings',
        fullName: 'CI_ECA_glbloauth',
        createdDate: '2026-03-01T10:00:00.000Z',
        lastModifiedDate: '2026-03-02T11:00:00.000Z',
      },
      { type: 'ExtlClntAppOauthSettings', fullName: 'CI_ECA_oauth' },
    ];
    const ecaRoutes = (over: Array<[RegExp, Answer]> = []): Array<[RegExp, Answer]> => [
      ...over,
      [
        /FROM ExternalClientApplication WHERE DeveloperName = 'CI_ECA'/,
        [{ Id: '0xIA', DeveloperName: 'CI_ECA', MasterLabel: 'CI ECA' }],
      ],
      [
        /FROM ExtlClntAppOauthPlcyCnfg WHERE ExternalClientApplication\.DeveloperName = 'CI_ECA'/,
        [{ PermittedUsersPolicyType: 'AdminApprovedPreAuthorized', ExternalClientApplicationId: '0xIA' }],
      ],
      ...routes(),
    ];
    const metadata = {
      CI_App: CA_MD,
      Admin_App: ADMIN_MD,
      'ExtlClntAppGlobalOauthSettings:CI_ECA_glbloauth': GLOBAL,
      'ExtlClntAppGlobalOauthSettings:Other_glbloauth': {
        ...GLOBAL,
        fullName: 'Other_glbloauth',
        externalClientApplication: 'Other',
        consumerKey: 'KEY.OTHER',
      },
      'ExtlClntAppOauthSettings:CI_ECA_oauth': {
        fullName: 'CI_ECA_oauth',
        externalClientApplication: 'CI_ECA',
        commaSeparatedOauthScopes: 'Api, RefreshToken',
      },
    };

    it('maps the client id to an external client app: its record, policy, scopes, certificate and dates', async () => {
      const fake = fakeConnection({ queries: ecaRoutes(), metadata, listed });
      const lookup = await resolveAppDetails(fake.conn, { clientId: 'KEY.ECA' });
      expect(lookup.app).to.deep.equal({
        id: '0xIA',
        name: 'CI_ECA',
        label: 'CI ECA',
        kind: 'ExternalClientApplication',
        adminApprovedOnly: true,
        scopes: ['Api', 'RefreshToken'],
        callbackUrls: ['http://localhost:1717/OauthRedirect'],
      });
      expect(lookup).to.include({
        certificate: GLOBAL.certificate,
        createdDate: '2026-03-01T10:00:00.000Z',
        lastModifiedDate: '2026-03-02T11:00:00.000Z',
      });
      // connected apps first; then one list of both kinds; then the global OAuth settings; then record and policy
      expect(fake.calls.map((c) => `${c.round} ${c.kind} ${c.kind === 'query' ? '' : c.detail}`.trim())).to.deep.equal([
        '1 query',
        '2 metadata.read ConnectedApp:CI_App,Admin_App',
        '3 metadata.list ConnectedApp,ExtlClntAppGlobalOauthSettings,ExtlClntAppOauthSettings',
        '4 metadata.read ExtlClntAppGlobalOauthSettings:Other_glbloauth,CI_ECA_glbloauth',
        '5 metadata.read ExtlClntAppOauthSettings:CI_ECA_oauth',
        '5 query',
        '5 query',
      ]);
    });

    it('reads the policy by the app’s id where the org refuses the filter by its name', async () => {
      const fake = fakeConnection({
        queries: ecaRoutes([
          [/ExternalClientApplication\.DeveloperName/, new Error('INVALID_FIELD')],
          [/WHERE ExternalClientApplicationId = '0xIA'/, [{ PermittedUsersPolicyType: 'AllSelfAuthorized' }]],
        ]),
        metadata,
        listed,
      });
      const app = await resolveApp(fake.conn, { clientId: 'KEY.ECA' });
      expect(app).to.deep.include({ id: '0xIA', adminApprovedOnly: false });
    });

    it('says which permission is missing when the consumer keys are hidden, and leaves the app unknown', async () => {
      const hidden = Object.fromEntries(
        Object.entries(metadata).map(([k, v]) => [
          k,
          k.startsWith('ExtlClntAppGlobal') ? { ...v, consumerKey: undefined } : v,
        ]),
      );
      const errors: Array<{ what: string; message: string }> = [];
      const fake = fakeConnection({ queries: ecaRoutes(), metadata: hidden, listed });
      expect(await resolveApp(fake.conn, { clientId: 'KEY.ECA' }, errors)).to.equal(undefined);
      expect(errors).to.have.length(1);
      expect(errors[0].what).to.equal('Metadata read ExtlClntAppGlobalOauthSettings');
      expect(errors[0].message)
        .to.include('View External Client Apps Consumer Secrets in Metadata')
        .and.to.include('--app-name');
      expect(await externalClientAppOf(fake.conn, 'KEY.ECA')).to.equal(undefined);
    });

    it('answers null when neither a connected app nor an external client app has the key', async () => {
      const errors: Array<{ what: string; message: string }> = [];
      const fake = fakeConnection({ queries: ecaRoutes(), metadata, listed });
      expect(await resolveApp(fake.conn, { clientId: 'KEY.NONE' }, errors)).to.equal(null);
      expect(errors.map((e) => e.message)).to.deep.equal([
        'no connected app or external client app in this org has this consumer key',
      ]);
      expect(await externalClientAppOf(fake.conn, 'KEY.NONE')).to.equal(null);
      expect(await externalClientAppOf(fake.conn, 'KEY.ECA')).to.equal('CI_ECA');
    });

    it('reads an external client app named by --app-name, with its certificate when asked', async () => {
      const fake = fakeConnection({
        queries: ecaRoutes([
          [
            /FROM ExternalClientApplication WHERE DeveloperName = 'CI_ECA' OR MasterLabel/,
            [{ Id: '0xIA', DeveloperName: 'CI_ECA', MasterLabel: 'CI ECA' }],
          ],
        ]),
        metadata,
        listed,
      });
      const plain = await resolveAppDetails(fake.conn, { appName: 'CI_ECA' });
      expect(plain.app).to.deep.include({ id: '0xIA', kind: 'ExternalClientApplication', adminApprovedOnly: true });
      expect(plain.certificate).to.equal(undefined);
      const detailed = await resolveAppDetails(fake.conn, { appName: 'CI_ECA', details: true });
      expect(detailed).to.include({ certificate: GLOBAL.certificate, lastModifiedDate: '2026-03-02T11:00:00.000Z' });
    });
  });
});
