import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateKeyPairAndCert, type GeneratedKeyAndCert } from '../../../src/keys/generate.js';
import { writeKeyAndCert } from '../../../src/keys/write.js';
import { expectSfError } from '../../helpers/errors.js';

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('writeKeyAndCert', () => {
  let dir: string;
  let generated: GeneratedKeyAndCert;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jwt-keygen-write-'));
    generated = await generateKeyPairAndCert({ days: 90 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes server.key (0600) and server.crt into a new directory (0700)', async () => {
    const out = join(dir, 'new', 'nested');
    const files = await writeKeyAndCert(out, generated, { force: false });
    expect(files).to.deep.equal({ keyFile: join(out, 'server.key'), certFile: join(out, 'server.crt') });
    expect(await readFile(files.keyFile, 'utf8')).to.equal(generated.keyPem);
    expect(await readFile(files.certFile, 'utf8')).to.equal(generated.certPem);
    expect(await mode(files.keyFile)).to.equal(0o600);
    expect(await mode(files.certFile)).to.equal(0o644);
    expect(await mode(out)).to.equal(0o700);
  });

  it('refuses to overwrite either file without force, and touches neither', async () => {
    for (const existing of ['server.key', 'server.crt']) {
      const out = await mkdtemp(join(dir, 'exists-'));
      await writeFile(join(out, existing), 'old');
      const err = await expectSfError(writeKeyAndCert(out, generated, { force: false }), 'FilesExistError', 1);
      expect(err.message).to.equal(`Not writing anything: ${out} already has ${existing}.`);
      expect(err.actions?.join('\n')).to.include('--force');
      expect(await readFile(join(out, existing), 'utf8')).to.equal('old');
      const other = existing === 'server.key' ? 'server.crt' : 'server.key';
      let otherExists = true;
      await stat(join(out, other)).catch(() => {
        otherExists = false;
      });
      expect(otherExists, `${other} was written`).to.equal(false);
    }
  });

  it('overwrites with force, and the key ends up 0600 even if the old file was not', async () => {
    const out = await mkdtemp(join(dir, 'force-'));
    await writeFile(join(out, 'server.key'), 'old', { mode: 0o644 });
    await chmod(join(out, 'server.key'), 0o644);
    await writeFile(join(out, 'server.crt'), 'old');
    const files = await writeKeyAndCert(out, generated, { force: true });
    expect(await readFile(files.keyFile, 'utf8')).to.equal(generated.keyPem);
    expect(await readFile(files.certFile, 'utf8')).to.equal(generated.certPem);
    expect(await mode(files.keyFile)).to.equal(0o600);
  });

  it('refuses an output path that is a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await expectSfError(writeKeyAndCert(file, generated, { force: false }), 'NotADirectoryError', 1);
    await expectSfError(writeKeyAndCert(join(file, 'sub'), generated, { force: false }), 'NotADirectoryError', 1);
  });

  it('says clearly when the directory is not writable', async () => {
    let target: string;
    if (process.getuid?.() === 0) {
      target = '/sys'; // sysfs: even root cannot create files there
    } else {
      target = await mkdtemp(join(dir, 'ro-'));
      await chmod(target, 0o500);
    }
    const err = await expectSfError(
      writeKeyAndCert(target, generated, { force: false }),
      'DirectoryNotWritableError',
      1,
    );
    expect(err.message).to.include(target);
    expect(err.actions?.join('\n')).to.include('--output-dir');
  });
});
