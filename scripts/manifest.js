// Writes oclif.manifest.json (what `oclif manifest` does), so that the CLI lists and helps the commands
// without importing every command module at start-up.
import { writeFileSync } from 'node:fs';
import { Plugin } from '@oclif/core';

const root = new URL('..', import.meta.url).pathname;
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
process.stdout.write(`wrote oclif.manifest.json (${Object.keys(plugin.manifest.commands).length} commands)\n`);
