/**
 * Opt-in (KSYMCHECK_TEST_DBG=1): Debian's linux-image-6.1.0-<new>-amd64-dbg package (859 MB, `apt-get
 * download`ed into the cache when missing — too much for every CI run) as --kernel, its 633 MB vmlinux
 * streamed out of the package. Every export of vmlinux that the same ABI's Module.symvers lists (read
 * here line by line, not by ksymcheck) must come out with its CRC, type and namespace, and no other.
 * `npm run bench` (group debug-vmlinux) fetches the same package.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadKernel } from '../../src/kernel/load.js';
import { CACHE, headersOf, readAbisEnv, readSymvers } from './env.js';

const abis = readAbisEnv();
const PKG = `linux-image-6.1.0-${abis.NEW_ABI}-amd64-dbg`;
const opted = process.env.KSYMCHECK_TEST_DBG === '1';

function dbgDeb(): string {
  const dir = join(CACHE, 'debs');
  const find = () => readdirSync(dir).find((f) => f.startsWith(`${PKG}_`) && f.endsWith('.deb'));
  if (!find()) execFileSync('apt-get', ['-q', '-o', 'APT::Sandbox::User=root', 'download', PKG], { cwd: dir, stdio: 'ignore' });
  return join(dir, find()!);
}

(opted ? describe : describe.skip)(`${PKG} as the kernel (KSYMCHECK_TEST_DBG=1)`, () => {
  test('the exports of its vmlinux are the vmlinux exports of Module.symvers', async () => {
    const deb = dbgDeb();
    const k = await loadKernel(deb);
    expect(k.release).toBe(`6.1.0-${abis.NEW_ABI}-amd64`);
    const want = [...readSymvers(join(headersOf(abis.NEW_ABI), 'Module.symvers')).values()].filter((r) => r.owner === 'vmlinux');
    expect(want.length).toBeGreaterThan(10000);
    const got = [...k.exports.values()].map((e) => ({ name: e.name, crc: e.crc, type: e.type, namespace: e.namespace, owner: e.owner }));
    const rows = (l: Array<{ name: string; crc: number | null; type: string; namespace: string; owner: string }>) => l.map((r) => `${r.name} ${r.crc} ${r.type} ${r.namespace} ${r.owner}`).sort();
    expect(rows(got)).toEqual(rows(want));
  });
});
