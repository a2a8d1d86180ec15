/**
 * A run's module files read into facts: directories expanded (paths.ts), every file read once, packages'
 * members among them, compressed files decoded on a pool of worker threads, plain files of a tree on
 * reader threads too when asked (`--read-threads`).
 */
import pLimit from 'p-limit';
import { InputError } from '../errors.js';
import { ByteBudget, DEFAULT_READ_BUDGET } from '../codec/budget.js';
import type { KernelBuild } from '../kernel/types.js';
import { PACKAGE_FILE_NAME, readPackageModules } from '../module/packages.js';
import { readModule, shareNames } from '../module/read.js';
import { ReaderPool } from '../module/read-pool.js';
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
  /** Reader threads beside this one for a tree's plain files (default 0). */
  readThreads?: number;
  /** Hash signed modules' signed bytes (default false: only a run with a trusted key verifies them). */
  signatureDigests?: boolean;
}

/** From how many modules on the kernel's export names are worth sharing with the modules' imports. */
const SHARE_NAMES_FROM = 64;

/**
 * From how many compressed module files (by name) they are decoded on worker threads (decode-pool.ts):
 * a worker costs ~30-50 ms to start, so a module or a few are decoded on the main thread.
 */
const POOL_FROM = 16;
/** Plain module files a reader thread (read-pool.ts) or this thread takes from the queue at once. */
const READ_BATCH = 32;
const COMPRESSED_FILE_NAME = /\.(gz|xz|zst)$/;

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
  if (kernel && (files.length >= SHARE_NAMES_FROM || packages)) shareNames(kernel.exports.names());
  // Compressed files of a tree are decoded on a pool of worker threads while their facts are read here.
  const limit = pLimit(opts.concurrency ?? 16);
  // signed modules are hashed only when there is a key to verify them with (default: no)
  const signatureDigests = opts.signatureDigests ?? false;
  const budget = new ByteBudget(opts.readBudget ?? DEFAULT_READ_BUDGET);
  const compressed = files.reduce((n, p) => n + (COMPRESSED_FILE_NAME.test(p) ? 1 : 0), 0);
  const pool = (compressed >= POOL_FROM || packages) && opts.decodeThreads !== 0 ? new (await import('../codec/decode-pool.js')).DecodePool(opts.decodeThreads) : undefined;
  // With reader threads (when asked: on the 2-core machine measured they did not pay, docs/performance.md),
  // a tree's plain files are read in batches by this thread and by them (their facts posted back as
  // columns); package members and compressed files are read as below.
  const plain = files.flatMap((p, i) => (PACKAGE_FILE_NAME.test(p) || COMPRESSED_FILE_NAME.test(p) ? [] : [i]));
  const threads = opts.readThreads ?? 0;
  const readers = threads > 0 && plain.length > READ_BATCH ? new ReaderPool(threads, { maxModuleSize: opts.maxModuleSize, signatureDigests }) : undefined;
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
  const readFile = async (p: string): Promise<ModuleFacts | undefined> => {
    try {
      return await readModule(p, { references: 'lazy', maxModuleSize: opts.maxModuleSize, budget, pool, signatureDigests });
    } catch (e) {
      if (e instanceof InputError) errors.push({ path: p, message: e.message });
      else errors.push({ path: p, message: `${p}: ${(e as Error).message}` });
      return undefined;
    } finally {
      progress?.(++done, total);
    }
  };
  const read: Array<ModuleFacts | ModuleFacts[] | undefined> = new Array(files.length);
  const batched = readers ? new Set(plain) : undefined;
  const others = files.map((p, i) =>
    batched?.has(i)
      ? undefined
      : // a package: the tree of its module members (src/module/packages.ts)
        (PACKAGE_FILE_NAME.test(p) ? readPackage(p) : limit(() => readFile(p))).then((m) => void (read[i] = m)),
  );
  const inBatches = readers ? readBatches(plain, files, readers, readFile, read, errors, () => progress?.(++done, total)) : undefined;
  await Promise.all([...others, inBatches]).finally(() => Promise.all([pool?.close(), readers?.close()]));
  errors.sort(byPath);
  const modules = read.flat().filter((m): m is ModuleFacts => m !== undefined);
  // the CMS of signed modules, decoded now: its decoder is loaded only for a run with a signed module
  if (modules.some((m) => m.signature?.cms)) (await import('../signing/cms.js')).parseSignatures(modules);
  return { modules, errors };
}

/**
 * A tree's plain files read in batches from one queue: each reader thread keeps two batches in hand, this
 * thread reads the next batch itself between their answers. A file a reader finds compressed, and every
 * file of a batch a reader thread failed on, is read here afterwards.
 */
async function readBatches(
  indices: number[],
  files: string[],
  readers: ReaderPool,
  readFile: (p: string) => Promise<ModuleFacts | undefined>,
  read: Array<ModuleFacts | ModuleFacts[] | undefined>,
  errors: Report['errors'],
  progressed: () => void,
): Promise<void> {
  let next = 0;
  const take = (): number[] | undefined => (next < indices.length ? indices.slice(next, (next += READ_BATCH)) : undefined);
  const leftover: number[] = [];
  const onThread = async (t: number): Promise<void> => {
    const inHand: Array<Promise<void>> = [];
    const send = () => {
      const batch = take();
      if (!batch) return;
      inHand.push(
        readers.read(t, batch.map((i) => files[i])).then(
          (outcomes) =>
            outcomes.forEach((o, k) => {
              const i = batch[k];
              if ('compressed' in o) return void leftover.push(i);
              if ('facts' in o) read[i] = o.facts;
              else errors.push({ path: files[i], message: o.error });
              progressed();
            }),
          () => void leftover.push(...batch),
        ),
      );
    };
    send();
    send();
    while (inHand.length > 0) {
      await inHand.shift();
      send();
    }
  };
  const here = async (): Promise<void> => {
    for (let batch = take(); batch; batch = take()) {
      for (const i of batch) read[i] = await readFile(files[i]);
      // let the reader threads' answers in (this thread's reads are synchronous under their promises)
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all([here(), ...Array.from({ length: readers.size }, (_, t) => onThread(t))]);
  leftover.sort((a, b) => a - b);
  for (const i of leftover) read[i] = await readFile(files[i]);
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
