import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { describeFileProblem, describeFsError, readRegularFile, unexpandedHome } from '../../../src/utils/files.js';

describe('reading user files (files.ts)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwt-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file', async () => {
    writeFileSync(join(dir, 'k'), 'key');
    const read = await readRegularFile(join(dir, 'k'));
    expect(read.ok && read.data.toString()).to.equal('key');
  });

  it('refuses a FIFO without blocking on it', async function () {
    if (process.platform === 'win32') this.skip();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    // a safety net should this ever regress: a writer that appears after 3 s unblocks a reader stuck in open()
    const unblock = setTimeout(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader waiting: nothing to unblock
      }
    }, 3000);
    const read = await readRegularFile(fifo).finally(() => clearTimeout(unblock));
    expect(read.ok).to.equal(false);
    expect(!read.ok && read.problem).to.equal('fifo');
    expect(Date.now() - started).to.be.below(2000);
    expect(!read.ok && describeFileProblem(read)).to.match(/named pipe \(FIFO\)/);
  });

  it('refuses a device without reading it', async function () {
    if (process.platform === 'win32') this.skip();
    const read = await readRegularFile('/dev/zero');
    expect(!read.ok && read.problem).to.equal('device');
  });

  it('refuses a file larger than the limit, reading at most limit + 1 bytes', async () => {
    writeFileSync(join(dir, 'big'), Buffer.alloc(2048, 0x41));
    const read = await readRegularFile(join(dir, 'big'), 1024);
    expect(!read.ok && read.problem).to.equal('tooLarge');
    expect(!read.ok && describeFileProblem(read)).to.include('2048 bytes');
  });

  it('names a directory, a missing file and an empty path', async () => {
    expect(((await readRegularFile(dir)) as { problem: string }).problem).to.equal('directory');
    expect(((await readRegularFile(join(dir, 'nope'))) as { problem: string }).problem).to.equal('notFound');
    expect(((await readRegularFile('')) as { problem: string }).problem).to.equal('emptyPath');
    expect(((await readRegularFile('   ')) as { problem: string }).problem).to.equal('emptyPath');
  });

  it('says in words why a path cannot be read: a symbolic link loop is not a bare ELOOP', async function () {
    if (process.platform === 'win32') this.skip();
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    const read = await readRegularFile(join(dir, 'loop-a'));
    expect(read.ok).to.equal(false);
    const words = describeFileProblem(read as Extract<typeof read, { ok: false }>);
    expect(words).to.include('loop of symbolic links').and.not.to.include('ELOOP');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'EROFS' }))).to.equal('the file system is read-only');
    expect(describeFsError(Object.assign(new Error('x'), { code: 'EWHATEVER' }))).not.to.include('EWHATEVER');
  });

  it('recognises a ~ the shell did not expand', () => {
    expect(unexpandedHome('~/server.key'))
      .to.match(/server\.key$/)
      .and.not.to.include('~');
    expect(unexpandedHome('./~/server.key')).to.equal(undefined);
    expect(unexpandedHome('/tmp/server.key')).to.equal(undefined);
  });
});
