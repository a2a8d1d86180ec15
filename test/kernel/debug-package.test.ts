/**
 * A kernel's debug package (`linux-image-<release>-dbg_*.deb`) as --kernel: its vmlinux streamed out of
 * the package to a temporary file, the rest of the package not read. Here the 6.1 sample kernel's vmlinux
 * packaged by the real dpkg-deb where Debian's -dbg package has it (usr/lib/debug/boot/vmlinux-<release>,
 * with the links Debian adds) behind other files; the index must be the one of the vmlinux itself.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadKernel } from '../../src/kernel/load.js';
import { sample } from '../helpers/fixtures.js';

const REL = '6.1.0-sample-amd64';
const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-dbg-'));

function dbgDeb(name: string, withVmlinux: boolean): string {
  const root = join(TMP, name);
  const boot = join(root, 'usr', 'lib', 'debug', 'boot');
  mkdirSync(boot, { recursive: true });
  mkdirSync(join(root, 'usr', 'lib', 'debug', 'lib', 'modules', REL, 'kernel'), { recursive: true });
  writeFileSync(join(root, 'usr', 'lib', 'debug', 'lib', 'modules', REL, 'kernel', 'a.ko'), 'not read\n');
  if (withVmlinux) {
    cpSync(sample('v6', 'kernels', '6.1', 'vmlinux'), join(boot, `vmlinux-${REL}`));
    symlinkSync(`../../../boot/vmlinux-${REL}`, join(root, 'usr', 'lib', 'debug', 'lib', 'modules', REL, 'vmlinux'));
  }
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: linux-image-${REL}-dbg\nVersion: 1\nArchitecture: amd64\nMaintainer: ksymcheck tests <nobody@example.org>\nDescription: sample debug\n`);
  const out = join(TMP, `linux-image-${REL}-dbg_1_amd64.deb`.replace('-dbg_', `-${name}-dbg_`));
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], { stdio: 'ignore' });
  return out;
}

describe('a -dbg package as the kernel', () => {
  test('the exports, release and machine of its vmlinux; the temporary copy removed', async () => {
    const pkg = dbgDeb('with', true);
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('ksymcheck-vmlinux-')).length;
    const [a, b] = [await loadKernel(pkg), await loadKernel(sample('v6', 'kernels', '6.1', 'vmlinux'))];
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('ksymcheck-vmlinux-')).length).toBe(before);
    expect([a.release, a.machine, a.vermagic]).toEqual([b.release, b.machine, b.vermagic]);
    const strip = (e: { origin?: unknown }) => ({ ...e, origin: undefined });
    expect([...a.exports.values()].map(strip)).toEqual([...b.exports.values()].map(strip));
    expect(a.exports.size).toBeGreaterThan(0);
    expect([...a.exports.values()][0].origin).toEqual({ file: `${pkg}:/usr/lib/debug/boot/vmlinux-${REL}` });
  });

  test('a debug package without a vmlinux: an error naming the package and where it looked', async () => {
    const pkg = dbgDeb('without', false);
    await expect(loadKernel(pkg)).rejects.toThrow(new InputError(pkg, 'no vmlinux in this debug package (looked for usr/lib/debug/boot/vmlinux-* and usr/lib/debug/lib/modules/*/vmlinux)'));
  });
});
