import { runRules } from '../../src/rules/index.js';
import { brief, ctx, exp, gpl, kernel, mod } from './helpers.js';

/** nvidia (proprietary) exports nv_api; helper (GPL) imports from vmlinux and nvidia. */
function setup(version: string, helperImports: string[], helperLicenses = ['GPL']) {
  const nvidia = mod({ name: 'nvidia', path: '/drv/nvidia.ko', licenses: ['NVIDIA'], exports: [{ name: 'nv_api' }, { name: 'nv_other' }] });
  const helper = mod({ name: 'nvidia_uvm', path: '/drv/nvidia-uvm.ko', licenses: helperLicenses, imports: helperImports });
  const k = kernel(version, { exports: [gpl('gpl_fn'), gpl('gpl_late'), exp('printk')] });
  return ctx({ module: helper, kernel: k, others: [nvidia] });
}
const load = (c: ReturnType<typeof setup>) => runRules(c, ['load']);

describe('proprietary-import', () => {
  test('5.19+: no GPL-only use yet → warning, taint inherited (with the symbol name)', () => {
    const fs = load(setup('6.1.0', ['printk', 'nv_api']));
    expect(fs.map(brief)).toEqual([
      {
        rule: 'proprietary-import',
        stage: 'load',
        severity: 'warning',
        symbol: 'nv_api',
        message: 'nvidia_uvm: module uses symbols nv_api from proprietary module nvidia, inheriting taint.',
      },
    ]);
    expect(fs[0].evidence).toEqual({
      proprietaryModule: 'nvidia',
      owner: '/drv/nvidia',
      exportType: 'EXPORT_SYMBOL',
      usesGplOnlySymbols: false,
    });
  });

  test('5.9–5.18: the same without the symbol name; the warning is printed once', () => {
    const fs = load(setup('5.10.0', ['nv_api', 'nv_other']));
    expect(fs.map((f) => [f.severity, f.message])).toEqual([
      ['warning', 'nvidia_uvm: module uses symbols from proprietary module nvidia, inheriting taint.'],
    ]);
  });

  test('a GPL-only symbol resolved BEFORE the proprietary one → refused', () => {
    const fs = load(setup('5.10.0', ['gpl_fn', 'nv_api']));
    expect(fs.map(brief)).toEqual([
      {
        rule: 'proprietary-import',
        stage: 'load',
        severity: 'error',
        symbol: 'nv_api',
        message: 'nvidia_uvm: module using GPL-only symbols uses symbols from proprietary module nvidia.',
      },
    ]);
    expect(fs[0].evidence.alsoPrints).toBe('nvidia_uvm: Unknown symbol nv_api (err -2)');
    expect(load(setup('6.1.0', ['gpl_fn', 'nv_api']))[0].message).toBe(
      'nvidia_uvm: module using GPL-only symbols uses symbols nv_api from proprietary module nvidia.',
    );
  });

  test('a GPL-only symbol resolved AFTER the proprietary one → taint inherited, then the GPL-only lookup fails', () => {
    const fs = load(setup('6.1.0', ['nv_api', 'gpl_late']));
    expect(fs.map((f) => [f.rule, f.severity, f.symbol, f.message])).toEqual([
      ['gpl-only', 'error', 'gpl_late', 'nvidia_uvm: Unknown symbol gpl_late (err -2)'],
      ['proprietary-import', 'warning', 'nv_api', 'nvidia_uvm: module uses symbols nv_api from proprietary module nvidia, inheriting taint.'],
    ]);
    const g = fs[0];
    expect(g.evidence.taintInheritedFrom).toBe('nvidia');
    expect(g.hint).toContain('inherited the proprietary taint from module nvidia');
    // modpost is not involved: the build stage is clean
    expect(runRules(setup('6.1.0', ['nv_api', 'gpl_late']), ['build'])).toEqual([]);
  });

  test('before 5.9 there is no inherit_taint(): nothing', () => {
    expect(load(setup('5.8.0', ['gpl_fn', 'nv_api']))).toEqual([]);
    expect(load(setup('4.18.0', ['nv_api', 'gpl_late']))).toEqual([]);
  });

  test('5.4.118+ has the stable backport', () => {
    expect(load(setup('5.4.117', ['nv_api']))).toEqual([]);
    expect(load(setup('5.4.118', ['nv_api'])).map((f) => f.message)).toEqual([
      'nvidia_uvm: module uses symbols from proprietary module nvidia, inheriting taint.',
    ]);
  });

  test('an importer that is itself proprietary gets no message', () => {
    expect(load(setup('6.1.0', ['nv_api'], ['Proprietary']))).toEqual([]);
  });

  test('taint is transitive: a module that inherited it is proprietary for its own importers', () => {
    const nvidia = mod({ name: 'nvidia', path: '/drv/nvidia.ko', licenses: ['NVIDIA'], exports: [{ name: 'nv_api' }] });
    const mid = mod({ name: 'mid', path: '/drv/mid.ko', licenses: ['GPL'], imports: ['nv_api'], exports: [{ name: 'mid_api' }] });
    const top = mod({ name: 'top', path: '/drv/top.ko', licenses: ['GPL'], imports: ['gpl_fn', 'mid_api'] });
    const c = ctx({ module: top, kernel: kernel('6.1.0', { exports: [gpl('gpl_fn')] }), others: [nvidia, mid] });
    expect(load(c).map((f) => f.message)).toEqual([
      'top: module using GPL-only symbols uses symbols mid_api from proprietary module mid.',
    ]);
  });
});
