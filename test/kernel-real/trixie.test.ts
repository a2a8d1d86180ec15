/**
 * Debian 13 (trixie)'s 6.12, the kernel people run now (scripts/fetch-trixie): its 4,230 modules, every
 * one a `.ko.xz` with a CRC32 check, checked against their own headers — as the unpacked directory and
 * as the headers `.deb` itself — and the BTF-only `vmlinux` those headers ship, which is no kernel to
 * check against. Counts come from the file system and readelf, not from ksymcheck.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { xzCheckOf } from '../../src/codec/decompress.js';
import { CACHE, REPO, findFiles } from './env.js';

const envFile = join(CACHE, 'trixie', 'trixie.env');
if (!existsSync(envFile)) throw new Error(`${envFile} missing: run scripts/fetch-trixie (npm run test:kernel does)`);
const env = Object.fromEntries(
  readFileSync(envFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('=') as [string, string]),
);
const CLI = join(REPO, 'dist', 'cli', 'main.cjs');


describe(`Debian 13's ${env.TRIXIE_RELEASE}`, () => {
  const kos = findFiles(env.TRIXIE_MODULES, /\.ko(\.(gz|xz|zst))?$/);

  test('every module of the image is a .ko.xz with a CRC32 check (what the kernel’s own XZ decoder takes)', () => {
    expect(kos.length).toBeGreaterThan(4000);
    expect(kos.filter((k) => !k.endsWith('.ko.xz'))).toEqual([]);
    const checks = new Set(kos.map((k) => xzCheckOf(readFileSync(k))));
    expect([...checks]).toEqual(['crc32']);
  });

  test('the image against its own headers: every module read, no finding, no note (the BTF-only vmlinux beside Module.symvers ignored)', async () => {
    const r = await check({ kernel: env.TRIXIE_HEADERS, modules: [env.TRIXIE_MODULES] });
    expect(r.errors).toEqual([]);
    expect(r.notes).toEqual([]);
    expect(r.kernel).toMatchObject({ release: env.TRIXIE_RELEASE, modversions: true });
    expect(r.kernel.exports).toBe(readFileSync(join(env.TRIXIE_HEADERS, 'Module.symvers'), 'utf8').trim().split('\n').length);
    expect(r.modules.map((m) => m.path).sort()).toEqual(kos);
    expect(r.modules.flatMap((m) => m.findings.map((f) => `${m.name} ${f.rule} ${f.symbol}`))).toEqual([]);
  });

  test('the headers .deb itself as the kernel: the same report', async () => {
    const some = kos.filter((_, i) => i % 20 === 0);
    const [a, b] = [await check({ kernel: env.TRIXIE_HEADERS_DEB, modules: some }), await check({ kernel: env.TRIXIE_HEADERS, modules: some })];
    expect(a.kernel.source).toBe(env.TRIXIE_HEADERS_DEB);
    expect({ ...a, kernel: { ...a.kernel, source: '' } }).toEqual({ ...b, kernel: { ...b.kernel, source: '' } });
  });

  test('the BTF-only vmlinux of the headers as the kernel: exit 2, its sections named, Module.symvers suggested', () => {
    const vmlinux = join(env.TRIXIE_HEADERS, 'vmlinux');
    const sections = execFileSync('readelf', ['-SW', vmlinux], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } })
      .split('\n')
      .map((l) => /^\s*\[\s*\d+\]\s+(\S+)\s+[A-Z_]+\s/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined && n !== 'NULL');
    expect(sections).toContain('.BTF');
    expect(sections.some((s) => /^(__ksymtab|__kcrctab|\.export_symbol)/.test(s))).toBe(false);
    for (const args of [['exports', '-k', vmlinux], ['check', '-k', vmlinux, '--stage', 'build', kos[0]]]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
      expect(r.stderr).toBe(
        `ksymcheck: ${vmlinux}: no exports: this vmlinux has no export tables (no __ksymtab*, __kcrctab* or .export_symbol sections; sections: ${sections.join(', ')}): ` +
          `it looks like the BTF-only vmlinux that distribution headers packages ship for BPF programs and resolve_btfids, not the kernel image; ` +
          `pass the Module.symvers beside it (${join(env.TRIXIE_HEADERS, 'Module.symvers')}) or the vmlinux of the kernel's -dbg package\n`,
      );
    }
  });
});
