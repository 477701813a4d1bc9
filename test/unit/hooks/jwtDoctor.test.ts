import { expect } from 'chai';
import { Lifecycle } from '@salesforce/core';
import hook from '../../../src/hooks/doctor.js';
import {
  loginStatus,
  nextCommand,
  runJwtDoctor,
  suggestionFor,
  type DiagnosticStatus,
  type DoctorLike,
} from '../../../src/hooks/jwtDoctor.js';
import type { DiagnoseOptions } from '../../../src/diagnose/diagnose.js';
import type { DiagnoseAllResult } from '../../../src/diagnose/fleet.js';
import type { DiagnoseResult } from '../../../src/diagnose/types.js';
import { useTempHome } from '../../helpers/org.js';

/** What plugin-info's doctor keeps, for the parts the hook writes. */
class FakeDoctor implements DoctorLike {
  public suggestions: string[] = [];
  public pluginData: Record<string, unknown[]> = {};
  public addSuggestion(suggestion: string): void {
    this.suggestions.push(suggestion);
  }
  public addPluginData(pluginName: string, data: unknown): void {
    (this.pluginData[pluginName] ??= []).push(data);
  }
}

const healthy: DiagnoseResult = {
  ok: true,
  username: 'ci@acme.com',
  clientId: '3MVG9CI',
  loginUrl: 'https://login.salesforce.com/',
  cause: null,
  checks: [{ id: 'token-exchange', status: 'pass', message: 'The login works.' }],
  attempts: [],
};
const withWarning: DiagnoseResult = {
  ...healthy,
  username: 'ops@acme.com',
  warnings: ['The certificate expires in 12 days.'],
};
const failing: DiagnoseResult = {
  ok: false,
  username: "o'brien@acme.com.uat",
  clientId: '3MVG9CI',
  cause: {
    code: 'KEY_FILE_NOT_FOUND',
    message: 'The private key file doesn’t exist\non this machine.',
    actions: ['Check the path.'],
  },
  checks: [{ id: 'key-file', status: 'fail', code: 'KEY_FILE_NOT_FOUND', message: 'missing' }],
  attempts: [],
};

function allOf(orgs: DiagnoseResult[]): DiagnoseAllResult {
  const failed = orgs.filter((o) => !o.ok);
  const causes: DiagnoseAllResult['summary']['causes'] = {};
  for (const org of failed) if (org.cause) causes[org.cause.code] = (causes[org.cause.code] ?? 0) + 1;
  return { orgs, summary: { total: orgs.length, ok: orgs.length - failed.length, failed: failed.length, causes } };
}

async function run(
  diagnoseAll: (options: DiagnoseOptions) => Promise<DiagnoseAllResult>,
  extra: { deadlineMs?: number; emit?: (s: DiagnosticStatus) => Promise<void> } = {},
): Promise<{ doctor: FakeDoctor; events: DiagnosticStatus[]; options: DiagnoseOptions[] }> {
  const doctor = new FakeDoctor();
  const events: DiagnosticStatus[] = [];
  const options: DiagnoseOptions[] = [];
  await runJwtDoctor(doctor, {
    diagnoseAll: (o) => {
      options.push(o);
      return diagnoseAll(o);
    },
    emit: extra.emit ?? ((status): Promise<void> => Promise.resolve(void events.push(status))),
    deadlineMs: extra.deadlineMs,
    requestTimeoutMs: 5000,
  });
  return { doctor, events, options };
}

describe('sf doctor hook: the adapter', () => {
  it('emits one diagnostic per stored login: pass, warn (works, with findings) and fail', async () => {
    const { doctor, events, options } = await run(() => Promise.resolve(allOf([healthy, withWarning, failing])));
    expect(options).to.deep.equal([{ timeoutMs: 5000 }]);
    expect(events).to.deep.equal([
      { testName: '[plugin-jwt] JWT login ci@acme.com', status: 'pass' },
      { testName: '[plugin-jwt] JWT login ops@acme.com', status: 'warn' },
      { testName: "[plugin-jwt] JWT login o'brien@acme.com.uat", status: 'fail' },
    ]);
    // one suggestion, for the failing login: code, one-line message, next command (quoted for the shell)
    expect(doctor.suggestions).to.deep.equal([
      "JWT login o'brien@acme.com.uat fails with KEY_FILE_NOT_FOUND: The private key file doesn’t exist on this machine. Next: sf jwt diagnose --username 'o'\\''brien@acme.com.uat'",
    ]);
    // the --all result as the plugin's data
    expect(doctor.pluginData).to.deep.equal({ 'plugin-jwt': [allOf([healthy, withWarning, failing])] });
  });

  it('reports no stored JWT logins in one line', async () => {
    const { doctor, events } = await run(() => Promise.resolve(allOf([])));
    expect(events).to.deep.equal([{ testName: '[plugin-jwt] No JWT logins are stored in the CLI', status: 'pass' }]);
    expect(doctor.suggestions).to.deep.equal([]);
    expect(doctor.pluginData['plugin-jwt']).to.deep.equal([
      { orgs: [], summary: { total: 0, ok: 0, failed: 0, causes: {} } },
    ]);
  });

  it('turns a failure inside into a warn diagnostic, and never throws', async () => {
    const { doctor, events } = await run(() => Promise.reject(new Error('EACCES: permission denied, scandir')));
    expect(events).to.deep.equal([
      {
        testName: "[plugin-jwt] JWT logins couldn't be diagnosed: EACCES: permission denied, scandir",
        status: 'warn',
      },
    ]);
    expect(doctor.suggestions).to.deep.equal([
      'The JWT logins stored in the CLI couldn\'t be diagnosed here; run "sf jwt diagnose --all" to see why.',
    ]);
    expect(doctor.pluginData['plugin-jwt']).to.deep.equal([{ error: 'EACCES: permission denied, scandir' }]);

    // a doctor that throws, and an emit that throws, still end quietly
    const broken: DoctorLike = {
      addSuggestion: () => {
        throw new Error('no suggestions');
      },
      addPluginData: () => {
        throw new Error('no data');
      },
    };
    await runJwtDoctor(broken, {
      diagnoseAll: () => Promise.resolve(allOf([failing])),
      emit: () => Promise.reject(new Error('no listener')),
    });
    // a doctor that refuses the data still gets the warning
    const warned: DiagnosticStatus[] = [];
    await runJwtDoctor(broken, {
      diagnoseAll: () => Promise.resolve(allOf([failing])),
      emit: (status) => Promise.resolve(void warned.push(status)),
    });
    expect(warned).to.deep.equal([
      { testName: "[plugin-jwt] JWT logins couldn't be diagnosed: no data", status: 'warn' },
    ]);
  });

  it('gives up at its deadline with a warn diagnostic that says so', async () => {
    const started = Date.now();
    const { events } = await run(() => new Promise<DiagnoseAllResult>(() => {}), { deadlineMs: 50 });
    expect(Date.now() - started).to.be.below(2000);
    expect(events).to.deep.equal([
      {
        testName: "[plugin-jwt] JWT logins couldn't be diagnosed: the diagnosis didn't finish within 50 ms",
        status: 'warn',
      },
    ]);
  });

  it('names statuses and next commands', () => {
    expect(loginStatus(healthy)).to.equal('pass');
    expect(loginStatus(withWarning)).to.equal('warn');
    expect(loginStatus(failing)).to.equal('fail');
    expect(suggestionFor(healthy)).to.equal(undefined);
    expect(nextCommand('ci@acme.com')).to.equal('sf jwt diagnose --username ci@acme.com');
    expect(nextCommand('a b', 'sfx')).to.equal("sfx jwt diagnose --username 'a b'");
  });
});

describe('sf doctor hook: the hook module', () => {
  let home: ReturnType<typeof useTempHome>;
  beforeEach(() => {
    home = useTempHome('plugin-jwt-doctor-');
  });
  afterEach(() => home.restore());

  /** Runs the hook with these options; returns the Doctor:diagnostic events it emitted. */
  async function runHook(options: Record<string, unknown>): Promise<DiagnosticStatus[]> {
    const events: DiagnosticStatus[] = [];
    const lifecycle = Lifecycle.getInstance();
    lifecycle.on('Doctor:diagnostic', (status: DiagnosticStatus) => Promise.resolve(void events.push(status)));
    try {
      await hook.call({} as never, options as unknown as Parameters<typeof hook>[0]);
    } finally {
      lifecycle.removeAllListeners('Doctor:diagnostic');
    }
    return events;
  }

  it('reports through Doctor:diagnostic lifecycle events, as plugin-info listens for them', async () => {
    const doctor = new FakeDoctor();
    const events = await runHook({ doctor, config: { bin: 'sf' }, context: {} });
    // an empty HOME: no stored JWT login
    expect(events).to.deep.equal([{ testName: '[plugin-jwt] No JWT logins are stored in the CLI', status: 'pass' }]);
    expect(doctor.pluginData['plugin-jwt']).to.have.length(1);
  });

  it('does nothing without a doctor: no diagnostic, and nothing diagnosed', async () => {
    const events = await runHook({ config: {}, context: {} });
    expect(events).to.deep.equal([]);
  });
});
