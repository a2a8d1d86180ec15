/**
 * The import columns (src/module/columns.ts, issue #25 second part): a module read for a tree holds its
 * imports as name ids + flags; `ModuleFacts.imports` is made of them on first access; the rules iterate
 * the columns — and follow the list once it exists (changed or set by hand), through check's look-up by
 * name id (a name the table did not hold when the run began included).
 */
import { readModule } from '../../src/module/read.js';
import { importColumns } from '../../src/module/columns.js';
import { checkModules } from '../../src/check.js';
import { sample } from '../helpers/fixtures.js';
import { exp, kernel } from '../rules/helpers.js';

const LIBAFS = () => sample('seed', 'openafs', 'libafs.ko');

test('columns of a module read for a tree: the eager reader\'s imports, in order, with weakness; the list made on first access', async () => {
  const lazy = await readModule(LIBAFS(), { references: 'lazy' });
  const eager = await readModule(LIBAFS(), { references: 'eager' });
  const cols = importColumns(lazy);
  // the reader's columns, not made again
  expect(importColumns(lazy)).toBe(cols);
  expect(cols.length).toBe(eager.imports.length);
  expect(cols.length).toBeGreaterThan(5);
  expect(Array.from({ length: cols.length }, (_, i) => [cols.name(i), cols.weak(i)])).toEqual(eager.imports.map((i) => [i.name, i.weak]));
  expect(cols.indexOf(eager.imports[5].name)).toBe(5);
  expect(cols.indexOf('cols_not_an_import_anywhere')).toBe(-1);
  // the public view: the same imports, references read from the file when asked
  expect(lazy.imports).toEqual(eager.imports);
  expect(lazy.imports).toBe(lazy.imports);
});

test('once the list exists, the columns follow it: an import pushed, a list set by hand', async () => {
  const m = await readModule(LIBAFS(), { references: 'lazy' });
  const n = m.imports.length;
  m.imports.push({ name: 'cols_pushed_import', weak: true, refs: [] });
  const pushed = importColumns(m);
  expect(pushed.length).toBe(n + 1);
  expect([pushed.name(n), pushed.weak(n)]).toEqual(['cols_pushed_import', true]);
  m.imports = [{ name: 'cols_set_by_hand', weak: false, refs: [] }];
  const set = importColumns(m);
  expect([set.length, set.name(0), set.weak(0)]).toEqual([1, 'cols_set_by_hand', false]);
});

test('check() over modules read for a tree: nothing unresolved while every import is exported; an import added to the list is', async () => {
  const eager = await readModule(LIBAFS(), { references: 'eager' });
  const k = kernel('6.1.0', { exports: eager.imports.map((i) => exp(i.name)) });
  const unresolved = (ms: Awaited<ReturnType<typeof readModule>>[]) =>
    checkModules(k, ms, { stage: 'build' }).flatMap((r) => r.findings.filter((f) => f.rule === 'unresolved').map((f) => [r.name, f.symbol, f.severity, f.message]));
  const a = await readModule(LIBAFS(), { references: 'lazy' });
  expect(unresolved([a])).toEqual([]);
  // a name the run's name table did not hold when the run's look-up by id was made
  const b = await readModule(LIBAFS(), { references: 'lazy' });
  b.imports.push({ name: 'cols_missing_after_start', weak: false, refs: [] }, { name: 'cols_weak_missing', weak: true, refs: [] });
  expect(unresolved([b])).toEqual([['libafs', 'cols_missing_after_start', 'error', `ERROR: modpost: "cols_missing_after_start" [${LIBAFS()}] undefined!`]]);
});
