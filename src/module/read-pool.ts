/**
 * Plain module files read on worker threads (issue #25): each worker runs the tree reader on batches of
 * paths and posts the facts back as records (record.ts) — the columns' buffers transferred, the rest
 * cloned — which this thread makes facts of again, its name ids mapped to this thread's table. The main
 * thread reads batches too (run/modules.ts feeds both from one queue), so a tree's read uses every core.
 *
 * Only for trees, and only when asked (`--read-threads`): a worker costs ~110-150 ms to start (its copy of the
 * readers, loaded from dist/) and its own heap, and on the 2-core machine measured the two threads together
 * read no faster than one (docs/performance.md, "Reader threads").
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../builtins.js';
import { namesSnapshot } from './names.js';
import { reopen } from './read.js';
import { fromRecord, NameMap } from './record.js';
import type { ModuleFacts } from './types.js';
import type { ReadAnswer, ReadBatch, ReaderSetup } from './read-worker.js';

/** The worker's file: beside this one in dist/ (under jest this is the source; the worker is the built one). */
function workerFile(): string {
  const here = fileURLToPath(new URL('./read-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../dist/module/read-worker.js', import.meta.url));
}

/**
 * A reader's young generation, small: the facts it makes are posted away at once, and a larger one was
 * slower on the machine measured (2 MB: 2.22 s against 2.33 s with V8's default, medians of 5 rounds of
 * the 6.1 tree with one reader; docs/performance.md).
 */
const YOUNG_GENERATION_MB = 2;

/** One file's outcome on this thread: facts, the error readModules() reports, or `compressed` (read it here). */
export type PoolOutcome = { facts: ModuleFacts } | { error: string } | { compressed: true };

interface Reader {
  worker: Worker;
  names: NameMap;
  waiting: Map<number, { resolve: (o: PoolOutcome[]) => void; reject: (e: Error) => void }>;
  failed?: Error;
}

export class ReaderPool {
  private readonly readers: Reader[] = [];
  private nextId = 0;
  private closed = false;

  constructor(size: number, opts: { maxModuleSize?: number; signatureDigests: boolean }) {
    const names = namesSnapshot();
    const setup: ReaderSetup = { names, maxModuleSize: opts.maxModuleSize, signatureDigests: opts.signatureDigests };
    for (let i = 0; i < size; i++) {
      const r: Reader = { worker: new (workerThreads().Worker)(workerFile(), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }), names: new NameMap(names.length), waiting: new Map() };
      r.worker.on('message', (a: ReadAnswer) => {
        const w = r.waiting.get(a.id);
        r.waiting.delete(a.id);
        if (!w) return;
        try {
          // the names first: the records' ids may be any of them
          r.names.learn(a.names);
          w.resolve(a.outcomes.map((o) => ('record' in o ? { facts: fromRecord(o.record, r.names, reopenLater(o.record.parts.path)) } : o)));
        } catch (e) {
          w.reject(e as Error);
        }
      });
      const fail = (e: Error) => {
        r.failed ??= new Error(`reader thread failed: ${e.message}`);
        for (const w of r.waiting.values()) w.reject(r.failed);
        r.waiting.clear();
      };
      r.worker.on('error', fail);
      r.worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
      this.readers.push(r);
    }
  }

  get size(): number {
    return this.readers.length;
  }

  /** Read a batch of plain files on worker `i`: an outcome per path, in order. */
  read(i: number, paths: string[]): Promise<PoolOutcome[]> {
    const r = this.readers[i];
    if (this.closed) return Promise.reject(new Error('reader pool closed'));
    if (r.failed) return Promise.reject(r.failed);
    const id = ++this.nextId;
    return new Promise<PoolOutcome[]>((resolve, reject) => {
      r.waiting.set(id, { resolve, reject });
      r.worker.postMessage({ id, paths } satisfies ReadBatch);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.readers.map((r) => r.worker.terminate()));
  }
}

/**
 * The facts' way back to their file (deferred references): a function of its own so that the closure keeps
 * only the path, not the answer it came in.
 */
function reopenLater(path: string) {
  return () => reopen(path);
}
