/**
 * The v6 samples end to end (samples/v6, built by scripts/build-samples): modules built against a
 * "6.1" kernel (PREL32 ksymtab with namespaces, CRCs as data, 5-column Module.symvers) and a "6.16" one
 * (same sources; module: namespaces apply), checked with check() at both stages, and the CLI's
 * `exports` against the sample Module.symvers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { CLI, run, sample } from '../helpers/fixtures.js';

const K61 = () => sample('v6', 'kernels', '6.1');
const K616 = () => sample('v6', 'kernels', '6.16');
const KO = (name: string) => sample('v6', 'modules', name, `${name}.ko`);

type Brief = { rule: string; stage: string; severity: string; symbol?: string; message: string };

function findings(r: Report): Brief[] {
  expect(r.errors).toEqual([]);
  expect(r.modules).toHaveLength(1);
  return r.modules[0].findings.map((f) => ({ rule: f.rule, stage: f.stage, severity: f.severity, symbol: f.symbol, message: f.message }));
}

async function checkOne(kernel: string, module: string, kernelVersion?: string): Promise<Report> {
  const r = await check({ kernel, modules: [module], stage: 'both', kernelVersion });
  expect(reportSchema.parse(r)).toEqual(r);
  return r;
}

/** Every function + section of the module that references the finding's symbol. */
const sites = (r: Report, symbol: string, stage = 'build') =>
  [...new Set(r.modules[0].findings.find((f) => f.symbol === symbol && f.stage === stage)!.references.map((x) => `${x.function} in ${x.section}`))].sort();

describe('6.1: namespaces', () => {
  const NS_MISSING: Brief[] = [
    {
      rule: 'namespace-not-imported',
      stage: 'build',
      severity: 'error',
      symbol: 'usb_stor_suspend',
      message: 'ERROR: modpost: module ns-missing uses symbol usb_stor_suspend from namespace USB_STORAGE, but does not import it.',
    },
    {
      rule: 'namespace-not-imported',
      stage: 'load',
      severity: 'error',
      symbol: 'usb_stor_suspend',
      message: 'ns_missing: module uses symbol (usb_stor_suspend) from namespace USB_STORAGE, but does not import it.',
    },
  ];

  test.each([
    ['the build tree', () => K61(), undefined],
    ['vmlinux alone', () => join(K61(), 'vmlinux'), undefined],
    ['Module.symvers alone', () => join(K61(), 'Module.symvers'), '6.1'],
  ])('ns-missing via %s: build and load errors with the 6.1 messages', async (_how, kernel, kernelVersion) => {
    const r = await checkOne(kernel(), KO('ns-missing'), kernelVersion);
    expect(r.kernel.version).toBe('6.1.0');
    expect(r.modules[0].verdict).toBe('fail');
    expect(findings(r)).toEqual(NS_MISSING);
    const load = r.modules[0].findings[1];
    expect(load.evidence).toMatchObject({ namespace: 'USB_STORAGE', importNs: '', exportType: 'EXPORT_SYMBOL_GPL', owner: 'vmlinux' });
    expect(load.evidence.alsoPrints).toBe('ns_missing: Unknown symbol usb_stor_suspend (err -22)');
    expect(load.hint).toMatch(/add MODULE_IMPORT_NS\(USB_STORAGE\); to the module source/);
    expect(sites(r, 'usb_stor_suspend')).toEqual(['ns_missing_suspend in .text']);
  });

  test('ns-imported (import_ns=USB_STORAGE, import_ns=DMA_BUF): pass', async () => {
    const r = await checkOne(K61(), KO('ns-imported'));
    expect(r.modules[0].verdict).toBe('pass');
    expect(findings(r)).toEqual([]);
  });
});

describe('6.16: a 6.5+ exporter (.export_symbol markers in the .o, __ksymtab* from its .mod.c in the .ko) and a Proprietary user', () => {
  const MARKER = (ext: string) => sample('v6', 'markers', 'export-marker', `export-marker.${ext}`);
  const USER = (ext: string) => sample('v6', 'markers', 'marker-user', `marker-user.${ext}`);
  // modpost's check_exports(): per imported symbol, the namespace first, then the GPL check; the plain
  // marker_plain_fn is fine. Its .symtab order: marker_plain_fn, marker_gpl_fn, marker_ns_fn.
  const WANT = [
    'marker-user build error gpl-only marker_gpl_fn',
    'marker-user build error namespace-not-imported marker_ns_fn',
    'marker-user build error gpl-only marker_ns_fn',
    // 6.15+: the one v6 source without MODULE_DESCRIPTION()
    'marker-user build warning missing-description undefined',
  ];
  test.each([
    ['.o', 'o'],
    ['.ko', 'ko'],
  ])('exporter and user as %s: the two GPL-only symbols and the namespace, nothing on the plain export', async (_how, ext) => {
    const r = await check({ kernel: K616(), modules: [MARKER(ext), USER(ext)], stage: 'build' });
    expect(reportSchema.parse(r)).toEqual(r);
    expect(r.errors).toEqual([]);
    // the .o is named after its file, the .ko by its .modinfo name= (export_marker)
    expect(r.modules.map((m) => `${m.name.replace(/_/g, '-')} ${m.verdict}`)).toEqual(['export-marker pass', 'marker-user fail']);
    const got = r.modules.flatMap((m) => m.findings.map((f) => `${m.name.replace(/_/g, '-')} ${f.stage} ${f.severity} ${f.rule} ${f.symbol}`));
    expect(got.sort()).toEqual([...WANT].sort());
    const ns = r.modules[1].findings.find((f) => f.rule === 'namespace-not-imported')!;
    expect(ns.evidence).toMatchObject({ namespace: 'MARKER_NS', exportType: 'EXPORT_SYMBOL_GPL' });
  });
});

describe('6.1: the ZFS story (inline kernel_fpu_begin() → GPL-only kernel_fpu_begin_mask)', () => {
  test('fpu-user ("Dual CDDL/GPL"): gpl-only for kernel_fpu_begin_mask and kernel_fpu_end, build and load', async () => {
    const r = await checkOne(K61(), KO('fpu-user'));
    expect(r.modules[0].verdict).toBe('fail');
    expect(r.modules[0].licenses).toEqual(['Dual CDDL/GPL']);
    expect(findings(r)).toEqual([
      {
        rule: 'gpl-only',
        stage: 'build',
        severity: 'error',
        symbol: 'kernel_fpu_begin_mask',
        message: "ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol 'kernel_fpu_begin_mask'",
      },
      {
        rule: 'gpl-only',
        stage: 'build',
        severity: 'error',
        symbol: 'kernel_fpu_end',
        message: "ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol 'kernel_fpu_end'",
      },
      { rule: 'gpl-only', stage: 'load', severity: 'error', symbol: 'kernel_fpu_begin_mask', message: 'fpu_user: Unknown symbol kernel_fpu_begin_mask (err -2)' },
      { rule: 'gpl-only', stage: 'load', severity: 'error', symbol: 'kernel_fpu_end', message: 'fpu_user: Unknown symbol kernel_fpu_end (err -2)' },
    ]);
    for (const f of r.modules[0].findings) {
      expect(f.hint).toMatch(/^licence "Dual CDDL\/GPL" is not one of the strings the kernel accepts as GPL-compatible \(include\/linux\/license\.h\)/);
      expect(f.evidence).toMatchObject({ exportType: 'EXPORT_SYMBOL_GPL', owner: 'vmlinux', namespace: '' });
    }
    // the module never names kernel_fpu_begin_mask: the inline kernel_fpu_begin() in fletcher_4_simd does
    expect(sites(r, 'kernel_fpu_begin_mask')).toEqual(['fletcher_4_simd in .text']);
    expect(sites(r, 'kernel_fpu_end')).toEqual(['fletcher_4_simd in .text']);
    expect(sites(r, 'kernel_fpu_begin_mask', 'load')).toEqual(['fletcher_4_simd in .text']);
  });
});

describe('6.1: weak undefined symbols', () => {
  test('weak-user: no finding for the weak symbol the kernel does not export; pass', async () => {
    const r = await checkOne(K61(), KO('weak-user'));
    expect(findings(r)).toEqual([]);
    expect(r.modules[0].verdict).toBe('pass');
  });
});

const LONG = '_RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper';
/** 6.1's modpost, building the same source against the 6.1 kernel, stops at the 67-character name (add_versions()). */
const tooLong = (ko: string) => ({
  rule: 'symbol-too-long',
  stage: 'build',
  severity: 'error',
  symbol: LONG,
  message: `ERROR: modpost: too long symbol "${LONG}" [${ko.replace(/\.ko$/, '')}.ko]`,
});

describe('extended modversions (6.14+)', () => {
  test('ext-versions on 6.16: the extended tables hold every CRC; pass', async () => {
    const r = await checkOne(K616(), KO('ext-versions'));
    expect(r.kernel.version).toBe('6.16.0');
    expect(findings(r)).toEqual([]);
  });

  test('ext-versions on 6.1: that loader reads only __versions, so the module has no versions: refused', async () => {
    const ko = KO('ext-versions');
    const r = await checkOne(K61(), ko);
    expect(findings(r)).toEqual([
      tooLong(ko),
      { rule: 'missing-crc', stage: 'load', severity: 'error', symbol: 'module_layout', message: `insmod: ERROR: could not insert module ${ko}: Invalid module format` },
    ]);
    expect(r.modules[0].findings[1].evidence).toMatchObject({ versionsTable: false, forceLoad: false, stopsLoad: true });
    expect(r.modules[0].findings[1].hint).toMatch(/^the module has only extended modversions/);
  });
});

describe('basic + extended modversions (6.14+ with both options)', () => {
  test('ext-both on 6.16: the extended tables are used; pass', async () => {
    const r = await checkOne(K616(), KO('ext-both'));
    expect(findings(r)).toEqual([]);
  });

  test('ext-both on 6.1: __versions is used, and it lacks the 67-character name: warned once, loads (6.1 modpost would not build it)', async () => {
    const r = await checkOne(K61(), KO('ext-both'));
    expect(r.modules[0].verdict).toBe('fail');
    expect(findings(r)).toEqual([
      tooLong(KO('ext-both')),
      { rule: 'missing-crc', stage: 'load', severity: 'warning', symbol: LONG, message: `ext_both: no symbol version for ${LONG}` },
    ]);
  });
});

describe('6.16 EXPORT_SYMBOL_GPL_FOR_MODULES(cr4_update_irqsoff, "kvm,kvm-*")', () => {
  test('kvm-amd on 6.16: "kvm-amd" matches "kvm-*" (modpost), "kvm_amd" too (loader): pass', async () => {
    const r = await checkOne(K616(), KO('kvm-amd'));
    expect(r.modules[0].name).toBe('kvm_amd');
    expect(findings(r)).toEqual([]);
  });

  test('vboxdrv on 6.16: exported only for kvm modules: the ordinary namespace errors with module:kvm,kvm-* at both stages', async () => {
    const r = await checkOne(K616(), KO('vboxdrv'));
    expect(findings(r)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'build',
        severity: 'error',
        symbol: 'cr4_update_irqsoff',
        message: 'ERROR: modpost: module vboxdrv uses symbol cr4_update_irqsoff from namespace module:kvm,kvm-*, but does not import it.',
      },
      {
        rule: 'namespace-not-imported',
        stage: 'load',
        severity: 'error',
        symbol: 'cr4_update_irqsoff',
        message: 'vboxdrv: module uses symbol (cr4_update_irqsoff) from namespace module:kvm,kvm-*, but does not import it.',
      },
    ]);
    expect(sites(r, 'cr4_update_irqsoff')).toEqual(['vboxdrv_exit in .exit.text', 'vboxdrv_init in .init.text']);
  });

  test.each(['kvm-amd', 'vboxdrv'])('%s on 6.1: "module:kvm,kvm-*" is an ordinary namespace, not imported', async (mod) => {
    const r = await checkOne(K61(), KO(mod));
    const loadName = mod.replace(/-/g, '_');
    expect(findings(r)).toEqual([
      {
        rule: 'namespace-not-imported',
        stage: 'build',
        severity: 'error',
        symbol: 'cr4_update_irqsoff',
        message: `ERROR: modpost: module ${mod} uses symbol cr4_update_irqsoff from namespace module:kvm,kvm-*, but does not import it.`,
      },
      {
        rule: 'namespace-not-imported',
        stage: 'load',
        severity: 'error',
        symbol: 'cr4_update_irqsoff',
        message: `${loadName}: module uses symbol (cr4_update_irqsoff) from namespace module:kvm,kvm-*, but does not import it.`,
      },
    ]);
  });
});

describe('6.1: a module that exports', () => {
  test('exporter: its own exports do not clash with the kernel; pass', async () => {
    const r = await checkOne(K61(), KO('exporter'));
    expect(findings(r)).toEqual([]);
  });
});

describe('the CLI on the v6 samples', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const symversLines = (dir: string) => readFileSync(join(dir, 'Module.symvers'), 'utf8').split('\n').filter(Boolean).sort();

  test('exports --kernel <6.1 vmlinux> prints the sample Module.symvers exactly', () => {
    const p = cli('exports', '--kernel', join(K61(), 'vmlinux'));
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    const got = p.stdout.split('\n').filter(Boolean).sort();
    expect(got).toEqual(symversLines(K61()));
    expect(got).toHaveLength(17);
  });

  test('exports from a stripped 6.1 vmlinux (decoded PREL32 entries): the same lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-v6-'));
    try {
      const s = join(dir, 'vmlinux');
      run('objcopy', ['--strip-all', join(K61(), 'vmlinux'), s]);
      const p = cli('exports', '--kernel', s);
      expect(p.status).toBe(0);
      expect(p.stdout.split('\n').filter(Boolean).sort()).toEqual(symversLines(K61()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('exit status: ns-missing 1, ns-imported 0; the text names the namespace', () => {
    const bad = cli('check', '--kernel', K61(), KO('ns-missing'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL ns_missing \(/m);
    expect(bad.stdout).toContain('ERROR: modpost: module ns-missing uses symbol usb_stor_suspend from namespace USB_STORAGE, but does not import it.');
    const good = cli('check', '--kernel', K61(), KO('ns-imported'));
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/^PASS ns_imported \(/m);
  });
});

describe('6.1: a module exporting symbols vmlinux exports (dup-export)', () => {
  test('modpost: both exported twice (errors); the loader: the first of __ksymtab, then __ksymtab_gpl, ENOEXEC', async () => {
    const r = await checkOne(K61(), KO('dup-export'));
    const path = KO('dup-export').replace(/\.ko$/, '');
    expect(findings(r)).toEqual([
      { rule: 'duplicate-export', stage: 'build', severity: 'error', symbol: 'irq_fpu_usable', message: `ERROR: modpost: ${path}: 'irq_fpu_usable' exported twice. Previous export was in vmlinux` },
      { rule: 'duplicate-export', stage: 'build', severity: 'error', symbol: 'dma_buf_put', message: `ERROR: modpost: ${path}: 'dma_buf_put' exported twice. Previous export was in vmlinux` },
      // dma_buf_put sorts first by name, but __ksymtab (EXPORT_SYMBOL) is walked before __ksymtab_gpl
      { rule: 'duplicate-export', stage: 'load', severity: 'error', symbol: 'irq_fpu_usable', message: 'dup_export: exports duplicate symbol irq_fpu_usable (owned by kernel)' },
    ]);
    const load = r.modules[0].findings.find((f) => f.stage === 'load')!;
    expect(load.evidence).toEqual({ exportType: 'EXPORT_SYMBOL', previousOwner: 'kernel', errno: -8, stopsLoad: true });
    expect(r.modules[0].verdict).toBe('fail');
  });

  test('a module importing from it is refused in turn (it never loads): Unknown symbol', async () => {
    const r = await check({ kernel: K61(), modules: [KO('dup-export'), KO('fpu-user')], stage: 'load' });
    const exporter = r.modules.find((m) => m.name === 'dup_export')!;
    expect(exporter.findings.map((f) => f.message)).toEqual(['dup_export: exports duplicate symbol irq_fpu_usable (owned by kernel)']);
    // fpu-user imports irq_fpu_usable: vmlinux's export resolves it first, so the refused module is not its owner
    const user = r.modules.find((m) => m.name === 'fpu_user')!;
    expect(user.findings.some((f) => f.message.includes('irq_fpu_usable'))).toBe(false);
  });
});
