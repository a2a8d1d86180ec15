import { runRules } from '../../src/rules/index.js';
import { gplOnlyBuild, gplOnlyLoad } from '../../src/rules/gpl-only.js';
import { brief, ctx, exp, gpl, kernel, mod } from './helpers.js';

const OPENAFS_LICENSE = 'http://www.openafs.org/dl/license10.html';

/** libafs vs 4.18-rc: inline put_page() drags in two GPL-only exports (kernel-rules.md §6.1). */
function libafs(version: string, licenses = [OPENAFS_LICENSE]) {
  const module = mod({
    name: 'libafs',
    path: '/usr/src/openafs/src/libafs/MODLOAD-4.18/libafs.ko',
    licenses,
    imports: ['printk', 'devmap_managed_key', '__put_devmap_managed_page', 'kmalloc'],
  });
  const k = kernel(version, {
    exports: [
      exp('printk'),
      exp('kmalloc'),
      gpl('devmap_managed_key', { owner: 'vmlinux', crc: 0x1234 }),
      gpl('__put_devmap_managed_page'),
    ],
  });
  return ctx({ module, kernel: k });
}

const build = (c: ReturnType<typeof libafs>) => runRules(c, ['build']).filter((f) => f.rule === 'gpl-only');
const load = (c: ReturnType<typeof libafs>) => runRules(c, ['load']).filter((f) => f.rule === 'gpl-only');

describe('gpl-only, build stage', () => {
  test('4.18: FATAL, all hits reported, only the first in reverse .symtab order is printed', () => {
    const fs = build(libafs('4.18.0-rc3'));
    expect(fs.map(brief)).toEqual([
      {
        rule: 'gpl-only',
        stage: 'build',
        severity: 'error',
        symbol: 'devmap_managed_key',
        message: "FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key'",
      },
      {
        rule: 'gpl-only',
        stage: 'build',
        severity: 'error',
        symbol: '__put_devmap_managed_page',
        message: "FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'",
      },
    ]);
    // modpost prepends to mod->unres, so it meets __put_devmap_managed_page first and exits there —
    // which is what the OpenAFS / ZFS build logs of June 2018 show.
    expect(fs.map((f) => [f.symbol, f.evidence.modpostPrints])).toEqual([
      ['devmap_managed_key', false],
      ['__put_devmap_managed_page', true],
    ]);
    expect(fs[1].evidence).toEqual({
      exportType: 'EXPORT_SYMBOL_GPL',
      owner: 'vmlinux',
      namespace: '',
      license: OPENAFS_LICENSE,
      firstLicense: OPENAFS_LICENSE,
      modpostPrints: true,
    });
    expect(fs[1].references).toEqual([{ section: '.text', function: 'foo_init', offset: 4 }]);
    expect(fs[1].hint).toBe(
      `'__put_devmap_managed_page' is EXPORT_SYMBOL_GPL and the module's licence "${OPENAFS_LICENSE}" is not GPL-compatible; ` +
        'EXPORT_SYMBOL_GPL only in 4.18-rc1…rc5 — 31c5bda3a656 made it EXPORT_SYMBOL before 4.18 final, so target 4.18 final or later',
    );
  });

  test('5.10: still FATAL with the same text (prefix moved into modpost_log)', () => {
    const fs = build(libafs('5.10.0'));
    expect(fs.map((f) => [f.severity, f.message, f.evidence.modpostPrints])).toEqual([
      ['error', "FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key'", false],
      ['error', "FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'", true],
    ]);
  });

  test('5.11: ERROR for each, all printed', () => {
    const fs = build(libafs('5.11.0'));
    expect(fs.map((f) => [f.severity, f.message, f.evidence.modpostPrints])).toEqual([
      ['error', "ERROR: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key'", true],
      ['error', "ERROR: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'", true],
    ]);
  });

  test('6.1 and 6.16: same ERROR text', () => {
    for (const v of ['6.1.0', '6.16.0']) {
      const fs = build(libafs(v));
      expect(fs.map((f) => f.message)).toEqual([
        "ERROR: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key'",
        "ERROR: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'",
      ]);
      expect(fs.every((f) => f.evidence.modpostPrints === true)).toBe(true);
      // the 4.18 note is not said of a build where the symbol is GPL-only in another release
      expect(fs[1].hint).toBe(
        `'__put_devmap_managed_page' is EXPORT_SYMBOL_GPL and the module's licence "${OPENAFS_LICENSE}" is not GPL-compatible; ` +
          "use a non-GPL alternative, or target a kernel where '__put_devmap_managed_page' is EXPORT_SYMBOL",
      );
    }
  });

  test('the rule itself returns findings in modpost walk order (reverse .symtab ≤5.18, .symtab ≥5.19)', () => {
    expect(gplOnlyBuild.check(libafs('5.18.0')).map((f) => f.symbol)).toEqual(['__put_devmap_managed_page', 'devmap_managed_key']);
    expect(gplOnlyBuild.check(libafs('5.19.0')).map((f) => f.symbol)).toEqual(['devmap_managed_key', '__put_devmap_managed_page']);
  });

  test('GPL-compatible module: nothing', () => {
    expect(build(libafs('4.18.0', ['GPL']))).toEqual([]);
    expect(build(libafs('6.1.0', ['Dual MIT/GPL']))).toEqual([]);
  });

  test('modpost reads every licence: "GPL" + "Proprietary" is GPL-incompatible at build time', () => {
    const fs = build(libafs('6.1.0', ['GPL', 'Proprietary']));
    expect(fs).toHaveLength(2);
    expect(fs[0].evidence.license).toBe('Proprietary');
    expect(fs[0].evidence.firstLicense).toBe('GPL');
    expect(fs[0].hint).toContain('modpost checks every MODULE_LICENSE() entry');
    // … but the loader only reads the first entry: it loads.
    expect(load(libafs('6.1.0', ['GPL', 'Proprietary']))).toEqual([]);
  });

  test('"GPL-2.0" is not on the list: the hint says so and lists the accepted strings', () => {
    const fs = build(libafs('6.1.0', ['GPL-2.0']));
    expect(fs[0].hint).toBe(
      'licence "GPL-2.0" is not one of the strings the kernel accepts as GPL-compatible (include/linux/license.h): ' +
        'use one of "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"',
    );
    expect(build(libafs('6.1.0', ['Dual CDDL/GPL']))[0].hint).toContain('"Dual CDDL/GPL" is not one of the strings');
  });

  test('EXPORT_UNUSED_SYMBOL_GPL has its own message (≤5.11)', () => {
    const module = mod({ licenses: ['Proprietary'], imports: ['old_api'] });
    const mk = (v: string) =>
      build(ctx({ module, kernel: kernel(v, { exports: [exp('old_api', 'EXPORT_UNUSED_SYMBOL_GPL')] }) }));
    expect(mk('4.18.0').map(brief)).toEqual([
      {
        rule: 'gpl-only',
        stage: 'build',
        severity: 'error',
        symbol: 'old_api',
        message: "FATAL: modpost: GPL-incompatible module foo.ko uses GPL-only symbol marked UNUSED 'old_api'",
      },
    ]);
    expect(mk('5.11.0')[0].message).toBe(
      "ERROR: modpost: GPL-incompatible module foo.ko uses GPL-only symbol marked UNUSED 'old_api'",
    );
  });

  test('modpost prints the file basename, not .modinfo name=', () => {
    const module = mod({ name: 'snd_foo', path: '/b/snd-foo.ko', licenses: ['Proprietary'], imports: ['x'] });
    const fs = build(ctx({ module, kernel: kernel('6.1.0', { exports: [gpl('x')] }) }));
    expect(fs[0].message).toBe("ERROR: modpost: GPL-incompatible module snd-foo.ko uses GPL-only symbol 'x'");
  });

  test('a module with no licence is GPL-compatible for this check (missing-license reports it instead)', () => {
    expect(build(libafs('4.18.0', []))).toEqual([]);
    expect(build(libafs('6.1.0', []))).toEqual([]);
  });

  test('ignored undefined symbols are not checked', () => {
    const module = mod({ licenses: ['Proprietary'], imports: ['__this_module'] });
    expect(build(ctx({ module, kernel: kernel('6.1.0', { exports: [gpl('__this_module')] }) }))).toEqual([]);
  });

  test('the x86 FPU note by release: until 5.0 the non-GPL __kernel_fpu_begin() is named, from 5.0 there is none', () => {
    const zfs = (v: string) =>
      build(ctx({ module: mod({ name: 'zfs', licenses: ['CDDL'], imports: ['kernel_fpu_begin'] }), kernel: kernel(v, { exports: [gpl('kernel_fpu_begin')] }) })).map((f) => [f.symbol, f.hint]);
    const head = `'kernel_fpu_begin' is EXPORT_SYMBOL_GPL and the module's licence "CDDL" is not GPL-compatible; `;
    expect(zfs('4.19.0')).toEqual([['kernel_fpu_begin', head + 'x86 kernel FPU helpers are GPL-only since 4.2; until 5.0 __kernel_fpu_begin()/__kernel_fpu_end() are EXPORT_SYMBOL']]);
    expect(zfs('5.4.0')).toEqual([['kernel_fpu_begin', head + 'x86 kernel FPU helpers are GPL-only since 4.2 and there is no non-GPL alternative since 5.0']]);
  });
});

describe('gpl-only, load stage', () => {
  test('proprietary first licence: GPL-only tables are skipped → Unknown symbol', () => {
    const fs = load(libafs('6.1.0'));
    expect(fs.map(brief)).toEqual([
      {
        rule: 'gpl-only',
        stage: 'load',
        severity: 'error',
        symbol: 'devmap_managed_key',
        message: 'libafs: Unknown symbol devmap_managed_key (err -2)',
      },
      {
        rule: 'gpl-only',
        stage: 'load',
        severity: 'error',
        symbol: '__put_devmap_managed_page',
        message: 'libafs: Unknown symbol __put_devmap_managed_page (err -2)',
      },
    ]);
    expect(fs[0].evidence).toEqual({
      exportType: 'EXPORT_SYMBOL_GPL',
      owner: 'vmlinux',
      namespace: '',
      license: OPENAFS_LICENSE,
      firstLicense: OPENAFS_LICENSE,
      errno: -2,
    });
  });

  test('4.18: the loader printed PTR_ERR(NULL), i.e. (err 0)', () => {
    const fs = load(libafs('4.18.0'));
    expect(fs.map((f) => f.message)).toEqual([
      'libafs: Unknown symbol devmap_managed_key (err 0)',
      'libafs: Unknown symbol __put_devmap_managed_page (err 0)',
    ]);
    expect(fs.map((f) => f.evidence.errno)).toEqual([0, 0]);
  });

  test('first licence GPL-compatible: loads even with a later proprietary entry', () => {
    expect(load(libafs('4.18.0', ['Dual BSD/GPL', 'Proprietary']))).toEqual([]);
  });

  test('first licence proprietary, later GPL: refused at load (and at build)', () => {
    expect(load(libafs('6.1.0', ['Proprietary', 'GPL']))).toHaveLength(2);
    expect(build(libafs('6.1.0', ['Proprietary', 'GPL']))).toHaveLength(2);
  });

  test('no licence at all: the loader says "unspecified" → proprietary', () => {
    const fs = load(libafs('6.1.0', []));
    expect(fs).toHaveLength(2);
    expect(fs[0].evidence.license).toBe('unspecified');
    expect(fs[0].evidence.firstLicense).toBeNull();
    expect(fs[0].hint).toContain('declares no MODULE_LICENSE()');
  });

  test('a weak GPL-only import that is hidden is not an error', () => {
    const module = mod({ licenses: ['Proprietary'], imports: [{ name: 'maybe', weak: true }] });
    expect(gplOnlyLoad.check(ctx({ module, kernel: kernel('6.1.0', { exports: [gpl('maybe')] }) }))).toEqual([]);
  });
});
