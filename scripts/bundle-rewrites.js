// The rewrites the bundle makes of other packages' code (scripts/bundle.js runs them). Each relies on the shape
// of an installed package, says what it relies on, and fails the build when that shape has changed;
// test/scripts/bundle-rewrites.test.ts checks each against the installed packages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Relies on: @salesforce/core's logger lives in lib/logger/logger.js and is imported by that path inside core
 * (or as '@salesforce/core/logger' from outside). Its log transports are worker threads that load files by
 * path, so it must stay a module of the installed core.
 */
export const CORE_LOGGER_IMPORT = /(^|\/)logger\/logger(\.js)?$|^@salesforce\/core\/logger$/;

/**
 * Relies on: @salesforce/core's lib/index.js is CommonJS that requires each of its modules on a line of its own,
 * `var x = require("./module");` (at least 30 of them). Returns the index with each of those requires deferred
 * to first use (see LAZY_MODULE), and how many it deferred; throws when the shape is not there.
 */
/**
 * core's index requires every module of core when it is loaded: the org, auth and connection family brings
 * jsforce and its HTTP stack (about 30 MB of memory and a third of the load time), which `diagnose` needs only
 * with --admin-org. In the bundle, each module behind core's index is loaded when one of its exports is first
 * used (the index exposes them through getters; nothing else changes).
 */
export const LAZY_MODULE = `
function lazyModule(load) {
  let mod;
  const real = () => (mod ??= load());
  return new Proxy({}, {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
`;
export function lazyCoreIndex(source) {
  let count = 0;
  const contents = source
    .replace(/^(var|const) (\w+) = require\("(\.\/[^"]+)"\);$/gm, (_line, kind, name, path) => {
      count++;
      return `${kind} ${name} = lazyModule(() => require("${path}"));`;
    })
    .replace('"use strict";', `"use strict";${LAZY_MODULE}`);
  if (count < 30) throw new Error(`core's index no longer has the shape the bundle expects (${count} requires)`);
  return { contents, count };
}

/**
 * Relies on: each sf-plugins-core module with messages loads them with exactly this call, relative to its own
 * file; in the bundle they are read from the copy next to it.
 */
export const MESSAGES_CALL = 'Messages.importMessagesDirectoryFromMetaUrl(import.meta.url)';

/** An sf-plugins-core module with its messages read from the copy next to the bundle; undefined without the call. */
export function bundledMessagesModule(source) {
  if (!source.includes(MESSAGES_CALL)) return undefined;
  return (
    "import { fileURLToPath as bundledMessagesPath } from 'node:url';\n" +
    source.replaceAll(
      MESSAGES_CALL,
      "Messages.importMessagesDirectory(bundledMessagesPath(new URL('./sf-plugins-core', import.meta.url)), false, '@salesforce/sf-plugins-core')",
    )
  );
}

/** Every import of core's logger, inside core or outside, goes to the installed core's logger module. */
export const coreLoggerExternal = {
  name: 'core-logger-external',
  setup(b) {
    b.onResolve({ filter: CORE_LOGGER_IMPORT }, (args) => {
      if (args.path === '@salesforce/core/logger' || args.importer.includes('/@salesforce/core/lib/')) {
        return { path: '@salesforce/core/logger', external: true };
      }
      return undefined;
    });
  },
};

export const coreIndexLazy = {
  name: 'core-index-lazy',
  setup(b) {
    b.onLoad({ filter: /[\\/]@salesforce[\\/]core[\\/]lib[\\/]index\.js$/ }, (args) => ({
      contents: lazyCoreIndex(readFileSync(args.path, 'utf8')).contents,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/** Whether a resolved file is CommonJS, as Node decides it: .cjs, or .js in a package that is not "type": "module". */
function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type !== 'module';
    } catch {
      // no package.json here: look further up
    }
  }
  return true;
}

/**
 * `await import('pkg')` of a CommonJS package gives its named exports in Node, but only `default` from a split
 * bundle chunk. Such imports (keygen's @peculiar/x509 and reflect-metadata, loaded on first use) stay imports of
 * the installed package.
 */
export const dynamicCommonJsExternal = {
  name: 'dynamic-commonjs-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.probing) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { probing: true },
      });
      if (resolved.errors.length > 0 || resolved.external) return undefined;
      return isCommonJs(resolved.path) ? { path: args.path, external: true } : undefined;
    });
  },
};

/** sf-plugins-core loads its messages relative to its own files: point it at the copy next to the bundle. */
export const pluginsCoreMessages = {
  name: 'sf-plugins-core-messages',
  setup(b) {
    b.onLoad({ filter: /[\\/]@salesforce[\\/]sf-plugins-core[\\/]lib[\\/].*\.js$/ }, (args) => {
      const contents = bundledMessagesModule(readFileSync(args.path, 'utf8'));
      return contents === undefined ? undefined : { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};
