#!/usr/bin/env node
/**
 * The real module loader as an oracle: boot a Debian kernel under QEMU (TCG: no KVM needed), load one
 * module with finit_module(2), and report the errno and what the kernel logged.
 *
 *   node scripts/qemu-load.mjs setup
 *       apt-get installs qemu-system-x86, busybox-static (and xz-utils, zstd, gzip) when missing; builds the guest's /init
 *       (scripts/qemu/finit.c, gcc -static) into $KSYMCHECK_CACHE/qemu/.
 *   node scripts/qemu-load.mjs build <case> <headers dir> [--extra-symbols F] [--chroot SCRIPT] [--edit drop:SYM | --edit type:SYM=TYPE | --edit ns:SYM=NS | --edit import:NS]...
 *       builds samples/modules/<case> with the real kbuild of <headers dir> into
 *       $KSYMCHECK_CACHE/qemu/build/<abi>/<case>/ and prints the .ko paths (JSON); --extra-symbols is
 *       KBUILD_EXTRA_SYMBOLS (another case's Module.symvers, for a module importing from it). A sample modpost refuses
 *       gets its .ko the same way: kbuild runs the real modpost on the real <mod>.o, against a copy of
 *       the headers' Module.symvers with the one fact modpost refuses edited (--edit: the kernel symbol's
 *       line dropped, its export type or namespace changed). Nothing else changes: the .mod.c modpost
 *       writes carries only names and CRCs of what the module uses (__versions), vermagic and the
 *       module's own exports — so the .ko is byte for byte what an accepting modpost makes, and the
 *       loader still sees the module's real licence, imports, namespaces and exports.
 *       --edit import:NS is for the one refusal Module.symvers cannot carry, modpost's 6.16+ "explicitly
 *       importing namespace" of the module's own MODULE_IMPORT_NS(NS): modpost is shown the <mod>.o with
 *       that .modinfo entry renamed in place (import_ns= → import_nX=, same length; combine with
 *       ns:SYM= for the symbols of NS), and the .ko gets its import_ns=NS back after linking — modpost
 *       writes nothing about imports into .mod.c, so the .ko is again what an accepting modpost makes.
 *       --chroot SCRIPT (e.g. unstable-chroot): <headers dir> is a path inside the chroot that
 *       scripts/SCRIPT made (its Kbuild needs the chroot's libc and compiler); the build runs there via
 *       `scripts/SCRIPT run make …`, under <chroot>/ksymcheck-qemu/.
 *   node scripts/qemu-load.mjs load [--append 'ARGS'] <vmlinuz> <module.ko>...
 *       one fresh boot (ARGS added to the kernel's command line, e.g. module.sig_enforce=1) (the kernel prints a taint message only the first time) loading the modules in the
 *       order given, prints JSON: [{ module, errno, errnoName, kmsg: [{ level, text }] }] per module —
 *       kmsg: the log records printed during its finit_module call.
 *   node scripts/qemu-load.mjs kmod-setup
 *       Debian 13's kmod (34) and the libraries it links or dlopen()s, `apt-get download`ed with
 *       scripts/fetch-trixie's apt configuration and unpacked (never installed) into $KSYMCHECK_CACHE/qemu/kmod-trixie/.
 *   node scripts/qemu-load.mjs kmod-load <vmlinuz> <module file>...
 *       one fresh boot loading the files (.ko, .ko.xz, .ko.gz, .ko.zst) in the order given with that kmod's
 *       `insmod` (guest /init: scripts/qemu/kmod-init.c), prints JSON: /sys/module/compression, `kmod --version`,
 *       and per file insmod's exit status and output, the finit_module/init_module calls the kernel traced
 *       (flags, errno), the errno and the kernel's log records.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.KSYMCHECK_CACHE ?? join(ROOT, '.cache', 'kernels');
const OUT = join(CACHE, 'qemu');
const log = (s) => process.stderr.write(`[qemu-load] ${s}\n`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function aptInstall(pkgs) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'inherit'] }).status;
  log(`apt-get install ${pkgs.join(' ')}`);
  if (install() !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (install() !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed`);
  }
}

/**
 * A guest /init from scripts/qemu/<name>.c (`cc` -static), rebuilt when its source or guest.h changed.
 * `chroot` (a chroot script, MACHINES' riscv64): `cc` is the chroot's, run there by `scripts/<chroot> run`
 * on a copy of the sources under <chroot>/ksymcheck-qemu/init-src/.
 */
function buildInit(name, out, cc = 'gcc', chroot) {
  const dir = join(ROOT, 'scripts', 'qemu');
  const src = join(dir, `${name}.c`);
  const text = readFileSync(src, 'utf8') + readFileSync(join(dir, 'guest.h'), 'utf8');
  if (!existsSync(out) || !existsSync(`${out}.c`) || readFileSync(`${out}.c`, 'utf8') !== text) {
    if (chroot) {
      const root = chrootRoot(chroot);
      const work = join(root, 'ksymcheck-qemu', 'init-src');
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      for (const f of [`${name}.c`, 'guest.h']) copyFileSync(join(dir, f), join(work, f));
      const inner = work.slice(root.length);
      execFileSync('bash', [join(ROOT, 'scripts', chroot), 'run', cc, '-static', '-O2', '-Wall', '-o', `${inner}/${name}`, `${inner}/${name}.c`], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, KSYMCHECK_CACHE: CACHE },
      });
      copyFileSync(join(work, name), out);
      rmSync(work, { recursive: true, force: true });
    } else execFileSync(cc, ['-static', '-O2', '-Wall', '-o', out, src], { stdio: ['ignore', 'ignore', 'inherit'] });
    writeFileSync(`${out}.c`, text);
  }
  return out;
}

/**
 * The guest per Debian architecture: QEMU's system emulator and machine (TCG), the kernel's console, the
 * Debian 12 cross compiler of the static /init and its packages (the compiler, the target's libc6-dev), and
 * what the Kbuild of that architecture's headers is given (as test/kernel-real/arch-kbuild.test.ts builds).
 * amd64 is the host's (qemu-system-x86_64, gcc).
 */
export const MACHINES = {
  amd64: { qemu: 'qemu-system-x86_64', args: ['-m', '512'], console: 'ttyS0', cc: 'gcc', packages: ['qemu-system-x86'] },
  i386: { qemu: 'qemu-system-i386', args: ['-m', '512'], console: 'ttyS0', cc: 'i686-linux-gnu-gcc-12', packages: ['qemu-system-x86', 'gcc-12-i686-linux-gnu', 'libc6-dev-i386-cross'], gnu: undefined },
  arm64: { qemu: 'qemu-system-aarch64', args: ['-M', 'virt', '-cpu', 'max', '-m', '1024'], console: 'ttyAMA0', cc: 'aarch64-linux-gnu-gcc-12', packages: ['qemu-system-arm', 'gcc-12-aarch64-linux-gnu', 'libc6-dev-arm64-cross'], gnu: 'aarch64-linux-gnu' },
  armhf: { qemu: 'qemu-system-arm', args: ['-M', 'virt', '-m', '1024'], console: 'ttyAMA0', cc: 'arm-linux-gnueabihf-gcc-12', packages: ['qemu-system-arm', 'gcc-12-arm-linux-gnueabihf', 'libc6-dev-armhf-cross'], gnu: 'arm-linux-gnueabihf' },
  // pseries boots through SLOF (qemu-system-ppc ships it); the console is the hypervisor's
  ppc64el: { qemu: 'qemu-system-ppc64', args: ['-M', 'pseries', '-m', '1024'], console: 'hvc0', cc: 'powerpc64le-linux-gnu-gcc-12', packages: ['qemu-system-ppc', 'gcc-12-powerpc64le-linux-gnu', 'libc6-dev-ppc64el-cross'], gnu: 'powerpc64le-linux-gnu' },
  // s390-ccw-virtio: the s390-ccw firmware is in qemu-system-misc (qemu-system-s390x); the console is the SCLP's
  s390x: { qemu: 'qemu-system-s390x', args: ['-M', 's390-ccw-virtio', '-m', '1024'], console: 'ttysclp0', cc: 's390x-linux-gnu-gcc-12', packages: ['qemu-system-misc', 'gcc-12-s390x-linux-gnu', 'libc6-dev-s390x-cross'], gnu: 's390x-linux-gnu' },
  // Debian 13's 6.12 (scripts/fetch-arch's trixie target): OpenSBI (-bios default, in qemu-system-misc) starts
  // the kernel; its Kbuild, and the /init, run in the trixie chroot with Debian 13's cross gcc-14, which
  // `scripts/trixie-chroot cross riscv64 <headers .deb>` apt-get installs there (chroot: builds take the
  // headers as the chroot sees them, /usr/src/linux-headers-<release>)
  riscv64: { qemu: 'qemu-system-riscv64', args: ['-M', 'virt', '-bios', 'default', '-m', '1024'], console: 'ttyS0', cc: 'riscv64-linux-gnu-gcc-14', packages: ['qemu-system-misc'], chroot: 'trixie-chroot', kbuild: ['ARCH=riscv', 'CROSS_COMPILE=riscv64-linux-gnu-'] },
};

function machineOf(arch) {
  const m = MACHINES[arch];
  if (!m) throw new Error(`unknown architecture ${arch} (one of ${Object.keys(MACHINES).join(', ')})`);
  return m;
}

/** The Kbuild variables of a foreign architecture's Debian headers (DEB_HOST_*, as Debian's headers Makefile reads them). */
function kbuildVars(arch) {
  const m = machineOf(arch);
  if (m.kbuild) return m.kbuild;
  return m.gnu ? ['DEB_BUILD_ARCH=amd64', `DEB_HOST_ARCH=${arch}`, `DEB_HOST_GNU_TYPE=${m.gnu}`] : [];
}

/** setup() for another architecture: its QEMU and cross compiler installed when missing, its /init built. */
export function setupArch(arch) {
  if (arch === 'amd64') return setup();
  const m = machineOf(arch);
  if (m.chroot) {
    if (!has(m.qemu)) aptInstall(m.packages);
    crossChroot(arch);
    mkdirSync(OUT, { recursive: true });
    return buildInit('finit', join(OUT, `init-${arch}`), m.cc, m.chroot);
  }
  const missing = [];
  if (!has(m.qemu)) missing.push(m.packages[0]);
  if (!has(m.cc) || !existsSync(`/usr/${m.gnu ?? 'i686-linux-gnu'}/include/stdio.h`)) missing.push(...m.packages.slice(1));
  if (!has('busybox') || !existsSync('/bin/busybox')) missing.push('busybox-static');
  if (missing.length) aptInstall([...new Set(missing)]);
  mkdirSync(OUT, { recursive: true });
  return buildInit('finit', join(OUT, `init-${arch}`), m.cc);
}

/**
 * An architecture built in a chroot (MACHINES' `chroot`): `scripts/<chroot> cross <arch> <headers .deb>` —
 * the .deb scripts/fetch-arch downloaded (its arch.env line <arch>|<arch>|<release>|<headers>|<headers .deb>|…).
 * Returns the headers directory as the chroot sees it and on the host.
 */
export function crossChroot(arch) {
  const m = machineOf(arch);
  const envFile = join(CACHE, 'arch', 'arch.env');
  const row = (existsSync(envFile) ? readFileSync(envFile, 'utf8') : '').split('\n').map((l) => l.split('|')).find(([name, a]) => name === arch && a === arch);
  if (!row) throw new Error(`no ${arch} target in ${envFile}: run scripts/fetch-arch`);
  const inner = execFileSync('bash', [join(ROOT, 'scripts', m.chroot), 'cross', arch, row[4]], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } }).trim();
  return { inner, host: join(chrootRoot(m.chroot), inner) };
}

export function setup() {
  const missing = [];
  if (!has('qemu-system-x86_64')) missing.push('qemu-system-x86');
  if (!has('busybox') || !existsSync('/bin/busybox')) missing.push('busybox-static');
  if (!has('gcc')) missing.push('gcc', 'libc6-dev');
  // the compression tools that make the compressed cases (test/kernel-real/qemu-kmod.test.ts)
  if (!has('xz')) missing.push('xz-utils');
  if (!has('zstd')) missing.push('zstd');
  if (!has('gzip')) missing.push('gzip');
  if (missing.length) aptInstall(missing);
  mkdirSync(OUT, { recursive: true });
  return buildInit('finit', join(OUT, 'init'));
}

/** Module.symvers with the facts modpost would refuse edited away (see the header). */
function editedSymvers(headers, edits) {
  const lines = readFileSync(join(headers, 'Module.symvers'), 'utf8').split('\n');
  const out = [];
  for (const line of lines) {
    const f = line.split('\t');
    let keep = true;
    for (const e of edits) {
      const [op, rest] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
      const [sym, value = ''] = rest.split('=');
      if (f[1] !== sym) continue;
      if (op === 'drop') keep = false;
      else if (op === 'type') f[3] = value;
      else if (op === 'ns') f[4] = value;
      else if (op === 'crc') f[0] = value;
      else throw new Error(`unknown edit ${e}`);
    }
    if (keep) out.push(f.join('\t'));
  }
  return out.join('\n');
}

/** The root directory of the chroot scripts/<script> made (its env file's *_CHROOT line). */
function chrootRoot(script) {
  const envFile = { 'unstable-chroot': join(CACHE, 'unstable', 'unstable.env'), 'trixie-chroot': join(CACHE, 'trixie', 'trixie.env') }[script];
  if (!envFile) throw new Error(`unknown chroot script ${script}`);
  const m = /^\w+_CHROOT=(.*)$/m.exec(existsSync(envFile) ? readFileSync(envFile, 'utf8') : '');
  if (!m) throw new Error(`no *_CHROOT in ${envFile}: run scripts/${script}`);
  return m[1];
}

/** Rename every `from` in the .modinfo entries of an ELF file in place to `to` (same length). */
function renameModinfo(file, from, to) {
  const bytes = readFileSync(file);
  let n = 0;
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) {
    if (at > 0 && bytes[at - 1] !== 0) continue;
    bytes.write(to, at, 'latin1');
    n++;
  }
  writeFileSync(file, bytes);
  return n;
}

export function build(kase, headers, edits = [], extraSymbols, chroot, arch = 'amd64') {
  // an architecture whose Kbuild runs in a chroot (MACHINES: riscv64) builds there without --chroot
  const chrootScript = chroot ?? machineOf(arch).chroot;
  const root = chrootScript ? chrootRoot(chrootScript) : '';
  const release = basename(headers).replace(/^linux-headers-/, '');
  const base = chrootScript ? join(root, 'ksymcheck-qemu') : join(OUT, 'build');
  const dir = join(base, release, `${kase}${edits.length ? '.edited' : ''}`);
  // paths as make sees them (inside the chroot, if any)
  const inner = (p) => (chrootScript ? p.slice(root.length) : p);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(join(ROOT, 'samples', 'modules', kase), dir, { recursive: true });
  const args = ['-C', headers, `M=${inner(dir)}`, 'modules', ...kbuildVars(arch)];
  if (extraSymbols) args.push(`KBUILD_EXTRA_SYMBOLS=${extraSymbols}`);
  const imports = edits.filter((e) => e.startsWith('import:')).map((e) => `import_ns=${e.slice('import:'.length)}`);
  const hidden = (entry) => entry.replace(/^import_ns=/, 'import_nX=');
  if (edits.length) {
    // kbuild's Makefile.modpost runs $(MODPOST): the real modpost, given the edited Module.symvers (and,
    // for import: edits, the <mod>.o files with those .modinfo entries renamed)
    const symvers = join(dir, 'ksymcheck-edited.symvers');
    writeFileSync(symvers, editedSymvers(join(root, headers), edits.filter((e) => !e.startsWith('import:'))));
    const wrapper = join(dir, 'ksymcheck-modpost');
    const hide = imports.map((i) => `perl -0777 -pi -e 's/(?<=\\0)\\Q${i}\\E(?=\\0)/${hidden(i)}/g' ./*.o\n`).join('');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n# the real modpost; only "-i [<kernel>/]Module.symvers" (the kernel's) is replaced by the edited copy\n${hide}p=; for a; do shift; case "$p:$a" in -i:Module.symvers|'-i:${join(headers, 'Module.symvers')}') set -- "$@" '${inner(symvers)}' ;; *) set -- "$@" "$a" ;; esac; p=$a; done\nexec '${join(headers, 'scripts', 'mod', 'modpost')}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    args.push(`MODPOST=${inner(wrapper)}`);
  }
  const r = chrootScript
    ? spawnSync('bash', [join(ROOT, 'scripts', chrootScript), 'run', 'make', ...args], { encoding: 'utf8', env: { ...process.env, KSYMCHECK_CACHE: CACHE } })
    : spawnSync('make', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const kos = readdirSync(dir).filter((f) => f.endsWith('.ko')).map((f) => join(dir, f));
  for (const ko of kos) for (const i of imports) renameModinfo(ko, hidden(i), i);
  return { dir, release, status: r.status, stderr: r.stderr, kos };
}

/**
 * One boot of `vmlinuz` with an initramfs of `init` as /init, the files of `tree` (a directory, or none)
 * and the modules as /m/NN-<name> (loaded in that order); the console's lines up to KSYMCHECK-END.
 */
function boot(vmlinuz, init, tree, kos, append = '', arch = 'amd64') {
  const m = machineOf(arch);
  const tmp = join(OUT, 'boot', `${process.pid}-${basename(kos[0])}`);
  rmSync(tmp, { recursive: true, force: true });
  const root = join(tmp, 'root');
  if (tree) cpSync(tree, root, { recursive: true, verbatimSymlinks: true });
  for (const d of ['dev', 'proc', 'sys', 'm']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(init, join(root, 'init'));
  chmodSync(join(root, 'init'), 0o755);
  kos.forEach((ko, i) => copyFileSync(ko, join(root, 'm', `${String(i).padStart(2, '0')}-${basename(ko)}`)));
  execFileSync('sh', ['-c', `cd '${root}' && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../initrd.gz`]);
  const t0 = Date.now();
  const r = spawnSync(
    m.qemu,
    ['-accel', 'tcg', ...m.args, '-nographic', '-no-reboot', '-kernel', vmlinuz, '-initrd', join(tmp, 'initrd.gz'), '-append', `console=${m.console} quiet loglevel=3 panic=-1${append ? ` ${append}` : ''}`],
    { encoding: 'latin1', timeout: 300_000, maxBuffer: 1 << 26 },
  );
  log(`${arch}: booted and ran in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  rmSync(tmp, { recursive: true, force: true });
  const lines = (r.stdout ?? '').split(/\r?\n/);
  const end = lines.findIndex((l) => l.includes('KSYMCHECK-END'));
  if (end < 0) throw new Error(`the guest did not report (qemu exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${lines.slice(-30).join('\n')}`);
  return lines.slice(0, end);
}

/** A KSYMCHECK-KMSG line's record, or undefined. */
function kmsgOf(l) {
  const k = /KSYMCHECK-KMSG (\d),(.*)$/.exec(l);
  return k ? { level: Number(k[1]), text: k[2] } : undefined;
}

/** One boot: the modules alone in an initramfs (/m/NN-<name>.ko, loaded in that order) with the loader as /init. */
export function load(vmlinuz, ...kos) {
  return loadWith('', vmlinuz, ...kos);
}

/** load(), with `append` added to the kernel's command line. */
export function loadWith(append, vmlinuz, ...kos) {
  return loadOn('amd64', append, vmlinuz, ...kos);
}

/** loadWith() on another architecture's kernel (MACHINES): its QEMU, its static /init. */
export function loadOn(arch, append, vmlinuz, ...kos) {
  const out = [];
  for (const l of boot(vmlinuz, setupArch(arch), undefined, kos, append, arch)) {
    const m = /KSYMCHECK-LOAD \d\d-(\S+) errno=(\d+) \((\w+)\)/.exec(l);
    const k = kmsgOf(l);
    if (m) out.push({ module: m[1], errno: Number(m[2]), errnoName: m[3], kmsg: [] });
    else if (k && out.length) out[out.length - 1].kmsg.push(k);
  }
  if (out.length !== kos.length) throw new Error(`the guest reported ${out.length} of ${kos.length} loads`);
  return out;
}

// ------------------------------------------------------------------------------ kmod in the guest ---

/** Debian's kmod and what it links or dlopen()s (libkmod 34: liblzma, libzstd; libcrypto: zlib, libzstd). */
export const KMOD_PACKAGES = ['kmod', 'libkmod2', 'libc6', 'libssl3t64', 'liblzma5', 'libzstd1', 'zlib1g'];

/**
 * Debian 13's kmod unpacked (never installed) into $CACHE/qemu/kmod-trixie/root: `apt-get download` with
 * scripts/fetch-trixie's own apt configuration (its lists of trixie, under $CACHE/trixie/apt; fetch-trixie
 * is run first when they are missing), then `dpkg-deb -x`. Documentation, locales and gconv are left out.
 */
export function kmodRoot() {
  setup();
  const dir = join(OUT, 'kmod-trixie');
  const root = join(dir, 'root');
  const stamp = join(dir, 'packages');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === KMOD_PACKAGES.join(' ')) return root;
  const T = join(CACHE, 'trixie');
  if (!existsSync(join(T, 'apt', 'sources.list'))) execFileSync(join(ROOT, 'scripts', 'fetch-trixie'), { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } });
  const apt = ['-q', '-o', `Dir::Etc::sourcelist=${join(T, 'apt', 'sources.list')}`, '-o', 'Dir::Etc::sourceparts=-', '-o', `Dir::State::Lists=${join(T, 'apt', 'lists')}`, '-o', `Dir::Cache=${join(T, 'apt', 'cache')}`, '-o', 'APT::Sandbox::User=root'];
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'debs'), { recursive: true });
  log(`apt-get download ${KMOD_PACKAGES.join(' ')} (trixie)`);
  execFileSync('apt-get', [...apt, 'download', ...KMOD_PACKAGES], { cwd: join(dir, 'debs'), stdio: ['ignore', 'ignore', 'inherit'] });
  for (const deb of readdirSync(join(dir, 'debs'))) execFileSync('dpkg-deb', ['-x', join(dir, 'debs', deb), root]);
  rmSync(join(root, 'usr', 'share'), { recursive: true, force: true });
  rmSync(join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'gconv'), { recursive: true, force: true });
  // merged /usr, as trixie's base-files makes it
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) if (!existsSync(join(root, d))) symlinkSync(`usr/${d}`, join(root, d));
  writeFileSync(stamp, KMOD_PACKAGES.join(' '));
  return root;
}

/** The errno a syscall trace record's return value names (sys_finit_module -> 0xffffffffffffffea). */
function traceRet(hex) {
  const v = BigInt.asIntN(64, BigInt(hex));
  return v < 0n ? Number(-v) : 0;
}

/**
 * One boot loading the modules with Debian 13's `insmod` (scripts/qemu/kmod-init.c), in the order given.
 * Prints JSON: { compression, kmodVersion, loads: [{ module, exit, errno, errnoName, kmod, syscalls, kmsg }] }
 * — compression: what /sys/module/compression said ("absent" when the file is missing); kmod: insmod's
 * output lines; syscalls: what the kernel traced of libkmod's calls: { call: 'finit_module' | 'init_module',
 * flags (finit_module's), errno } in order (none: libkmod failed before any); errno: the last syscall's,
 * else the one insmod's message names.
 */
export function kmodLoad(vmlinuz, ...kos) {
  const root = kmodRoot();
  const init = buildInit('kmod-init', join(OUT, 'kmod-init'));
  const res = { compression: undefined, kmodVersion: [], loads: [] };
  let cur;
  for (const l of boot(vmlinuz, init, root, kos)) {
    const k = kmsgOf(l);
    let m;
    if ((m = /KSYMCHECK-COMPRESSION (.*)$/.exec(l))) res.compression = m[1];
    else if ((m = /KSYMCHECK-KMODVERSION (.*)$/.exec(l))) res.kmodVersion.push(m[1]);
    else if ((m = /KSYMCHECK-RUN \d\d-(\S+)/.exec(l))) res.loads.push((cur = { module: m[1], exit: -1, errno: -1, errnoName: '?', kmod: [], syscalls: [], kmsg: [] }));
    else if (!cur) continue;
    else if ((m = /KSYMCHECK-KMOD (.*)$/.exec(l))) cur.kmod.push(m[1]);
    else if ((m = /KSYMCHECK-TRACE .*: sys_(finit_module|init_module)\((.*)\)\s*$/.exec(l))) {
      const flags = /flags: ([0-9a-fx]+)/.exec(m[2]);
      cur.syscalls.push({ call: m[1], ...(flags ? { flags: Number(flags[1].startsWith('0x') ? flags[1] : `0x${flags[1]}`) } : {}), errno: -1 });
    } else if ((m = /KSYMCHECK-TRACE .*: sys_(finit_module|init_module) -> (0x[0-9a-f]+)/.exec(l))) {
      const open = [...cur.syscalls].reverse().find((s) => s.call === m[1] && s.errno === -1);
      if (open) open.errno = traceRet(m[2]);
    } else if ((m = /KSYMCHECK-LOAD \S+ exit=(\d+) errno=(-?\d+) \((\S+)\)/.exec(l))) {
      cur.exit = Number(m[1]);
      const last = cur.syscalls.at(-1);
      cur.errno = last && last.errno >= 0 ? last.errno : Number(m[2]);
      cur.errnoName = cur.errno === Number(m[2]) ? m[3] : (ERRNO_NAMES[cur.errno] ?? String(cur.errno));
    } else if (k) cur.kmsg.push(k);
  }
  if (res.loads.length !== kos.length) throw new Error(`the guest reported ${res.loads.length} of ${kos.length} loads`);
  return res;
}

/** errno names by number (node's os.constants.errno, inverted). */
const ERRNO_NAMES = Object.fromEntries(Object.entries(osConstants.errno).map(([n, v]) => [v, n]));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  // --arch A (setup, build, load): another architecture's guest and Kbuild (MACHINES)
  const archAt = argv.indexOf('--arch');
  const arch = archAt >= 0 ? argv.splice(archAt, 2)[1] : 'amd64';
  const [cmd, ...rest] = argv;
  if (cmd === 'setup') process.stdout.write(`${setupArch(arch)}\n`);
  else if (cmd === 'build') {
    const edits = [];
    const pos = [];
    let extra;
    let chroot;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--edit') edits.push(rest[++i]);
      else if (rest[i] === '--extra-symbols') extra = rest[++i];
      else if (rest[i] === '--chroot') chroot = rest[++i];
      else pos.push(rest[i]);
    }
    const r = build(pos[0], pos[1], edits, extra, chroot, arch);
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  } else if (cmd === 'load') {
    const append = rest[0] === '--append' ? rest.splice(0, 2)[1] : '';
    process.stdout.write(JSON.stringify(loadOn(arch, append, rest[0], ...rest.slice(1)), null, 2) + '\n');
  }
  else if (cmd === 'kmod-setup') process.stdout.write(`${kmodRoot()}\n`);
  else if (cmd === 'kmod-load') process.stdout.write(JSON.stringify(kmodLoad(rest[0], ...rest.slice(1)), null, 2) + '\n');
  else {
    process.stderr.write('usage: qemu-load.mjs [--arch A] setup | [--arch A] build <case> <headers> [--extra-symbols F] [--chroot SCRIPT] [--edit …]… | [--arch A] load [--append ARGS] <vmlinuz> <module.ko>... | kmod-setup | kmod-load <vmlinuz> <module file>...\n');
    process.exit(2);
  }
}
