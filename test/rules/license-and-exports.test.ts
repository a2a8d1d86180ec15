import { runRules } from '../../src/rules/index.js';
import { brief, ctx, exp, gpl, kernel, mod } from './helpers.js';

const byRule = (fs: ReturnType<typeof runRules>, rule: string) => fs.filter((f) => f.rule === rule);

describe('missing-license', () => {
  const run = (v: string, kind: 'ko' | 'o' = 'ko') =>
    byRule(
      runRules(ctx({ module: mod({ path: `/home/u/foo/foo.${kind}`, kind, licenses: [] }), kernel: kernel(v) }), ['build', 'load']),
      'missing-license',
    );

  test('4.18: WARNING plus the "see include/linux/module.h" line, for the .o path', () => {
    const fs = run('4.18.0');
    expect(fs.map(brief)).toEqual([
      { rule: 'missing-license', stage: 'build', severity: 'warning', symbol: undefined, message: 'WARNING: modpost: missing MODULE_LICENSE() in /home/u/foo/foo.o' },
    ]);
    expect(fs[0].evidence).toEqual({
      object: '/home/u/foo/foo.o',
      modpostPrints: true,
      alsoPrints: 'see include/linux/module.h for more information',
    });
    expect(fs[0].references).toEqual([]);
  });

  test('5.10: WARNING, one line', () => {
    const fs = run('5.10.0');
    expect(fs.map((f) => [f.severity, f.message])).toEqual([['warning', 'WARNING: modpost: missing MODULE_LICENSE() in /home/u/foo/foo.o']]);
    expect(fs[0].evidence.alsoPrints).toBeUndefined();
  });

  test('5.11: ERROR', () => {
    expect(run('5.11.0').map((f) => [f.severity, f.message])).toEqual([['error', 'ERROR: modpost: missing MODULE_LICENSE() in /home/u/foo/foo.o']]);
  });

  test('a .o input is reported the same way', () => {
    expect(run('6.1.0', 'o').map((f) => f.message)).toEqual(['ERROR: modpost: missing MODULE_LICENSE() in /home/u/foo/foo.o']);
  });

  test('any licence entry silences it', () => {
    const fs = runRules(ctx({ module: mod({ licenses: ['Proprietary'] }), kernel: kernel('6.1.0') }), ['build']);
    expect(byRule(fs, 'missing-license')).toEqual([]);
  });
});

describe('duplicate-export', () => {
  const k = (v: string) =>
    kernel(v, { exports: [exp('crc32_le'), gpl('nvdimm_bus_register', { owner: 'drivers/nvdimm/libnvdimm' })] });
  const module = mod({ path: '/home/u/foo/foo.ko', exports: [{ name: 'crc32_le' }, { name: 'nvdimm_bus_register', type: 'EXPORT_SYMBOL_GPL' }, { name: 'foo_api' }] });
  const run = (v: string, external = true) =>
    byRule(runRules(ctx({ module, kernel: k(v), options: { external } }), ['build']), 'duplicate-export');

  test('≤5.4: exports read from Module.symvers are overridden silently', () => {
    expect(run('4.18.0')).toEqual([]);
    expect(run('5.4.0')).toEqual([]);
  });

  test('5.5–5.18 external module: WARNING against vmlinux only (an in-tree module may be overridden)', () => {
    const fs = run('5.10.0');
    expect(fs.map(brief)).toEqual([
      {
        rule: 'duplicate-export',
        stage: 'build',
        severity: 'warning',
        symbol: 'crc32_le',
        message: "WARNING: modpost: /home/u/foo/foo: 'crc32_le' exported twice. Previous export was in vmlinux",
      },
    ]);
    expect(fs[0].evidence).toEqual({
      exportType: 'EXPORT_SYMBOL',
      previousOwner: 'vmlinux',
      previousExportType: 'EXPORT_SYMBOL',
      modpostPrints: true,
    });
    expect(run('5.5.0')[0].message).toBe("WARNING: /home/u/foo/foo: 'crc32_le' exported twice. Previous export was in vmlinux");
  });

  test('in-tree build: the in-tree module owner counts too, printed with .ko', () => {
    expect(run('5.10.0', false).map((f) => f.message)).toEqual([
      "WARNING: modpost: /home/u/foo/foo: 'crc32_le' exported twice. Previous export was in vmlinux",
      "WARNING: modpost: /home/u/foo/foo: 'nvdimm_bus_register' exported twice. Previous export was in drivers/nvdimm/libnvdimm.ko",
    ]);
  });

  test('5.19+ (6.1): ERROR', () => {
    expect(run('6.1.0').map((f) => [f.severity, f.message])).toEqual([
      ['error', "ERROR: modpost: /home/u/foo/foo: 'crc32_le' exported twice. Previous export was in vmlinux"],
    ]);
  });
});

describe('duplicate-export at load (verify_exported_symbols)', () => {
  const kern = (v: string) =>
    kernel(v, {
      vermagic: '6.1.0 SMP preempt mod_unload ',
      exports: [exp('crc32_le'), gpl('kfree_gpl'), gpl('nvdimm_bus_register', { owner: 'drivers/nvdimm/libnvdimm' }), gpl('nvdimm_other', { owner: 'drivers/nvdimm/libnvdimm' }), exp('printk')],
    });
  const load = (module: ReturnType<typeof mod>, v = '6.1.0', others: Array<ReturnType<typeof mod>> = []) =>
    runRules(ctx({ module, kernel: kern(v), others }), ['load']);

  test('the first duplicate of __ksymtab, then __ksymtab_gpl, owned by the kernel: ENOEXEC, the load stops', () => {
    const module = mod({ exports: [{ name: 'kfree_gpl', type: 'EXPORT_SYMBOL_GPL' }, { name: 'foo_api' }, { name: 'crc32_le' }] });
    const fs = load(module);
    expect(fs.map(brief)).toEqual([{ rule: 'duplicate-export', stage: 'load', severity: 'error', symbol: 'crc32_le', message: 'foo: exports duplicate symbol crc32_le (owned by kernel)' }]);
    expect(fs[0].evidence).toEqual({ exportType: 'EXPORT_SYMBOL', previousOwner: 'kernel', errno: -8, stopsLoad: true });
    expect(load(mod({ exports: [{ name: 'kfree_gpl', type: 'EXPORT_SYMBOL_GPL' }] })).map((f) => f.message)).toEqual(['foo: exports duplicate symbol kfree_gpl (owned by kernel)']);
  });

  test('the same line since 2.6.16 (4.x kernel/module.c); none before the check existed', () => {
    const module = mod({ exports: [{ name: 'crc32_le' }] });
    expect(load(module, '4.4.0').map((f) => f.message)).toEqual(['foo: exports duplicate symbol crc32_le (owned by kernel)']);
    expect(load(module, '2.6.15').filter((f) => f.rule === 'duplicate-export')).toEqual([]);
  });

  test('a module of the run it depends on loads first and owns it; one it does not depend on may load after', () => {
    const base = mod({ name: 'base', exports: [{ name: 'shared_fn' }, { name: 'base_fn' }] });
    const user = mod({ name: 'user-mod', imports: ['base_fn'], exports: [{ name: 'shared_fn' }] });
    expect(load(user, '6.1.0', [base]).map((f) => f.message)).toEqual(['user_mod: exports duplicate symbol shared_fn (owned by base)']);
    const stranger = mod({ name: 'stranger', exports: [{ name: 'shared_fn' }] });
    expect(load(stranger, '6.1.0', [base]).filter((f) => f.rule === 'duplicate-export')).toEqual([]);
  });

  test('two modules it depends on both export it: the first in the loader\'s dependency order owns it', () => {
    const one = mod({ name: 'one', path: '/m/one.ko', exports: [{ name: 'shared_fn' }, { name: 'one_fn' }] });
    const two = mod({ name: 'two', path: '/m/two.ko', exports: [{ name: 'shared_fn' }, { name: 'two_fn' }] });
    const user = (imports: string[]) => mod({ name: 'user', imports, exports: [{ name: 'shared_fn' }] });
    expect(load(user(['one_fn', 'two_fn']), '6.1.0', [one, two]).map((f) => f.message)).toEqual(['user: exports duplicate symbol shared_fn (owned by one)']);
    expect(load(user(['two_fn', 'one_fn']), '6.1.0', [one, two]).map((f) => f.message)).toEqual(['user: exports duplicate symbol shared_fn (owned by two)']);
  });

  test('an in-tree module of Module.symvers owns it only when this module imports from it (loaded first)', () => {
    const dup = { name: 'nvdimm_bus_register', type: 'EXPORT_SYMBOL_GPL' as const };
    expect(load(mod({ exports: [dup] })).filter((f) => f.rule === 'duplicate-export')).toEqual([]);
    expect(load(mod({ imports: ['nvdimm_other'], exports: [dup] })).map((f) => f.message)).toEqual(['foo: exports duplicate symbol nvdimm_bus_register (owned by libnvdimm)']);
  });

  test('after simplify_symbols: a symbol failure, or an earlier stop, means verify_exported_symbols never runs', () => {
    const unresolved = mod({ imports: ['nowhere_fn'], exports: [{ name: 'crc32_le' }] });
    expect(load(unresolved).map((f) => f.rule)).toEqual(['unresolved']);
    const badMagic = mod({ vermagic: '6.1.0 SMP mod_unload ', exports: [{ name: 'crc32_le' }] });
    expect(load(badMagic).map((f) => f.rule)).toEqual(['vermagic-mismatch']);
  });
});

describe('gpl-future (≤5.11)', () => {
  const run = (v: string, licenses = ['Proprietary']) =>
    runRules(
      ctx({ module: mod({ licenses, imports: ['soon_gpl'] }), kernel: kernel(v, { exports: [exp('soon_gpl', 'EXPORT_SYMBOL_GPL_FUTURE')] }) }),
      ['build', 'load'],
    ).filter((f) => f.rule === 'gpl-future');

  test('4.18 and 5.11: WARNING at build, loader warning without module prefix', () => {
    for (const v of ['4.18.0', '5.11.0']) {
      const fs = run(v);
      expect(fs.map(brief)).toEqual([
        { rule: 'gpl-future', stage: 'build', severity: 'warning', symbol: 'soon_gpl', message: "WARNING: modpost: GPL-incompatible module foo.ko uses future GPL-only symbol 'soon_gpl'" },
        { rule: 'gpl-future', stage: 'load', severity: 'warning', symbol: 'soon_gpl', message: 'Symbol soon_gpl is being used by a non-GPL module, which will not be allowed in the future' },
      ]);
      expect(fs[0].evidence).toEqual({ exportType: 'EXPORT_SYMBOL_GPL_FUTURE', owner: 'vmlinux', license: 'Proprietary', modpostPrints: true });
    }
  });

  test('5.12+: the export type is gone, no finding', () => {
    expect(run('5.12.0')).toEqual([]);
  });

  test('GPL module: nothing', () => {
    expect(run('5.10.0', ['GPL'])).toEqual([]);
  });
});

describe('unused-symbol (≤5.11)', () => {
  const run = (v: string, licenses = ['GPL'], type: 'EXPORT_UNUSED_SYMBOL' | 'EXPORT_UNUSED_SYMBOL_GPL' = 'EXPORT_UNUSED_SYMBOL') =>
    runRules(ctx({ module: mod({ licenses, imports: ['dusty'] }), kernel: kernel(v, { exports: [exp('dusty', type)] }) }), ['build', 'load']);

  test('5.10: WARNING at build for any module; three-line loader warning', () => {
    const fs = run('5.10.0').filter((f) => f.rule === 'unused-symbol');
    expect(fs.map(brief)).toEqual([
      { rule: 'unused-symbol', stage: 'build', severity: 'warning', symbol: 'dusty', message: "WARNING: modpost: module foo.ko uses symbol 'dusty' marked UNUSED" },
      { rule: 'unused-symbol', stage: 'load', severity: 'warning', symbol: 'dusty', message: 'Symbol dusty is marked as UNUSED, however this module is using it.' },
    ]);
    expect(fs[1].evidence.alsoPrints).toBe(
      'This symbol will go away in the future.\nPlease evaluate if this is the right api to use and if it really is, submit a report to the linux kernel mailing list together with submitting your code for inclusion.',
    );
  });

  test('5.12: gone', () => {
    expect(run('5.12.0').filter((f) => f.rule === 'unused-symbol')).toEqual([]);
  });

  test('≤5.10 UNUSED_GPL in a proprietary module: the FATAL comes first, the UNUSED warning is never printed', () => {
    const fs = run('4.18.0', ['Proprietary'], 'EXPORT_UNUSED_SYMBOL_GPL');
    const u = fs.filter((f) => f.rule === 'unused-symbol' && f.stage === 'build');
    expect(u.map((f) => f.evidence.modpostPrints)).toEqual([false]);
    // and at load the GPL-only table is hidden: no UNUSED warning, just Unknown symbol
    expect(fs.filter((f) => f.stage === 'load').map((f) => [f.rule, f.message])).toEqual([['gpl-only', 'foo: Unknown symbol dusty (err 0)']]);
    // 5.11: error() instead of fatal(), so both lines come out
    const f511 = run('5.11.0', ['Proprietary'], 'EXPORT_UNUSED_SYMBOL_GPL').filter((f) => f.stage === 'build');
    expect(f511.map((f) => [f.rule, f.evidence.modpostPrints])).toEqual([
      ['gpl-only', true],
      ['unused-symbol', true],
    ]);
  });
});
