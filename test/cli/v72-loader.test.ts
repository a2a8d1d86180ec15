/**
 * 6.13 → 7.2 behaviour on the v6 samples (scripts/build-samples): the explicit module: import, the struct
 * module size check (the 7.2 sample kernel's BTF), the 7.1+ export flags check, the extended modversions
 * checks and the vermagic release skip keyed on __versions alone. Damaged variants are made with binutils
 * from the real modules.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { loadKernel } from '../../src/kernel/load.js';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { sample } from '../helpers/fixtures.js';

const K72 = () => sample('v6', 'kernels', '7.2');
const K72H = () => sample('v6', 'kernels', '7.2-headers');
const K616 = () => sample('v6', 'kernels', '6.16');
const V72 = (name: string, ext = 'ko') => sample('v6', 'v72', name, `${name}.${ext}`);
const KO = (name: string) => sample('v6', 'modules', name, `${name}.ko`);

const lines = (r: Report) => {
  expect(reportSchema.parse(r)).toEqual(r);
  expect(r.errors).toEqual([]);
  return r.modules.flatMap((m) => m.findings.map((f) => `${f.stage} ${f.severity} ${f.rule} ${f.message}`));
};

/** The size readelf gives a section of a file (an oracle independent of ksymcheck's reader). */
function sectionSize(file: string, name: string): number {
  const out = spawnSync('readelf', ['-SW', file], { encoding: 'utf8' }).stdout;
  const row = out.split('\n').find((l) => l.includes(` ${name} `))!;
  const cols = row.slice(row.indexOf(name) + name.length).trim().split(/\s+/);
  return parseInt(cols[3], 16);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-v72-loader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('explicit MODULE_IMPORT_NS("module:…") (6.16+)', () => {
  test('7.2: modpost errors with mod->name, no namespace error follows; the loader refuses with -EPERM before any symbol', async () => {
    const r = await check({ kernel: K72(), modules: [V72('ns-module-import')], stage: 'both' });
    expect(lines(r)).toEqual([
      // mod->name of an M= build on 6.13+: relative to the module directory
      'build error module-namespace-import ERROR: modpost: ns-module-import: explicitly importing namespace "module:kvm,kvm-*" is not allowed.',
      'load error module-namespace-import ns_module_import: module tries to import module namespace: module:kvm,kvm-*',
    ]);
    expect(r.modules[0].findings[1].evidence).toMatchObject({ namespace: 'module:kvm,kvm-*', errno: -1, stopsLoad: true });
  });

  test('6.12: an ordinary namespace, imported: nothing', async () => {
    const r = await check({ kernel: K72(), modules: [V72('ns-module-import')], stage: 'both', kernelVersion: '6.12' });
    expect(lines(r).filter((l) => !l.includes('struct module'))).toEqual([]);
  });
});

describe('the struct module size check', () => {
  test('the 7.2 kernel and its BTF-only headers vmlinux give the size the 7.2 modules were built with', async () => {
    const want = sectionSize(V72('marker-user'), '.gnu.linkonce.this_module');
    expect(want).toBeGreaterThan(sectionSize(KO('ns-missing'), '.gnu.linkonce.this_module'));
    expect((await loadKernel(K72())).structModuleSize).toBe(want);
    expect((await loadKernel(K72H())).structModuleSize).toBe(want);
    // the 6.16 sample (BTF too) has the 6.x struct module the 6.x modules were built with; the 6.1 one has no BTF
    expect((await loadKernel(K616())).structModuleSize).toBe(sectionSize(KO('ns-missing'), '.gnu.linkonce.this_module'));
    expect((await loadKernel(sample('v6', 'kernels', '6.1'))).structModuleSize).toBeUndefined();
  });

  test('the same headers as a .deb (made by dpkg-deb): the BTF-only vmlinux read from the package too', async () => {
    const root = join(tmp, 'deb-root');
    const dir = join(root, 'usr', 'src', 'linux-headers-7.2.0-sample-amd64');
    cpSync(K72H(), dir, { recursive: true });
    const ctl = join(root, 'DEBIAN');
    mkdirSync(ctl);
    writeFileSync(join(ctl, 'control'), 'Package: linux-headers-7.2.0-sample-amd64\nVersion: 7.2.0-1\nArchitecture: amd64\nMaintainer: ksymcheck tests <nobody@example.org>\nDescription: sample headers\n');
    const deb = join(tmp, 'headers.deb');
    expect(spawnSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, deb]).status).toBe(0);
    expect((await loadKernel(deb)).structModuleSize).toBe(sectionSize(V72('marker-user'), '.gnu.linkonce.this_module'));
  });

  test('a 6.1-built module on the 7.2 headers: refused at the size check, before module_layout and vermagic', async () => {
    const r = await check({ kernel: K72H(), modules: [KO('ns-missing')], stage: 'load' });
    expect(lines(r)).toEqual([
      "load error module-struct-size module ns_missing: .gnu.linkonce.this_module section size must match the kernel's built struct module size at run time",
    ]);
    expect(r.modules[0].findings[0].evidence).toMatchObject({ moduleSize: 896, kernelSize: sectionSize(V72('marker-user'), '.gnu.linkonce.this_module'), stopsLoad: true });
  });

  test('without BTF the check is not made, and the report says so', async () => {
    // the 6.1-built module the headers' BTF refuses at the size check (above), on the 7.2 Module.symvers
    // alone: no size finding, the loader's checks after it made (the module's own missing import)
    const r = await check({ kernel: join(K72(), 'Module.symvers'), modules: [KO('ns-missing')], stage: 'load', kernelVersion: '7.2' });
    expect(lines(r)).toEqual([
      'load error namespace-not-imported ns_missing: module uses symbol (usb_stor_suspend) from namespace USB_STORAGE, but does not import it.',
    ]);
    expect(r.notes).toContain(`the loader's struct module size check (.gnu.linkonce.this_module) was not made: no vmlinux with BTF defining struct module in ${join(K72(), 'Module.symvers')}`);
  });
});

describe('export flags (7.1+)', () => {
  test('a 6.16-built exporter (__ksymtab + __ksymtab_gpl, no __kflagstab) on 7.2: two warnings, then no flags → ENOEXEC', async () => {
    const r = await check({ kernel: join(K72(), 'Module.symvers'), modules: [KO('exporter')], stage: 'load', kernelVersion: '7.2' });
    expect(lines(r)).toEqual([
      'load warning export-flags exporter: ignoring obsolete section __ksymtab_gpl',
      'load warning export-flags exporter: ignoring obsolete section __kcrctab_gpl',
      'load error export-flags exporter: no flags for exported symbols',
    ]);
  });

  test('7.0: no such check', async () => {
    const r = await check({ kernel: join(K72(), 'Module.symvers'), modules: [KO('exporter')], stage: 'load', kernelVersion: '7.0' });
    expect(lines(r).filter((l) => l.includes('export-flags'))).toEqual([]);
  });

  test('a 7.2 exporter: none', async () => {
    const r = await check({ kernel: K72(), modules: [V72('export-marker')], stage: 'load' });
    expect(lines(r)).toEqual([]);
  });
});

describe('extended modversions (6.14+)', () => {
  const EXT = () => KO('ext-versions');

  test('__version_ext_crcs without __version_ext_names: ENOEXEC on 6.16; a 6.12 loader does not look', async () => {
    const f = join(tmp, 'ext-versions.ko');
    expect(spawnSync('objcopy', ['--remove-section', '__version_ext_names', EXT(), f]).status).toBe(0);
    const r = await check({ kernel: K616(), modules: [f], stage: 'load' });
    expect(lines(r)).toEqual(['load error ext-modversions extended version crc+name presence does not match']);
    const old = await check({ kernel: K616(), modules: [f], stage: 'load', kernelVersion: '6.12' });
    expect(lines(old).filter((l) => l.includes('ext-modversions'))).toEqual([]);
  });

  test('fewer names than CRCs: "more extended version crcs than names", a finding (not an unreadable module)', async () => {
    const names = join(tmp, 'names.bin');
    expect(spawnSync('objcopy', ['--dump-section', `__version_ext_names=${names}`, EXT(), join(tmp, 'scratch.ko')]).status).toBe(0);
    const all = readFileSync(names);
    writeFileSync(names, all.subarray(0, all.indexOf(0) + 1)); // the first name only
    const f = join(tmp, 'ext-short.ko');
    expect(spawnSync('objcopy', ['--update-section', `__version_ext_names=${names}`, EXT(), f]).status).toBe(0);
    const r = await check({ kernel: K616(), modules: [f], stage: 'load' });
    expect(lines(r)).toEqual(['load error ext-modversions more extended version crcs than names']);
  });

  test('vermagic: the release is skipped only with __versions — an extended-only module has it compared', async () => {
    const k = join(tmp, 'k616-1');
    cpSync(K616(), k, { recursive: true });
    writeFileSync(join(k, 'include', 'generated', 'utsrelease.h'), '#define UTS_RELEASE "6.16.1"\n');
    writeFileSync(join(k, 'include', 'config', 'kernel.release'), '6.16.1\n');
    rmSync(join(k, 'vmlinux'));
    const r = await check({ kernel: k, modules: [KO('ext-versions'), KO('ext-both')], stage: 'load' });
    expect(r.modules.map((m) => `${m.name} ${m.verdict}`)).toEqual(['ext_versions fail', 'ext_both pass']);
    expect(lines(r)).toEqual(["load error vermagic-mismatch ext_versions: version magic '6.16.0 SMP preempt mod_unload modversions ' should be '6.16.1 SMP preempt mod_unload modversions '"]);
  });
});
