/**
 * The layout of src/ as docs/architecture.md draws it: floors that read one way. Every import (static,
 * dynamic, re-export, type-only) of every file in src/ is read from the source and must go to a file of
 * the same folder or of a lower floor; no circle of files; every folder and top-level file of src/ sits
 * on a floor and has its line in docs/architecture.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/fixtures.js';

const SRC = join(ROOT, 'src');

/** Bottom to top. A folder is `name/`, a top-level file `name.ts`. */
const FLOORS: readonly (readonly string[])[] = [
  ['errors.ts', 'zod.ts', 'builtins.ts'],
  ['files.ts'],
  ['codec/'],
  ['elf/'],
  ['dwarf/', 'package/', 'signing/'],
  ['kernel/'],
  ['module/'],
  ['rules/'],
  ['explain/', 'report/'],
  ['run/'],
  ['check.ts'],
  ['compare.ts'],
  ['dkms/'],
  ['index.ts'],
  ['cli/'],
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** `codec/` for src/codec/x.ts, `check.ts` for src/check.ts. */
function placeOf(file: string): string {
  const rel = relative(SRC, file).split('\\').join('/');
  return rel.includes('/') ? `${rel.split('/')[0]}/` : rel;
}

function floorOf(place: string): number {
  return FLOORS.findIndex((f) => f.includes(place));
}

/** The src/ files a file imports: relative specifiers of import/export … from, import(), resolved to .ts. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out = new Set<string>();
  const specs = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(specs)) {
    const target = resolve(dirname(file), m[1] ?? m[2]).replace(/\.js$/, '.ts');
    if (target.startsWith(SRC + '/') && target.endsWith('.ts')) out.add(target);
  }
  return [...out];
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('every folder and top-level file of src/ sits on a floor', () => {
  const places = [...new Set(files.map(placeOf))].sort();
  expect(places.filter((p) => floorOf(p) < 0)).toEqual([]);
  // and every floor names something that exists
  expect(FLOORS.flat().filter((p) => !places.includes(p))).toEqual([]);
});

test('no import runs up the floors, or sideways into another folder of the same floor', () => {
  const wrong: string[] = [];
  for (const [file, deps] of graph) {
    const from = placeOf(file);
    for (const dep of deps) {
      const to = placeOf(dep);
      if (to === from) continue;
      if (floorOf(to) >= floorOf(from)) wrong.push(`${relative(SRC, file)} → ${relative(SRC, dep)}`);
    }
  }
  expect(wrong).toEqual([]);
});

test('the imports were read: the graph has the edges the layout is made of', () => {
  // a reader that found no imports would pass the test above by finding nothing
  const edge = (a: string, b: string) => graph.get(join(SRC, a))?.includes(join(SRC, b));
  expect(edge('check.ts', 'run/notes.ts')).toBe(true);
  expect(edge('module/read.ts', 'codec/decompress.ts')).toBe(true);
  expect(edge('check.ts', 'explain/frames.ts')).toBe(true); // a dynamic import
  expect(edge('module/read.ts', 'elf/elf-file.ts')).toBe(true);
});

test('no circle of files', () => {
  // Tarjan's strongly connected components: a component of more than one file is a circle
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(relative(SRC, w));
      } while (w !== v);
      if (c.length > 1) circles.push(c.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  expect(circles).toEqual([]);
});

test("docs/architecture.md has a line for every folder and top-level file of src/", () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const rows = new Set([...doc.matchAll(/^\| `src\/([^`]+)` \|/gm)].map((m) => m[1]));
  expect(FLOORS.flat().filter((p) => !rows.has(p))).toEqual([]);
});

test('no file in src/ over 500 lines unless its header comment says why it is one thing', () => {
  const long = files
    .filter((f) => readFileSync(f, 'utf8').split('\n').length > 520)
    // the header comment (before the first import) says "One file (~N lines) … because …"
    .filter((f) => !/One file \(~\d+ lines\)[^.]*? because /.test(readFileSync(f, 'utf8').split(/\nimport /)[0]))
    .map((f) => relative(SRC, f));
  expect(long).toEqual([]);
});
