/**
 * The error classes recognise each other across copies of src/errors.ts (its brand()): the command's bin
 * (dist/cli/main.cjs) carries its own copy, and the modules the program imports at run time load
 * dist/errors.js. Two copies are loaded here as the ES modules `dist/errors.js` and `dist/errors.js?copy`
 * (a query makes a second module instance) in a Node process of their own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, ROOT, sample } from './helpers/fixtures.js';

const probe = (url: string) => `
const a = await import(${JSON.stringify(url)});
const b = await import(${JSON.stringify(url + '?copy')});
const names = ['InputError', 'ElfFormatError', 'ParseError', 'DwarfFormatError'];
const make = (m, n) => n === 'InputError' ? new m.InputError('f', 'r') : n === 'ElfFormatError' ? new m.ElfFormatError('f', 1, 'r') : n === 'ParseError' ? new m.ParseError('f', 1, 'r') : new m.DwarfFormatError('f', 1, '.debug_info', 2, 'r');
const out = { distinct: a.InputError !== b.InputError, rows: {} };
for (const n of names) for (const [from, m] of [['a', a], ['b', b]]) {
  const e = make(m, n);
  out.rows[from + ':' + n] = names.filter((k) => e instanceof a[k] && e instanceof b[k]).join(',') + '|' + names.filter((k) => e instanceof a[k] || e instanceof b[k]).join(',');
}
out.plain = names.filter((k) => new Error('x') instanceof a[k] || null instanceof b[k] || ({}) instanceof a[k]);
class Sub extends a.ParseError {}
const sub = new Sub('f', 1, 'r');
out.sub = [sub instanceof Sub, sub instanceof b.ParseError, sub instanceof b.InputError, new a.ParseError('f', 1, 'r') instanceof Sub, new b.InputError('f', 'r') instanceof Sub];
console.log(JSON.stringify(out));`;

test('an error made by either copy is an instance of the same classes of both copies, and of no other', () => {
  const url = pathToFileURL(join(ROOT, 'dist', 'errors.js')).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe(url)], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.distinct).toBe(true);
  const both = (s: string) => `${s}|${s}`;
  for (const from of ['a', 'b']) {
    expect(out.rows[`${from}:InputError`]).toBe(both('InputError'));
    expect(out.rows[`${from}:ElfFormatError`]).toBe(both('InputError,ElfFormatError'));
    expect(out.rows[`${from}:ParseError`]).toBe(both('InputError,ParseError'));
    expect(out.rows[`${from}:DwarfFormatError`]).toBe(both('InputError,ElfFormatError,DwarfFormatError'));
  }
  expect(out.plain).toEqual([]);
  // a subclass declared elsewhere: its instances are ParseErrors of both copies; other errors are not Subs
  expect(out.sub).toEqual([true, true, true, false, false]);
});

describe('the command: an input error thrown by a module it imports at run time is an input error (exit 2), not an internal one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, 'garbage\n');
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  test('merge (dist/report/merge.js) of a file that is not JSON', () => {
    const r = run(['merge', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ksymcheck: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not JSON: `));
    expect(r.stderr).not.toContain('internal error');
  });

  test('--trusted-key (dist/signing/keys.js) naming a file that is no certificate', () => {
    const r = run(['check', '-k', sample('seed', 'kernels', '4.18', 'Module.symvers'), '--trusted-key', bad, sample('seed', 'openafs', 'libafs.ko')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ksymcheck: ${bad}: neither a PEM nor a DER certificate, nor an EFI signature list\n`);
  });
});
