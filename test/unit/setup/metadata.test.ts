import { expect } from 'chai';
import sinon from 'sinon';
import type { Connection } from '@salesforce/core';
import {
  deployAndWait,
  deployPolling,
  DeployTimeoutError,
  describeOrgFailure,
  isMetadataApiRefusal,
} from '../../../src/setup/metadata.js';

/** A Connection whose Metadata API answers from a script: deploy, then each checkDeployStatus in turn. */
function fakeConnection(statuses: Array<Record<string, unknown>>): { conn: Connection; sent: unknown[] } {
  const sent: unknown[] = [];
  let poll = 0;
  const metadata = {
    deploy: (zip: Buffer, options: unknown): Promise<Record<string, unknown>> => {
      sent.push(options);
      return Promise.resolve({ id: '0Af000000000001AAA', state: 'Queued', done: false });
    },
    checkDeployStatus: (): Promise<Record<string, unknown>> =>
      Promise.resolve(statuses[Math.min(poll++, statuses.length - 1)]),
  };
  return { conn: { metadata } as unknown as Connection, sent };
}

describe('setup/metadata', () => {
  const sandbox = sinon.createSandbox();
  let pauses: number[];
  let now: number;

  beforeEach(() => {
    pauses = [];
    now = 0;
    sandbox.stub(deployPolling, 'sleep').callsFake((ms: number) => {
      pauses.push(ms);
      now += ms;
      return Promise.resolve();
    });
    sandbox.stub(deployPolling, 'now').callsFake(() => now);
  });
  afterEach(() => sandbox.restore());

  describe('deployAndWait', () => {
    it('sends one all-or-nothing package and polls from a quarter second, doubling up to 5 s', async () => {
      const pending = { done: false, status: 'InProgress' };
      const { conn, sent } = fakeConnection([
        ...Array.from({ length: 7 }, () => pending),
        {
          done: true,
          status: 'Succeeded',
          success: 'true',
          details: {
            componentSuccesses: [
              {
                componentType: 'ExternalClientApplication',
                fullName: 'sf_jwt',
                created: 'true',
                changed: 'false',
                id: '0xI1',
              },
              { componentType: '', fullName: 'package.xml', created: 'false', changed: 'true' },
            ],
          },
        },
      ]);
      const sentIds: string[] = [];
      const outcome = await deployAndWait(conn, new Uint8Array([1, 2]), {
        checkOnly: true,
        adminOrg: 'admin',
        timeoutMs: 1000,
        budgetMs: 600_000,
        onSent: (id) => sentIds.push(id),
      });
      expect(sent).to.deep.equal([{ singlePackage: true, rollbackOnError: true, checkOnly: true }]);
      expect(sentIds).to.deep.equal(['0Af000000000001AAA']);
      expect(pauses).to.deep.equal([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
      expect(outcome).to.deep.equal({
        id: '0Af000000000001AAA',
        status: 'Succeeded',
        success: true,
        problems: [],
        components: [
          { type: 'ExternalClientApplication', fullName: 'sf_jwt', created: true, changed: false, id: '0xI1' },
        ],
      });
    });

    it('reads the problems of a failed deploy, one failure or several', async () => {
      const { conn } = fakeConnection([
        {
          done: 'true',
          status: 'Failed',
          success: 'false',
          details: {
            componentFailures: {
              componentType: 'PermissionSet',
              fullName: 'JWT_Access',
              problem: 'Insufficient Privileges',
            },
          },
        },
      ]);
      const outcome = await deployAndWait(conn, new Uint8Array(), {
        checkOnly: false,
        adminOrg: 'a',
        timeoutMs: 1000,
        budgetMs: 10_000,
      });
      expect(outcome.success).to.equal(false);
      expect(outcome.problems).to.deep.equal([
        { type: 'PermissionSet', fullName: 'JWT_Access', problem: 'Insufficient Privileges' },
      ]);
    });

    it('ends when the wait is over, with the deploy id and how to see it', async () => {
      const { conn } = fakeConnection([{ done: false, status: 'InProgress' }]);
      try {
        await deployAndWait(conn, new Uint8Array(), {
          checkOnly: false,
          adminOrg: 'my admin',
          timeoutMs: 1000,
          budgetMs: 120_000,
        });
        expect.fail('expected a timeout');
      } catch (error) {
        expect(error).to.be.instanceOf(DeployTimeoutError);
        const timeout = error as DeployTimeoutError;
        expect(timeout.deployId).to.equal('0Af000000000001AAA');
        expect(timeout.message).to.include('did not finish within 2 min');
        expect(timeout.actions?.join('\n')).to.include("--job-id 0Af000000000001AAA --target-org 'my admin'");
      }
      expect(now).to.equal(120_000);
    });
  });

  describe('describeOrgFailure', () => {
    const httpError = (status: number, body: string): Error =>
      Object.assign(new Error(body), { name: `ERROR_HTTP_${status}`, errorCode: `ERROR_HTTP_${status}` });

    it('words an HTML page, a broken connection and a fault, without internal codes', () => {
      expect(describeOrgFailure(httpError(503, '<html><head><title>Down</title></head></html>'))).to.equal(
        'HTTP 503 with an HTML page titled "Down" instead of the API\'s answer',
      );
      const reset = Object.assign(new TypeError('fetch failed'), {
        cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' },
      });
      expect(describeOrgFailure(reset)).to.equal('the server closed the connection without answering');
      const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      expect(describeOrgFailure(refused)).to.include('the connection was refused');
      const fault = Object.assign(new Error('INVALID_TYPE: no such type'), { errorCode: 'sf:INVALID_TYPE' });
      expect(describeOrgFailure(fault)).to.equal('INVALID_TYPE: no such type');
    });

    it('tells the Metadata API refusing the user apart', () => {
      const refusal = Object.assign(
        new Error(
          'INSUFFICIENT_ACCESS: use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions',
        ),
        { errorCode: 'sf:INSUFFICIENT_ACCESS' },
      );
      expect(isMetadataApiRefusal(refusal)).to.equal(true);
      const entity = Object.assign(new Error('INSUFFICIENT_ACCESS: insufficient access rights on entity: X'), {
        errorCode: 'sf:INSUFFICIENT_ACCESS',
      });
      expect(isMetadataApiRefusal(entity)).to.equal(false);
    });
  });
});
