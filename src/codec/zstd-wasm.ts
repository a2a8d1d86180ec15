/**
 * zstd's own C decoder as WebAssembly (@bokuweb/zstd-wasm; it verifies the frame checksum), loaded and
 * initialised once for every reader that needs it: compressed modules (codec/decompress.ts) and
 * zstd-compressed debug sections (dwarf/sections.ts). Its init() is asynchronous, so a synchronous decoder
 * takes it from initialisedZstd() once loadZstd() has run.
 */
import { createRequire } from 'node:module';

export interface ZstdWasm {
  init(): Promise<void>;
  decompress(buf: Uint8Array, opts?: { defaultHeapSize: number }): Uint8Array;
}

let zstd: ZstdWasm | undefined;
let ready: Promise<void> | undefined;
let initialised = false;

/** The decoder, loaded and initialised (once per process). */
export async function loadZstd(): Promise<ZstdWasm> {
  zstd ??= createRequire(import.meta.url)('@bokuweb/zstd-wasm') as ZstdWasm;
  ready ??= zstd.init().then(() => {
    initialised = true;
  });
  await ready;
  return zstd;
}

/** The decoder if loadZstd() has finished, else undefined. */
export function initialisedZstd(): ZstdWasm | undefined {
  return initialised ? zstd : undefined;
}
