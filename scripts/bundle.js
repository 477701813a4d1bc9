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
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { coreIndexLazy, coreLoggerExternal, dynamicCommonJsExternal, pluginsCoreMessages } from './bundle-rewrites.js';

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
