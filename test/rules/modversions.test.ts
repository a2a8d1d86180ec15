import { runRules } from '../../src/rules/index.js';
import { crcMismatch } from '../../src/rules/crc-mismatch.js';
import { brief, ctx, exp, kernel, mod } from './helpers.js';
import type { CheckOptions } from '../../src/rules/types.js';

const KMAGIC = '6.1.0-18-amd64 SMP preempt mod_unload modversions ';

function k(config: Record<string, string> = {}) {
  return kernel('6.1.0', {
    modversions: true,
    vermagic: KMAGIC,
    config,
    exports: [
      exp('module_layout', 'EXPORT_SYMBOL', { crc: 0xaaaa0001 }),
      exp('printk', 'EXPORT_SYMBOL', { crc: 0x11111111 }),
      exp('kmalloc', 'EXPORT_SYMBOL', { crc: 0x22222222 }),
      exp('asm_helper', 'EXPORT_SYMBOL', { crc: null }),
      exp('memcpy', 'EXPORT_SYMBOL', { crc: 0x33333333 }),
    ],
  });
}

function run(
  versions: Record<string, number> | undefined,
  opts: { options?: Partial<CheckOptions>; config?: Record<string, string>; vermagic?: string | null } = {},
) {
  const module = mod({
    imports: ['printk', 'kmalloc', 'asm_helper', 'memcpy'],
    ...(versions ? { versions } : {}),
    ...(opts.vermagic === null ? { vermagic: undefined } : { vermagic: opts.vermagic ?? '6.1.0-17-amd64 SMP preempt mod_unload modversions ' }),
  });
  return ctx({ module, kernel: k(opts.config), options: opts.options ?? {} });
}
const load = (c: ReturnType<typeof run>) => runRules(c, ['load']);

const GOOD = { module_layout: 0xaaaa0001, printk: 0x11111111, kmalloc: 0x22222222, asm_helper: 0x12345678, memcpy: 0x33333333 };

describe('crc-mismatch', () => {
  test('all CRCs agree (an exporter without CRC is accepted whatever the module recorded): nothing', () => {
    expect(load(run(GOOD))).toEqual([]);
  });

  test('a symbol CRC differs: disagrees about version, error, CRCs as 0x%08x', () => {
    const fs = load(run({ ...GOOD, kmalloc: 0xdeadbeef }));
    expect(fs.map(brief)).toEqual([
      { rule: 'crc-mismatch', stage: 'load', severity: 'error', symbol: 'kmalloc', message: 'foo: disagrees about version of symbol kmalloc' },
    ]);
    expect(fs[0].evidence).toEqual({
      crcExpected: '0xdeadbeef',
      crcFound: '0x22222222',
      owner: 'vmlinux',
      alsoPrints: 'foo: Unknown symbol kmalloc (err -22)',
    });
  });

  test('module_layout differs: that finding stands alone for the load stage', () => {
    const c = run({ ...GOOD, module_layout: 0xbbbb0002, kmalloc: 0xdeadbeef, printk: 0x1 }, { vermagic: 'other SMP' });
    expect(crcMismatch.check(c).map((f) => f.symbol)).toEqual(['module_layout']);
    const fs = load(c);
    expect(fs.map(brief)).toEqual([
      { rule: 'crc-mismatch', stage: 'load', severity: 'error', symbol: 'module_layout', message: 'foo: disagrees about version of symbol module_layout' },
    ]);
    expect(fs[0].evidence).toEqual({ crcExpected: '0xbbbb0002', crcFound: '0xaaaa0001', owner: 'vmlinux', stopsLoad: true });
    // build findings are not affected
    expect(runRules(c, ['build'])).toEqual([]);
  });

  test('kernel without CONFIG_MODVERSIONS: no CRC checks at all', () => {
    const module = mod({ imports: ['kmalloc'], versions: { kmalloc: 1 } });
    const c = ctx({ module, kernel: kernel('6.1.0', { modversions: false, exports: [exp('kmalloc', 'EXPORT_SYMBOL', { crc: 2 })] }) });
    expect(load(c)).toEqual([]);
  });
});

describe('missing-crc', () => {
  const partial = { module_layout: 0xaaaa0001, printk: 0x11111111, asm_helper: 1 }; // kmalloc, memcpy missing

  test('mainline: warning, printed once (pr_warn_once), the symbol is accepted', () => {
    const fs = load(run(partial));
    expect(fs.map(brief)).toEqual([
      { rule: 'missing-crc', stage: 'load', severity: 'warning', symbol: 'kmalloc', message: 'foo: no symbol version for kmalloc' },
      { rule: 'missing-crc', stage: 'load', severity: 'warning', symbol: 'memcpy', message: 'foo: no symbol version for memcpy' },
    ]);
    expect(fs.map((f) => f.evidence)).toEqual([
      { versionsTable: true, loaderPrints: true },
      { versionsTable: true, loaderPrints: false },
    ]);
  });

  test('Debian (missingCrc: error): every one printed, refused', () => {
    const fs = load(run(partial, { options: { missingCrc: 'error' } }));
    expect(fs.map((f) => [f.severity, f.message, f.evidence.loaderPrints, f.evidence.alsoPrints])).toEqual([
      ['error', 'foo: no symbol version for kmalloc', true, 'foo: Unknown symbol kmalloc (err -22)'],
      ['error', 'foo: no symbol version for memcpy', true, 'foo: Unknown symbol memcpy (err -22)'],
    ]);
  });

  test('extended modversions (6.14+): its own message', () => {
    const module = mod({ imports: ['kmalloc'], versions: { module_layout: 0xaaaa0001 }, versionsFormat: 'extended', vermagic: KMAGIC });
    const c = ctx({ module, kernel: kernel('6.14.0', { modversions: true, vermagic: KMAGIC, exports: [exp('module_layout', 'EXPORT_SYMBOL', { crc: 0xaaaa0001 }), exp('kmalloc', 'EXPORT_SYMBOL', { crc: 7 })] }) });
    expect(load(c).map((f) => [f.severity, f.message])).toEqual([['warning', 'foo: no extended symbol version for kmalloc']]);
  });

  test('no __versions at all, no CONFIG_MODULE_FORCE_LOAD: -ENOEXEC, the kernel prints nothing', () => {
    const fs = load(run(undefined, { vermagic: '6.1.0-18-amd64 SMP preempt mod_unload ' }));
    expect(fs.map(brief)).toEqual([
      {
        rule: 'missing-crc',
        stage: 'load',
        severity: 'error',
        symbol: 'module_layout',
        message: 'insmod: ERROR: could not insert module /src/foo/foo.ko: Invalid module format',
      },
    ]);
    expect(fs[0].evidence).toEqual({ versionsTable: false, forceLoad: false, kernelPrints: false, stopsLoad: true });
  });

  test('no __versions, CONFIG_MODULE_FORCE_LOAD=y: "module_layout: kernel tainted." and the load goes on', () => {
    const fs = load(run(undefined, { config: { CONFIG_MODULE_FORCE_LOAD: 'y' }, vermagic: KMAGIC }));
    expect(fs.map(brief)).toEqual([
      { rule: 'missing-crc', stage: 'load', severity: 'warning', symbol: 'module_layout', message: 'foo: module_layout: kernel tainted.' },
    ]);
  });
});

describe('vermagic-mismatch', () => {
  test('with __versions the release token is ignored', () => {
    expect(load(run(GOOD, { vermagic: '6.1.0-17-amd64 SMP preempt mod_unload modversions ' }))).toEqual([]);
  });

  test('with __versions, a differing token is a mismatch (and stops the load)', () => {
    const fs = load(run({ ...GOOD, kmalloc: 1 }, { vermagic: '6.1.0-17-amd64 SMP preempt_rt mod_unload modversions ' }));
    expect(fs.map(brief)).toEqual([
      {
        rule: 'vermagic-mismatch',
        stage: 'load',
        severity: 'error',
        symbol: undefined,
        message: "foo: version magic '6.1.0-17-amd64 SMP preempt_rt mod_unload modversions ' should be '6.1.0-18-amd64 SMP preempt mod_unload modversions '",
      },
    ]);
    expect(fs[0].evidence).toEqual({
      moduleVermagic: '6.1.0-17-amd64 SMP preempt_rt mod_unload modversions ',
      kernelVermagic: KMAGIC,
      releaseIgnored: true,
      stopsLoad: true,
    });
    expect(fs[0].hint).toContain("module has 'preempt_rt', kernel has 'preempt'");
  });

  test('without __versions the whole string must match, release included', () => {
    const module = mod({ imports: [], vermagic: '6.1.0-17-amd64 SMP preempt mod_unload ' });
    const c = ctx({ module, kernel: kernel('6.1.0', { modversions: false, vermagic: '6.1.0-18-amd64 SMP preempt mod_unload ' }) });
    expect(load(c).map((f) => [f.rule, f.message, f.evidence.releaseIgnored])).toEqual([
      ['vermagic-mismatch', "foo: version magic '6.1.0-17-amd64 SMP preempt mod_unload ' should be '6.1.0-18-amd64 SMP preempt mod_unload '", false],
    ]);
    const same = ctx({ module, kernel: kernel('6.1.0', { modversions: false, vermagic: '6.1.0-17-amd64 SMP preempt mod_unload ' }) });
    expect(load(same)).toEqual([]);
  });

  test('kernel vermagic unknown: skipped', () => {
    const module = mod({ vermagic: 'whatever' });
    expect(load(ctx({ module, kernel: kernel('6.1.0') }))).toEqual([]);
  });

  test('no vermagic in the module: "bad vermagic" with FORCE_LOAD, else a silent -ENOEXEC', () => {
    const forced = load(run(GOOD, { vermagic: null, config: { CONFIG_MODULE_FORCE_LOAD: 'y' } }));
    expect(forced.map((f) => [f.rule, f.severity, f.message])).toEqual([['vermagic-mismatch', 'warning', 'foo: bad vermagic: kernel tainted.']]);
    const refused = load(run(GOOD, { vermagic: null }));
    expect(refused.map((f) => [f.rule, f.severity, f.message, f.evidence.kernelPrints])).toEqual([
      ['vermagic-mismatch', 'error', 'insmod: ERROR: could not insert module /src/foo/foo.ko: Invalid module format', false],
    ]);
  });

  test('a vermagic mismatch hides the symbol-level load findings (check_modinfo runs before simplify_symbols)', () => {
    const fs = load(run({ ...GOOD, kmalloc: 1 }, { vermagic: 'x86 SMP' }));
    expect(fs.map((f) => f.rule)).toEqual(['vermagic-mismatch']);
  });
});
