/**
 * The `-dbg` package of a foreign architecture as --kernel: Debian 12's linux-image-<release>-dbg of s390x
 * (433 MB; by default) and of i386, arm64, armhf and ppc64el (KSYMCHECK_TEST_DBG=1; 622–804 MB each),
 * downloaded by scripts/fetch-arch and kept as .deb. ksymcheck streams the vmlinux out of the package
 * (src/package/debug-vmlinux.ts) and reads its exports from the __ksymtab and __kcrctab sections; every vmlinux row of
 * the same release's headers Module.symvers (read line by line here, not by ksymcheck) must come out
 * with the same name, export type, namespace and CRC, and no other export.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKernel } from '../../src/kernel/load.js';
import { CACHE, readSymvers } from './env.js';

const envFile = join(CACHE, 'arch', 'arch.env');
if (!existsSync(envFile)) throw new Error(`${envFile} missing: run scripts/fetch-arch (npm run test:kernel does)`);

const FOREIGN = ['i386', 'arm64', 'armhf', 'ppc64el', 's390x'];
/** What scripts/fetch-arch downloads: s390x's by default, all five with KSYMCHECK_TEST_DBG=1, none with KSYMCHECK_ARCH_DBG=0. */
const WANTED = process.env.KSYMCHECK_ARCH_DBG === '0' ? [] : process.env.KSYMCHECK_TEST_DBG === '1' ? FOREIGN : ['s390x'];
const targets = readFileSync(envFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('|'))
  .filter(([name, arch]) => WANTED.includes(name) && arch === name)
  .map(([name, arch, release, headers]) => ({ name, arch, release, headers }))
  .filter((t) => !process.env.KSYMCHECK_ARCH || process.env.KSYMCHECK_ARCH.split(/\s+/).includes(t.name));

function dbgDeb(t: (typeof targets)[number]): string {
  const dir = join(CACHE, 'arch', t.name, 'debs');
  const f = readdirSync(dir).find((x) => x.startsWith(`linux-image-${t.release}-dbg_`) && x.endsWith('.deb'));
  if (!f) throw new Error(`no linux-image-${t.release}-dbg_*.deb in ${dir}: run scripts/fetch-arch`);
  return join(dir, f);
}

const rows = (l: Array<{ name: string; crc: number | null; type: string; namespace: string }>) => l.map((r) => `${r.name} ${r.crc === null ? '-' : `0x${(r.crc >>> 0).toString(16)}`} ${r.type} ${r.namespace}`).sort();

(targets.length ? describe.each(targets.map((t) => [t.name, t] as const)) : describe.skip.each([['(none: KSYMCHECK_ARCH_DBG=0)', undefined as never] as const]))('the -dbg vmlinux of %s', (_n, t) => {
  test('its exports are the vmlinux rows of the headers Module.symvers: name, export type, namespace, CRC', async () => {
    const t0 = Date.now();
    const k = await loadKernel(dbgDeb(t));
    process.stderr.write(`[arch-dbg] ${t.name}: ${k.exports.size} exports read from the -dbg package in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    expect(k.release).toBe(t.release);
    const want = [...readSymvers(join(t.headers, 'Module.symvers')).values()].filter((r) => r.owner === 'vmlinux');
    expect(want.length).toBeGreaterThan(5000); // s390x 6.1.0-50: 8,355
    const got = [...k.exports.values()];
    expect(got.every((e) => e.owner === 'vmlinux')).toBe(true);
    // Debian 12 builds every architecture with CONFIG_MODVERSIONS: the vmlinux carries a CRC per export
    expect(got.filter((e) => e.crc === null).map((e) => e.name)).toEqual([]);
    expect(rows(got)).toEqual(rows(want));
  });
});
