#!/usr/bin/env -S node --import tsx
import { execute } from '@oclif/core';

// Development runs the TypeScript sources, so a manifest left by an earlier build must not stand in for them.
await execute({ development: true, dir: import.meta.url, loadOptions: { ignoreManifest: true } });
