/**
 * Find the kernel inputs behind a path the user named: a build tree or headers directory, a
 * Module.symvers file (plain or gzip, e.g. RHEL's /boot/symvers-<release>.gz) or a vmlinux ELF.
 *
 * Directory layout facts (checked in Debian 12's linux-headers-6.1.0-56-amd64, 6.1.192-2):
 * - /lib/modules/<rel>/build is an absolute symlink to /usr/src/linux-headers-<rel>;
 * - the arch headers dir holds .config, Module.symvers, include/config/auto.conf,
 *   include/config/kernel.release and include/generated/utsrelease.h; no vmlinux;
 * - Debian's include/config/kernel.release holds the UPSTREAM version ("6.1.192") while UTS_RELEASE
 *   in utsrelease.h is the `uname -r` string ("6.1.0-56-amd64") that vermagic starts with. In a plain
 *   upstream build tree the two are equal. Both are returned raw (`kernelRelease`, `utsRelease`);
 *   `release` is kernel.release, else UTS_RELEASE — except when both exist and differ, where
 *   UTS_RELEASE wins (it is the uname -r form; kernel.release then only tells the upstream version).
 * Only files inside the named directory are read (Debian's `-common` sibling is not followed).
 */
// Synchronous calls: a kernel is a handful of small files, and each trip through libuv's thread pool
// cost more than the read (the one-module path is start-up bound).
import { closeSync, lstatSync, openSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import { release as osRelease } from 'node:os';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { readDeb } from '../package/deb.js';
import { DEBUG_PACKAGE_NAME, spillDebugVmlinux } from '../package/debug-vmlinux.js';
import { isRpm, readRpm } from '../package/rpm.js';
import type { VersionSource } from './types.js';
import { readKconfig, parseUtsRelease } from './config.js';
import { ElfFile } from '../elf/elf-file.js';
import { structModuleSize } from './vmlinux.js';

export interface KernelInputs {
  kind: 'dir' | 'symvers' | 'vmlinux' | 'package';
  /** The directory named (kind 'dir'). */
  dir?: string;
  /** Module.symvers file, when there is one. */
  symvers?: string;
  /** vmlinux ELF file, when there is one. */
  vmlinux?: string;
  /** What the vmlinux is called in reports, when not its file (a debug package's: `pkg.deb:/usr/lib/debug/boot/vmlinux-…`). */
  vmlinuxName?: string;
  /** Removes what was made to read the inputs (a debug package's vmlinux, spilled to a temporary file). */
  dispose?: () => void;
  /** A Module.symvers read from a package (kind 'package'): its name (`pkg.deb:usr/src/…/Module.symvers`) and bytes. */
  symversData?: { name: string; data: Buffer };
  /** sizeof(struct module) from the BTF-only vmlinux of a headers package (kind 'package'), when it has one. */
  structModuleSize?: number;
  /** Release string and where it came from; both undefined when nothing in the inputs tells. */
  release?: string;
  releaseSource?: VersionSource;
  /** Raw first line of include/config/kernel.release, when present. */
  kernelRelease?: string;
  /** UTS_RELEASE of include/generated/utsrelease.h, when present (the `uname -r` / vermagic form). */
  utsRelease?: string;
  /** .config (else include/config/auto.conf) values, and which file they came from. */
  config?: Map<string, string>;
  configFile?: string;
}

/** A short reason for a failed fs call (no stack, no "Error:" prefix). */
export function describeFsError(e: unknown): string {
  if (e instanceof InputError) return e.reason; // (files.ts: a FIFO, a socket, a device)
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory (a path component is a file)';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function head(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const bytesRead = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
}

function isElf(b: Buffer): boolean {
  return b.length >= 4 && ELF_MAGIC.every((v, i) => b[i] === v);
}

/** A regular file (after following symlinks)? false when missing. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw new InputError(path, describeFsError(e));
  }
}

function readText(path: string): string | undefined {
  if (!isFile(path)) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(path, describeFsError(e));
  }
}

/**
 * A kernel release as Kbuild writes it (include/config/kernel.release, UTS_RELEASE): VERSION.PATCHLEVEL
 * first, then SUBLEVEL, EXTRAVERSION and LOCALVERSION — printable, no spaces —, at most 64 characters
 * (__NEW_UTS_LEN: Kbuild refuses a longer one). Anything else is a damaged file, refused by name and line:
 * taken as it was, it made the rules' version 'none' and the derived vermagic a false finding.
 */
const RELEASE = /^\d+\.\d+[\x21-\x7e]*$/;
function checkedRelease(release: string, file: string, line: number): string {
  if (release.length <= 64 && RELEASE.test(release)) return release;
  const shown = JSON.stringify(release.length > 80 ? `${release.slice(0, 80)}…` : release);
  throw new InputError(file, `${shown} is not a kernel release (<version>.<patchlevel>…, printable without spaces, at most 64 characters, as Kbuild writes it)`, { line });
}

/**
 * The release from include/config/kernel.release and UTS_RELEASE (include/generated/utsrelease.h): see
 * the note at the top on Debian's two forms.
 */
function setRelease(out: KernelInputs, krSource: { text: string | undefined; file: string }, utsSource: { text: string | undefined; file: string }): void {
  const kr = krSource.text?.split('\n')[0]?.trim();
  if (kr) out.kernelRelease = checkedRelease(kr, krSource.file, 1);
  const uts = utsSource.text === undefined ? undefined : parseUtsRelease(utsSource.text);
  if (uts) out.utsRelease = checkedRelease(uts, utsSource.file, utsSource.text!.slice(0, utsSource.text!.indexOf('UTS_RELEASE')).split('\n').length);
  if (kr && uts && kr !== uts) {
    // Debian headers: kernel.release "6.1.192", UTS_RELEASE "6.1.0-56-amd64". `release` must be the
    // uname -r / vermagic form (types.ts KernelBuild.release), so UTS_RELEASE wins; kernelRelease keeps
    // the upstream version for version rules.
    out.release = uts;
    out.releaseSource = 'include/generated/utsrelease.h';
  } else if (kr) {
    out.release = kr;
    out.releaseSource = 'include/config/kernel.release';
  } else if (uts) {
    out.release = uts;
    out.releaseSource = 'include/generated/utsrelease.h';
  }
}

/**
 * Where kernel packages keep what a check needs: a build tree's top (Debian's
 * `usr/src/linux-headers-<release>/`, RPM kernel-devel's `usr/src/kernels/<release>/`) with Module.symvers,
 * .config and the release files; or, in RPM kernel-core / kernel packages, `lib/modules/<release>/symvers.gz`
 * with `config` beside it, or `boot/symvers-<release>.gz` with `boot/config-<release>` (usr/ merged or not).
 */
const TREE_FILE = /^usr\/src\/(?:linux-headers-[^/]+|kernels\/[^/]+)\/(?:Module\.symvers|\.config|include\/config\/kernel\.release|include\/config\/auto\.conf|include\/generated\/utsrelease\.h)$/;
const MODULES_FILE = /^(?:usr\/)?lib\/modules\/[^/]+\/(?:symvers\.gz|config)$/;
/** The BTF-only vmlinux Debian's headers packages carry (read for struct module's size only). */
const HEADERS_VMLINUX = /^usr\/src\/linux-headers-[^/]+\/vmlinux$/;
const BOOT_FILE = /^boot\/(?:symvers|config)-[^/]+$/;

/** What a kernel package (`.deb` headers; `.rpm` kernel-devel, kernel-core, kernel) offers, read in memory. */
async function locatePackage(path: string, read: typeof readDeb): Promise<KernelInputs> {
  const { files } = await read(path, (p) => TREE_FILE.test(p) || MODULES_FILE.test(p) || BOOT_FILE.test(p) || HEADERS_VMLINUX.test(p));
  const file = (p: string) => files.find((x) => x.path === p);
  const text = (p: string) => file(p)?.data.toString('utf8');
  const out: KernelInputs = { kind: 'package' };
  const trees = files.filter((f) => TREE_FILE.test(f.path) && f.path.endsWith('/Module.symvers'));
  const symgz = files.filter((f) => /(?:^|\/)symvers(?:-[^/]+)?\.gz$/.test(f.path) && !f.path.startsWith('usr/src/'));
  let base: string;
  if (trees.length + symgz.length === 0) {
    throw new InputError(
      path,
      'no Module.symvers in this package (usr/src/linux-headers-*/ or usr/src/kernels/*/, or a lib/modules/*/symvers.gz or boot/symvers-*.gz): ' +
        'pass the headers package of a flavour (Debian: linux-headers-<release>-amd64, not -common, which has the headers without the ' +
        'symbols; RPM: kernel-devel or kernel-core), or an unpacked build or headers directory',
    );
  }
  const all = [...trees, ...symgz].map((f) => f.path);
  if (trees.length > 1 || (trees.length === 0 && symgz.length > 1)) throw new InputError(path, `Module.symvers of several kernels in one package (${all.join(', ')}): unpack it and name one`);
  let symvers;
  if (trees.length === 1) {
    symvers = trees[0];
    base = symvers.path.slice(0, -'Module.symvers'.length);
    out.dir = `${path}:${base.slice(0, -1)}`;
    const named = (p: string) => ({ text: text(base + p), file: `${path}:${base}${p}` });
    setRelease(out, named('include/config/kernel.release'), named('include/generated/utsrelease.h'));
    // RPM kernel-devel has no include/config/kernel.release: the tree's directory is named after the release
    if (!out.release && base.startsWith('usr/src/kernels/')) {
      out.release = base.split('/')[3];
      out.releaseSource = 'Module.symvers path';
    }
  } else {
    symvers = symgz[0];
    base = symvers.path.replace(/symvers(?:-[^/]+)?\.gz$/, '');
    out.release = releaseFromSymversName(`/${symvers.path}`);
    if (out.release) out.releaseSource = 'Module.symvers path';
  }
  // plain or gzip: loadKernel's symversFromBytes() reads either
  out.symversData = { name: `${path}:${symvers.path}`, data: symvers.data };
  const vmlinux = file(base + 'vmlinux');
  if (vmlinux && isElf(vmlinux.data)) {
    try {
      const size = structModuleSize(ElfFile.fromBuffer(vmlinux.data, `${path}:${vmlinux.path}`));
      if (size !== undefined) out.structModuleSize = size;
    } catch {
      // a vmlinux that does not read as ELF: the size stays unknown (the report's notes say the check was not made)
    }
  }
  const configs = [base + '.config', base + 'include/config/auto.conf', base + 'config', out.release ? `${base}config-${out.release}` : ''];
  for (const c of configs) {
    const t = c ? text(c) : undefined;
    if (t !== undefined) {
      out.configFile = `${path}:${c}`;
      out.config = readKconfig(t, out.configFile);
      break;
    }
  }
  return out;
}

/** `symvers-<release>` or `symvers-<release>.gz` (RHEL /boot), or `…/lib/modules/<release>/symvers.gz` (Fedora, Arch) → release. */
export function releaseFromSymversName(path: string): string | undefined {
  const m = /^symvers-(.+?)(?:\.gz)?$/.exec(basename(path)) ?? /\/lib\/modules\/([^/]+)\/symvers(?:\.gz)?$/.exec(path);
  return m ? m[1] : undefined;
}

function locateDir(dir: string): KernelInputs {
  const out: KernelInputs = { kind: 'dir', dir };

  const symvers = join(dir, 'Module.symvers');
  if (isFile(symvers)) out.symvers = symvers;

  const vmlinux = join(dir, 'vmlinux');
  let vmlinuxNote = '';
  if (isFile(vmlinux)) {
    let b: Buffer;
    try {
      b = head(vmlinux, 4);
    } catch (e) {
      throw new InputError(vmlinux, describeFsError(e));
    }
    if (isElf(b)) out.vmlinux = vmlinux;
    else vmlinuxNote = ' (vmlinux is there but is not an ELF file)';
  }

  if (!out.symvers && !out.vmlinux) {
    throw new InputError(
      dir,
      `not a kernel build or headers directory: found neither Module.symvers nor vmlinux${vmlinuxNote}` +
        ` (looked for ${symvers} and ${vmlinux})`,
    );
  }

  const krFile = join(dir, 'include', 'config', 'kernel.release');
  const utsFile = join(dir, 'include', 'generated', 'utsrelease.h');
  setRelease(out, { text: readText(krFile), file: krFile }, { text: readText(utsFile), file: utsFile });

  for (const rel of ['.config', join('include', 'config', 'auto.conf')]) {
    const f = join(dir, rel);
    const text = readText(f);
    if (text !== undefined) {
      out.config = readKconfig(text, f);
      out.configFile = f;
      break;
    }
  }
  return out;
}

/**
 * Classify `path` and collect what it offers. Missing path → InputError(path, 'no such file or
 * directory'); a directory with neither Module.symvers nor vmlinux → InputError naming both.
 */
export async function locateKernel(path: string): Promise<KernelInputs> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    let reason = describeFsError(e);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // a dangling symlink, typically /lib/modules/<rel>/build after the headers package was removed
      try {
        if (lstatSync(path).isSymbolicLink()) reason += ` (dangling symbolic link to ${readlinkSync(path)})`;
      } catch {
        /* plain missing path */
      }
    }
    throw new InputError(path, reason);
  }

  if (st.isDirectory()) return locateDir(path);
  if (!st.isFile()) throw new InputError(path, 'not a regular file or directory');

  let b: Buffer;
  try {
    b = head(path, 4);
  } catch (e) {
    throw new InputError(path, describeFsError(e));
  }
  if (isElf(b)) return { kind: 'vmlinux', vmlinux: path };
  if (b.toString('latin1', 0, 4) === '!<ar' && DEBUG_PACKAGE_NAME.test(path)) {
    const v = await spillDebugVmlinux(path);
    return { kind: 'package', vmlinux: v.file, vmlinuxName: v.name, dispose: v.dispose };
  }
  if (b.toString('latin1', 0, 4) === '!<ar') return locatePackage(path, readDeb);
  if (isRpm(b)) return locatePackage(path, readRpm);
  // named as a package but none (an empty or cut .deb): said so, not read as a Module.symvers listing nothing
  if (/\.(deb|rpm)$/.test(path)) {
    throw new InputError(path, `not a Debian package (.deb) nor an RPM package (.rpm): ${b.length === 0 ? 'an empty file' : 'no ar or RPM lead magic'}`, { offset: 0 });
  }

  const out: KernelInputs = { kind: 'symvers', symvers: path };
  const rel = releaseFromSymversName(path);
  if (rel) {
    out.release = rel;
    out.releaseSource = 'Module.symvers path';
  }
  return out;
}

/**
 * The kernel to check against when none is named: the running one, found where DKMS and kmod look —
 * `/lib/modules/<uname -r>/build` (the headers' or build tree's link), then RHEL's and SUSE's
 * `/boot/symvers-<uname -r>.gz`, then `/lib/modules/<uname -r>/symvers.gz` (Fedora, Arch). `root`
 * prefixes every path (tests). None there: an InputError naming each path tried.
 */
export function runningKernel(opts: { release?: string; root?: string } = {}): string {
  const release = opts.release ?? osRelease();
  const root = opts.root ?? '/';
  const tried = [join(root, 'lib', 'modules', release, 'build'), join(root, 'boot', `symvers-${release}.gz`), join(root, 'lib', 'modules', release, 'symvers.gz')];
  for (const p of tried) {
    try {
      statSync(p);
      return p;
    } catch {
      /* next */
    }
  }
  throw new InputError(
    `running kernel ${release}`,
    `no --kernel given, and no build of it was found: tried ${tried.join(', ')}; ` +
      `install its headers package, or name a kernel build or headers directory, a Module.symvers or a vmlinux with --kernel`,
  );
}
