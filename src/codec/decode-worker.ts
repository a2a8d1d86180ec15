/**
 * A decode pool's worker thread (see decode-pool.ts): decodes one compressed module at a time with
 * decodeOnce() and posts back its output, transferred (not copied), or its counted length with the input
 * handed back, or the error in the words decompress() would have used.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { decodeOnce } from './decompress.js';
import { discard } from './discard.js';

/** A job as the pool posts it. */
export interface DecodeJob {
  id: number;
  input: Uint8Array;
  path: string;
  maxModuleSize?: number;
  keep: number;
  cap?: number;
}

/** The answer: `data` (decoded), `counted` (did not fit `keep`; `input` handed back) or `error`. */
export interface DecodeAnswer {
  id: number;
  compression?: 'gzip' | 'xz' | 'zstd';
  xzCheck?: 'none' | 'crc32' | 'crc64' | 'sha256' | 'reserved';
  data?: Uint8Array;
  counted?: number;
  input?: Uint8Array;
  /** An InputError's parts (`file` set), or the message of any other error. */
  error?: { reason: string; file?: string; where?: { offset?: number; line?: number } };
}

if (!parentPort) throw new Error('decode-worker.js is run by a decode pool (worker_threads), not on its own');
const port: MessagePort = parentPort;

/** Decode one job and post the answer (never throws). */
function answer(job: DecodeJob): Promise<void> {
  const input = Buffer.from(job.input.buffer, job.input.byteOffset, job.input.byteLength);
  return decodeOnce(input, job.path, job).then(
    (r) => {
      const a: DecodeAnswer = { id: job.id, compression: r.compression, xzCheck: r.xzCheck };
      if (r.data) {
        a.data = r.data;
        port.postMessage(a, r.data.byteOffset === 0 && r.data.byteLength === r.data.buffer.byteLength ? [r.data.buffer as ArrayBuffer] : []);
        discard(job.input.buffer as ArrayBuffer); // the input, transferred here whole: freed now
      } else {
        a.counted = r.total;
        a.input = job.input;
        port.postMessage(a, [job.input.buffer as ArrayBuffer]);
      }
    },
    (e: unknown) => {
      const error = e instanceof InputError ? { reason: e.reason, file: e.file, where: e.where } : { reason: (e as Error)?.message ?? String(e) };
      port.postMessage({ id: job.id, error } satisfies DecodeAnswer);
      discard(job.input.buffer as ArrayBuffer);
    },
  );
}

// Jobs one after another, in the order they came (the pool sends the next before this one is done, so
// the worker need not wait for the main thread between two modules).
let last: Promise<void> = Promise.resolve();
port.on('message', (job: DecodeJob) => {
  last = last.then(() => answer(job));
});
