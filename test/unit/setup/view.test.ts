import { expect } from 'chai';
import type { JwtSetupResult } from '../../../src/setup/result.js';
import { setupView } from '../../../src/setup/view.js';
import type { ViewLine } from '../../../src/utils/view.js';

const base: JwtSetupResult = {
  ok: true,
  username: 'ci@acme.com',
  clientId: '3MVG9abc',
  appName: 'sf_jwt',
  loginUrl: 'https://acme.my.salesforce.com',
  keyFile: '/work/jwt/server.key',
  certFile: '/work/jwt/server.crt',
  steps: [
    { id: 'key', action: 'created', message: 'Wrote a new key.' },
    { id: 'app', action: 'created', message: 'Created the app.' },
    { id: 'verify', action: 'created', message: 'Works.' },
    { id: 'store', action: 'created', message: 'Stored.' },
  ],
  verification: { ok: true, tries: 3, seconds: 12, cause: null },
  loginCommand:
    'sf org login jwt --username ci@acme.com --client-id 3MVG9abc --jwt-key-file /work/jwt/server.key --instance-url https://acme.my.salesforce.com',
  dryRun: false,
  adminOrg: 'admin',
  permissionSet: 'JWT_Access',
};

const texts = (lines: ViewLine[]): string =>
  lines.map((line) => (line.kind === 'table' ? JSON.stringify(line.data) : line.text)).join('\n');

describe('setup/view', () => {
  it('a verified setup: the steps, the verified line, the login line for CI, where to keep the key', () => {
    const lines = setupView(base);
    expect(lines[0]).to.deep.equal({ kind: 'header', text: 'Setting up the JWT login: sf_jwt in admin' });
    const table = lines[1];
    expect(table.kind).to.equal('table');
    if (table.kind === 'table') {
      expect(table.data.map((row) => [row.Step, row.Action])).to.deep.equal([
        ['key', 'created'],
        ['app', 'created'],
        ['verify', 'created'],
        ['store', 'created'],
      ]);
      expect(table).to.include({ overflow: 'wrap' });
    }
    expect(lines.find((line) => line.kind === 'success')?.text).to.equal(
      'The JWT login of ci@acme.com works: verified after 3 tries in 12 seconds.',
    );
    const all = texts(lines);
    expect(all).to.include(`  ${String(base.loginCommand)}`);
    expect(all).to.include('is stored in the CLI');
    expect(all).to.include("Keep the key /work/jwt/server.key secret: put it in your CI system's secret store");
  });

  it('without the store step: says the login was not stored', () => {
    const all = texts(setupView({ ...base, steps: base.steps.slice(0, 3) }));
    expect(all).to.include('Not stored in the CLI (--no-store)');
  });

  it('a failed step: its row last, the reason on stderr, the next steps', () => {
    const lines = setupView({
      ...base,
      ok: false,
      steps: base.steps.slice(0, 1),
      verification: undefined,
      error: {
        step: 'preflight',
        name: 'UserInactiveError',
        message: 'The user is deactivated.',
        actions: ['Activate it.'],
      },
    });
    const table = lines[1];
    if (table.kind === 'table') {
      expect(table.data.at(-1)).to.deep.equal({
        Step: 'preflight',
        Action: 'failed',
        Details: '(the reason is below)',
      });
    }
    expect(lines.find((line) => line.kind === 'stderr')?.text).to.equal(
      'The setup stopped at the step "preflight": The user is deactivated.',
    );
    expect(texts(lines)).to.include('Next steps:\n  - Activate it.');
    expect(lines.some((line) => line.kind === 'success')).to.equal(false);
  });

  it('a dry run: says nothing changed and shows the line CI will use', () => {
    const all = texts(
      setupView({
        ...base,
        dryRun: true,
        verification: undefined,
        steps: [{ id: 'key', action: 'planned', message: 'Would write.' }],
      }),
    );
    expect(all).to.include('Dry run: setting up the JWT login (sf_jwt in admin)');
    expect(all).to.include('Dry run: nothing was changed in the org and no file was written.');
    expect(all).to.include('Once set up, CI logs in with:');
  });
});
