/**
 * 6.13 → 7.2 rule behaviour on hand-made facts (the ELF side is in test/cli/v72*.test.ts): Debian's
 * missing-CRC refusal on the basic table only, modpost's too long symbol, the __start_/__stop_ ignore,
 * the 7.1+ duplicate-export walk order, MODULE_DESCRIPTION() with and without W=1.
 */
import { runRules } from '../../src/rules/index.js';
import { brief, ctx, exp, kernel, mod } from './helpers.js';

const LONG = 'a_symbol_name_that_is_fifty_six_characters_long_for_test'; // 56 characters

describe("Debian's missing-CRC refusal: the basic __versions path only", () => {
  function run(version: string, versionsFormat: 'basic' | 'extended') {
    const module = mod({ name: 'foo', imports: ['printk', 'kmalloc'], versions: { module_layout: 1, printk: 2 }, versionsFormat });
    const k = kernel(version, { modversions: true, exports: [exp('module_layout', 'EXPORT_SYMBOL', { crc: 1 }), exp('printk', 'EXPORT_SYMBOL', { crc: 2 }), exp('kmalloc', 'EXPORT_SYMBOL', { crc: 3 })] });
    return runRules(ctx({ module, kernel: k, options: { missingCrc: 'error' } }), ['load']).filter((f) => f.rule === 'missing-crc').map(brief);
  }

  test('basic table: refused (error) as before', () => {
    expect(run('7.2.0', 'basic')).toEqual([{ rule: 'missing-crc', stage: 'load', severity: 'error', symbol: 'kmalloc', message: 'foo: no symbol version for kmalloc' }]);
  });

  test('extended table on 6.14+: upstream pr_warn_once, accepted', () => {
    expect(run('7.2.0', 'extended')).toEqual([{ rule: 'missing-crc', stage: 'load', severity: 'warning', symbol: 'kmalloc', message: 'foo: no extended symbol version for kmalloc' }]);
  });
});

describe('modpost: too long symbol (basic modversions)', () => {
  function run(version: string, config: Record<string, string>) {
    const module = mod({ name: 'foo', imports: ['printk', LONG, `${LONG}_2`] });
    const k = kernel(version, { modversions: true, config, exports: [exp('printk', 'EXPORT_SYMBOL', { crc: 2 }), exp(LONG, 'EXPORT_SYMBOL_GPL', { crc: 4 }), exp(`${LONG}_2`, 'EXPORT_SYMBOL', { crc: 5 })] });
    return runRules(ctx({ module, kernel: k }), ['build']).filter((f) => f.rule === 'symbol-too-long').map(brief);
  }
  const ERR = (name: string) => [{ rule: 'symbol-too-long', stage: 'build', severity: 'error', symbol: LONG, message: `ERROR: modpost: too long symbol "${LONG}" [${name}.ko]` }];

  test('6.12: the first name of 56 characters or more, then modpost stops (an M= build: mod->name is the path)', () => {
    expect(run('6.12.0', {})).toEqual(ERR('/src/foo/foo'));
  });

  test('7.2: only a basic-only build; with CONFIG_EXTENDED_MODVERSIONS the name goes to the extended tables; no config: not decided', () => {
    // 6.13+: an M= build's mod->name is relative to the module directory
    expect(run('7.2.0', { CONFIG_MODVERSIONS: 'y', CONFIG_BASIC_MODVERSIONS: 'y' })).toEqual(ERR('foo'));
    expect(run('7.2.0', { CONFIG_MODVERSIONS: 'y', CONFIG_BASIC_MODVERSIONS: 'y', CONFIG_EXTENDED_MODVERSIONS: 'y' })).toEqual([]);
    expect(run('7.2.0', {})).toEqual([]);
  });
});

describe('__start_/__stop_ section bounds', () => {
  function run(version: string) {
    const module = mod({ name: 'foo', imports: ['__start_mysec', 'printk'] });
    const k = kernel(version, { exports: [exp('printk')] });
    return runRules(ctx({ module, kernel: k }), ['build', 'load']).filter((f) => f.symbol === '__start_mysec').map(brief);
  }

  test('6.19+: modpost ignores them; the loader still looks them up', () => {
    expect(run('7.2.0')).toEqual([{ rule: 'unresolved', stage: 'load', severity: 'error', symbol: '__start_mysec', message: 'foo: Unknown symbol __start_mysec (err -2)' }]);
  });

  test('6.12: modpost reports them undefined (an M= build before 6.13: the path)', () => {
    expect(run('6.12.0').map((f) => f.message)).toEqual(['ERROR: modpost: "__start_mysec" [/src/foo/foo.ko] undefined!', 'foo: Unknown symbol __start_mysec (err -2)']);
  });
});

describe('duplicate exports: the loader walk order', () => {
  function run(version: string) {
    // .symtab order: zeta (plain) first, then alpha (GPL-only); both already exported by vmlinux
    const module = mod({ name: 'foo', exports: [{ name: 'zeta' }, { name: 'alpha', type: 'EXPORT_SYMBOL_GPL' }] });
    const k = kernel(version, { exports: [exp('zeta'), exp('alpha', 'EXPORT_SYMBOL_GPL')] });
    return runRules(ctx({ module, kernel: k }), ['load']).filter((f) => f.rule === 'duplicate-export').map((f) => f.message);
  }

  test('before 7.1: __ksymtab first, then __ksymtab_gpl', () => {
    expect(run('7.0.0')).toEqual(['foo: exports duplicate symbol zeta (owned by kernel)']);
  });

  test('7.1+: one table in name order', () => {
    expect(run('7.2.0')).toEqual(['foo: exports duplicate symbol alpha (owned by kernel)']);
  });
});

describe('missing MODULE_DESCRIPTION()', () => {
  function run(version: string, extraWarn: boolean, modinfo = [{ key: 'license', value: 'GPL' }], external = true) {
    const module = mod({ name: 'foo', modinfo });
    return runRules(ctx({ module, kernel: kernel(version), options: { extraWarn, external } }), ['build'])
      .filter((f) => f.rule === 'missing-description')
      .map(brief);
  }
  const W = (obj: string) => [{ rule: 'missing-description', stage: 'build', severity: 'warning', symbol: undefined, message: `WARNING: modpost: missing MODULE_DESCRIPTION() in ${obj}` }];

  test('6.15+: for every module without one (M= build on 6.13+: the object relative to the module directory; in-tree: the path)', () => {
    expect(run('7.2.0', false)).toEqual(W('foo.o'));
    expect(run('7.2.0', false, undefined, false)).toEqual(W('/src/foo/foo.o'));
    expect(run('7.2.0', false, [{ key: 'license', value: 'GPL' }, { key: 'description', value: 'x' }])).toEqual([]);
  });

  test('6.12: only with W=1 (--extra-warn); 6.1: never', () => {
    expect(run('6.12.0', false)).toEqual([]);
    expect(run('6.12.0', true)).toEqual(W('/src/foo/foo.o'));
    expect(run('6.1.0', true)).toEqual([]);
  });
});
