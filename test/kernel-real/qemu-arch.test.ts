/**
 * The foreign loaders as oracles: for each architecture of scripts/fetch-arch's Debian 12 targets (i386
 * 686-pae, arm64, armhf armmp, ppc64el, s390x) and its Debian 13 riscv64 (6.12), the image package's own
 * kernel booted under QEMU (TCG; scripts/qemu-load.mjs --arch: the machine, console and firmware per
 * architecture, a static /init cross-compiled from scripts/qemu/finit.c with Debian 12's cross gcc-12 —
 * riscv64: Debian 13's gcc-14-riscv64-linux-gnu in the trixie chroot) with four modules loaded by
 * finit_module(2) in ONE boot, and what the kernel returned and logged compared with ksymcheck's load
 * verdicts for the same .ko files against the same headers:
 *   - a proprietary module using a GPL-only symbol (synchronize_rcu): ENOENT, "Unknown symbol … (err -2)";
 *   - a CRC mismatch: dual-mit-gpl built by the real modpost against a Module.symvers whose
 *     synchronize_rcu CRC is 0xdeadbeef (its __versions carry that CRC): EINVAL, "disagrees about version
 *     of symbol …", "Unknown symbol … (err -22)";
 *   - a vermagic mismatch: dual-mit-gpl's vermagic= with `mod_unload` edited to `mod_unlaod` in place:
 *     ENOEXEC, "version magic '…' should be '…'";
 *   - a module of another architecture: Debian 12's amd64 fat.ko (scripts/fetch-kernels' image): ENOEXEC, "Invalid architecture in ELF header: 62" (s390x, big-endian, reads
 *     the little-endian e_type 1 as 256 first: "Invalid ELF header type: 256 != 1").
 * The modules are the real Kbuild's (ARCH/CROSS_COMPILE from the Debian headers, as arch-kbuild.test.ts
 * builds them; the host's modpost — riscv64's: the 6.12 Kbuild and modpost of linux-kbuild-6.12.117+deb13
 * inside the trixie chroot, where `scripts/trixie-chroot cross riscv64 <headers .deb>` unpacked the
 * riscv64 headers; ksymcheck reads that same tree). Per module: the errno, the rule/symbol/errno of each ksymcheck error,
 * and the kernel's lines (KERN_WARNING and above, taint notices left out) equal to ksymcheck's messages.
 * Each boot's wall time is printed, not asserted. KSYMCHECK_ARCH="arm64 s390x" limits the targets.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { CACHE, REPO, kernelLines, readAbisEnv, type KmsgRecord } from './env.js';

const envFile = join(CACHE, 'arch', 'arch.env');
if (!existsSync(envFile)) throw new Error(`${envFile} missing: run scripts/fetch-arch (npm run test:kernel does)`);

/**
 * The architectures scripts/qemu-load.mjs boots (its MACHINES): Debian 12's 6.1 headers (a Kbuild tree:
 * fetch-arch links linux-kbuild-6.1), and riscv64, Debian 13's 6.12, whose Kbuild runs in the trixie chroot
 * (scripts/trixie-chroot; `qemu-load.mjs --arch riscv64 setup` adds the cross gcc-14 and the headers there).
 */
const BOOTED = ['i386', 'arm64', 'armhf', 'ppc64el', 's390x', 'riscv64'];
const IN_CHROOT = new Set(['riscv64']);
const trixieEnv = join(CACHE, 'trixie', 'trixie.env');
/** The trixie chroot, when scripts/trixie-chroot made it (TRIXIE_CHROOT in trixie.env). */
const trixieChroot = (() => {
  const m = /^TRIXIE_CHROOT=(.*)$/m.exec(existsSync(trixieEnv) ? readFileSync(trixieEnv, 'utf8') : '');
  return m && existsSync(join(m[1], '.ksymcheck-ready')) ? m[1] : undefined;
})();
const targets = readFileSync(envFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('|'))
  .filter(([name, arch]) => BOOTED.includes(name) && arch === name)
  .map(([name, arch, release, headers, , imageDeb]) =>
    // riscv64: Kbuild and ksymcheck read the tree the chroot's Kbuild uses (the same .deb, unpacked there)
    IN_CHROOT.has(name)
      ? { name, arch, release, headers: join(trixieChroot ?? '/nonexistent', 'usr', 'src', `linux-headers-${release}`), kbuildHeaders: `/usr/src/linux-headers-${release}`, imageDeb }
      : { name, arch, release, headers, kbuildHeaders: headers, imageDeb },
  )
  .filter((t) => (IN_CHROOT.has(t.name) ? trixieChroot !== undefined : existsSync(join(t.headers, '..', '..', 'lib', 'linux-kbuild-6.1'))))
  .filter((t) => !process.env.KSYMCHECK_ARCH || process.env.KSYMCHECK_ARCH.split(/\s+/).includes(t.name));

const script = join(REPO, 'scripts', 'qemu-load.mjs');
const run = (...args: string[]) =>
  execFileSync('node', [script, ...args], { encoding: 'utf8', env: { ...process.env, KSYMCHECK_CACHE: CACHE }, maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });

interface Booted {
  module: string;
  errno: number;
  errnoName: string;
  kmsg: KmsgRecord[];
}

/** The image package's kernel (boot/vmlinuz-*, ppc64el's boot/vmlinux-*), extracted once per target. */
function kernelOf(t: (typeof targets)[number]): string {
  const dir = join(CACHE, 'arch', t.name, 'boot');
  const want = (f: string) => /^vmlinu[xz]-/.test(f) && f.endsWith(t.release);
  const found = () => (existsSync(join(dir, 'boot')) ? readdirSync(join(dir, 'boot')).find(want) : undefined);
  if (!found()) {
    mkdirSync(dir, { recursive: true });
    execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "./boot/vmlinu[xz]-*"', 'sh', t.imageDeb, dir]);
  }
  const f = found();
  if (!f) throw new Error(`no boot/vmlinu[xz]-${t.release} in ${t.imageDeb}`);
  return join(dir, 'boot', f);
}

/**
 * One Kbuild run; once more if it made no .ko. Seen once on the loaded machine (load ~14): i386's Kbuild
 * compiled with -pg but without -mfentry (its cc-option probe failed) and modpost refused `mcount`; the
 * same build passed before and after. A second failure is the test's.
 */
function build(t: (typeof targets)[number], kase: string, edits: string[] = []): string {
  const once = () => JSON.parse(run('--arch', t.arch, 'build', kase, t.kbuildHeaders, ...edits.flatMap((e) => ['--edit', e])));
  let r = once();
  if (r.kos.length !== 1) {
    process.stderr.write(`[qemu-arch] ${kase} for ${t.arch}: kbuild made ${r.kos.length} .ko (exit ${r.status}), building again:\n${r.stderr}\n`);
    r = once();
  }
  if (r.kos.length !== 1) throw new Error(`${kase} for ${t.arch}: kbuild made ${r.kos.length} .ko (exit ${r.status}):\n${r.stderr}`);
  return r.kos[0];
}

/** An amd64 module: Debian 12's own fat.ko of the amd64 image scripts/fetch-kernels unpacked. */
const amd64Module = () => join(readAbisEnv().NEW_IMAGE_MODULES, 'kernel', 'fs', 'fat', 'fat.ko');

/**
 * The errno ksymcheck's load error stands for: its evidence.errno; else the "(err -N)" of the loader's
 * line it predicts (the finding's message or evidence.alsoPrints); else, for a finding that stops
 * load_module() (evidence.stopsLoad), -ENOEXEC (src/rules/index.ts, applyLoadStop()). Positive, as errno.
 */
function errnoOf(f: { message: string; evidence: Record<string, unknown> }): number {
  if (typeof f.evidence.errno === 'number') return -f.evidence.errno;
  const err = /\(err -(\d+)\)$/.exec(typeof f.evidence.alsoPrints === 'string' ? f.evidence.alsoPrints : f.message);
  if (err) return Number(err[1]);
  return f.evidence.stopsLoad === true ? 8 /* ENOEXEC */ : NaN;
}

const CRC = '0xdeadbeef';
const TIMEOUT = 900_000;

(targets.length ? describe.each(targets.map((t) => [t.name, t] as const)) : describe.skip.each([['(no target: run scripts/fetch-arch)', undefined as never] as const]))(
  'the loader of %s under QEMU against ksymcheck',
  (_n, t) => {
    let kos: { gplonly: string; crc: string; vermagic: string; foreign: string };
    let order: string[];
    let booted: Booted[];
    let predicted: Awaited<ReturnType<typeof check>>;

    beforeAll(async () => {
      run('--arch', t.arch, 'setup'); // riscv64: also the chroot's cross gcc-14 and headers (trixie-chroot cross)
      expect(existsSync(join(t.headers, 'Module.symvers'))).toBe(true);
      const plain = build(t, 'dual-mit-gpl');
      const vermagic = plain.replace(/\.ko$/, '-vermagic.ko');
      const b = readFileSync(plain);
      const at = b.indexOf('mod_unload');
      if (at < 0) throw new Error(`${plain}: no mod_unload in its vermagic`);
      b.write('mod_unlaod', at, 'latin1'); // same length: the ELF layout is untouched
      writeFileSync(vermagic, b);
      kos = {
        gplonly: build(t, 'proprietary-uses-gplonly', ['type:synchronize_rcu=EXPORT_SYMBOL']),
        crc: build(t, 'dual-mit-gpl', [`crc:synchronize_rcu=${CRC}`]),
        vermagic,
        foreign: amd64Module(),
      };
      order = [kos.gplonly, kos.crc, kos.vermagic, kos.foreign];
      const t0 = Date.now();
      booted = JSON.parse(run('--arch', t.arch, 'load', kernelOf(t), ...order));
      process.stderr.write(`[qemu-arch] ${t.name} (${t.release}): one boot loading ${order.length} modules took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      predicted = await check({ kernel: t.headers, modules: order, stage: 'load', missingCrc: 'error', frames: false });
    }, TIMEOUT);

    /** The booted kernel's result for a module, and ksymcheck's load-stage errors and lines for it. */
    function both(ko: string) {
      // the guest loads /m/NN-<name> in the order given and reports them in that order
      const got = booted[order.indexOf(ko)];
      expect(ko.endsWith(`/${got.module}`)).toBe(true);
      expect(predicted.errors).toEqual([]);
      const findings = predicted.modules.find((m) => m.path === ko)!.findings.filter((f) => f.stage === 'load');
      const errors = findings.filter((f) => f.severity === 'error');
      // a finding's message, then the line simplify_symbols() adds for it ("Unknown symbol … (err -22)")
      const lines = findings
        .filter((f) => f.evidence.kernelPrints !== false)
        .flatMap((f) => [f.message, ...(typeof f.evidence.alsoPrints === 'string' ? [f.evidence.alsoPrints] : [])]);
      expect(kernelLines(got.kmsg).sort()).toEqual([...lines].sort());
      // the load's errno is the one ksymcheck gives each error that refuses the module
      expect(errors.map(errnoOf)).toEqual(errors.map(() => got.errno));
      return { got, errors, lines };
    }

    test('a proprietary module using a GPL-only symbol: ENOENT, "Unknown symbol synchronize_rcu (err -2)"', () => {
      const { got, errors } = both(kos.gplonly);
      expect(got.errnoName).toBe('ENOENT');
      expect(kernelLines(got.kmsg)).toEqual(['proprietary_uses_gplonly: Unknown symbol synchronize_rcu (err -2)']);
      expect(errors.map((f) => [f.rule, f.symbol])).toEqual([['gpl-only', 'synchronize_rcu']]);
    });

    test(`a CRC mismatch (__versions: synchronize_rcu ${CRC}): EINVAL, "disagrees about version of symbol", then "Unknown symbol … (err -22)"`, () => {
      const { got, errors } = both(kos.crc);
      expect(got.errnoName).toBe('EINVAL');
      expect(kernelLines(got.kmsg)).toEqual(['dual_mit_gpl: disagrees about version of symbol synchronize_rcu', 'dual_mit_gpl: Unknown symbol synchronize_rcu (err -22)']);
      expect(errors.map((f) => [f.rule, f.symbol])).toEqual([['crc-mismatch', 'synchronize_rcu']]);
    });

    test('a vermagic mismatch (mod_unload → mod_unlaod): ENOEXEC, "version magic \'…\' should be \'…\'"', () => {
      const { got, errors } = both(kos.vermagic);
      expect(got.errnoName).toBe('ENOEXEC');
      const lines = kernelLines(got.kmsg);
      expect(lines).toHaveLength(1);
      const release = t.release.replace(/[.+]/g, '\\$&'); // 6.12.117+deb13-riscv64: '+' and '.' literally
      expect(lines[0]).toMatch(new RegExp(`^dual_mit_gpl: version magic '${release} SMP .*mod_unlaod .*' should be '${release} SMP .*mod_unload .*'$`));
      // the architecture's MODULE_ARCH_VERMAGIC as the kernel printed it (src/kernel/arch.ts derives it)
      if (t.arch === 'riscv64') expect(lines[0]).toBe(`dual_mit_gpl: version magic '${t.release} SMP mod_unlaod modversions riscv' should be '${t.release} SMP mod_unload modversions riscv'`);
      expect(errors.map((f) => [f.rule, f.symbol ?? null])).toEqual([['vermagic-mismatch', null]]);
    });

    test('an amd64 module (fat.ko): ENOEXEC, the ELF header line (e_machine 62; s390x: e_type 256)', () => {
      const { got, errors } = both(kos.foreign);
      expect(got.errnoName).toBe('ENOEXEC');
      expect(kernelLines(got.kmsg)).toEqual([t.arch === 's390x' ? 'Invalid ELF header type: 256 != 1' : 'Invalid architecture in ELF header: 62']);
      expect(errors.map((f) => f.rule)).toEqual(['elf-header']);
    });
  },
);
