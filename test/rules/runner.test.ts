import { ALL_RULES, runRules } from '../../src/rules/index.js';
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
    ];
    expect([...new Set(ALL_RULES.map((r) => r.id))].sort()).toEqual([...ids].sort());
    const pairs = ALL_RULES.map((r) => `${r.id}/${r.stage}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    for (const id of ['gpl-only', 'gpl-future', 'unused-symbol', 'unresolved', 'namespace-not-imported']) {
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
    expect(runRules(c(), ['load']).every((f) => f.stage === 'load')).toBe(true);
    expect(runRules(c(), ['build']).every((f) => f.stage === 'build')).toBe(true);
    expect(runRules(c(), [])).toEqual([]);
  });

  test('deterministic: the same input gives the same output', () => {
    expect(runRules(c(), ['build', 'load'])).toEqual(runRules(c(), ['build', 'load']));
  });
});
