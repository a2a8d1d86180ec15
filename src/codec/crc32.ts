/** CRC-32, reflected polynomial 0xEDB88320: the xz container's, gzip's, zlib's. */
import { zlib } from '../builtins.js';

let table: Uint32Array | undefined;
/** CRC-32 (the xz container's, gzip's) of `b`, continuing from `value` (a CRC of what came before). */
export function crc32(b: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < b.length; i++) c = table[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type NativeCrc32 = (data: string | Uint8Array, value?: number) => number;
let native: NativeCrc32 | null | undefined;

/**
 * The same CRC-32 of whole files (a string as its UTF-8 bytes), from Node's zlib.crc32 (native; Node
 * 20.15 and later) where there is one, else crc32(). What the command line's caches check their files
 * with, as Node's own compile cache does (src/compile_cache.cc hashes with zlib's crc32): damage, not an
 * adversary, is what they guard against, and node:crypto costs a one-module run ~6 ms to load where zlib
 * costs ~1 ms, and crc32()'s loop ~9 ms for a 0.5 MB file while V8 is still warming up.
 */
export function crc32Of(data: string | Uint8Array, value = 0): number {
  if (native === undefined) native = (zlib() as { crc32?: NativeCrc32 }).crc32 ?? null;
  if (native) return native(data, value) >>> 0;
  return crc32(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, value);
}
