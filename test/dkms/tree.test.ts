/**
 * The DKMS tree reader and `ksymcheck dkms` on a tree laid out as dkms 3.x lays it out, with gcc-built
 * sample modules: a kept build, a failed build (make.log naming the kernel, the module object beside
 * Kbuild's .mod, no .ko), a build whose kernel tree is not installed, and the links/backups `dkms install`
 * leaves that are not builds. (test/kernel-real/dkms.test.ts does the same with Debian's real dkms.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDkms, dkmsFilter } from '../../src/dkms/check.js';
import { findDkmsBuilds, kernelTreeFor, makeLogKernel } from '../../src/dkms/tree.js';
import { dkmsReportSchema } from '../../src/dkms/schema.js';
import { dkmsVerdict } from '../../src/dkms/text.js';
import { CLI, SEED } from '../helpers/fixtures.js';

const RC5 = '4.18.0-rc5';

describe('DKMS tree', () => {
  let root: string;
  let tree: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ksymcheck-dkms-'));
    tree = join(root, 'var', 'lib', 'dkms');
    // the kernel the builds were made for: /lib/modules/<release>/build
    mkdirSync(join(root, 'lib', 'modules', RC5), { recursive: true });
    symlinkSync(join(SEED, 'kernels', '4.18-rc5'), join(root, 'lib', 'modules', RC5, 'build'));
    // openafs/1.8.0: built for 4.18.0-rc5 and kept (the GPL build of the sample)
    const kept = join(tree, 'openafs', '1.8.0', RC5, 'x86_64');
    mkdirSync(join(kept, 'module'), { recursive: true });
    mkdirSync(join(kept, 'log'));
    copyFileSync(join(SEED, 'openafs-gpl', 'libafs.ko'), join(kept, 'module', 'openafs.ko'));
    writeFileSync(join(kept, 'log', 'make.log'), `DKMS make.log for openafs-1.8.0 for kernel ${RC5} (x86_64)\n`);
    mkdirSync(join(tree, 'openafs', '1.8.0', 'source'));
    symlinkSync(join(tree, 'openafs', '1.8.0', RC5, 'x86_64'), join(tree, 'openafs', `kernel-${RC5}-x86_64`));
    mkdirSync(join(tree, 'openafs', 'original_module', RC5, 'x86_64'), { recursive: true });
    // openafs/1.8.1-proprietary: modpost failed the build for 4.18.0-rc5: build/ has make.log and the objects
    const build = join(tree, 'openafs', '1.8.1-proprietary', 'build');
    mkdirSync(join(build, 'src'), { recursive: true });
    writeFileSync(join(build, 'make.log'), `DKMS make.log for openafs-1.8.1-proprietary for kernel ${RC5} (x86_64)\nThu Dec  3 08:00:00 UTC 2026\n`);
    copyFileSync(join(SEED, 'openafs', 'libafs.o'), join(build, 'src', 'libafs.o'));
    writeFileSync(join(build, 'src', 'libafs.mod'), 'src/osi_module.o src/osi_vm.o\n');
    copyFileSync(join(SEED, 'openafs', 'osi_vm.o'), join(build, 'src', 'osi_vm.o')); // a part, not a module
    // zfs/2.1.0: built for a kernel whose tree is not installed
    mkdirSync(join(tree, 'zfs', '2.1.0', '6.1.0-99-amd64', 'x86_64', 'module'), { recursive: true });
    copyFileSync(join(SEED, 'openafs-gpl', 'libafs.ko'), join(tree, 'zfs', '2.1.0', '6.1.0-99-amd64', 'x86_64', 'module', 'zfs.ko'));
    writeFileSync(join(tree, 'mok.pub'), '');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('builds found: kept modules, a failed build\'s module objects, links and backups skipped', () => {
    expect(findDkmsBuilds(tree).map((b) => ({ ...b, files: b.files.map((f) => f.slice(tree.length + 1)), log: b.log?.slice(tree.length + 1) }))).toEqual([
      { module: 'openafs', version: '1.8.0', release: RC5, arch: 'x86_64', state: 'built', files: [`openafs/1.8.0/${RC5}/x86_64/module/openafs.ko`], log: `openafs/1.8.0/${RC5}/x86_64/log/make.log` },
      { module: 'openafs', version: '1.8.1-proprietary', release: RC5, arch: 'x86_64', state: 'failed', files: ['openafs/1.8.1-proprietary/build/src/libafs.o'], log: 'openafs/1.8.1-proprietary/build/make.log' },
      { module: 'zfs', version: '2.1.0', release: '6.1.0-99-amd64', arch: 'x86_64', state: 'built', files: ['zfs/2.1.0/6.1.0-99-amd64/x86_64/module/zfs.ko'], log: undefined },
    ]);
    expect(findDkmsBuilds(tree, dkmsFilter('openafs/1.8.0', undefined)).map((b) => b.version)).toEqual(['1.8.0']);
    expect(findDkmsBuilds(tree, dkmsFilter('openafs', RC5)).map((b) => b.version)).toEqual(['1.8.0', '1.8.1-proprietary']);
    expect(findDkmsBuilds(tree, dkmsFilter(undefined, '6.1.0-99-amd64')).map((b) => b.module)).toEqual(['zfs']);
    expect(findDkmsBuilds(tree, dkmsFilter('nvidia', undefined))).toEqual([]);
    expect(makeLogKernel('DKMS make.log for v4l2loopback-0.12.7 for kernel 6.1.0-57-amd64 (x86_64)\nThu …\n')).toEqual({ release: '6.1.0-57-amd64', arch: 'x86_64' });
    expect(kernelTreeFor(RC5, root)).toBe(join(root, 'lib', 'modules', RC5, 'build'));
    expect(kernelTreeFor('6.1.0-99-amd64', root)).toBeUndefined();
  });

  test('each build checked against its own kernel: PASS, the failed build\'s FAIL at build, the missing kernel said', async () => {
    const r = dkmsReportSchema.parse(await checkDkms({ tree, root }));
    expect(r.builds.map((b) => [b.module, b.version, b.state, dkmsVerdict(b), b.report?.stages ?? null])).toEqual([
      ['openafs', '1.8.0', 'built', 'pass', ['build', 'load']],
      ['openafs', '1.8.1-proprietary', 'failed', 'fail', ['build']],
      ['zfs', '2.1.0', 'built', 'error', null],
    ]);
    const failed = r.builds[1].report!.modules[0];
    expect(failed.findings.map((f) => `${f.rule} ${f.symbol}`)).toEqual(['gpl-only devmap_managed_key', 'gpl-only __put_devmap_managed_page']);
    expect(r.builds[2].error).toBe('no kernel build tree for 6.1.0-99-amd64 (/lib/modules/6.1.0-99-amd64/build, /usr/src/linux-headers-6.1.0-99-amd64): install its headers');
  });

  test('CLI: the verdicts\' exit status, the summary last; nothing matched is a usage error', () => {
    // the CLI looks for kernel trees under / : only the release-independent part is checked here
    const p = spawnSync(process.execPath, [CLI, 'dkms', 'zfs', '--dkms-tree', tree], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stdout.trimEnd().split('\n')).toEqual([
      '=== dkms zfs/2.1.0 for 6.1.0-99-amd64 (x86_64): built',
      'error: no kernel build tree for 6.1.0-99-amd64 (/lib/modules/6.1.0-99-amd64/build, /usr/src/linux-headers-6.1.0-99-amd64): install its headers',
      '',
      `1 DKMS build(s) in ${tree} checked: 0 fail, 0 pass; 1 not checked`,
    ]);
    const none = spawnSync(process.execPath, [CLI, 'dkms', 'openafs/9.9', '--dkms-tree', tree], { encoding: 'utf8' });
    expect([none.status, none.stdout, none.stderr]).toEqual([2, '', `ksymcheck: no DKMS build in ${tree} for openafs/9.9\nRun 'ksymcheck --help' for usage.\n`]);
  });
});

describe('DKMS tree: a failed build whose make.log does not tell the kernel', () => {
  // each was dropped without a word (a garbage or empty first line), or stopped the whole run with a
  // stack trace (make.log a directory: EISDIR), or hung it (make.log a FIFO)
  let root: string;
  let tree: string;
  const failed = (module: string) => join(tree, module, '1.0', 'build');
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ksymcheck-dkms-bad-'));
    tree = join(root, 'dkms');
    for (const m of ['a-garbage', 'b-empty', 'c-dir', 'd-fifo', 'e-good']) {
      mkdirSync(failed(m), { recursive: true });
      copyFileSync(join(SEED, 'openafs', 'libafs.o'), join(failed(m), 'libafs.o'));
      writeFileSync(join(failed(m), 'libafs.mod'), 'osi_module.o osi_vm.o\n');
    }
    writeFileSync(join(failed('a-garbage'), 'make.log'), 'garbage first line\n');
    writeFileSync(join(failed('b-empty'), 'make.log'), '');
    mkdirSync(join(failed('c-dir'), 'make.log'));
    expect(spawnSync('mkfifo', [join(failed('d-fifo'), 'make.log')]).status).toBe(0);
    writeFileSync(join(failed('e-good'), 'make.log'), `DKMS make.log for e-good-1.0 for kernel ${RC5} (x86_64)\n`);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const NO_KERNEL = "its first line does not name the kernel ('DKMS make.log for <module>-<version> for kernel <release> (<arch>)')";

  test('each is a build that could not be checked, saying why; the good one is still found', () => {
    expect(findDkmsBuilds(tree).map((b) => [b.module, b.release, b.state, b.files.length, b.error])).toEqual([
      ['a-garbage', '', 'failed', 0, `${join(failed('a-garbage'), 'make.log')}: ${NO_KERNEL}`],
      ['b-empty', '', 'failed', 0, `${join(failed('b-empty'), 'make.log')}: ${NO_KERNEL}`],
      ['c-dir', '', 'failed', 0, `${join(failed('c-dir'), 'make.log')}: is a directory`],
      ['d-fifo', '', 'failed', 0, `${join(failed('d-fifo'), 'make.log')}: a FIFO, not a regular file`],
      ['e-good', RC5, 'failed', 1, undefined],
    ]);
    // asked for one kernel's builds, those whose kernel is unknown are left out
    expect(findDkmsBuilds(tree, dkmsFilter(undefined, RC5)).map((b) => b.module)).toEqual(['e-good']);
  });

  test('CLI: the text says so per build, exit status 2, the summary counts them', () => {
    const p = spawnSync(process.execPath, [CLI, 'dkms', 'c-dir', '--dkms-tree', tree], { encoding: 'utf8', timeout: 60_000 });
    expect([p.status, p.stderr]).toEqual([2, '']);
    expect(p.stdout.trimEnd().split('\n')).toEqual([
      '=== dkms c-dir/1.0 for an unknown kernel: build FAILED',
      `make.log: ${join(failed('c-dir'), 'make.log')}`,
      `error: ${join(failed('c-dir'), 'make.log')}: is a directory`,
      '',
      `1 DKMS build(s) in ${tree} checked: 0 fail, 0 pass; 1 not checked`,
    ]);
  });
});
