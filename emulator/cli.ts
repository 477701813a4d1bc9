/*
 * Runs the emulator out of process:
 *   node --import tsx emulator/cli.ts --scenario <name> [--port 0]
 *   node --import tsx emulator/cli.ts --scenario fleet [--users 200]   (fleet.ts)
 * The first line on stdout is always "Salesforce emulator listening on http://127.0.0.1:PORT".
 * SIGTERM and SIGINT close it cleanly.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './server.js';
import { FLEET_SCENARIO, fleetScenario } from './fleet.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'healthy' },
    port: { type: 'string', default: '0' },
    // with --scenario fleet: how many CI users (fleet.ts)
    users: { type: 'string', default: '200' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`--port must be a number from 0 to 65535, got ${values.port}\n`);
  process.exit(2);
}

try {
  const scenario = values.scenario === FLEET_SCENARIO ? fleetScenario(Number(values.users)) : values.scenario;
  const emulator = await startEmulator(scenario, { port });
  process.stdout.write(`Salesforce emulator listening on ${emulator.url}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  process.stderr.write(
    `Salesforce emulator could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
