import { expect } from 'chai';
import JwtDiagnose from '../../../src/commands/jwt/diagnose.js';

describe('jwt diagnose flags', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('refuses a --timeout that is not a duration, as a usage error (exit 2)', async () => {
    try {
      await JwtDiagnose.run(['--username', 'ci@acme.com', '--timeout', 'soon']);
      expect.fail('should have failed');
    } catch (error) {
      const err = error as { message: string; name: string; exitCode?: number };
      expect(err.message).to.contain('"soon" is not a duration for --timeout');
      expect(err.name).to.equal('InvalidDurationError');
      expect(err.exitCode).to.equal(2);
    }
  });

  it('refuses a --timeout under one second (exit 2)', async () => {
    try {
      await JwtDiagnose.run(['--username', 'ci@acme.com', '--timeout', '500ms']);
      expect.fail('should have failed');
    } catch (error) {
      expect((error as { exitCode?: number }).exitCode).to.equal(2);
      expect((error as Error).message).to.contain('use at least 1 s');
    }
  });

  it('shows --help without a computed default, so help does not load the command module', () => {
    const timeout = JwtDiagnose.flags.timeout as { default?: unknown };
    expect(typeof timeout.default).not.to.equal('function');
  });
});
