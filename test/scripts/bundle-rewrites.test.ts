/*
 * The bundle's rewrites of other packages' code (scripts/bundle-rewrites.js), each against the installed
 * package it relies on: when an upstream release changes that shape, this fails before a packed plugin does.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import {
  bundledMessagesModule,
  CORE_LOGGER_IMPORT,
  lazyCoreIndex,
  MESSAGES_CALL,
} from '../../scripts/bundle-rewrites.js';
import { REPO_ROOT } from '../helpers/env.js';

const require = createRequire(join(REPO_ROOT, 'package.json'));
const coreLib = dirname(require.resolve('@salesforce/core'));
const pluginsCoreLib = dirname(require.resolve('@salesforce/sf-plugins-core'));

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return path.endsWith('.js') ? [path] : [];
  });
}

describe('the bundle’s rewrites, against the installed packages', () => {
  it('core’s index requires its modules one per line: each is deferred to first use', () => {
    const index = readFileSync(join(coreLib, 'index.js'), 'utf8');
    const { contents, count } = lazyCoreIndex(index);
    expect(count).to.be.at.least(30);
    expect(contents).to.include('lazyModule(() => require("./org/');
    expect(contents).to.not.match(/^(var|const) \w+ = require\("\.\/[^"]+"\);$/m);
  });

  it('refuses an index of another shape instead of bundling it eagerly', () => {
    expect(() => lazyCoreIndex('"use strict";\nmodule.exports = {};\n')).to.throw(/no longer has the shape/);
  });

  it('core’s logger is lib/logger/logger.js, imported by that path inside core', () => {
    const logger = join(coreLib, 'logger', 'logger.js');
    expect(statSync(logger).isFile()).to.equal(true);
    const importsOfLogger = jsFiles(coreLib)
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/require\("([^"]*logger\/logger(?:\.js)?)"\)/g)])
      .map((m) => m[1]);
    expect(importsOfLogger.length).to.be.greaterThan(0);
    for (const path of importsOfLogger) expect(path).to.match(CORE_LOGGER_IMPORT);
  });

  it('sf-plugins-core loads its messages with the one call the bundle redirects to its copy', () => {
    const withCall = jsFiles(pluginsCoreLib).filter((file) => readFileSync(file, 'utf8').includes(MESSAGES_CALL));
    expect(withCall.length).to.be.greaterThan(0);
    const rewritten = bundledMessagesModule(readFileSync(withCall[0], 'utf8')) ?? '';
    expect(rewritten).to.not.include(MESSAGES_CALL);
    expect(rewritten).to.include("new URL('./sf-plugins-core', import.meta.url)");
    expect(bundledMessagesModule('export const x = 1;')).to.equal(undefined);
  });
});
