/*
 * Every command is a JwtCommand, and JwtCommand is SfCommand with no flags of its own: each command keeps
 * SfCommand's base flags (--json, --flags-dir) as they are. (This replaces the sf-plugin lint rules that
 * accept only a class named SfCommand as a command's parent.)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
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
