/*
 * Helpers for command tests that run in-process against the emulator: a private HOME, logins stored the
 * real way (core's AuthInfo against the emulator), file-tree snapshots to prove a command is read-only,
 * and the text a command showed through the stubbed UX.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AuthInfo, StateAggregator } from '@salesforce/core';
import type { SinonSandbox, SinonStub } from 'sinon';
import { http } from '../../src/utils/http.js';
import { CI_CLIENT_ID, type Emulator } from '../../emulator/index.js';
import { keepEnv } from './env.js';
import { SERVER_KEY } from './keys.js';

export type TempHome = {
  home: string;
  /** Restores HOME (and USERPROFILE), clears core's cached state and deletes the directory. */
  restore(): void;
};

/**
 * Points HOME at a fresh temp directory before anything reads it, and clears core's cached state
 * (aliases, orgs, config) so nothing leaks in from an earlier test.
 */
export function useTempHome(prefix = 'plugin-jwt-cmd-'): TempHome {
  const restoreEnv = keepEnv('HOME', 'USERPROFILE');
  const home = mkdtempSync(join(tmpdir(), prefix));
  process.env.HOME = home;
  process.env.USERPROFILE = home;
  StateAggregator.clearInstance();
  return {
    home,
    restore: (): void => {
      StateAggregator.clearInstance();
      restoreEnv();
      // the CLI's log writer may still be flushing into HOME: retry instead of failing on ENOTEMPTY
      rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

/**
 * The end of a command test: the exit code the command set cleared, the stubs restored, the emulator (when one
 * ran) closed, then HOME given back and deleted.
 */
export async function endCommandTest(
  sandbox: SinonSandbox,
  emu: Pick<Emulator, 'close'> | undefined,
  home: TempHome,
): Promise<void> {
  process.exitCode = undefined;
  sandbox.restore();
  await emu?.close();
  home.restore();
}

export type StoredLogin = {
  username: string;
  /** The consumer key; Acme CI (the CI app every scenario has) unless given. */
  clientId?: string;
  /** Absolute path of the key file, SERVER_KEY unless given; the auth file keeps only this path. */
  keyFile?: string;
  /** The emulator's URL (or any login URL the token endpoint answers on). */
  loginUrl: string;
  alias?: string;
};

/**
 * Logs in with the JWT bearer flow the real way (core's AuthInfo posts the assertion to the emulator) and
 * saves the auth file under the current HOME, as `sf org login jwt` does. Returns the access token core
 * received, so tests can assert it never shows up in output.
 */
export async function storeJwtLogin(login: StoredLogin): Promise<{ accessToken: string }> {
  const loginUrl = login.loginUrl.endsWith('/') ? login.loginUrl : `${login.loginUrl}/`;
  const auth = await AuthInfo.create({
    username: login.username,
    oauth2Options: { clientId: login.clientId ?? CI_CLIENT_ID, privateKeyFile: login.keyFile ?? SERVER_KEY, loginUrl },
  });
  await auth.save();
  if (login.alias) {
    const state = await StateAggregator.getInstance();
    await state.aliases.setAndSave(login.alias, login.username);
  }
  const accessToken = auth.getFields(true).accessToken;
  // Forget what this process cached: the command under test must find the login on disk, as a new sf run does.
  StateAggregator.clearInstance();
  if (typeof accessToken !== 'string' || accessToken.length === 0)
    throw new Error(`no access token stored for ${login.username}`);
  return { accessToken };
}

/**
 * storeJwtLogin against the emulator (at its own URL unless the login names another), its access token added to
 * `tokens` (what the test's leak checks look for), and the requests it made forgotten, so counts start at zero.
 */
export async function storeLoginIn(
  emu: Emulator,
  tokens: string[],
  login: Omit<StoredLogin, 'loginUrl'> & { loginUrl?: string },
): Promise<void> {
  const { accessToken } = await storeJwtLogin({ loginUrl: emu.url, ...login });
  tokens.push(accessToken);
  emu.clearRequests();
}

/** SHA-256 of every regular file under `root`, by path relative to it. A missing root gives an empty map. */
export function hashTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(dir, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else if (info.isFile())
        out.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

/** Files added, removed or changed between two snapshots of hashTree. Empty when byte-identical. */
export function treeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, hash] of before) {
    if (!after.has(path)) changes.push(`removed ${path}`);
    else if (after.get(path) !== hash) changes.push(`changed ${path}`);
  }
  for (const path of after.keys()) if (!before.has(path)) changes.push(`added ${path}`);
  return changes;
}

/** The UX stubs of stubSfCommandUx (only what is read here). */
export type UxStubs = Record<string, SinonStub>;

/**
 * Everything a command showed through the stubbed UX, as one string: each call's arguments
 * JSON-stringified (tables included), one call per line.
 */
export function capturedOutput(ux: UxStubs): string {
  const lines: string[] = [];
  for (const [name, stub] of Object.entries(ux)) {
    for (const call of stub.getCalls())
      lines.push(`${name}: ${call.args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
  }
  return lines.join('\n');
}

/** The rows of every table the command printed (the first argument of each ux.table call). */
export function tableRows(ux: UxStubs): Array<Record<string, string>> {
  const table = ux.table;
  if (!table) return [];
  return table.getCalls().flatMap((call) => {
    const options = call.args[0] as { data?: Array<Record<string, string>> } | Array<Record<string, string>>;
    return Array.isArray(options) ? options : (options.data ?? []);
  });
}

/** A Salesforce access token (org id, "!", token), as Salesforce and the emulator issue them. */
export const ACCESS_TOKEN = /00D[A-Za-z0-9]{12,15}![A-Za-z0-9_.-]{10,}/;

/**
 * Secrets found in output: a PEM block with content, a signed JWT, an access token, or any of the given strings
 * (tokens, key lines, passwords). A bare "-----BEGIN PRIVATE KEY-----" is allowed: messages quote that line to say which file to pass.
 */
export function secretLeaks(text: string, tokens: string[] = []): string[] {
  const leaks: string[] = [];
  if (/-----BEGIN [A-Z0-9 ]+-----(\\n|\s)*[A-Za-z0-9+/=]{20,}/.test(text)) leaks.push('PEM block');
  if (/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/.test(text)) leaks.push('JWT');
  if (ACCESS_TOKEN.test(text)) leaks.push('access token');
  for (const token of tokens) if (token && text.includes(token)) leaks.push(`token ${token.slice(0, 6)}…`);
  return leaks;
}

/** The first line of a key file's base64 body: no output may ever contain it. */
export const keyLine = (keyFile: string): string => readFileSync(keyFile, 'utf8').split('\n')[1];

/** Every file under HOME/.sfdx and HOME/.sf (the CLI's state and its log), hashed, by path relative to HOME. */
export function cliStateTree(home: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['.sfdx', '.sf']) {
    for (const [path, hash] of hashTree(join(home, dir))) out.set(join(dir, path), hash);
  }
  return out;
}

/** A change to the CLI's log file (~/.sf/sf-YYYY-MM-DD.log) rather than to its state. */
export const isCliLog = (path: string): boolean => /(^|\/)\.sf\/sf-[^/]*\.log$/.test(path);

/**
 * Lets http.postForm reach the emulator for real while keeping every access token it answers with in `tokens`, so
 * a test can check that none of them is ever shown.
 */
export function recordTokens(sandbox: SinonSandbox, tokens: string[]): SinonStub {
  const realPostForm: typeof http.postForm = http.postForm;
  return sandbox
    .stub(http, 'postForm')
    .callsFake(async (url: string, form: Record<string, string>, timeoutMs: number) => {
      const answer = await realPostForm(url, form, timeoutMs);
      if (answer.kind === 'answer') {
        const token = /"access_token"\s*:\s*"([^"]+)"/.exec(answer.text)?.[1];
        if (token) tokens.push(token);
      }
      return answer;
    });
}

/** Folded text unfolded: a line break before more text becomes one space (indentation dropped). */
export const unfolded = (text: string): string => text.replace(/\n[ \t]*(?=\S)/g, ' ');

/** Text as its words: every run of spaces and line breaks one space, so folding does not count. */
export const spaced = (text: string): string => text.replace(/\s+/g, ' ');

/**
 * The rows of the tables in printed text, each cell's folded lines joined by one space: a line whose first cell
 * is empty continues the row above it. Tests read rows by their words, whatever the width folded. Both of the
 * table library's styles are read: box tables (a terminal) and the plain ones it prints when `CI` is set
 * (a heading line, a line of dashes, then rows whose cells start where the headings start).
 */
export function printedTableRows(text: string): string[][] {
  const cellsAt = (line: string, starts: number[]): string[] =>
    starts.map((start, j) => line.slice(j === 0 ? 0 : start, starts[j + 1]).trim());
  const rows: string[][] = [];
  const lines = text.split('\n');
  let starts: number[] | undefined; // the cells' starts in the plain table being read
  const add = (cells: string[]): void => {
    const last = rows.at(-1);
    if (cells[0] === '' && last) cells.forEach((cell, i) => (last[i] = [last[i], cell].filter(Boolean).join(' ')));
    else rows.push(cells);
  };
  lines.forEach((line, i) => {
    if (line.startsWith('│')) {
      add(
        line
          .slice(1, line.lastIndexOf('│'))
          .split('│')
          .map((cell) => cell.trim()),
      );
    } else if (/^-{3,}$/.test(line) && i > 0 && lines[i - 1].trim() !== '') {
      // a heading's cell starts a column: after the line's start or two spaces (padding on both sides)
      starts = [...lines[i - 1].matchAll(/(?<=^ *| {2})\S/g)].map((match) => match.index);
      rows.push(cellsAt(lines[i - 1], starts));
    } else if (starts && line.trim() !== '') {
      add(cellsAt(line, starts));
    } else {
      starts = undefined;
    }
  });
  return rows;
}
