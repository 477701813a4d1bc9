import { expect } from 'chai';
import { resolveApp, METADATA_CHUNK } from '../../../src/org/apps.js';
import { apiError, fakeConnection } from '../../helpers/fakeConnection.js';
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
});
