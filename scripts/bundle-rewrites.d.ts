// Types of scripts/bundle-rewrites.js, for the tests that check each rewrite against the installed packages.
import type { Plugin } from 'esbuild';

export const CORE_LOGGER_IMPORT: RegExp;
export const LAZY_MODULE: string;
export function lazyCoreIndex(source: string): { contents: string; count: number };
export const MESSAGES_CALL: string;
export function bundledMessagesModule(source: string): string | undefined;
export const coreLoggerExternal: Plugin;
export const coreIndexLazy: Plugin;
export const dynamicCommonJsExternal: Plugin;
export const pluginsCoreMessages: Plugin;
