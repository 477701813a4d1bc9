/*
 * The contract lock: schemas/*.json (each command's --json result) and command-snapshot.json (commands,
 * flags, short characters, aliases) are compared with the code in `npm test` (test:json-schema and
 * test:deprecation-policy, the official plugins' @oclif/plugin-command-snapshot compares). These tests prove
 * that lock holds:
 *
 * - the committed files cover every command (schema:compare passes without a word when schemas/ is gone);
 * - in a copy of the project, the compares pass as it is and fail once a result field and a flag are
 *   renamed in the source without updating the files. The copy keeps one command (keygen) so that the
 *   schema generator only compiles what it needs; the repository itself is never changed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/env.js';

type SnapshotEntry = { command: string; flags: string[]; flagChars: string[]; alias: string[] };
type Run = { code: number; output: string };

const snapshotOf = (root: string): SnapshotEntry[] =>
  JSON.parse(readFileSync(join(root, 'command-snapshot.json'), 'utf8')) as SnapshotEntry[];

/** Runs a command of the dev plugins (bin/dev.js, TypeScript sources) in `cwd`; never rejects on exit 1. */
function devRun(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/dev.js', ...args],
      { cwd, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (error && code === -1) reject(error);
        else resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** The contract files and the sources they lock, hashed: the repository must be the same after these tests. */
function contractHash(): string {
  const hash = createHash('sha256');
  const files = [
    'command-snapshot.json',
    ...readdirSync(join(REPO_ROOT, 'schemas')).map((f) => `schemas/${f}`),
    ...readdirSync(join(REPO_ROOT, 'src', 'commands', 'jwt')).map((f) => `src/commands/jwt/${f}`),
  ];
  for (const file of files.sort()) hash.update(file).update(readFileSync(join(REPO_ROOT, file)));
  return hash.digest('hex');
}

/** A copy of the project with only `sf jwt keygen`, its schema and its snapshot entry; node_modules linked. */
function keygenOnlyCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-jwt-contract-'));
  for (const item of ['package.json', 'tsconfig.json', 'bin', 'messages', 'src']) {
    cpSync(join(REPO_ROOT, item), join(dir, item), { recursive: true });
  }
  for (const file of readdirSync(join(dir, 'src', 'commands', 'jwt'))) {
    if (file !== 'keygen.ts') rmSync(join(dir, 'src', 'commands', 'jwt', file));
  }
  cpSync(join(REPO_ROOT, 'schemas', 'jwt-keygen.json'), join(dir, 'schemas', 'jwt-keygen.json'));
  const keygen = snapshotOf(REPO_ROOT).filter((entry) => entry.command === 'jwt:keygen');
  writeFileSync(join(dir, 'command-snapshot.json'), JSON.stringify(keygen, null, 2));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Replaces text in a file of the copy, failing loudly when the text is not there (a stale test). */
function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text, `${file} should contain ${from}`).to.include(from);
  writeFileSync(file, text.replace(from, to));
}

describe('contract lock (schemas and command snapshot)', () => {
  it('has a committed JSON schema for every command, and a snapshot entry for every command file', () => {
    const commandFiles = readdirSync(join(REPO_ROOT, 'src', 'commands', 'jwt'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `jwt:${f.replace(/\.ts$/, '')}`)
      .sort();
    const snapshot = snapshotOf(REPO_ROOT);
    expect(snapshot.map((entry) => entry.command).sort()).to.deep.equal(commandFiles);
    for (const id of commandFiles) {
      const schemaFile = join(REPO_ROOT, 'schemas', `${id.replace(':', '-')}.json`);
      expect(existsSync(schemaFile), schemaFile).to.equal(true);
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { $ref?: string; definitions?: object };
      expect(schema.$ref, schemaFile).to.match(/^#\/definitions\/Jwt\w+Result$/);
    }
    // the flags scripts rely on most are in the lock
    const diagnose = snapshot.find((entry) => entry.command === 'jwt:diagnose');
    expect(diagnose?.flags).to.include.members(['username', 'client-id', 'jwt-key-file', 'instance-url', 'admin-org']);
    expect(diagnose?.flagChars).to.include.members(['o', 'i', 'f', 'r']);
  });

  describe('in a copy of the project', function () {
    this.timeout(300_000);
    let dir: string;
    let hashBefore: string;

    before(() => {
      hashBefore = contractHash();
      dir = keygenOnlyCopy();
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      expect(contractHash(), 'the repository is unchanged').to.equal(hashBefore);
    });

    it('both compares pass while the code and the files agree', async () => {
      const [schema, snapshot] = [await devRun(dir, ['schema:compare']), await devRun(dir, ['snapshot:compare'])];
      expect(schema, schema.output).to.deep.include({ code: 0 });
      expect(schema.output).to.include('No changes have been detected.');
      expect(snapshot, snapshot.output).to.deep.include({ code: 0 });
      expect(snapshot.output).to.include('No changes have been detected.');
    });

    it('schema:compare fails when a result field is renamed without regenerating the schema', async () => {
      // JwtKeygenResult.fingerprint becomes sha256
      replaceIn(join(dir, 'src', 'keys', 'view.ts'), '  fingerprint: string;', '  sha256: string;');
      replaceIn(
        join(dir, 'src', 'commands', 'jwt', 'keygen.ts'),
        'fingerprint: generated.fingerprint',
        'sha256: generated.fingerprint',
      );
      const run = await devRun(dir, ['schema:compare']);
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.include('Found the following schema changes');
      // the tool names both sides of the rename (its wording of which side is which is its own)
      expect(run.output).to.match(/JwtKeygenResult\.properties\.fingerprint was/);
      expect(run.output).to.match(/JwtKeygenResult\.properties\.sha256 was/);
    });

    it('snapshot:compare fails when a flag is renamed without regenerating the snapshot', async () => {
      replaceIn(
        join(dir, 'src', 'commands', 'jwt', 'keygen.ts'),
        "'common-name': Flags.string",
        'subject: Flags.string',
      );
      const run = await devRun(dir, ['snapshot:compare']);
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.include('jwt:keygen');
      expect(run.output).to.match(/\+subject/);
      expect(run.output).to.match(/-common-name/);
    });
  });
});
