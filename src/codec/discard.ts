/**
 * Free an ArrayBuffer's memory now, not when the garbage collector gets to it. Node 20 has no
 * `ArrayBuffer.prototype.transfer()`; a buffer transferred through a MessagePort whose other end is
 * closed is detached and its memory freed at once (the message is dropped). The decode pool's inputs and
 * outputs pass through at ~600 MB a tree; left to the collectors of the thread that last held them, each
 * let up to ~64 MB wait (V8 collects for external memory at about that), and glibc kept the pages in the
 * decode threads' arenas to the end of the run (docs/performance.md, "The .ko.xz tree").
 *
 * Only for a buffer nothing else views: every view of it reads as empty afterwards.
 */
import type { MessagePort } from 'node:worker_threads';
import { workerThreads } from '../builtins.js';

let sink: MessagePort | undefined;

export function discard(buffer: ArrayBuffer): void {
  if (!sink) {
    const { port1, port2 } = new (workerThreads().MessageChannel)();
    port2.close(); // port1 is closed with it: what is posted on it is dropped
    port1.unref();
    sink = port1;
  }
  sink.postMessage(null, [buffer]);
}
