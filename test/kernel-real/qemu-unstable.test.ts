/**
 * The load stage against the real 7.x loader: Debian unstable's own kernel (linux-binary-<release>'s
 * vmlinuz, scripts/fetch-unstable) booted under QEMU as qemu-load.test.ts boots 6.1 (scripts/qemu-load.mjs:
 * a fresh boot per case, finit_module(2) from a static /init), the modules built by the real 7.x Kbuild of
 * the unstable chroot (scripts/unstable-chroot). What the kernel did — errno and the lines it logged at
 * KERN_WARNING or above, taint notices aside — must be what ksymcheck's load stage says for the same .ko
 * against the headers of that kernel. This kernel has CONFIG_MODVERSIONS off: no __versions, vermagic
 * compared whole.
 *
 * Cases (issue #21): a module that loads; a module using a `module:` namespace export it is not listed in
 * (6.16+); an explicit MODULE_IMPORT_NS("module:…") (6.16+: -EPERM before any symbol is resolved); a
 * proprietary module using a GPL-only export (7.1+: the flag comes from vmlinux's __kflagstab); a vermagic
 * mismatch.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/index.js';
import { CACHE, REPO, kernelLines, readUnstableEnv, unstableHeaders, type KmsgRecord } from './env.js';

const env = readUnstableEnv();
const HEADERS = unstableHeaders(env);
/** The headers as make sees them inside the chroot. */
const CHROOT_HEADERS = `/usr/src/linux-headers-${env.UNSTABLE_RELEASE}`;
const script = join(REPO, 'scripts', 'qemu-load.mjs');
const run = (...args: string[]) =>
  JSON.parse(execFileSync('node', [script, ...args], { encoding: 'utf8', env: { ...process.env, KSYMCHECK_CACHE: CACHE }, maxBuffer: 1 << 26 }));
const TIMEOUT = 600_000;

interface Booted {
  module: string;
  errno: number;
  errnoName: string;
  kmsg: KmsgRecord[];
}

/** A sample's one .ko, built by the real 7.x Kbuild (with the given Module.symvers / .modinfo edits). */
function build(kase: string, edits: string[] = []): string {
  const r = run('build', kase, CHROOT_HEADERS, '--chroot', 'unstable-chroot', ...edits.flatMap((e) => ['--edit', e]));
  if (r.kos.length !== 1) throw new Error(`${kase}: kbuild made ${r.kos.length} .ko (exit ${r.status}):\n${r.stderr}`);
  return r.kos[0];
}

/** One boot; the kernel's errno and lines against ksymcheck's load findings (message + alsoPrints). */
async function compare(ko: string) {
  const r = await check({ kernel: HEADERS, modules: [ko], stage: 'load', missingCrc: 'error' });
  expect(r.errors).toEqual([]);
  expect(r.kernel.modversions).toBe(false);
  const findings = r.modules[0].findings;
  const lines = findings
    .filter((f) => f.evidence.kernelPrints !== false)
    .flatMap((f) => [f.message, ...(typeof f.evidence.alsoPrints === 'string' ? [f.evidence.alsoPrints] : [])]);
  const [got] = run('load', env.UNSTABLE_VMLINUZ, ko) as Booted[];
  expect([...kernelLines(got.kmsg)].sort()).toEqual([...lines].sort());
  expect(got.errno !== 0).toBe(findings.some((f) => f.severity === 'error'));
  return { got, findings };
}

describe(`the load stage against the real loader (Debian unstable's ${env.UNSTABLE_RELEASE} under QEMU)`, () => {
  beforeAll(() => {
    execFileSync('node', [script, 'setup'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } });
  }, TIMEOUT);

  test('a GPL module that loads: errno 0, no line; ksymcheck predicts no load error', async () => {
    const { got, findings } = await compare(build('dual-mit-gpl'));
    expect(got.errnoName).toBe('OK');
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  }, TIMEOUT);

  test('a module not on a module: namespace list: EINVAL, the ordinary namespace line with the whole namespace', async () => {
    const { got } = await compare(build('modns-user', ['ns:perf_guest_get_msrs=']));
    expect(got.errnoName).toBe('EINVAL');
    expect(kernelLines(got.kmsg)).toEqual([
      'modns_user: module uses symbol (perf_guest_get_msrs) from namespace module:kvm,kvm-amd,kvm-intel, but does not import it.',
      'modns_user: Unknown symbol perf_guest_get_msrs (err -22)',
    ]);
  }, TIMEOUT);

  test('MODULE_IMPORT_NS("module:kvm"): EPERM, "module tries to import module namespace", no symbol line', async () => {
    const ko = build('modns-import', ['import:module:kvm', 'ns:get_task_policy=']);
    expect(execFileSync('readelf', ['-p', '.modinfo', ko], { encoding: 'utf8' })).toContain('import_ns=module:kvm');
    const { got } = await compare(ko);
    expect(got.errnoName).toBe('EPERM');
    expect(kernelLines(got.kmsg)).toEqual(['modns_import: module tries to import module namespace: module:kvm']);
  }, TIMEOUT);

  test('a proprietary module using a GPL-only symbol of vmlinux (__kflagstab): ENOENT, Unknown symbol (err -2)', async () => {
    const { got } = await compare(build('proprietary-uses-gplonly', ['type:synchronize_rcu=EXPORT_SYMBOL']));
    expect(got.errnoName).toBe('ENOENT');
    expect(kernelLines(got.kmsg)).toEqual(['proprietary_uses_gplonly: Unknown symbol synchronize_rcu (err -2)']);
  }, TIMEOUT);

  test('vermagic changed in place (mod_unload → mod_unlaod): ENOEXEC, "version magic … should be …" (release included: no modversions)', async () => {
    const ko = build('dual-mit-gpl');
    const bytes = readFileSync(ko);
    const at = bytes.indexOf(' mod_unload ');
    expect(at).toBeGreaterThan(0);
    bytes.write(' mod_unlaod ', at, 'latin1');
    const edited = ko.replace(/\.ko$/, '.vermagic.ko');
    writeFileSync(edited, bytes);
    const { got } = await compare(edited);
    expect(got.errnoName).toBe('ENOEXEC');
    expect(kernelLines(got.kmsg)).toEqual([
      `dual_mit_gpl: version magic '${env.UNSTABLE_RELEASE} SMP preempt mod_unlaod ' should be '${env.UNSTABLE_RELEASE} SMP preempt mod_unload '`,
    ]);
  }, TIMEOUT);
});
