/**
 * Compressed modules decoded on every core: a pool of worker threads, each running decodeOnce() (the
 * same decoders, limits and errors as decompress()) on one module at a time, while the main thread reads
 * the ELF facts of the modules already decoded. xz-embedded (WebAssembly) decodes at about the speed of
 * one core; a 4,230-module `.ko.xz` tree spent four fifths of its time there (docs/performance.md).
 *
 * The pool takes (name, compressed bytes) from any source — a file, a package's tar stream — and gives
 * back what decompress() gives. The bytes are transferred to the worker and the output back, never
 * copied; the caller's Lease holds the output from the run's byte budget before it is decoded: the size
 * the container records (xz index, gzip ISIZE, zstd frame sizes) is set aside first, waiting for it if
 * the budget is full, and the worker keeps at most that. A file whose record is missing or lies is only
 * counted by the worker (up to --max-module-size), then decoded again once the budget holds the counted
 * size — as decompress() does when its budget has no room. So a tree of bombs costs the budget plus one
 * 64 KiB buffer per worker, as on one thread.
 *
 * Only for trees: a worker costs ~30-50 ms to start and its own heap, so one module or a few are decoded
 * on the main thread (check.ts decides; this file is imported only then).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { Lease } from './budget.js';
import { discard } from './discard.js';
import { compressionOf, DEFAULT_MAX_MODULE_SIZE, recordedSize, type DecompressOptions, type Decompressed } from './decompress.js';
import type { DecodeAnswer, DecodeJob } from './decode-worker.js';

/**
 * The worker's file: beside this one in dist/ (tsc's output, which the bundled CLI imports at run time).
 * Under jest this file is the TypeScript source, and the worker is the built one (`npm test` builds first).
 */
function workerFile(): string {
  const here = fileURLToPath(new URL('./decode-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../dist/codec/decode-worker.js', import.meta.url));
}

interface Pending {
  job: DecodeJob;
  resolve: (a: DecodeAnswer) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs sent, in order (the worker answers them in that order). */
  sent: Pending[];
}

/**
 * Jobs a worker is given at once: the one it decodes and the next, so that it does not wait for the main
 * thread (busy reading a module's facts) between two.
 */
const AHEAD = 2;

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;
  /** Output buffers handed to callers and not yet released (release() frees only these). */
  private readonly handedOut = new WeakSet<ArrayBuffer>();

  /** `size`: worker threads, started as jobs come (default: one per core). */
  constructor(readonly size: number = availableParallelism()) {
    if (!(size >= 1)) throw new RangeError(`decode pool size must be at least 1, not ${size}`);
  }

  /**
   * Decompress a module's bytes (gzip, xz or zstd, told by the magic) on a worker: decompress()'s result
   * and errors, naming `name`. `input` is transferred (detached here) when it owns its whole ArrayBuffer,
   * copied otherwise. With a lease, the output is added to what it holds (waiting for the budget).
   */
  async decompress(input: Uint8Array, name: string, opts: DecompressOptions = {}): Promise<Decompressed> {
    const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (!compressionOf(buf)) throw new InputError(name, 'not a gzip, xz or zstd file');
    const limit = opts.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE;
    const lease = opts.lease ?? new Lease();
    const recorded = recordedSize(buf);
    // what the record promises is set aside first (a record past the limit: refused by the worker)
    const keep = recorded !== undefined && recorded <= limit ? recorded : 0;
    if (keep > 0 && !lease.tryGrow(keep)) await lease.waitFor(lease.bytes + keep);
    const owned = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input : new Uint8Array(input);
    let a = await this.run({ id: 0, input: owned, path: name, maxModuleSize: limit, keep });
    if (a.counted !== undefined) {
      // the output did not fit its record: hold the counted size, then decode again into that
      const again = a.input!;
      await lease.waitFor(again.byteLength + a.counted);
      a = await this.run({ id: 0, input: again, path: name, maxModuleSize: limit, keep: a.counted, cap: a.counted });
      if (a.counted !== undefined) throw new Error(`${a.compression}: the output changed between two decodings`);
    } else if (a.data && a.data.byteLength < keep) lease.shrink(keep - a.data.byteLength);
    const data = Buffer.from(a.data!.buffer, a.data!.byteOffset, a.data!.byteLength);
    this.handedOut.add(a.data!.buffer as ArrayBuffer);
    return { data, compression: a.compression!, ...(a.xzCheck ? { xzCheck: a.xzCheck } : {}) };
  }

  /**
   * The caller is done with an output this pool gave (its module's facts are read; they keep no view of
   * it): its memory is freed now (discard.ts), not when the garbage collector finds it. Anything else is
   * left alone.
   */
  release(data: Uint8Array): void {
    const b = data.buffer as ArrayBuffer;
    if (this.handedOut.delete(b)) discard(b);
  }

  /** Stop the workers (jobs still queued are rejected). */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('decode pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private run(job: DecodeJob): Promise<DecodeAnswer> {
    if (this.closed) return Promise.reject(new Error('decode pool closed'));
    job.id = ++this.nextId;
    return new Promise<DecodeAnswer>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    }).then((a) => {
      if (!a.error) return a;
      if (a.error.file !== undefined) throw new InputError(a.error.file, a.error.reason, a.error.where);
      throw new Error(a.error.reason);
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.sent.length === 0);
      if (!slot && this.slots.length < this.size) slot = this.start();
      slot ??= this.slots.find((s) => s.sent.length < AHEAD);
      if (!slot) return;
      const p = this.queue.shift()!;
      slot.sent.push(p);
      slot.worker.ref();
      slot.worker.postMessage(p.job, [p.job.input.buffer as ArrayBuffer]);
    }
  }

  private start(): Slot {
    const slot: Slot = { worker: new Worker(workerFile()), sent: [] };
    slot.worker.on('message', (a: DecodeAnswer) => {
      const p = slot.sent.shift();
      if (slot.sent.length === 0) slot.worker.unref(); // idle: a run that forgets close() still exits
      p?.resolve(a);
      this.dispatch();
    });
    const fail = (e: Error) => {
      // the worker is gone (crashed, out of memory): its jobs fail, a new worker takes the next
      const lost = slot.sent.splice(0);
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const p of lost) p.reject(new Error(`decoder thread failed: ${e.message}`));
      if (!this.closed) this.dispatch();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (this.slots.includes(slot)) fail(new Error(`exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }
}
