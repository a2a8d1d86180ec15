/**
 * A run's module files read into facts: directories expanded (paths.ts), every file read once, packages'
 * members among them, compressed files decoded on a pool of worker threads.
 */
import pLimit from 'p-limit';
import { InputError } from '../errors.js';
import { ByteBudget, DEFAULT_READ_BUDGET } from '../codec/budget.js';
import type { KernelBuild } from '../kernel/types.js';
import { PACKAGE_FILE_NAME, readPackageModules } from '../module/packages.js';
import { readModule, shareNames } from '../module/read.js';
import type { ModuleFacts } from '../module/types.js';
import type { Report } from '../report/schema.js';
import { expandModulePaths } from './paths.js';

/** What readModules() takes of a check's request (check.ts's CheckRequest says what each is). */
export interface ReadModulesOptions {
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  maxModuleSize?: number;
  readBudget?: number;
  decodeThreads?: number;
  /** Hash signed modules' signed bytes (default false: only a run with a trusted key verifies them). */
  signatureDigests?: boolean;
}

function* exportNames(kernel: KernelBuild): Iterable<string> {
  for (const e of kernel.exports.values()) yield e.name;
}

/** From how many modules on the kernel's export names are worth sharing with the modules' imports. */
export const SHARE_NAMES_FROM = 64;

/**
 * From how many compressed module files (by name) they are decoded on worker threads (decode-pool.ts):
 * a worker costs ~30-50 ms to start, so a module or a few are decoded on the main thread.
 */
const POOL_FROM = 16;

/**
 * Expand directories and read every module file once (bounded concurrency), facts with deferred
 * references. An unreadable file becomes an entry in `errors`; the rest are still read.
 */
export async function readModules(
  paths: string[],
  kernel: KernelBuild | undefined,
  opts: ReadModulesOptions = {},
): Promise<{ modules: ModuleFacts[]; errors: Report['errors'] }> {
  const errors: Report['errors'] = [];
  const files = await expandModulePaths(paths, errors);
  // Seeding the name table with the kernel's 25,000 export names pays for a tree (a package is one), not for one module.
  const packages = files.some((p) => PACKAGE_FILE_NAME.test(p));
  if (kernel && (files.length >= SHARE_NAMES_FROM || packages)) shareNames(exportNames(kernel));
  // Facts are read on this thread (worker threads measured slower for that: docs/performance.md,
  // "Concurrency"); compressed files of a tree are decoded on a pool of worker threads meanwhile.
  const limit = pLimit(opts.concurrency ?? 16);
  // signed modules are hashed only when there is a key to verify them with (default: no)
  const signatureDigests = opts.signatureDigests ?? false;
  const budget = new ByteBudget(opts.readBudget ?? DEFAULT_READ_BUDGET);
  const compressed = files.reduce((n, p) => n + (/\.(gz|xz|zst)$/.test(p) ? 1 : 0), 0);
  const pool = (compressed >= POOL_FROM || packages) && opts.decodeThreads !== 0 ? new (await import('../codec/decode-pool.js')).DecodePool(opts.decodeThreads) : undefined;
  let done = 0;
  let total = files.length;
  const progress = opts.onProgress;
  progress?.(0, total);
  const readPackage = async (p: string): Promise<ModuleFacts[]> => {
    const onModule = () => progress?.(++done, ++total);
    const got = await readPackageModules(p, { maxModuleSize: opts.maxModuleSize, budget, concurrency: opts.concurrency, onModule, pool, signatureDigests });
    errors.push(...got.errors);
    progress?.(++done, total);
    return got.modules;
  };
  // References (relocations → function+offset) are worked out only for the modules whose findings
  // show them: the relocations are still checked now, so a broken file is an error all the same.
  const read = await Promise.all(
    files.map((p) =>
      // a package: the tree of its module members (src/module/packages.ts)
      PACKAGE_FILE_NAME.test(p) ? readPackage(p) : limit(async () => {
        try {
          return await readModule(p, { references: 'lazy', maxModuleSize: opts.maxModuleSize, budget, pool, signatureDigests });
        } catch (e) {
          if (e instanceof InputError) errors.push({ path: p, message: e.message });
          else errors.push({ path: p, message: `${p}: ${(e as Error).message}` });
          return undefined;
        } finally {
          progress?.(++done, total);
        }
      }),
    ),
  ).finally(() => pool?.close());
  errors.sort(byPath);
  const modules = read.flat().filter((m): m is ModuleFacts => m !== undefined);
  // the CMS of signed modules, decoded now: its decoder is loaded only for a run with a signed module
  if (modules.some((m) => m.signature?.cms)) (await import('../signing/cms.js')).parseSignatures(modules);
  return { modules, errors };
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
