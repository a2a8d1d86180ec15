import { runRules } from '../../src/rules/index.js';
import { brief, ctx, EM_PPC64, exp, gpl, kernel, mod } from './helpers.js';
import type { CheckOptions } from '../../src/rules/types.js';
import type { ImportSpec } from './helpers.js';

function run(version: string, imports: ImportSpec[], options: Partial<CheckOptions> = {}, extra: Parameters<typeof mod>[0] = {}) {
  const module = mod({ name: 'foo', path: '/home/u/foo/foo.ko', imports, ...extra });
  const k = kernel(version, { exports: [exp('printk'), exp('kmalloc')] });
  return ctx({ module, kernel: k, options });
}
const build = (c: ReturnType<typeof run>) => runRules(c, ['build']).filter((f) => f.rule === 'unresolved');
const load = (c: ReturnType<typeof run>) => runRules(c, ['load']).filter((f) => f.rule === 'unresolved');

describe('unresolved, build stage', () => {
  test('external module ≤5.1: WARNING (Makefile.modpost passed -w for KBUILD_EXTMOD)', () => {
    const fs = build(run('5.1.0', ['printk', 'no_such_fn']));
    expect(fs.map(brief)).toEqual([
      { rule: 'unresolved', stage: 'build', severity: 'warning', symbol: 'no_such_fn', message: 'WARNING: "no_such_fn" [/home/u/foo/foo.ko] undefined!' },
    ]);
    expect(fs[0].evidence).toEqual({ weak: false, modpostPrints: true, downgradedBy: 'external module (≤5.1)' });
    expect(fs[0].hint).toBe(
      "'no_such_fn' is not exported by this kernel build; check the config that provides it or pass the providing module's Module.symvers with --extra-symbols",
    );
  });

  test('4.18 external: WARNING without the modpost: prefix', () => {
    expect(build(run('4.18.0', ['no_such_fn'])).map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'WARNING: "no_such_fn" [/home/u/foo/foo.ko] undefined!'],
    ]);
  });

  test('4.18 in-tree build: ERROR', () => {
    expect(build(run('4.18.0', ['no_such_fn'], { external: false })).map((f) => [f.severity, f.message])).toEqual([
      ['error', 'ERROR: "no_such_fn" [/home/u/foo/foo.ko] undefined!'],
    ]);
  });

  test('5.2: external modules get an ERROR', () => {
    expect(build(run('5.2.0', ['no_such_fn'])).map((f) => [f.severity, f.message])).toEqual([
      ['error', 'ERROR: "no_such_fn" [/home/u/foo/foo.ko] undefined!'],
    ]);
  });

  test('5.7+: "modpost: " prefix; KBUILD_MODPOST_WARN makes it a WARNING', () => {
    expect(build(run('6.1.0', ['no_such_fn'])).map((f) => [f.severity, f.message])).toEqual([
      ['error', 'ERROR: modpost: "no_such_fn" [/home/u/foo/foo.ko] undefined!'],
    ]);
    const w = build(run('6.1.0', ['no_such_fn'], { modpostWarn: true }));
    expect(w.map((f) => [f.severity, f.message])).toEqual([['warning', 'WARNING: modpost: "no_such_fn" [/home/u/foo/foo.ko] undefined!']]);
    expect(w[0].evidence.downgradedBy).toBe('KBUILD_MODPOST_WARN');
  });

  test('weak undefined symbols are never reported', () => {
    expect(build(run('6.1.0', [{ name: 'optional_hook', weak: true }]))).toEqual([]);
    expect(load(run('6.1.0', [{ name: 'optional_hook', weak: true }]))).toEqual([]);
  });

  test('ignore list: __this_module and _GLOBAL_OFFSET_TABLE_ on every arch', () => {
    expect(build(run('4.18.0', ['__this_module', '_GLOBAL_OFFSET_TABLE_']))).toEqual([]);
    expect(build(run('6.12.0', ['__this_module', '_GLOBAL_OFFSET_TABLE_']))).toEqual([]);
  });

  test('ignore list: ppc64 _savegpr0_14 and .TOC. only on EM_PPC64', () => {
    expect(build(run('5.10.0', ['_savegpr0_14', '.TOC.'], {}, { machine: EM_PPC64 }))).toEqual([]);
    expect(build(run('5.10.0', ['_savegpr0_14', '.TOC.'])).map((f) => f.symbol)).toEqual(['_savegpr0_14', '.TOC.']);
  });

  test('ignore list: ppc64 _savegpr1_/_restfpr_ only since 3cd9763ce4ad (7.0)', () => {
    expect(build(run('6.17.0', ['_savegpr1_27', '_restfpr_20'], {}, { machine: EM_PPC64 })).map((f) => f.symbol)).toEqual([
      '_savegpr1_27',
      '_restfpr_20',
    ]);
    expect(build(run('7.0.0', ['_savegpr1_27', '_restfpr_20'], {}, { machine: EM_PPC64 }))).toEqual([]);
  });

  test('≥5.13: only the first 10 are printed, then a "suppressed" line', () => {
    const names = Array.from({ length: 12 }, (_, i) => `missing_${String(i).padStart(2, '0')}`);
    const fs = build(run('6.1.0', names));
    expect(fs).toHaveLength(13);
    // 6.1 walks in .symtab order: missing_00 … missing_09 printed
    expect(fs.slice(0, 12).map((f) => [f.symbol, f.evidence.modpostPrints])).toEqual(
      names.map((n, i) => [n, i < 10]),
    );
    expect(brief(fs[12])).toEqual({
      rule: 'unresolved',
      stage: 'build',
      severity: 'warning',
      symbol: undefined,
      message: 'WARNING: modpost: suppressed 2 unresolved symbol warnings because there were too many)',
    });
    expect(fs[12].evidence).toEqual({ suppressed: 2, modpostPrints: true });
  });

  test('5.13–5.18 walk reverse .symtab order: the LAST 10 are the printed ones', () => {
    const names = Array.from({ length: 12 }, (_, i) => `missing_${String(i).padStart(2, '0')}`);
    const fs = build(run('5.15.0', names));
    expect(fs.slice(0, 12).map((f) => f.evidence.modpostPrints)).toEqual(names.map((_, i) => i >= 2));
  });

  test('5.12: no cap', () => {
    const names = Array.from({ length: 12 }, (_, i) => `missing_${i}`);
    const fs = build(run('5.12.0', names));
    expect(fs).toHaveLength(12);
    expect(fs.every((f) => f.evidence.modpostPrints === true)).toBe(true);
  });

  test('≤5.10: nothing after the GPL fatal() in the walk is printed', () => {
    const module = mod({ path: '/m/foo.ko', licenses: ['Proprietary'], imports: ['early_missing', 'gpl_fn', 'late_missing'] });
    const c = ctx({ module, kernel: kernel('5.10.0', { exports: [gpl('gpl_fn')] }), options: { external: true } });
    // reverse walk: late_missing (printed), gpl_fn (FATAL), early_missing (never reached)
    expect(build(c).map((f) => [f.symbol, f.evidence.modpostPrints])).toEqual([
      ['early_missing', false],
      ['late_missing', true],
    ]);
  });

  test('a hint mentions what is known about famous missing exports, for the releases it is true of', () => {
    const base = "'__kernel_fpu_begin' is not exported by this kernel build; check the config that provides it or pass the providing module's Module.symvers with --extra-symbols";
    const hints = (v: string) => build(run(v, ['__kernel_fpu_begin'])).map((f) => [f.symbol, f.hint]);
    expect(hints('5.0.0')).toEqual([['__kernel_fpu_begin', `${base} (no longer exported since 5.0 ("x86/fpu: Don't export __kernel_fpu_{begin,end}()"); kernel_fpu_begin() is GPL-only)`]]);
    // 4.19 still exports it: a build without it is its own config's, not 5.0's change
    expect(hints('4.19.0')).toEqual([['__kernel_fpu_begin', base]]);
  });
});

describe('unresolved, load stage', () => {
  test('Unknown symbol (err -2), error', () => {
    const fs = load(run('6.1.0', ['printk', 'no_such_fn']));
    expect(fs.map(brief)).toEqual([
      { rule: 'unresolved', stage: 'load', severity: 'error', symbol: 'no_such_fn', message: 'foo: Unknown symbol no_such_fn (err -2)' },
    ]);
    expect(fs[0].evidence).toEqual({ weak: false, errno: -2 });
  });

  test('≤4.18: (err 0)', () => {
    const fs = load(run('4.18.0', ['no_such_fn']));
    expect(fs.map((f) => f.message)).toEqual(['foo: Unknown symbol no_such_fn (err 0)']);
    expect(fs[0].evidence.errno).toBe(0);
    // the first release with `PTR_ERR(ksym) ?: -ENOENT` seen
    expect(load(run('4.19.0', ['no_such_fn'])).map((f) => f.message)).toEqual(['foo: Unknown symbol no_such_fn (err -2)']);
  });

  test('x86 _GLOBAL_OFFSET_TABLE_: the loader ignores it only since 5.12', () => {
    expect(load(run('5.11.0', ['_GLOBAL_OFFSET_TABLE_'])).map((f) => f.message)).toEqual([
      'foo: Unknown symbol _GLOBAL_OFFSET_TABLE_ (err -2)',
    ]);
    expect(load(run('5.12.0', ['_GLOBAL_OFFSET_TABLE_']))).toEqual([]);
  });

  test('the loader prints mod->name (KBUILD_MODNAME, "-" → "_")', () => {
    const c = run('6.1.0', ['nope'], {}, { name: 'snd-foo', path: '/b/snd-foo.ko' });
    expect(load(c)[0].message).toBe('snd_foo: Unknown symbol nope (err -2)');
    expect(build(c)[0].message).toBe('ERROR: modpost: "nope" [/b/snd-foo.ko] undefined!');
  });

  test('a .o input: the final link provides __this_module and the ppc64 helpers, so the loader model skips them', () => {
    const c = run('6.1.0', ['__this_module', '_savegpr0_14', 'nope'], {}, { kind: 'o', path: '/b/foo.o', machine: EM_PPC64 });
    expect(load(c).map((f) => f.symbol)).toEqual(['nope']);
    expect(build(c).map((f) => f.symbol)).toEqual(['nope']);
  });
});
