/**
 * Packages given where modules go (`linux-image-*.deb`, a vendor's `*-modules-*.deb`, `kmod-*.rpm`):
 * checked as the tree of their `.ko[.gz|.xz|.zst]` members, each reported as
 * `package.deb:/lib/modules/…/foo.ko` (the member's path as the package has it).
 *
 * The package is streamed once (src/package/stream.ts) and only each module's facts are kept, not its
 * bytes. The few modules whose findings show references (and frames) are read again afterwards:
 * fetchMembers() streams each package once more for just those members and keeps their bytes (as the
 * package holds them: a `.ko.xz` stays compressed) within KEEP_BUDGET, from where reopen() reads them.
 */
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { streamPackageFiles } from '../package/stream.js';
import type { ByteBudget } from '../codec/budget.js';
import { DEFAULT_MAX_MODULE_SIZE, formatSize, MODULE_FILE_NAME } from '../codec/decompress.js';
import { readModuleBytes, registerModuleBytes, type ReadOptions } from './read.js';
import type { ModuleFacts } from './types.js';
import { importColumns } from './columns.js';
import { nameOf } from './names.js';

/** A module input that is a package, by its name (its magic is checked when it is read). */
export const PACKAGE_FILE_NAME = /\.(deb|udeb|ddeb|rpm)$/;

/** What the members' bytes kept for reading them again may take (raw, as in the package). */
export const KEEP_BUDGET = 96 * 1024 * 1024;

/** A package's module members, and the bytes of those fetched again. */
class PackageModules {
  readonly kept = new Map<string, Buffer>();
  keptBytes = 0;
  /** Members that fetchMembers() could not keep (past KEEP_BUDGET). */
  readonly notKept = new Set<string>();

  constructor(readonly file: string) {}

  bytes(member: string): Buffer {
    const b = this.kept.get(member);
    if (b) return b;
    throw new InputError(`${this.file}:${member}`, this.notKept.has(member) ? `not kept: more than ${formatSize(KEEP_BUDGET)} of the package's modules were to be read again` : 'not read again from the package (fetchMembers)');
  }
}

/** Module path (`pkg.deb:/lib/…/x.ko`) → its package and member. */
const members = new Map<string, { pkg: PackageModules; member: string }>();

/** A member's module path: the package as given, then the member's path in it. */
export function memberModulePath(file: string, member: string): string {
  return `${file}:${member}`;
}

export interface PackageReadOptions {
  maxModuleSize?: number;
  budget?: ByteBudget;
  /** Modules whose facts are worked out at once (their decompression overlaps). Default 16. */
  concurrency?: number;
  /** Called for each module member read (or found unreadable). */
  onModule?: () => void;
  /** Where compressed members are decoded (a DecodePool), as for files: ReadOptions.pool. */
  pool?: ReadOptions['pool'];
  /** Hash signed members' signed bytes: ReadOptions.signatureDigests. */
  signatureDigests?: boolean;
}

/**
 * The modules of a package: each `.ko[.gz|.xz|.zst]` member's facts (references deferred), in the order
 * a walk of the unpacked tree gives them (directory by directory, names sorted), and an error for each
 * member that cannot be read; an unreadable package is one error naming it (and the data member), the
 * modules read before the break kept.
 */
export async function readPackageModules(file: string, opts: PackageReadOptions = {}): Promise<{ modules: ModuleFacts[]; errors: Array<{ path: string; message: string }> }> {
  const pkg = new PackageModules(file);
  const modules: Array<{ member: string; facts: ModuleFacts }> = [];
  const errors: Array<{ path: string; message: string }> = [];
  const pending = new Set<Promise<void>>();
  const limit = Math.max(1, opts.concurrency ?? 16);
  const failed = (path: string, e: unknown) => {
    if (!(e instanceof InputError)) throw e;
    errors.push({ path, message: e.message });
  };
  try {
    await streamPackageFiles(
      file,
      (path) => MODULE_FILE_NAME.test(basename(path)),
      async (f) => {
        const path = memberModulePath(file, f.path);
        if (f.error) {
          errors.push({ path, message: f.error.message });
          opts.onModule?.();
          return;
        }
        // (the closures hold the member's name, not `f`: its bytes are dropped once its facts are read)
        const member = f.path;
        members.set(path, { pkg, member });
        registerModuleBytes(path, () => pkg.bytes(member));
        const job = readModuleBytes(path, f.data, { references: 'lazy', maxModuleSize: opts.maxModuleSize, budget: opts.budget, pool: opts.pool, signatureDigests: opts.signatureDigests })
          .then((facts) => void modules.push({ member, facts }), (e) => failed(path, e))
          .finally(() => {
            pending.delete(job);
            opts.onModule?.();
          });
        pending.add(job);
        if (pending.size >= limit) await Promise.race(pending);
      },
      { maxFileSize: opts.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE },
    );
  } catch (e) {
    // (named as the error names it: the package, or the package and its data member)
    failed(e instanceof InputError ? e.file : file, e);
  } finally {
    await Promise.all(pending);
  }
  modules.sort((a, b) => walkOrder(a.member, b.member));
  return { modules: modules.map((m) => m.facts), errors };
}

/** The order of expandModulePaths()'s walk: component by component, names compared as strings. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    // a directory's entries are sorted by name, files and subdirectories alike
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * Get the bytes of these modules (by module path) at hand again, for their references and frames: each
 * package concerned is streamed once more for its members among them, kept within KEEP_BUDGET. Paths
 * that are no package member are left alone. Returns a note when some could not be kept (their
 * references come out empty).
 */
export async function fetchMembers(paths: Iterable<string>): Promise<string | undefined> {
  const byPackage = new Map<PackageModules, Set<string>>();
  for (const p of paths) {
    const m = members.get(p);
    if (!m || m.pkg.kept.has(m.member)) continue;
    let set = byPackage.get(m.pkg);
    if (!set) byPackage.set(m.pkg, (set = new Set()));
    set.add(m.member);
  }
  const dropped: string[] = [];
  for (const [pkg, wanted] of byPackage) {
    let found = 0;
    try {
      await streamPackageFiles(
        pkg.file,
        (path) => wanted.has(path),
        async (f) => {
          if (!f.data) return;
          if (pkg.keptBytes + f.data.length > KEEP_BUDGET) {
            pkg.notKept.add(f.path);
            dropped.push(memberModulePath(pkg.file, f.path));
            return ++found === wanted.size ? 'stop' : undefined;
          }
          pkg.kept.set(f.path, f.data);
          pkg.keptBytes += f.data.length;
          if (++found === wanted.size) return 'stop';
        },
        { maxFileSize: DEFAULT_MAX_MODULE_SIZE },
      );
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      // read once already: a package changed since is said by the empty references
      for (const w of wanted) if (!pkg.kept.has(w)) dropped.push(memberModulePath(pkg.file, w));
    }
  }
  if (dropped.length === 0) return undefined;
  const shown = dropped.slice(0, 3).join(', ') + (dropped.length > 3 ? ` and ${dropped.length - 3} more` : '');
  return `package members not read again for their references (more than ${formatSize(KEEP_BUDGET)} to keep, or the package changed): ${shown}; their findings show no references`;
}

/**
 * The package members of a run whose references a report will read: those with a finding on a symbol the
 * module imports (a finding on `module_layout`, only in `__versions`, reads nothing).
 */
export function showingReferences(modules: ModuleFacts[], reports: Array<{ path: string; findings: Array<{ symbol?: string }> }>): string[] {
  const out: string[] = [];
  const byPath = new Map(modules.map((m) => [m.path, m]));
  for (const r of reports) {
    const m = members.has(r.path) ? byPath.get(r.path) : undefined;
    if (!m || !r.findings.some((f) => f.symbol !== undefined)) continue;
    const cols = importColumns(m);
    const imported = new Set(Array.from(cols.ids, (id) => nameOf(id)));
    if (r.findings.some((f) => f.symbol !== undefined && imported.has(f.symbol))) out.push(r.path);
  }
  return out;
}
