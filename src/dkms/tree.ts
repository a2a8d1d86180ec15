/**
 * What DKMS built: its tree (default /var/lib/dkms) read as dkms 3.x lays it out, and the kernel build
 * tree each build was made against.
 *
 *   <tree>/<module>/<version>/source                      → the sources (a link to /usr/src/<module>-<version>)
 *   <tree>/<module>/<version>/<release>/<arch>/module/    ← the built modules (stripped, maybe signed
 *                                                           and compressed), kept after a successful build
 *   <tree>/<module>/<version>/<release>/<arch>/log/make.log
 *   <tree>/<module>/<version>/build/                      ← what a FAILED build left: make.log, whose first
 *                                                           line names the kernel, and the objects; 6.1's
 *                                                           modpost writes no .ko when it reports an error,
 *                                                           so the module is the `<name>.o` beside Kbuild's
 *                                                           `<name>.mod` (the linked module object)
 *   <tree>/<module>/kernel-<release>-<arch>, original_module/  (links and backups of `dkms install`: skipped)
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODULE_FILE_NAME } from '../codec/decompress.js';
import { readInput } from '../files.js';
import { describeFsError } from '../kernel/locate.js';

export const DEFAULT_DKMS_TREE = '/var/lib/dkms';

export interface DkmsBuild {
  module: string;
  version: string;
  /** The kernel release the build was made for (`dkms build -k`). */
  release: string;
  arch: string;
  /** `built`: DKMS kept the modules; `failed`: the build stopped, its objects are in build/. */
  state: 'built' | 'failed';
  /** The module files to check: the kept .ko files, or the module objects of a failed build. */
  files: string[];
  /** DKMS's make.log of this build, when there is one. */
  log?: string;
  /** Why the build cannot be checked, found in the tree (a failed build's make.log unreadable or naming no kernel: release and arch are then ''). */
  error?: string;
}

/** Which builds: a module (all its versions), a module/version, and/or one kernel release. */
export interface DkmsFilter {
  module?: string;
  version?: string;
  release?: string;
}

function dirs(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDir(join(path, e.name))))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Every file below `dir` whose name passes `keep`, sorted. */
function filesBelow(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && keep(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** `DKMS make.log for v4l2loopback-0.12.7 for kernel 6.1.0-57-amd64 (x86_64)`: the kernel and arch. */
export function makeLogKernel(text: string): { release: string; arch: string } | undefined {
  const m = /^DKMS make\.log for .+ for kernel (\S+) \(([^)]+)\)$/m.exec(text.slice(0, 4096));
  return m ? { release: m[1], arch: m[2] } : undefined;
}

/** The builds in a DKMS tree that pass the filter, in tree order (module, version, release, arch). */
export function findDkmsBuilds(tree: string, filter: DkmsFilter = {}): DkmsBuild[] {
  const out: DkmsBuild[] = [];
  const modules = filter.module ? [filter.module].filter((m) => isDir(join(tree, m))) : dirs(tree);
  for (const module of modules) {
    for (const version of dirs(join(tree, module))) {
      if (version === 'original_module' || version.startsWith('kernel-')) continue;
      if (filter.version !== undefined && version !== filter.version) continue;
      const vdir = join(tree, module, version);
      for (const release of dirs(vdir)) {
        if (release === 'source' || release === 'build') continue;
        if (filter.release !== undefined && release !== filter.release) continue;
        for (const arch of dirs(join(vdir, release))) {
          const mdir = join(vdir, release, arch, 'module');
          if (!isDir(mdir)) continue;
          const log = join(vdir, release, arch, 'log', 'make.log');
          out.push({
            module,
            version,
            release,
            arch,
            state: 'built',
            files: filesBelow(mdir, (n) => MODULE_FILE_NAME.test(n)),
            ...(existsSync(log) ? { log } : {}),
          });
        }
      }
      // a failed build: build/make.log names the kernel; the module objects sit beside Kbuild's .mod files
      const log = join(vdir, 'build', 'make.log');
      if (!existsSync(log)) continue;
      let k: { release: string; arch: string } | undefined;
      let why: string;
      try {
        k = makeLogKernel(readInput(log, 'latin1'));
        why = "its first line does not name the kernel ('DKMS make.log for <module>-<version> for kernel <release> (<arch>)')";
      } catch (e) {
        why = describeFsError(e);
      }
      if (!k) {
        // reported, unless only one kernel's builds are asked for: which kernel it was for is not known
        if (filter.release === undefined) out.push({ module, version, release: '', arch: '', state: 'failed', files: [], log, error: `${log}: ${why}` });
        continue;
      }
      if (filter.release !== undefined && k.release !== filter.release) continue;
      const mods = filesBelow(join(vdir, 'build'), (n) => n.endsWith('.mod'));
      const files = mods.map((m) => m.slice(0, -'.mod'.length) + '.o').filter((o) => existsSync(o));
      out.push({ module, version, release: k.release, arch: k.arch, state: 'failed', files, log });
    }
  }
  return out;
}

/**
 * The kernel build tree a module was built against for `release`: what `dkms build -k` uses,
 * /lib/modules/<release>/build, else Debian's /usr/src/linux-headers-<release>.
 */
export function kernelTreeFor(release: string, root = '/'): string | undefined {
  for (const p of [join(root, 'lib', 'modules', release, 'build'), join(root, 'usr', 'src', `linux-headers-${release}`)]) {
    if (isDir(p)) return p;
  }
  return undefined;
}
