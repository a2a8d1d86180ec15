/**
 * Debian unstable's newest 7.x (scripts/fetch-unstable; 7.2.13+deb14-amd64 when written): its ~4,200
 * modules (.ko.xz, signed) checked against their own build — the headers directory, the bare
 * Module.symvers, the headers .deb — with zero errors, although this kernel has CONFIG_MODVERSIONS off
 * (Debian since 6.18.1: every CRC in Module.symvers 0x00000000, no module_layout, no __versions in any
 * module). And the 7.1+ export tables: every export sits in __ksymtab, its GPL-only flag in __kflagstab —
 * a relicensed dm-crypt.ko must get the same gpl-only errors whether dm-mod.ko (its exporter) is checked
 * beside it or not. Expected figures come from the files (readelf, nm, Module.symvers lines), not from
 * ksymcheck.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { loadKernel } from '../../src/kernel/load.js';
import { findFiles, readSymvers, readUnstableEnv } from './env.js';

const env = readUnstableEnv();
const SYMVERS = join(env.UNSTABLE_HEADERS, 'Module.symvers');
const C = { ...process.env, LC_ALL: 'C' };

describe(`Debian unstable's ${env.UNSTABLE_RELEASE}`, () => {
  const kos = findFiles(env.UNSTABLE_MODULES, /\.ko(\.(gz|xz|zst))?$/);
  const symvers = readSymvers(SYMVERS);
  const errorsOf = (r: Awaited<ReturnType<typeof check>>) =>
    r.modules.flatMap((m) => m.findings.filter((f) => f.severity === 'error').map((f) => `${m.name} ${f.stage} ${f.rule} ${f.symbol ?? ''}`));

  test('the build has MODVERSIONS off: .config says so, every Module.symvers CRC is 0, no module_layout', () => {
    const config = readFileSync(join(env.UNSTABLE_HEADERS, '.config'), 'utf8');
    expect(config).toMatch(/^# CONFIG_MODVERSIONS is not set$/m);
    expect(symvers.size).toBeGreaterThan(20000);
    expect([...symvers.values()].filter((r) => r.crc !== 0)).toEqual([]);
    expect(symvers.has('module_layout')).toBe(false);
    expect(kos.length).toBeGreaterThan(4000);
    expect(kos.filter((k) => !k.endsWith('.ko.xz'))).toEqual([]);
  });

  let fromDir: Awaited<ReturnType<typeof check>> | undefined;
  test('the image against the headers directory: every module read, zero errors, modversions off', async () => {
    const r = await check({ kernel: env.UNSTABLE_HEADERS, modules: [env.UNSTABLE_MODULES] });
    fromDir = r;
    expect(r.errors).toEqual([]);
    expect(r.kernel).toMatchObject({ release: env.UNSTABLE_RELEASE, modversions: false });
    expect(r.kernel.exports).toBe(symvers.size);
    expect(r.modules.map((m) => m.path).sort()).toEqual(kos);
    expect(errorsOf(r)).toEqual([]);
    expect(r.modules.filter((m) => m.verdict === 'fail').map((m) => m.name)).toEqual([]);
  });

  test('the image against the bare Module.symvers (no .config beside it): zero errors, modversions off as the file shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-unstable-'));
    try {
      const bare = join(dir, 'Module.symvers');
      copyFileSync(SYMVERS, bare);
      const r = await check({ kernel: bare, modules: [env.UNSTABLE_MODULES], kernelVersion: '7.2' });
      expect(r.errors).toEqual([]);
      expect(r.kernel.modversions).toBe(false);
      expect(r.modules).toHaveLength(kos.length);
      expect(errorsOf(r)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the headers .deb itself as the kernel: every module, the same report as the directory', async () => {
    const a = await check({ kernel: env.UNSTABLE_HEADERS_DEB, modules: [env.UNSTABLE_MODULES] });
    const b = fromDir ?? (await check({ kernel: env.UNSTABLE_HEADERS, modules: [env.UNSTABLE_MODULES] }));
    expect(a.kernel.source).toBe(env.UNSTABLE_HEADERS_DEB);
    expect(a.modules).toHaveLength(kos.length);
    expect(errorsOf(a)).toEqual([]);
    expect({ ...a, kernel: { ...a.kernel, source: '' } }).toEqual({ ...b, kernel: { ...b.kernel, source: '' } });
  });

  // 7.1+: one __ksymtab, the GPL-only flag in __kflagstab. dm-mod.ko exports 53 symbols; dm-crypt.ko uses
  // some of its GPL-only ones. A copy of dm-crypt with its licence "GPL" changed to "BSD" in place (same
  // length): modpost's gpl-only errors are the symbols it leaves undefined that an EXPORT_SYMBOL_GPL row of
  // Module.symvers provides — whoever exports them (vmlinux or dm-mod).
  describe('__kflagstab: a relicensed dm-crypt.ko, alone and beside dm-mod.ko', () => {
    const md = join(env.UNSTABLE_MODULES, 'kernel', 'drivers', 'md');
    let dir: string;
    let crypt: string;
    let mod: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ksymcheck-kflagstab-'));
      crypt = join(dir, 'dm-crypt.ko');
      mod = join(dir, 'dm-mod.ko');
      writeFileSync(mod, execFileSync('xz', ['-dc', join(md, 'dm-mod.ko.xz')]));
      writeFileSync(crypt, execFileSync('xz', ['-dc', join(md, 'dm-crypt.ko.xz')]));
      // .modinfo's file offset and size (readelf -SW: [Nr] Name Type Address Off Size …), its license= entry
      const m = / \.modinfo\s+PROGBITS\s+[0-9a-f]+ ([0-9a-f]+) ([0-9a-f]+) /.exec(execFileSync('readelf', ['-SW', crypt], { encoding: 'utf8', env: C }));
      expect(m).not.toBeNull();
      const bytes = readFileSync(crypt);
      const modinfo = bytes.subarray(parseInt(m![1], 16), parseInt(m![1], 16) + parseInt(m![2], 16));
      const entries = modinfo.toString('latin1').split('\0');
      expect(entries.filter((e) => e.startsWith('license='))).toEqual(['license=GPL']);
      const at = modinfo.indexOf('license=GPL\0') + 'license='.length;
      modinfo.write('BSD', at, 'latin1');
      writeFileSync(crypt, bytes);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const undefinedOf = (ko: string) =>
      execFileSync('nm', ['-u', ko], { encoding: 'utf8', env: C })
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop()!)
        .filter(Boolean);

    test('dm-mod.ko has __kflagstab and no __ksymtab_gpl; its flag bytes give Module.symvers’s types', () => {
      const sections = execFileSync('readelf', ['-SW', mod], { encoding: 'utf8', env: C });
      expect(sections).toMatch(/ __kflagstab /);
      expect(sections).not.toMatch(/ __ksymtab_gpl /);
      const rows = [...symvers.values()].filter((r) => r.owner === 'drivers/md/dm-mod');
      expect(rows.filter((r) => r.type === 'EXPORT_SYMBOL_GPL').length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.type === 'EXPORT_SYMBOL').length).toBeGreaterThan(0);
    });

    test('gpl-only errors: the same, computed set alone and with dm-mod.ko in the run', async () => {
      const want = undefinedOf(crypt)
        .filter((s) => symvers.get(s)?.type === 'EXPORT_SYMBOL_GPL')
        .sort();
      const fromDmMod = want.filter((s) => symvers.get(s)!.owner === 'drivers/md/dm-mod');
      expect(fromDmMod.length).toBeGreaterThan(0);
      const gplOnly = async (modules: string[]) => {
        const r = await check({ kernel: env.UNSTABLE_HEADERS, modules, stage: 'build', external: false });
        expect(r.errors).toEqual([]);
        return r.modules
          .filter((m) => m.path === crypt)
          .flatMap((m) => m.findings.filter((f) => f.rule === 'gpl-only' && f.severity === 'error').map((f) => f.symbol!))
          .sort();
      };
      expect(await gplOnly([crypt])).toEqual(want);
      expect(await gplOnly([mod, crypt])).toEqual(want);
    });
  });

  // Opt-in: the -dbg package is 1.19 GB (scripts/fetch-unstable fetches it, and extracts its 427 MB
  // vmlinux, only with KSYMCHECK_TEST_DBG=1).
  (process.env.KSYMCHECK_TEST_DBG === '1' ? describe : describe.skip)('the -dbg package’s vmlinux (KSYMCHECK_TEST_DBG=1)', () => {
    test('its exports (name, type, namespace) are Module.symvers’s vmlinux rows; no CRCs (MODVERSIONS off)', async () => {
      expect(env.UNSTABLE_DBG_VMLINUX).toMatch(/vmlinux$/);
      const k = await loadKernel(env.UNSTABLE_DBG_VMLINUX);
      const want = [...symvers.values()].filter((r) => r.owner === 'vmlinux');
      expect(want.length).toBeGreaterThan(10000);
      const got = [...k.exports.values()];
      expect(got.filter((e) => e.crc !== null && e.crc !== 0)).toEqual([]);
      const rows = (l: Array<{ name: string; type: string; namespace: string }>) => l.map((r) => `${r.name} ${r.type} ${r.namespace}`).sort();
      expect(rows(got)).toEqual(rows(want));
      expect(got.filter((e) => e.type === 'EXPORT_SYMBOL_GPL').length).toBe(want.filter((r) => r.type === 'EXPORT_SYMBOL_GPL').length);
    });

    test('the image against the -dbg vmlinux: zero errors', async () => {
      const r = await check({ kernel: env.UNSTABLE_DBG_VMLINUX, modules: [env.UNSTABLE_MODULES] });
      expect(r.errors).toEqual([]);
      expect(r.modules).toHaveLength(kos.length);
      expect(errorsOf(r)).toEqual([]);
    });
  });
});
