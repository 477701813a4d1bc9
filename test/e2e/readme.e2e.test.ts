/*
 * Every snippet of README.md, run: the shell blocks with the real sf CLI and this plugin against two emulated
 * orgs, in the README's order (a production org without any app, where `sf jwt setup` starts from nothing, and a
 * sandbox whose CI user has not approved the app yet), the output samples compared with what the commands print
 * there, the JSON samples against the schemas, and the GitHub Actions job's steps run as GitHub runs them.
 *
 * The README's hosts and the placeholder consumer key stand for the emulated orgs: https://test.salesforce.com
 * and the sandbox's My Domain for the sandbox, https://acme.my.salesforce.com and login.salesforce.com for
 * production, 3MVG9… for the app's consumer key. What cannot run on a machine without the network is replaced by
 * a stand-in that says why: `npm install`/`sf plugins install` from the registry (this checkout is linked in
 * their place) and `sf org login web` (a browser login: the admin logs in with JWT instead). The browser that
 * `sf jwt approve` opens is $BROWSER, a script that signs in as the JWT user and chooses Allow.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { ADMIN_CLIENT_ID, CI_CLIENT_ID, loadScenario, startEmulator, type Emulator } from '../../emulator/index.js';
import { keyLine, secretLeaks, spaced } from '../helpers/org.js';
import {
  isolatedEnv,
  linkPlugin,
  REPO_ROOT,
  runSf,
  SF_RUN_JS,
  sfLoginJwtArgs,
  type IsolatedEnv,
} from '../helpers/env.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const KEYS = join(REPO_ROOT, 'emulator', 'keys');
const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
};

/** A fenced block of the README: its info string (`bash`, `json`, `yaml` or none), its text and where it starts. */
type Block = { info: string; text: string; line: number };

function readmeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith('```'));
    blocks.push({ info: open[1], text: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The shell commands of a block: continued lines joined, comments kept apart (they say the expected exit code). */
function commandLines(text: string): Array<{ command: string; comment: string }> {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((line) => {
      const hash = line.search(/\s#\s/);
      return hash < 0
        ? { command: line.trim(), comment: '' }
        : { command: line.slice(0, hash).trim(), comment: line.slice(hash) };
    })
    .filter((line) => line.command !== '');
}

/** Text as words: the box-drawing of tables taken out, every run of spaces and line breaks made one space. */
function words(text: string): string {
  return spaced(text.replace(/[│┌┐└┘├┤┬┴┼─]/g, ' ')).trim();
}

/**
 * The first line of the sample whose words do not appear in the output, in order; `…` in a sample line stands
 * for any text. Words, not lines: the output folds to the width of its longest values, which differ here.
 */
function sampleMismatch(sample: string, output: string): string | undefined {
  const text = words(output);
  let at = 0;
  for (const line of sample.split('\n').map(words).filter(Boolean)) {
    const pattern = new RegExp(
      line
        .split('…')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*?'),
      'g',
    );
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (!found) return line;
    at = found.index + found[0].length;
  }
  return undefined;
}

type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  definitions?: Record<string, Schema>;
};

/** The paths of a JSON sample that the schema does not have (a renamed or removed field). */
function unknownPaths(value: unknown, schema: Schema, root: Schema, path = ''): string[] {
  const resolved = (s: Schema): Schema[] => {
    if (s.$ref) return resolved(root.definitions?.[s.$ref.replace('#/definitions/', '')] ?? {});
    const alternatives = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
    return alternatives.length > 0 ? [s, ...alternatives.flatMap(resolved)] : [s];
  };
  const schemas = resolved(schema);
  if (Array.isArray(value)) {
    const items = schemas.flatMap((s) => (s.items ? [s.items] : []));
    return value.flatMap((item, i) =>
      items.length === 0 ? [] : leastUnknown(items.map((s) => unknownPaths(item, s, root, `${path}[${i}]`))),
    );
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const own = schemas.flatMap((s) => (s.properties?.[key] ? [s.properties[key]] : []));
    if (own.length === 0) return [`${path}.${key}`];
    return leastUnknown(own.map((s) => unknownPaths(child, s, root, `${path}.${key}`)));
  });
}

function leastUnknown(candidates: string[][]): string[] {
  return candidates.reduce((best, next) => (next.length < best.length ? next : best));
}

type ActionStep = { name?: string; uses?: string; run?: string; env?: Record<string, string> };

/** The steps of a GitHub Actions workflow that run a script, with `${{ secrets.X }}` and `${{ vars.X }}` filled in. */
function actionSteps(
  workflow: string,
  values: Record<string, string>,
): Array<{ name: string; run: string; env: Record<string, string> }> {
  const parsed = parseYaml(workflow) as { jobs: Record<string, { steps: ActionStep[] }> };
  const fill = (text: string): string =>
    text.replace(/\$\{\{\s*(?:secrets|vars)\.(\w+)\s*\}\}/g, (_, name: string) => values[name] ?? '');
  return Object.values(parsed.jobs)
    .flatMap((job) => job.steps)
    .filter((step): step is ActionStep & { run: string } => typeof step.run === 'string')
    .map((step) => ({
      name: step.name ?? step.run,
      run: step.run,
      env: Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, fill(String(value))])),
    }));
}

describe('README.md: every snippet runs', function () {
  this.timeout(900_000);
  const blocks = readmeBlocks(README);
  let env: IsolatedEnv;
  let work: string;
  let tools: string;
  let uat: Emulator;
  let prod: Emulator;
  /** The README's hosts and placeholders, and what they stand for here. */
  let replacements: Array<[string, string]>;

  const substituted = (text: string): string =>
    replacements.reduce((result, [from, to]) => result.split(from).join(to), text);
  /** Output as the README shows it: the emulated orgs' URLs as the hosts they stand for. */
  const asReadme = (text: string): string =>
    text
      .split(`${uat.url}/`)
      .join('https://test.salesforce.com/')
      .split(uat.url)
      .join('https://test.salesforce.com')
      .split(`${prod.url}/`)
      .join('https://acme.my.salesforce.com/')
      .split(prod.url)
      .join('https://acme.my.salesforce.com')
      .split(CI_CLIENT_ID)
      .join('3MVG9…')
      .split(work)
      .join('…');

  type Call = { args: string; code: number; output: string };

  /** Runs a shell block (bash, as GitHub Actions runs a step when asked: `set -e` only when `strict`). */
  async function runShell(
    script: string,
    extraEnv: NodeJS.ProcessEnv = {},
    strict = false,
  ): Promise<{ code: number; output: string; calls: Call[] }> {
    const log = join(tools, 'calls');
    writeFileSync(log, '');
    if (process.env.README_TEST_DEBUG) process.stderr.write(`--- ${substituted(script)}\n`);
    // asynchronous: the emulated orgs answer from this process
    const child = spawn('bash', [...(strict ? ['-e'] : []), '-c', substituted(script)], {
      cwd: work,
      env: { ...env.env, PATH: `${tools}:${env.env.PATH ?? ''}`, README_TOOLS: tools, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? -1)));
    const made = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line, i) => {
        const [status, args] = line.split('\t');
        const printed = ['out', 'err'].map((s) => readFileSync(join(tools, `${i}.${s}`), 'utf8')).join('\n');
        return { args, code: Number(status), output: printed };
      });
    return { code, output, calls: made };
  }

  before(async () => {
    env = isolatedEnv({ SF_JWT_HINT: 'true' });
    work = mkdtempSync(join(tmpdir(), 'plugin-jwt-readme-'));
    tools = join(work, '.tools');
    mkdirSync(tools);
    for (const file of ['server.key', 'server.crt']) copyFileSync(join(KEYS, file), join(work, file));
    await linkPlugin(env);

    const sandbox = loadScenario('sandbox');
    const ci = sandbox.users.find((user) => user.username === 'ci@acme.com.uat');
    sandbox.oauthTokens = sandbox.oauthTokens.filter((token) => token.userId !== ci?.id);
    uat = await startEmulator(sandbox);
    prod = await startEmulator(loadScenario('eca-setup'));
    replacements = [
      ['https://acme--uat.sandbox.my.salesforce.com', uat.url],
      ['https://test.salesforce.com', uat.url],
      ['https://acme.my.salesforce.com', prod.url],
      ['https://login.salesforce.com', prod.url],
      ['3MVG9…', CI_CLIENT_ID],
      ['bash scripts/sandbox-refresh-example.sh', `bash ${join(REPO_ROOT, 'scripts', 'sandbox-refresh-example.sh')}`],
    ];

    // sf: the real CLI, each call's exit code and output kept; the stand-ins for what needs the network or a person
    const admins: Record<string, string[]> = {
      [uat.url]: ['admin@acme.com.uat', CI_CLIENT_ID],
      [prod.url]: ['admin@acme.com', ADMIN_CLIENT_ID],
    };
    writeFileSync(
      join(tools, 'sf'),
      [
        '#!/usr/bin/env bash',
        'if [ "$1 $2" = "plugins install" ]; then echo "(not run here: sf plugins install $3 needs the npm registry; this plugin is linked)"; exit 0; fi',
        'if [ "$1 $2 $3" = "org login web" ]; then',
        '  # a browser login: the same admin logs in with JWT instead',
        '  args=("$@"); alias=""; url=""',
        '  for ((i = 3; i < $#; i++)); do case "${args[$i]}" in --alias|-a) alias="${args[$((i + 1))]}";; --instance-url|-r) url="${args[$((i + 1))]}";; esac; done',
        '  case "$url" in',
        ...Object.entries(admins).map(
          ([url, [user, key]]) =>
            `    ${url}) set -- org login jwt --username ${user} --client-id ${key} --jwt-key-file ${join(KEYS, 'server.key')} --instance-url ${url} --alias "$alias";;`,
        ),
        '    *) echo "no emulated org for $url" >&2; exit 3;;',
        '  esac',
        'fi',
        'n=$(wc -l < "$README_TOOLS/calls")',
        `"${process.execPath}" "${SF_RUN_JS}" "$@" > "$README_TOOLS/$n.out" 2> "$README_TOOLS/$n.err"`,
        'rc=$?',
        'cat "$README_TOOLS/$n.out"; cat "$README_TOOLS/$n.err" >&2',
        'printf "%s\\t%s\\n" "$rc" "$*" >> "$README_TOOLS/calls"',
        'exit $rc',
      ].join('\n'),
    );
    writeFileSync(
      join(tools, 'npm'),
      '#!/bin/sh\ncase "$1" in install|ci|pack|run|test) echo "(not run here: npm $*)";; *) exit 3;; esac\n',
    );
    // the browser: signs in on the emulator's consent page as the user the URL is for, and chooses Allow
    writeFileSync(
      join(tools, 'consent.mjs'),
      `const url = process.argv[2];
const page = await fetch(url, { redirect: 'manual' });
const request = /name="request" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
const decision = await fetch(new URL('/services/oauth2/authorize/decision', url), {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ request, username: process.env.README_BROWSER_USER, decision: 'allow' }),
  redirect: 'manual',
});
await fetch(decision.headers.get('location'));
`,
    );
    writeFileSync(
      join(tools, 'browser'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(tools, 'consent.mjs')}" "$1"\n`,
    );
    for (const tool of ['sf', 'npm', 'browser']) chmodSync(join(tools, tool), 0o755);
    env.env.BROWSER = join(tools, 'browser');
    env.env.README_BROWSER_USER = 'ci@acme.com.uat';

    // the admins are logged in before the README's first --admin-org (its sf org login web lines log them in again)
    for (const [url, [user, key]] of Object.entries(admins)) {
      const alias = url === uat.url ? 'uat-admin' : 'prod-admin';
      const login = await runSf(
        [...sfLoginJwtArgs(url, user, join(KEYS, 'server.key'), { clientId: key }), '--alias', alias],
        env.env,
      );
      expect(login.code, login.stdout + login.stderr).to.equal(0);
    }
  });

  after(async () => {
    await uat?.close();
    await prod?.close();
    env?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has the quick start the guide promises: npm ci && npm run demo, then npm test', () => {
    const quick = blocks.find((block) => block.info === 'bash');
    expect(commandLines(quick?.text ?? '').map((line) => line.command)).to.deep.equal([
      'npm ci && npm run demo',
      'npm test',
    ]);
    expect(PACKAGE.scripts).to.include.keys('demo', 'test');
    expect(readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8')).to.match(/^npm test$/m);
    // the tarball npm pack writes, as the install lines name it
    const tarballs = [...README.matchAll(/plugin-jwt-[\w.<>-]+\.tgz/g)].map((match) => match[0]);
    expect(tarballs).to.not.be.empty;
    for (const tarball of tarballs) expect(tarball).to.equal(`${PACKAGE.name}-${PACKAGE.version}.tgz`);
  });

  it('runs every shell block, in order: each sf command exits as its comment says (0 when it says nothing)', async () => {
    const failures: string[] = [];
    let outputs: Call[] = [];
    let printed = '';
    for (const block of blocks) {
      if (block.info === 'bash') {
        const lines = commandLines(block.text);
        if (lines.some((line) => /^npm test\b/.test(line.command))) continue; // the quick start: this very test run
        const run = await runShell(block.text);
        outputs = run.calls;
        printed += run.output;
        const expected = lines
          .filter((line) => /^sf\s/.test(line.command) && !/^sf plugins install\b/.test(line.command))
          .map((line) => Number(/exit (\d+)/.exec(line.comment)?.[1] ?? 0));
        const got = run.calls.map((call) => call.code);
        // a block with variables or a script: the block's own exit code counts, and no sf command may end in a usage error
        const variables = /\$\{?[A-Za-z_]|^\S*\s*bash /m.test(block.text);
        if (!variables && JSON.stringify(got) !== JSON.stringify(expected)) {
          failures.push(
            `README.md:${block.line}: exit codes ${JSON.stringify(got)}, the README says ${JSON.stringify(expected)}\n${run.output}`,
          );
        }
        if (variables && (run.code !== 0 || got.some((code) => code !== 0 && code !== 1))) {
          failures.push(`README.md:${block.line}: exit ${run.code}, sf exits ${JSON.stringify(got)}\n${run.output}`);
        }
      } else if (block.info === '' && block.text.startsWith('$ ')) {
        // an output sample: what the command printed in the block before it, or prints now
        const [first, ...rest] = block.text.split('\n');
        const command = first.slice(2);
        const args = substituted(command).replace(/^sf /, '');
        const earlier = outputs.find((call) => call.args === args.replace(/"/g, ''));
        const output = earlier?.output ?? (await runShell(command)).output;
        printed += output;
        const missing = sampleMismatch(rest.join('\n'), asReadme(output));
        if (process.env.README_TEST_DEBUG) process.stderr.write(`${asReadme(output)}\n`);
        if (missing !== undefined)
          failures.push(`README.md:${block.line}: not printed: "${missing}"\n${asReadme(output)}`);
      }
    }
    expect(failures, failures.join('\n\n')).to.deep.equal([]);
    // nothing a user ran from the README showed a key, a token or a signed assertion
    expect(secretLeaks(printed, [keyLine(join(KEYS, 'server.key'))])).to.deep.equal([]);
  });

  it('every JSON sample has only fields of the schemas in schemas/ (the allow list is a list of package names)', () => {
    const schemas = readdirSync(join(REPO_ROOT, 'schemas')).map(
      (file) => JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', file), 'utf8')) as Schema,
    );
    const samples = blocks.filter((block) => block.info === 'json');
    expect(samples).to.not.be.empty;
    for (const sample of samples) {
      const text = sample.text.trim();
      const value = JSON.parse(text.startsWith('"') ? `{${text.replace(/,\s*$/, '')}}` : text) as unknown;
      if (Array.isArray(value)) {
        expect(value, `README.md:${sample.line}`).to.include(PACKAGE.name);
        continue;
      }
      const result = (value as { result?: unknown }).result ?? value;
      const best = leastUnknown(schemas.map((schema) => unknownPaths(result, schema, schema)));
      expect(best, `README.md:${sample.line}: fields no schema has`).to.deep.equal([]);
    }
  });

  it('the GitHub Actions job: its steps run as GitHub runs them, and a failing login ends with the diagnosis', async () => {
    const yaml = blocks.find((block) => block.info === 'yaml');
    expect(yaml, 'the CI job').to.not.equal(undefined);
    const values = {
      SF_JWT_KEY: readFileSync(join(KEYS, 'server.key'), 'utf8'),
      SF_USERNAME: 'ci@acme.com.uat',
      SF_CLIENT_ID: CI_CLIENT_ID,
      SF_INSTANCE_URL: uat.url,
    };
    const steps = actionSteps(yaml?.text ?? '', values);
    expect(steps.map((step) => step.name)).to.include.members([
      'Install the Salesforce CLI and plugin-jwt',
      'Log in with JWT',
    ]);
    const runner = mkdtempSync(join(tmpdir(), 'plugin-jwt-runner-'));
    try {
      for (const step of steps) {
        const run = await runShell(step.run, { ...step.env, RUNNER_TEMP: runner }, true);
        expect(run.code, `${step.name}:\n${run.output}`).to.equal(0);
      }
      // the allow list the job wrote: the plugin installs without a prompt
      expect(
        JSON.parse(readFileSync(join(env.home, '.config', 'sf', 'unsignedPluginAllowList.json'), 'utf8')),
      ).to.deep.equal([PACKAGE.name]);
      // with a key the app does not know, the step fails and its log names the cause
      const login = steps.find((step) => step.name === 'Log in with JWT');
      const failing = await runShell(
        login?.run ?? '',
        { ...login?.env, SF_JWT_KEY: readFileSync(join(KEYS, 'other.key'), 'utf8'), RUNNER_TEMP: runner },
        true,
      );
      expect(failing.code).to.equal(1);
      expect(failing.output).to.match(/The JWT login of ci@acme\.com\.uat fails \(INVALID_ASSERTION\)/);
    } finally {
      rmSync(runner, { recursive: true, force: true });
    }
  });
});
