/**
 * A kernel headers package (`.deb`) as --kernel, read in memory: packages made here by the real
 * dpkg-deb from the 6.1 sample kernel laid out as Debian's linux-headers-<release>-amd64 lays it out
 * (usr/src/linux-headers-<release>/{Module.symvers,.config,include/config/kernel.release,
 * include/generated/utsrelease.h}, the lib/modules/<release>/build link), with each data.tar
 * compression dpkg-deb writes. The report must equal the one from the unpacked directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { InputError } from '../../src/errors.js';
import { loadKernel } from '../../src/kernel/load.js';
import { arMembers } from '../../src/package/deb.js';
import { CLI, sample } from '../helpers/fixtures.js';

const K61 = sample('v6', 'kernels', '6.1');
const REL = '6.1.0-sample-amd64';
const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-deb-'));
const MODULES = [sample('v6', 'modules', 'ns-missing', 'ns-missing.ko'), sample('v6', 'modules', 'fpu-user', 'fpu-user.ko'), sample('v6', 'modules', 'exporter', 'exporter.ko')];

/** A package tree: the headers (or, with `symvers: false`, a -common-like package without Module.symvers). */
function tree(name: string, symvers = true): string {
  const root = join(TMP, name);
  const dir = join(root, 'usr', 'src', `linux-headers-${REL}`);
  mkdirSync(join(dir, 'include'), { recursive: true });
  cpSync(join(K61, 'include'), join(dir, 'include'), { recursive: true });
  cpSync(join(K61, '.config'), join(dir, '.config'));
  if (symvers) cpSync(join(K61, 'Module.symvers'), join(dir, 'Module.symvers'));
  // a path past tar's 100-character name field (dpkg-deb writes a GNU long name for it)
  const deep = join(dir, 'include', 'a-rather-long-directory-name-for-the-tar-header', 'and-another-long-one-below-it');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'long-named-header-file.h'), '/* */\n');
  mkdirSync(join(root, 'lib', 'modules', REL), { recursive: true });
  symlinkSync(`/usr/src/linux-headers-${REL}`, join(root, 'lib', 'modules', REL, 'build'));
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: linux-headers-${REL}\nVersion: 6.1.0-1\nArchitecture: amd64\nMaintainer: ksymcheck tests <nobody@example.org>\nDescription: sample headers\n`);
  return root;
}

function deb(name: string, compression: string, symvers = true): string {
  const out = join(TMP, `${name}_${compression}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', tree(`${name}-${compression}`, symvers), out], { stdio: 'ignore' });
  return out;
}

/** The report with the kernel's source (which names the input) left out. */
const sameBut = (r: Awaited<ReturnType<typeof check>>) => ({ ...r, kernel: { ...r.kernel, source: '(input)' } });

describe('a headers .deb as the kernel', () => {
  const fromDir = check({ kernel: K61, modules: MODULES });
  test.each(['xz', 'gzip', 'zstd', 'none'])('data.tar compressed with %s: the same report as the unpacked directory', async (z) => {
    const pkg = deb('linux-headers', z);
    const member = arMembers(readFileSync(pkg), pkg).map((m) => m.name)[2];
    expect(member).toBe({ xz: 'data.tar.xz', gzip: 'data.tar.gz', zstd: 'data.tar.zst', none: 'data.tar' }[z]);
    const r = await check({ kernel: pkg, modules: MODULES });
    expect(r.kernel.source).toBe(pkg);
    expect(sameBut(r)).toEqual(sameBut(await fromDir));
    expect(r.modules.map((m) => [m.name, m.verdict])).toEqual([
      ['ns_missing', 'fail'],
      ['fpu_user', 'fail'],
      ['exporter', 'pass'],
    ]);
    const k = await loadKernel(pkg);
    expect([k.release, k.exports.size, k.config.get('CONFIG_MODVERSIONS')]).toEqual([(await loadKernel(K61)).release, 17, 'y']);
  });

  test('exports from the package equal the directory’s, line for line (CLI)', () => {
    const pkg = deb('linux-headers-cli', 'xz');
    const a = spawnSync(process.execPath, [CLI, 'exports', '-k', pkg], { encoding: 'utf8' });
    const b = spawnSync(process.execPath, [CLI, 'exports', '-k', K61], { encoding: 'utf8' });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  test('a package without Module.symvers (like linux-headers-*-common): an error saying which package to pass', async () => {
    const pkg = deb('linux-headers-common', 'xz', false);
    await expect(loadKernel(pkg)).rejects.toThrow(
      new InputError(
        pkg,
        'no Module.symvers in this package (usr/src/linux-headers-*/ or usr/src/kernels/*/, or a lib/modules/*/symvers.gz or boot/symvers-*.gz): ' +
          'pass the headers package of a flavour (Debian: linux-headers-<release>-amd64, not -common, which has the headers without the ' +
          'symbols; RPM: kernel-devel or kernel-core), or an unpacked build or headers directory',
      ),
    );
  });

  test('a cut package: an error naming the member and the offset, exit 2', () => {
    const pkg = deb('linux-headers-cut', 'xz');
    const cut = join(TMP, 'cut.deb');
    const bytes = readFileSync(pkg);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
    const r = spawnSync(process.execPath, [CLI, '-k', cut, MODULES[0]], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^ksymcheck: ${cut.replace(/[.]/g, '\\.')}: at offset 0x[0-9a-f]+: ar member "data\\.tar\\.xz" runs past the end of the file`));
  });
});
