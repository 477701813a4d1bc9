import { expect } from 'chai';
import sinon from 'sinon';
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
import { storeJwtLogin, useTempHome } from '../../helpers/org.js';
import { storeFs } from '../../../src/org/authStore.js';
import { http } from '../../../src/utils/http.js';
import { startEmulator } from '../../../emulator/index.js';

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
    expect(options.map((o) => o.timeoutMs)).to.deep.equal([5000]);
    expect(options[0].signal, 'the deadline can stop the work').to.be.instanceOf(AbortSignal);
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

  it('stops the diagnosis in flight at its deadline, instead of leaving it running after the doctor moved on', async () => {
    let stopped: AbortSignal | undefined;
    const { events } = await run(
      (o) => {
        stopped = o.signal;
        return new Promise<DiagnoseAllResult>(() => {});
      },
      { deadlineMs: 50 },
    );
    expect(events[0]?.status).to.equal('warn');
    expect(stopped?.aborted, 'the signal the diagnosis listens to has fired').to.equal(true);
  });

  it('hands the doctor one line per diagnostic: a stored username cannot forge a line or reach the terminal raw', async () => {
    const hostile: DiagnoseResult = {
      ...failing,
      username: 'evil\u001b[31m@acme.com\u0007\nFAKE LINE pass - all good',
      cause: {
        code: 'KEY_FILE_NOT_FOUND',
        message: 'The key file \u001b]0;title\u0007/k does not exist.',
        actions: [],
      },
    };
    const { doctor, events } = await run(() => Promise.resolve(allOf([hostile])));
    const lines = [...events.map((e) => e.testName), ...doctor.suggestions];
    for (const line of lines) {
      // eslint-disable-next-line no-control-regex
      expect(line, JSON.stringify(line)).not.to.match(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(events[0].testName).to.equal('[plugin-jwt] JWT login evil@acme.com\\nFAKE LINE pass - all good');
    expect(doctor.suggestions[0]).to.include('The key file /k does not exist.');
  });

  it('shows no credential of a stored URL: not in a diagnostic, a suggestion or the plugin data', async () => {
    const secret = '00D5g000000EMU1EAO!AQ4AQFakeSessionToken';
    const leaky: DiagnoseResult = {
      ...failing,
      loginUrl: `https://acme.my.salesforce.com/?access_token=${secret}`,
      cause: {
        code: 'LOGIN_URL_INVALID',
        message: `The login URL https://acme.my.salesforce.com/?sid=${secret} has a query.`,
        actions: [],
      },
    };
    const { doctor, events } = await run(() => Promise.resolve(allOf([leaky])));
    const everything = JSON.stringify({ events, suggestions: doctor.suggestions, data: doctor.pluginData });
    expect(everything).not.to.include('FakeSessionToken');
    expect(everything).to.include('access_token=****');
  });

  it('an ~/.sfdx it cannot read is a warning with the reason, never "No JWT logins are stored"', async () => {
    const home = useTempHome('jwt-doctor-store-');
    const denied = Object.assign(new Error('EACCES: permission denied, scandir'), { code: 'EACCES' });
    const readdir = sinon.stub(storeFs, 'readdir').rejects(denied);
    try {
      const events: DiagnosticStatus[] = [];
      await runJwtDoctor(new FakeDoctor(), { emit: (status) => Promise.resolve(void events.push(status)) });
      expect(events).to.have.length(1);
      expect(events[0].status).to.equal('warn');
      expect(events[0].testName).to.match(/Can't read the CLI's stored logins in .*\.sfdx: permission denied/);
    } finally {
      readdir.restore();
      home.restore();
    }
  });

  it('ends the requests in flight at its deadline (a host that hangs)', async () => {
    const home = useTempHome('jwt-doctor-hang-');
    const emu = await startEmulator('healthy');
    const posted = sinon.spy(http, 'postForm');
    try {
      await storeJwtLogin({ username: 'ci@acme.com', loginUrl: emu.url });
      emu.setFaults({ hang: true });
      const events: DiagnosticStatus[] = [];
      await runJwtDoctor(new FakeDoctor(), {
        emit: (status) => Promise.resolve(void events.push(status)),
        requestTimeoutMs: 60_000,
        deadlineMs: 1000,
      });
      expect(events[0]?.testName).to.match(/didn't finish within 1 s/);
      expect(posted.callCount).to.be.at.least(1);
      const started = Date.now();
      const answer = await (posted.firstCall.returnValue as Promise<{ kind: string }>);
      expect(answer.kind, 'the request ended').to.equal('network-error');
      expect(Date.now() - started, 'it ended at the deadline, not at its own timeout').to.be.below(2000);
    } finally {
      posted.restore();
      emu.setFaults(undefined);
      await emu.close();
      home.restore();
    }
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
