import { runRules } from '../../src/rules/index.js';
import { brief, ctx, exp, gpl, kernel, mod } from './helpers.js';

function run(version: string, importNs: string[] = [], opts: { config?: Record<string, string>; name?: string; path?: string } = {}) {
  const name = opts.name ?? 'foo';
  const module = mod({ name, path: opts.path ?? `/src/${name}/${name}.ko`, importNs, imports: ['usb_stor_probe1', 'printk'] });
  const k = kernel(version, {
    exports: [gpl('usb_stor_probe1', { namespace: 'USB_STORAGE', owner: 'drivers/usb/storage/usb-storage' }), exp('printk')],
    ...(opts.config ? { config: opts.config } : {}),
  });
  return ctx({ module, kernel: k });
}
const ns = (c: ReturnType<typeof run>, stage: 'build' | 'load') =>
  runRules(c, [stage]).filter((f) => f.rule === 'namespace-not-imported');

describe('namespace-not-imported', () => {
  test('5.3: no namespaces yet', () => {
    expect(ns(run('5.3.0'), 'build')).toEqual([]);
    expect(ns(run('5.3.0'), 'load')).toEqual([]);
  });

  test('5.4: modpost WARNING (no "modpost: " prefix yet); loader error', () => {
    expect(ns(run('5.4.0'), 'build').map(brief)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'build',
        severity: 'warning',
        symbol: 'usb_stor_probe1',
        message: 'WARNING: module foo uses symbol usb_stor_probe1 from namespace USB_STORAGE, but does not import it.',
      },
    ]);
    const l = ns(run('5.4.0'), 'load');
    expect(l.map(brief)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'load',
        severity: 'error',
        symbol: 'usb_stor_probe1',
        message: 'foo: module uses symbol (usb_stor_probe1) from namespace USB_STORAGE, but does not import it.',
      },
    ]);
    expect(l[0].evidence).toEqual({
      namespace: 'USB_STORAGE',
      importNs: '',
      exportType: 'EXPORT_SYMBOL_GPL',
      owner: 'drivers/usb/storage/usb-storage',
      alsoPrints: 'foo: Unknown symbol usb_stor_probe1 (err -22)',
    });
  });

  test('5.7+ (6.1): ERROR, hint gives the bare-identifier MODULE_IMPORT_NS', () => {
    const fs = ns(run('6.1.0'), 'build');
    expect(fs.map((f) => [f.severity, f.message])).toEqual([
      ['error', 'ERROR: modpost: module foo uses symbol usb_stor_probe1 from namespace USB_STORAGE, but does not import it.'],
    ]);
    expect(fs[0].evidence).toEqual({
      namespace: 'USB_STORAGE',
      importNs: '',
      exportType: 'EXPORT_SYMBOL_GPL',
      owner: 'drivers/usb/storage/usb-storage',
      modpostPrints: true,
    });
    expect(fs[0].hint).toContain('add MODULE_IMPORT_NS(USB_STORAGE); to the module source');
  });

  test('6.13+: the hint uses the string-literal form', () => {
    expect(ns(run('6.13.0'), 'build')[0].hint).toBe(
      "'usb_stor_probe1' is exported in namespace USB_STORAGE: add MODULE_IMPORT_NS(\"USB_STORAGE\"); to the module source",
    );
  });

  test('CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y: warnings at both stages', () => {
    const c = run('6.1.0', [], { config: { CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS: 'y' } });
    expect(ns(c, 'build').map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'WARNING: modpost: module foo uses symbol usb_stor_probe1 from namespace USB_STORAGE, but does not import it.'],
    ]);
    const l = ns(c, 'load');
    expect(l.map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'foo: module uses symbol (usb_stor_probe1) from namespace USB_STORAGE, but does not import it.'],
    ]);
    expect(l[0].evidence.alsoPrints).toBeUndefined();
  });

  test('namespace imported: nothing', () => {
    expect(ns(run('6.1.0', ['USB_STORAGE']), 'build')).toEqual([]);
    expect(ns(run('6.1.0', ['USB_STORAGE']), 'load')).toEqual([]);
  });
});

describe('module: namespaces (EXPORT_SYMBOL_GPL_FOR_MODULES, 6.16+)', () => {
  function runMod(version: string, name: string, patterns: string, importNs: string[] = []) {
    const module = mod({ name, path: `/src/${name}.ko`, importNs, imports: ['kvm_private_fn'] });
    const k = kernel(version, { exports: [gpl('kvm_private_fn', { namespace: `module:${patterns}`, owner: 'arch/x86/kvm/kvm' })] });
    return ctx({ module, kernel: k });
  }

  test('6.16: a matching module name needs no import (tail glob)', () => {
    expect(ns(runMod('6.16.0', 'kvm_amd', 'kvm,kvm_*'), 'build')).toEqual([]);
    expect(ns(runMod('6.16.0', 'kvm_amd', 'kvm,kvm_*'), 'load')).toEqual([]);
    expect(ns(runMod('6.16.0', 'kvm', 'kvm,kvm_*'), 'build')).toEqual([]);
  });

  test('6.16: another module gets the ordinary namespace lines, the whole module: namespace in them, at both stages', () => {
    const c = runMod('6.16.0', 'mydrv', 'kvm,kvm_*');
    const b = ns(c, 'build');
    expect(b.map(brief)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'build',
        severity: 'error',
        symbol: 'kvm_private_fn',
        message: 'ERROR: modpost: module mydrv uses symbol kvm_private_fn from namespace module:kvm,kvm_*, but does not import it.',
      },
    ]);
    expect(b[0].hint).toContain('cannot be imported with MODULE_IMPORT_NS');
    const l = ns(c, 'load');
    expect(l.map(brief)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'load',
        severity: 'error',
        symbol: 'kvm_private_fn',
        message: 'mydrv: module uses symbol (kvm_private_fn) from namespace module:kvm,kvm_*, but does not import it.',
      },
    ]);
    expect(l[0].evidence.alsoPrints).toBe('mydrv: Unknown symbol kvm_private_fn (err -22)');
  });

  test('6.16+: CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS (modpost -N) makes a module: mismatch a warning at both stages', () => {
    const module = mod({ name: 'mydrv', path: '/src/mydrv.ko', imports: ['kvm_private_fn'] });
    const k = kernel('7.2.0', {
      exports: [gpl('kvm_private_fn', { namespace: 'module:kvm,kvm_*', owner: 'arch/x86/kvm/kvm' })],
      config: { CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS: 'y' },
    });
    const c = ctx({ module, kernel: k });
    expect(ns(c, 'build').map(brief)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'build',
        severity: 'warning',
        symbol: 'kvm_private_fn',
        message: 'WARNING: modpost: module mydrv uses symbol kvm_private_fn from namespace module:kvm,kvm_*, but does not import it.',
      },
    ]);
    const l = ns(c, 'load');
    expect(l.map(brief)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'load',
        severity: 'warning',
        symbol: 'kvm_private_fn',
        message: 'mydrv: module uses symbol (kvm_private_fn) from namespace module:kvm,kvm_*, but does not import it.',
      },
    ]);
    expect(l[0].evidence.alsoPrints).toBeUndefined();
  });

  test('6.16: modpost compares the file basename with strncmp, the loader folds "-" and "_"', () => {
    const c = runMod('6.16.0', 'kvm-amd', 'kvm_amd');
    expect(ns(c, 'build').map((f) => f.message)).toEqual([
      'ERROR: modpost: module kvm-amd uses symbol kvm_private_fn from namespace module:kvm_amd, but does not import it.',
    ]);
    expect(ns(c, 'load')).toEqual([]);
  });

  test('before 6.16 a module: namespace is just a namespace string', () => {
    const c = runMod('6.15.0', 'kvm_amd', 'kvm,kvm_*');
    expect(ns(c, 'build').map((f) => f.message)).toEqual([
      'ERROR: modpost: module kvm_amd uses symbol kvm_private_fn from namespace module:kvm,kvm_*, but does not import it.',
    ]);
    expect(ns(runMod('6.15.0', 'kvm_amd', 'kvm,kvm_*', ['module:kvm,kvm_*']), 'build')).toEqual([]);
  });
});
