/*
 * The layout's one rule, checked on the source: imports point one way. commands/, hooks/ and cli/ sit on top;
 * the command domains (diagnose, approve, status, setup) below them; keys/ and org/ below those; utils/ at the
 * bottom. No file imports a folder above its own, and no import cycle exists, between files or folders.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/env.js';

const SRC = join(REPO_ROOT, 'src');

/** What each top-level folder of src/ may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  commands: ['cli', 'diagnose', 'approve', 'status', 'setup', 'keys', 'org', 'utils'],
  hooks: ['diagnose', 'org', 'utils'],
  cli: ['org', 'utils'],
  approve: ['diagnose', 'status', 'keys', 'org', 'utils'],
  setup: ['diagnose', 'keys', 'org', 'utils'],
  diagnose: ['keys', 'org', 'utils'],
  status: ['org', 'utils'],
  org: ['keys', 'utils'],
  keys: ['utils'],
  utils: [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import (static, type-only and dynamic) of a file, as repository paths of .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specifiers.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const folderOf = (file: string): string => relative(SRC, file).split('/')[0].replace(/\.ts$/, '');

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** The strongly connected components with more than one member (or a self-import): the cycles. */
function cycles<T>(nodes: T[], edges: (node: T) => T[]): T[][] {
  let index = 0;
  const indices = new Map<T, number>();
  const low = new Map<T, number>();
  const stack: T[] = [];
  const onStack = new Set<T>();
  const found: T[][] = [];
  const visit = (node: T): void => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges(node)) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indices.get(next) as number));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: T[] = [];
      let member: T;
      do {
        member = stack.pop() as T;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges(node).includes(node)) found.push(component);
    }
  };
  for (const node of nodes) if (!indices.has(node)) visit(node);
  return found;
}

describe('the layout: imports point one way', () => {
  it('reads the source tree', () => {
    expect(files.length).to.be.greaterThan(40);
    expect(Object.keys(MAY_IMPORT)).to.include.members([...new Set(files.map(folderOf))].filter((f) => f !== 'index'));
  });

  it('every import resolves to a file of src/', () => {
    const missing = [...graph].flatMap(([file, deps]) =>
      deps.filter((dep) => !graph.has(dep)).map((dep) => `${relative(SRC, file)} → ${relative(SRC, dep)}`),
    );
    expect(missing).to.deep.equal([]);
  });

  it('no folder imports one above it (commands → domains → keys, org → utils)', () => {
    const wrong = [...graph].flatMap(([file, deps]) => {
      const from = folderOf(file);
      return deps
        .filter((dep) => folderOf(dep) !== from && !(MAY_IMPORT[from] ?? []).includes(folderOf(dep)))
        .map((dep) => `${relative(SRC, file)} → ${relative(SRC, dep)}`);
    });
    expect(wrong).to.deep.equal([]);
  });

  it('no import cycle between files', () => {
    const found = cycles(files, (file) => graph.get(file) ?? []).map((c) => c.map((f) => relative(SRC, f)));
    expect(found).to.deep.equal([]);
  });

  it('no import cycle between folders', () => {
    const folders = [...new Set(files.map(folderOf))];
    const edges = (folder: string): string[] => [
      ...new Set(
        files
          .filter((f) => folderOf(f) === folder)
          .flatMap((f) => (graph.get(f) ?? []).map(folderOf))
          .filter((to) => to !== folder),
      ),
    ];
    expect(cycles(folders, edges)).to.deep.equal([]);
  });

  it('finds a cycle where there is one (the check itself works)', () => {
    const loop = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles([...loop.keys()], (n) => loop.get(n) ?? []).map((c) => c.sort())).to.deep.equal([['a', 'b', 'c']]);
  });
});
