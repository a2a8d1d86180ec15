/**
 * The `vmlinux` of a kernel's debug package (Debian's `linux-image-<release>-dbg`, Ubuntu's `-dbgsym`
 * .ddeb) as a kernel input, streamed: the package is 860 MB of xz over 5.6 GB of files, its vmlinux 600+ MB
 * with the section header table at its end. The vmlinux member is written, as it streams by, to a
 * temporary file (the vmlinux reader then reads only the sections it needs, at their positions), and the
 * rest of the package is not read. Memory stays that of the stream; the disk holds the vmlinux while
 * the index is built.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { formatSize } from '../codec/decompress.js';
import { streamPackageFiles } from './stream.js';

/**
 * The largest vmlinux spilled (2 GiB: Debian's is ~600 MB, the largest distribution debug vmlinux seen
 * under 1 GB); a member the package says is larger is refused before a byte is written. The environment
 * variable `KSYMCHECK_MAX_SPILL` (bytes) sets it for a run; `spillDebugVmlinux(pkg, { maxSize })` per call.
 */
export const DEFAULT_MAX_SPILL = 2 * 1024 ** 3;

function maxSpillFromEnv(): number {
  const v = process.env.KSYMCHECK_MAX_SPILL;
  if (v === undefined || v === '') return DEFAULT_MAX_SPILL;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InputError('KSYMCHECK_MAX_SPILL', `${JSON.stringify(v)} is not a size in bytes`);
  return n;
}

/** A debug package, by its name: `*-dbg_*.deb`, `*-dbgsym_*.deb`, `*.ddeb`. */
export const DEBUG_PACKAGE_NAME = /(?:-dbg(?:sym)?_[^/]*\.deb|\.ddeb)$/;

/** Where debug packages put the kernel image's debug vmlinux. */
const VMLINUX_MEMBER = /^\/usr\/lib\/debug\/(?:boot\/vmlinux-[^/]+|lib\/modules\/[^/]+\/vmlinux)$/;

export interface SpilledVmlinux {
  /** Its name in reports: `pkg.deb:/usr/lib/debug/boot/vmlinux-<release>`. */
  name: string;
  /** The temporary file holding it. */
  file: string;
  /** Remove the temporary file. */
  dispose(): void;
}

/**
 * The temporary directories alive in this process, removed on every way out: dispose() (the normal end and
 * every error), the process's exit (process.exit() anywhere, an uncaught exception), and SIGINT, SIGTERM
 * and SIGHUP (Ctrl-C, a CI job's timeout, a closed terminal) — whose default action would end the process
 * without either. The signal handlers are there only while a directory is: after removing it they take
 * themselves away and raise the signal again, so the process ends by it as it would have (or, when the
 * program has handlers of its own, those decide).
 */
const live = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeLive(): void {
  for (const d of live) rmSync(d, { recursive: true, force: true });
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  removeLive();
  unhook();
  process.kill(process.pid, sig);
}

function hook(dir: string): void {
  if (live.size === 0) {
    process.on('exit', removeLive);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  live.add(dir);
}

function unhook(): void {
  process.off('exit', removeLive);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/** Temporary directories of spilled vmlinux files not yet removed (for tests). */
export function liveSpills(): string[] {
  return [...live];
}

export async function spillDebugVmlinux(pkg: string, opts: { maxSize?: number } = {}): Promise<SpilledVmlinux> {
  const maxSize = opts.maxSize ?? maxSpillFromEnv();
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-vmlinux-'));
  hook(dir);
  const file = join(dir, 'vmlinux');
  const dispose = () => {
    rmSync(dir, { recursive: true, force: true });
    if (live.delete(dir) && live.size === 0) unhook();
  };
  let member: string | undefined;
  try {
    await streamPackageFiles(
      pkg,
      (p) => VMLINUX_MEMBER.test(p),
      async (f) => {
        member = f.path;
        return 'stop';
      },
      {
        maxFileSize: 0,
        spill: () => file,
        maxSpillSize: maxSize,
        tooLargeToSpill: (path, size) => new InputError(`${pkg}:${path}`, `${formatSize(size)}, more than the largest vmlinux spilled to a temporary file (${formatSize(maxSize)}; KSYMCHECK_MAX_SPILL)`),
      },
    );
  } catch (e) {
    dispose();
    throw e;
  }
  if (member === undefined) {
    dispose();
    throw new InputError(pkg, 'no vmlinux in this debug package (looked for usr/lib/debug/boot/vmlinux-* and usr/lib/debug/lib/modules/*/vmlinux)');
  }
  return { name: `${pkg}:${member}`, file, dispose };
}
