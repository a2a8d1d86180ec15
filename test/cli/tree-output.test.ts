/**
 * The text report sized for a tree: above DETAIL_THRESHOLD modules one line per failing module (the
 * first error the kernel prints, the count of the rest), each distinct hint once with the modules it
 * applies to; every finding with --verbose or for a handful of modules (a hint several modules share
 * said at the first and pointed to after); the summary line last in every run. Real gcc-built samples.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETAIL_THRESHOLD } from '../../src/report/text.js';
import { CLI, SEED } from '../helpers/fixtures.js';

const KERNEL = join(SEED, 'kernels', '4.18-rc5');
const ksymcheck = (...args: string[]) => spawnSync('node', [CLI, '--kernel', KERNEL, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const HEADER = 'kernel 4.18.0-rc5 from ' + KERNEL + ': rules of 4.18.0-rc5 (include/config/kernel.release), 28 exports, modversions on; stages: build+load';
// (the "pulled in by" part comes from the seed module's DWARF: samples/seed's line numbers)
const hintFor = (sym: string) =>
  'pulled in by the inline put_page() (include/linux/mm.h:158), called from afs_linux_put_page at osi_vm.c:24, afs_linux_writepage_sync at osi_vm.c:43, afs_linux_writepage_sync at osi_vm.c:35 and 1 more; ' +
  `'${sym}' is EXPORT_SYMBOL_GPL and the module's licence "http://www.openafs.org/dl/license10.html" is not GPL-compatible; ` +
  'EXPORT_SYMBOL_GPL only in 4.18-rc1…rc5 — 31c5bda3a656 made it EXPORT_SYMBOL before 4.18 final, so target 4.18 final or later';

describe('text report of a tree', () => {
  let tree: string;
  let pass: string;
  beforeAll(() => {
    // 8 copies of the OpenAFS-like module (GPL-only symbols, proprietary licence) and 4 of its GPL build
    tree = mkdtempSync(join(tmpdir(), 'ksymcheck-tree-text-'));
    mkdirSync(join(tree, 'afs'));
    mkdirSync(join(tree, 'gpl'));
    for (let i = 1; i <= 8; i++) copyFileSync(join(SEED, 'openafs', 'libafs.ko'), join(tree, 'afs', `afs${i}.ko`));
    for (let i = 1; i <= 4; i++) copyFileSync(join(SEED, 'openafs-gpl', 'libafs.ko'), join(tree, 'gpl', `gpl${i}.ko`));
    pass = mkdtempSync(join(tmpdir(), 'ksymcheck-tree-pass-'));
    for (let i = 1; i <= 11; i++) copyFileSync(join(SEED, 'openafs-gpl', 'libafs.ko'), join(pass, `gpl${i}.ko`));
  });
  afterAll(() => {
    rmSync(tree, { recursive: true, force: true });
    rmSync(pass, { recursive: true, force: true });
  });

  test(`${12} modules (> ${DETAIL_THRESHOLD}): one line per failing module, the hint once with its modules, the summary last`, () => {
    expect(DETAIL_THRESHOLD).toBeLessThan(12);
    const r = ksymcheck(tree);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const fail = (i: number) =>
      `FAIL afs/afs${i}.ko: build [gpl-only] FATAL: modpost: GPL-incompatible module afs${i}.ko uses GPL-only symbol '__put_devmap_managed_page' (+3 more)`;
    expect(r.stdout).toBe(
      [
        HEADER,
        `modules under ${tree}/`,
        '',
        ...[1, 2, 3, 4, 5, 6, 7, 8].map(fail),
        '',
        `hint (8 modules: afs/afs1.ko, afs/afs2.ko, afs/afs3.ko, afs/afs4.ko, afs/afs5.ko and 3 more): ${hintFor('__put_devmap_managed_page')}`,
        '(12 modules: one line per failing module; --verbose for every finding)',
        '',
        '12 module(s) checked: 8 fail, 4 pass; 0 unreadable',
        '',
      ].join('\n'),
    );
  });

  test('--verbose: every finding of every module; a shared hint said at the first module, pointed to after', () => {
    const r = ksymcheck('--verbose', tree);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => /^(PASS|FAIL) /.test(l))).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `FAIL libafs (${tree}/afs/afs${i}.ko) license: "http://www.openafs.org/dl/license10.html"`),
      ...[1, 2, 3, 4].map((i) => `PASS libafs (${tree}/gpl/gpl${i}.ko) license: "GPL"`),
    ]);
    expect(lines.filter((l) => l.startsWith('  build error [gpl-only] '))).toHaveLength(16);
    expect(lines.filter((l) => l.startsWith('  load error [gpl-only] '))).toHaveLength(16);
    const others = 'afs/afs2.ko, afs/afs3.ko, afs/afs4.ko, afs/afs5.ko, afs/afs6.ko and 2 more';
    expect(lines.filter((l) => l.startsWith('    hint: '))).toEqual([
      `    hint: ${hintFor('devmap_managed_key')} (also for ${others})`,
      `    hint: ${hintFor('__put_devmap_managed_page')} (also for ${others})`,
      ...Array(14).fill('    hint: as for afs/afs1.ko'),
    ]);
    expect(lines[lines.length - 1]).toBe('12 module(s) checked: 8 fail, 4 pass; 0 unreadable');
  });

  test(`a handful of modules (≤ ${DETAIL_THRESHOLD}) gets every finding without --verbose`, () => {
    const few = [join(tree, 'afs', 'afs1.ko'), join(tree, 'afs', 'afs2.ko'), join(tree, 'gpl', 'gpl1.ko')];
    const r = ksymcheck(...few);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(ksymcheck('--verbose', ...few).stdout);
    expect(r.stdout).toContain(`\nFAIL libafs (${few[1]}) license: "http://www.openafs.org/dl/license10.html"\n  build error [gpl-only] devmap_managed_key\n`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('3 module(s) checked: 2 fail, 1 pass; 0 unreadable');
  });

  test('nothing failing: no module lines, the summary still ends the run', () => {
    const r = ksymcheck(pass);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(1)).toEqual([`modules under ${pass}/`, '', '11 module(s) checked: 0 fail, 11 pass; 0 unreadable', '']);
  });
});
