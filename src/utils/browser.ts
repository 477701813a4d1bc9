/*
 * Opening a URL in the user's browser, through an object the plugin owns so tests can replace it
 * (ES module exports cannot be stubbed).
 */
import type { ChildProcess } from 'node:child_process';
import open, { apps } from 'open';

/** The browsers `sf jwt approve --browser` offers (the same names as `sf org login web --browser`). */
export const BROWSERS = ['chrome', 'edge', 'firefox'] as const;
export type BrowserName = (typeof BROWSERS)[number];

/** Maps a browser name to `open`'s auto-detected, platform-specific binary names. */
export function appFor(name: BrowserName): { name: string | readonly string[] } {
  return { name: apps[name] };
}

/**
 * Opens the URL in the default browser, or in the named one. Resolves once the launcher is spawned:
 * without a display that does not mean a browser opened, so callers also print the URL.
 */
function openUrl(url: string, opts?: { app?: BrowserName }): Promise<ChildProcess> {
  return open(url, opts?.app ? { app: appFor(opts.app) } : {});
}

/** Replaceable in tests: `sinon.stub(browser, 'open')`. */
export const browser = { open: openUrl };
