// Bundles the command modules for the packed plugin (run by `npm run prepack`, after `npm run build`).
//
// An installed plugin loads its own copies of @salesforce/core, sf-plugins-core and @oclif/core: about 1,700
// module files, each resolved, read and compiled at every command start. One bundle (lib/bundle/, code split
// between the commands) loads in a fraction of that time. lib/commands/jwt/<command>.js then only re-exports
// the bundled command, so oclif finds the commands where the manifest says they are.
//
// Kept out of the bundle, and loaded from the installed dependencies as before:
//   - @salesforce/core's logger: its log transports are worker threads that load files by path;
//   - open: it runs the xdg-open script that ships next to its code;
//   - typescript, which only oclif's development mode for linked plugins asks for (it is not installed).
//   - packages that are imported on first use (`await import()`) and are CommonJS: keygen's @peculiar/x509.
// sf-plugins-core reads its messages from its own directory: they are copied next to the bundle.
// The hooks (lib/hooks/, if any) stay unbundled: they load only what they need, when they need it.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const lib = join(root, 'lib');
const outdir = join(lib, 'bundle');
const commandsDir = join(lib, 'commands', 'jwt');
const require = createRequire(import.meta.url);

const commands = readdirSync(commandsDir)
  .filter((file) => file.endsWith('.js'))
  .map((file) => file.slice(0, -'.js'.length));
if (commands.length === 0) throw new Error('lib/commands/jwt is empty: run "npm run build" first.');

const pluginsCoreRoot = dirname(dirname(require.resolve('@salesforce/sf-plugins-core')));
const MESSAGES_CALL = 'Messages.importMessagesDirectoryFromMetaUrl(import.meta.url)';

/** Every import of core's logger, inside core or outside, goes to the installed core's logger module. */
const coreLoggerExternal = {
  name: 'core-logger-external',
  setup(b) {
    b.onResolve({ filter: /(^|\/)logger\/logger(\.js)?$|^@salesforce\/core\/logger$/ }, (args) => {
      if (args.path === '@salesforce/core/logger' || args.importer.includes('/@salesforce/core/lib/')) {
        return { path: '@salesforce/core/logger', external: true };
      }
      return undefined;
    });
  },
};

/**
 * core's index requires every module of core when it is loaded: the org, auth and connection family brings
 * jsforce and its HTTP stack (about 30 MB of memory and a third of the load time), which `diagnose` needs only
 * with --admin-org. In the bundle, each module behind core's index is loaded when one of its exports is first
 * used (the index exposes them through getters; nothing else changes).
 */
const LAZY_MODULE = `
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
const coreIndexLazy = {
  name: 'core-index-lazy',
  setup(b) {
    b.onLoad({ filter: /[\\/]@salesforce[\\/]core[\\/]lib[\\/]index\.js$/ }, (args) => {
      let count = 0;
      const contents = readFileSync(args.path, 'utf8')
        .replace(/^(var|const) (\w+) = require\("(\.\/[^"]+)"\);$/gm, (_line, kind, name, path) => {
          count++;
          return `${kind} ${name} = lazyModule(() => require("${path}"));`;
        })
        .replace('"use strict";', `"use strict";${LAZY_MODULE}`);
      if (count < 30) throw new Error(`core's index no longer has the shape the bundle expects (${count} requires)`);
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
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
const dynamicCommonJsExternal = {
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
const pluginsCoreMessages = {
  name: 'sf-plugins-core-messages',
  setup(b) {
    b.onLoad({ filter: /[\\/]@salesforce[\\/]sf-plugins-core[\\/]lib[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(MESSAGES_CALL)) return undefined;
      const contents =
        "import { fileURLToPath as bundledMessagesPath } from 'node:url';\n" +
        source.replaceAll(
          MESSAGES_CALL,
          "Messages.importMessagesDirectory(bundledMessagesPath(new URL('./sf-plugins-core', import.meta.url)), false, '@salesforce/sf-plugins-core')",
        );
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: Object.fromEntries(commands.map((name) => [name, join(commandsDir, `${name}.js`)])),
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // BUNDLE_READABLE=1 keeps the code as written, with a comment naming each module (to read a CPU profile)
  minifyWhitespace: process.env.BUNDLE_READABLE !== '1',
  minifySyntax: process.env.BUNDLE_READABLE !== '1',
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  // typescript: oclif's loader for linked TypeScript plugins asks for it, and falls back without it.
  external: ['open', 'typescript'],
  // ink's optional developer-tools integration, never used by a CLI.
  alias: { 'react-devtools-core': join(root, 'scripts', 'bundle-stub.js') },
  // CommonJS dependencies inside an ES module bundle still need require, __filename and __dirname.
  banner: {
    js: [
      "import { createRequire as bundleRequire } from 'node:module';",
      "import { fileURLToPath as bundleFilename } from 'node:url';",
      "import { dirname as bundleDirname } from 'node:path';",
      'const require = bundleRequire(import.meta.url);',
      'const __filename = bundleFilename(import.meta.url);',
      'const __dirname = bundleDirname(__filename);',
    ].join(' '),
  },
  plugins: [coreLoggerExternal, coreIndexLazy, dynamicCommonJsExternal, pluginsCoreMessages],
  logLevel: 'warning',
});

mkdirSync(join(outdir, 'sf-plugins-core', 'messages'), { recursive: true });
for (const file of readdirSync(join(pluginsCoreRoot, 'messages'))) {
  copyFileSync(join(pluginsCoreRoot, 'messages', file), join(outdir, 'sf-plugins-core', 'messages', file));
}
// Each command file only loads its bundle. (Node's compile cache, module.enableCompileCache(), saved about 7% of
// the CPU time of a start but no wall time, and kept about 8 MB more memory in a run of --all: not used.)
for (const name of commands) {
  const target = relative(commandsDir, join(outdir, `${name}.js`))
    .split('\\')
    .join('/');
  const stub = [
    '// The command is bundled with its dependencies in lib/bundle (scripts/bundle.js).',
    `export { default } from '${target}';`,
    '',
  ];
  writeFileSync(join(commandsDir, `${name}.js`), stub.join('\n'));
}

if (process.env.BUNDLE_METAFILE) writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(result.metafile));
const bundled = Object.keys(result.metafile.inputs);
const leaked = bundled.filter((input) => /@salesforce[\\/]core[\\/]lib[\\/]logger[\\/]logger\.js$/.test(input));
if (leaked.length > 0) throw new Error(`core's logger was bundled (it must stay external): ${leaked.join(', ')}`);

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
const inputs = bundled.length;
process.stdout.write(
  `bundled ${commands.length} commands: ${inputs} modules into ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB\n`,
);
