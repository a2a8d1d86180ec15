import { jest } from '@jest/globals';
import { ALL_RULES, loaderStep, runRules } from '../../src/rules/index.js';
import type { RuleContext } from '../../src/rules/types.js';
import type { RuleId } from '../../src/rules/types.js';
import { ctx, exp, gpl, kernel, mod } from './helpers.js';

describe('ALL_RULES', () => {
  test('every rule id is registered, dual-stage ids once per stage, docs filled in', () => {
    const ids: RuleId[] = [
      'gpl-only',
      'gpl-future',
      'unused-symbol',
      'unresolved',
      'namespace-not-imported',
      'missing-license',
      'duplicate-export',
      'crc-mismatch',
      'missing-crc',
      'vermagic-mismatch',
      'proprietary-import',
      'xz-check',
      'kmod-decompress',
      'module-namespace-import',
      'missing-description',
      'export-flags',
      'ext-modversions',
      'module-struct-size',
      'symbol-too-long',
      'elf-header',
      'module-signature',
    ];
    expect([...new Set(ALL_RULES.map((r) => r.id))].sort()).toEqual([...ids].sort());
    // one object per id and stage, but missing-crc: the table and module_layout, then the symbols
    const pairs = ALL_RULES.map((r) => `${r.id}/${r.stage}`);
    expect(pairs.filter((p, i) => pairs.indexOf(p) !== i)).toEqual(['missing-crc/load']);
    expect(ALL_RULES.filter((r) => r.id === 'missing-crc').map((r) => r.firstLoaderStep)).toEqual([1, undefined]);
    for (const id of ['gpl-only', 'gpl-future', 'unused-symbol', 'unresolved', 'namespace-not-imported', 'module-namespace-import']) {
      expect(ALL_RULES.filter((r) => r.id === id).map((r) => r.stage)).toEqual(['build', 'load']);
    }
    for (const r of ALL_RULES) {
      expect(r.docs.summary.length).toBeGreaterThan(10);
      expect(r.docs.source).toMatch(/modpost\.c|kernel\/module/);
    }
  });
});

describe('runRules', () => {
  const module = mod({
    licenses: ['Proprietary'],
    imports: ['zeta_missing', 'gpl_b', 'printk', 'gpl_a', 'alpha_missing'],
  });
  const c = () => ctx({ module, kernel: kernel('6.1.0', { exports: [gpl('gpl_a'), gpl('gpl_b'), exp('printk')] }) });

  test('order: stage, then rule order, then the module\'s .symtab order', () => {
    const fs = runRules(c(), ['build', 'load']);
    expect(fs.map((f) => `${f.stage} ${f.rule} ${f.symbol}`)).toEqual([
      'build gpl-only gpl_b',
      'build gpl-only gpl_a',
      'build unresolved zeta_missing',
      'build unresolved alpha_missing',
      'load gpl-only gpl_b',
      'load gpl-only gpl_a',
      'load unresolved zeta_missing',
      'load unresolved alpha_missing',
    ]);
  });

  test('only the requested stages run', () => {
    const of = (stages: Array<'build' | 'load'>) => runRules(c(), stages).map((f) => `${f.stage} ${f.rule} ${f.symbol}`);
    expect(of(['load'])).toEqual(['load gpl-only gpl_b', 'load gpl-only gpl_a', 'load unresolved zeta_missing', 'load unresolved alpha_missing']);
    expect(of(['build'])).toEqual(['build gpl-only gpl_b', 'build gpl-only gpl_a', 'build unresolved zeta_missing', 'build unresolved alpha_missing']);
    expect(runRules(c(), [])).toEqual([]);
  });

  test('deterministic: the same input gives the same output', () => {
    expect(runRules(c(), ['build', 'load'])).toEqual(runRules(c(), ['build', 'load']));
  });
});

describe('a load stopped early runs no rule whose findings all come later', () => {
  // a proprietary module with GPL-only, missing and CRC-less imports, built for another kernel build
  const layoutCrc = 0x8f50bf01;
  const k = (over: Parameters<typeof kernel>[1] = {}) =>
    kernel('6.1.0', {
      modversions: true,
      vermagic: '6.1.0 SMP preempt mod_unload modversions ',
      exports: [exp('module_layout', 'EXPORT_SYMBOL', { crc: layoutCrc }), gpl('gpl_a', { crc: 1 }), exp('printk', 'EXPORT_SYMBOL', { crc: 2 })],
      ...over,
    });
  const m = (versions: Record<string, number>, over: Parameters<typeof mod>[0] = {}) =>
    mod({ licenses: ['Proprietary'], imports: ['gpl_a', 'printk', 'gone'], versions, vermagic: '6.1.0 SMP preempt mod_unload modversions ', ...over });

  const cases: Array<[string, RuleContext, string[], number]> = [
    ['module_layout CRC differs', ctx({ module: m({ module_layout: 0xbad, gpl_a: 1 }), kernel: k() }), ['load crc-mismatch module_layout'], 1],
    [
      'no module_layout in __versions, Debian',
      ctx({ module: m({ gpl_a: 1 }), kernel: k(), options: { missingCrc: 'error' } }),
      ['load missing-crc module_layout'],
      1,
    ],
    ['vermagic differs', ctx({ module: m({ module_layout: layoutCrc, gpl_a: 1, printk: 2 }, { vermagic: '6.1.0 SMP mod_unload ' }), kernel: k() }), ['load vermagic-mismatch'], 2],
  ];
  test.each(cases)('%s: the stop alone, and the later rules never asked', (_name, c, expected, stopStep) => {
    const spies = ALL_RULES.filter((r) => r.stage === 'load').map((r) => ({ r, spy: jest.spyOn(r, 'check') }));
    try {
      expect(runRules(c, ['load']).map((f) => `${f.stage} ${f.rule}${f.symbol ? ' ' + f.symbol : ''}`)).toEqual(expected);
      for (const { r, spy } of spies) expect({ rule: r.id, step: r.firstLoaderStep ?? 3, asked: spy.mock.calls.length > 0 }).toEqual({ rule: r.id, step: r.firstLoaderStep ?? 3, asked: (r.firstLoaderStep ?? 3) <= stopStep });
    } finally {
      for (const { spy } of spies) spy.mockRestore();
    }
  });

  test("no rule makes a finding before its firstLoaderStep (what the runner's skipping relies on)", () => {
    const contexts: RuleContext[] = [
      ...cases.map((c) => c[1]),
      ctx({ module: m({ module_layout: layoutCrc, gpl_a: 1 }), kernel: k() }),
      ctx({ module: m({ module_layout: layoutCrc, gpl_a: 1 }), kernel: k(), options: { missingCrc: 'error' } }),
      ctx({ module: m({ gpl_a: 1 }), kernel: k() }),
      ctx({ module: mod({ imports: ['printk'] }), kernel: k() }),
      ctx({ module: mod({ imports: ['printk'] }), kernel: k({ config: { CONFIG_MODULE_FORCE_LOAD: 'y', CONFIG_MODVERSIONS: 'y' } }) }),
      ctx({ module: { ...m({ module_layout: layoutCrc }), compression: 'xz', xzCheck: 'crc64' }, kernel: k() }),
    ];
    let seen = 0;
    for (const c of contexts) {
      for (const r of ALL_RULES.filter((x) => x.stage === 'load')) {
        for (const f of r.check(c)) {
          seen++;
          expect({ rule: r.id, symbol: f.symbol, step: loaderStep(f) >= (r.firstLoaderStep ?? 3) }).toEqual({ rule: r.id, symbol: f.symbol, step: true });
        }
      }
    }
    expect(seen).toBeGreaterThan(15);
  });
});
