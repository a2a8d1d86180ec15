/**
 * Node's built-in modules that a check of plain `.ko` files does not use, loaded on first use: gzip
 * (`node:zlib`; the command line's caches load it for its CRC-32, src/codec/crc32.ts), streamed packages
 * (`node:fs/promises`), reader threads and freed transfers (`node:worker_threads`), module signatures and
 * xz's SHA-256 checks (`node:crypto`).
 * Node compiles a built-in the first time it is required, and the command line's bundle required them at
 * start-up: the first three 12 M of a one-module check's ~0.93 G instructions (docs/performance.md,
 * "Start-up, one module: built-ins on first use, and an ASCII program"), node:crypto ~6 ms of its wall
 * time ("A start without node:crypto, assert, or a search from the working directory").
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const zlib = (): typeof import('node:zlib') => require('node:zlib');
export const fsPromises = (): typeof import('node:fs/promises') => require('node:fs/promises');
export const workerThreads = (): typeof import('node:worker_threads') => require('node:worker_threads');
export const crypto = (): typeof import('node:crypto') => require('node:crypto');
