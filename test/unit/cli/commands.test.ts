/*
 * Every command is a JwtCommand, and JwtCommand is SfCommand with no flags of its own: each command keeps
 * SfCommand's base flags (--json, --flags-dir) as they are. (This replaces the sf-plugin lint rules that
 * accept only a class named SfCommand as a command's parent.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Config, type Command } from '@oclif/core';
import { CommandHelp } from '@oclif/core/help';
import { SfCommand } from '@salesforce/sf-plugins-core';
import { JwtCommand } from '../../../src/cli/command.js';
import { REPO_ROOT } from '../../helpers/env.js';

const COMMANDS_DIR = join(REPO_ROOT, 'src', 'commands', 'jwt');

describe('every command extends JwtCommand, which adds no flags to SfCommand', () => {
  it('JwtCommand is an SfCommand with no flags or base flags of its own', () => {
    expect(Object.getPrototypeOf(JwtCommand)).to.equal(SfCommand);
    expect(Object.prototype.hasOwnProperty.call(JwtCommand, 'flags')).to.equal(false);
    expect(Object.prototype.hasOwnProperty.call(JwtCommand, 'baseFlags')).to.equal(false);
  });

  const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts'));
  it('finds the commands', () => expect(files.length).to.be.at.least(4));
  for (const file of files) {
    it(`${file}: a JwtCommand with SfCommand's base flags`, async () => {
      const command = ((await import(join(COMMANDS_DIR, file))) as { default: typeof JwtCommand }).default;
      expect(Object.getPrototypeOf(command)).to.equal(JwtCommand);
      expect(command.baseFlags).to.equal(SfCommand.baseFlags);
      expect(Object.keys(command.baseFlags)).to.include('flags-dir');
      expect(command.enableJsonFlag, '--json').to.equal(true);
    });
  }
});

/*
 * Help as sf shows it, from the manifest `npm run build` writes (what sf reads): a one-line summary that fits 80
 * columns, a usage line without empty groups ("[--verbose ]", "[-i <value> | ]"), required flags marked so
 * (without brackets), and an EXIT CODES section.
 */
describe('every command has help as sf shows it', () => {
  let config: Config;
  before(async () => {
    config = await Config.load(REPO_ROOT);
  });

  for (const file of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts'))) {
    const id = `jwt:${file.replace(/\.ts$/, '')}`;
    it(`${id}: a short summary, a clean usage line, exit codes`, async () => {
      const command = ((await import(join(COMMANDS_DIR, file))) as { default: typeof JwtCommand }).default;
      expect(command.summary?.length, command.summary).to.be.at.most(80);
      expect(command.errorCodes?.header).to.equal('EXIT CODES');
      expect(JSON.stringify(command.errorCodes?.body)).to.include('"0"').and.include('"1"').and.include('"2"');
      const cached = config.findCommand(id);
      expect(cached, `${id} in the manifest`).to.not.equal(undefined);
      const help = new CommandHelp(cached as Command.Loadable, config, { maxWidth: 80, stripAnsi: true }).generate();
      const usage = /USAGE\n([\s\S]*?)\n\n/.exec(help)?.[1] ?? '';
      expect(usage).to.include(`$ sf ${id}`);
      expect(usage, usage).to.not.match(/ \]|\[ |\| \]|\[ \|/);
      for (const [name, flag] of Object.entries(command.flags ?? {})) {
        if (!flag.required || flag.hidden) continue;
        const shown = flag.char ? `-${flag.char} <value>` : `--${name} <value>`;
        expect(usage, `${name} is required`).to.include(` ${shown}`).and.not.include(`[${shown}`);
      }
    });
  }

  it('status requires --admin-org and --username', async () => {
    const status = ((await import(join(COMMANDS_DIR, 'status.ts'))) as { default: typeof JwtCommand }).default;
    expect(status.flags['admin-org'].required).to.equal(true);
    expect(status.flags.username.required).to.equal(true);
  });
});
