/*
 * Key and certificate files for tests: the emulator's own pairs (emulator/keys: the certificates its apps
 * carry and their private keys) and the bad inputs only tests need (test/fixtures/keys: encrypted, truncated,
 * EC and PKCS#1 keys, a public key, garbage, an empty file).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYS_DIR } from '../../emulator/index.js';

/** test/fixtures/keys, absolute. */
export const FIXTURE_KEYS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'keys');

/** The absolute path of a key or certificate file, from test/fixtures/keys or else emulator/keys. */
export function fixtureKey(name: string): string {
  const fixture = join(FIXTURE_KEYS_DIR, name);
  return existsSync(fixture) ? fixture : join(KEYS_DIR, name);
}

/** The private key of the certificate every emulated app carries: the key a working JWT login signs with. */
export const SERVER_KEY = fixtureKey('server.key');
