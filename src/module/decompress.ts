/**
 * Compressed modules (`.ko.gz`, `.ko.xz`, `.ko.zst`, as kmod/depmod install them), decompressed in memory.
 *
 * The format is told by the magic bytes, as kmod does (libkmod-file.c), not by the file name. Decoders
 * (chosen by measurement, see docs/performance.md):
 *  - gzip: node's zlib (verifies the CRC32 and length trailer);
 *  - xz:   @napi-rs/lzma (native liblzma-class decoder from npm prebuilt binaries; async on the libuv pool,
 *          or sync);
 *  - zstd: @bokuweb/zstd-wasm (zstd's own C decoder as WebAssembly; verifies the frame checksum).
 * Every decoder throws on corrupt or truncated input; on top of that the output length is checked against
 * what the container records (xz index, zstd frame content size, gzip ISIZE), so a decoder that stops
 * early can never hand a short module to the ELF reader unnoticed.
 *
 * The xz integrity check type (stream header flags) is recorded: the kernel's in-kernel XZ decoder
 * (CONFIG_MODULE_DECOMPRESS, 5.17+) accepts only CRC32 and none (rule xz-check).
 */
import { gunzip, gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { InputError } from '../errors.js';

export type Compression = 'gzip' | 'xz' | 'zstd';
/** The xz Check ID of the stream header: 0 none, 1 CRC32, 4 CRC64, 10 SHA-256; any other ID is reserved. */
export type XzCheck = 'none' | 'crc32' | 'crc64' | 'sha256' | 'reserved';

export interface Decompressed {
  data: Buffer;
  compression: Compression;
  xzCheck?: XzCheck;
}

/** Largest module accepted (a decompression bomb stops here, not at the end of memory). */
export const MAX_MODULE_BYTES = 1 << 30;

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** File names depmod treats as modules (kmod's `is_module_filename`). */
export const MODULE_FILE_NAME = /\.ko(\.(gz|xz|zst))?$/;

function startsWith(b: Uint8Array, magic: number[]): boolean {
  if (b.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (b[i] !== magic[i]) return false;
  return true;
}

/** The compression of a file from its first bytes (at least 6), or undefined for anything else (an ELF file). */
export function compressionOf(head: Uint8Array): Compression | undefined {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (startsWith(head, XZ_MAGIC)) return 'xz';
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  return undefined;
}

/** The integrity check named by an xz stream header (byte 7, low nibble of the stream flags). */
export function xzCheckOf(buf: Uint8Array): XzCheck | undefined {
  if (buf.length < 12 || !startsWith(buf, XZ_MAGIC)) return undefined;
  switch (buf[7] & 0x0f) {
    case 0:
      return 'none';
    case 1:
      return 'crc32';
    case 4:
      return 'crc64';
    case 10:
      return 'sha256';
    default:
      return 'reserved';
  }
}

// ---------------------------------------------------------------------------------------------
// What the containers record: the length the output must have.

/** xz variable-length integer at `p`; [value, next position] or undefined. */
function vli(b: Uint8Array, p: number, end: number): [number, number] | undefined {
  let v = 0;
  for (let i = 0; i < 9 && p < end; i++) {
    const byte = b[p++];
    v += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [v, p];
  }
  return undefined;
}

/**
 * The total uncompressed size recorded in the indexes of an xz file (every stream, stream padding
 * skipped, walking back from the end), or undefined when the structure cannot be followed.
 */
export function xzRecordedSize(b: Uint8Array): number | undefined {
  let end = b.length;
  let total = 0;
  while (end > 0) {
    while (end >= 4 && b[end - 1] === 0 && b[end - 2] === 0 && b[end - 3] === 0 && b[end - 4] === 0) end -= 4; // stream padding
    if (end === 0) break;
    if (end < 24 || b[end - 2] !== 0x59 || b[end - 1] !== 0x5a) return undefined; // footer magic "YZ"
    const backward = (b[end - 8] | (b[end - 7] << 8) | (b[end - 6] << 16) | (b[end - 5] << 24)) >>> 0;
    const indexSize = (backward + 1) * 4;
    const indexStart = end - 12 - indexSize;
    if (indexStart < 12 || b[indexStart] !== 0) return undefined;
    let p = indexStart + 1;
    const indexEnd = end - 12 - 4; // before the index CRC32
    const count = vli(b, p, indexEnd);
    if (!count) return undefined;
    p = count[1];
    let unpadded = 0;
    for (let i = 0; i < count[0]; i++) {
      const u = vli(b, p, indexEnd);
      if (!u) return undefined;
      const c = vli(b, u[1], indexEnd);
      if (!c) return undefined;
      unpadded += Math.ceil(u[0] / 4) * 4;
      total += c[0];
      p = c[1];
    }
    // the stream: header (12) + blocks + index + footer (12)
    const streamStart = indexStart - unpadded - 12;
    if (streamStart < 0 || !startsWith(b.subarray(streamStart), XZ_MAGIC)) return undefined;
    end = streamStart;
  }
  return total;
}

interface ZstdFrame {
  start: number;
  end: number;
  /** Frame_Content_Size, when the header records it. */
  contentSize?: number;
}

/** The frames of a zstd file (skippable frames left out), or undefined if the structure cannot be followed. */
export function zstdFrames(b: Uint8Array): ZstdFrame[] | undefined {
  const frames: ZstdFrame[] = [];
  let p = 0;
  const u32 = (o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  while (p < b.length) {
    if (p + 8 <= b.length && (u32(p) & 0xfffffff0) === 0x184d2a50) {
      p += 8 + u32(p + 4); // skippable frame
      continue;
    }
    if (p + 5 > b.length || !startsWith(b.subarray(p), ZSTD_MAGIC)) return undefined;
    const start = p;
    const fhd = b[p + 4];
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const checksum = (fhd >> 2) & 1;
    const dictFlag = fhd & 3;
    let q = p + 5 + (single ? 0 : 1) + [0, 1, 2, 4][dictFlag];
    const fcsBytes = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
    if (q + fcsBytes > b.length) return undefined;
    let contentSize: number | undefined;
    if (fcsBytes === 1) contentSize = b[q];
    else if (fcsBytes === 2) contentSize = (b[q] | (b[q + 1] << 8)) + 256;
    else if (fcsBytes === 4) contentSize = u32(q);
    else if (fcsBytes === 8) contentSize = u32(q) + u32(q + 4) * 2 ** 32;
    q += fcsBytes;
    for (;;) {
      if (q + 3 > b.length) return undefined;
      const h = b[q] | (b[q + 1] << 8) | (b[q + 2] << 16);
      const last = h & 1;
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      q += 3 + (type === 1 ? 1 : size); // RLE blocks store one byte
      if (type === 3) return undefined;
      if (last) break;
    }
    q += checksum ? 4 : 0;
    if (q > b.length) return undefined;
    frames.push({ start, end: q, contentSize });
    p = q;
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------
// Decoders (loaded on first use: a run over plain .ko files never loads them).

const require = createRequire(import.meta.url);

interface LzmaXz {
  decompress(input: Uint8Array): Promise<Buffer>;
  decompressSync(input: Uint8Array): Buffer;
}
let xzDecoder: LzmaXz | undefined;
function xz(): LzmaXz {
  return (xzDecoder ??= (require('@napi-rs/lzma') as { xz: LzmaXz }).xz);
}

interface ZstdWasm {
  init(): Promise<void>;
  decompress(buf: Uint8Array, opts?: { defaultHeapSize: number }): Uint8Array;
}
let zstdModule: ZstdWasm | undefined;
let zstdReady: Promise<void> | undefined;
let zstdInitialised = false;
async function initZstd(): Promise<ZstdWasm> {
  zstdModule ??= require('@bokuweb/zstd-wasm') as ZstdWasm;
  zstdReady ??= zstdModule.init().then(() => {
    zstdInitialised = true;
  });
  await zstdReady;
  return zstdModule;
}

function zstdDecode(z: ZstdWasm, input: Buffer, path: string): Buffer {
  const frames = zstdFrames(input);
  if (!frames || frames.length === 0) throw new InputError(path, 'zstd: corrupt or truncated data (the frames cannot be followed)');
  const parts: Buffer[] = [];
  for (const fr of frames) {
    if (fr.contentSize !== undefined && fr.contentSize > MAX_MODULE_BYTES) throw new InputError(path, `zstd: the frame records ${fr.contentSize} bytes, more than a module may have`);
    const bytes = input.subarray(fr.start, fr.end);
    let out: Uint8Array | undefined;
    if (fr.contentSize !== undefined) out = z.decompress(bytes);
    else {
      // no recorded size: grow the output buffer until the frame fits
      for (let cap = Math.max(4 << 20, bytes.length * 8); !out; cap *= 2) {
        try {
          out = z.decompress(bytes, { defaultHeapSize: cap });
        } catch (e) {
          if (cap >= MAX_MODULE_BYTES) throw e;
        }
      }
    }
    if (fr.contentSize !== undefined && out.length !== fr.contentSize) {
      throw new InputError(path, `zstd: ${out.length} bytes decompressed, the frame records ${fr.contentSize}`);
    }
    parts.push(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function decoderError(path: string, kind: Compression, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const msg = (e as Error)?.message ?? String(e);
  return new InputError(path, `${kind}: corrupt or truncated data (${msg.split('\n')[0]})`);
}

function checkLength(path: string, kind: Compression, input: Buffer, out: Buffer): void {
  if (kind === 'xz') {
    const want = xzRecordedSize(input);
    if (want !== undefined && want !== out.length) throw new InputError(path, `xz: ${out.length} bytes decompressed, the index records ${want}`);
  } else if (kind === 'gzip' && input.length >= 18) {
    // ISIZE: the length modulo 2^32 of the last member (zlib checks it too)
    const isize = input.readUInt32LE(input.length - 4);
    if (isize !== out.length % 2 ** 32 && !hasMoreMembers(input)) throw new InputError(path, `gzip: ${out.length} bytes decompressed, the trailer records ${isize}`);
  }
}

/** A gzip file of several members: ISIZE is only the last one's. */
function hasMoreMembers(b: Buffer): boolean {
  return b.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 10) >= 0;
}

function preflight(path: string, kind: Compression, input: Buffer): void {
  if (kind === 'xz') {
    const want = xzRecordedSize(input);
    if (want !== undefined && want > MAX_MODULE_BYTES) throw new InputError(path, `xz: the index records ${want} bytes, more than a module may have`);
  }
}

const gunzipAsync = promisify(gunzip);

/** Decompress a module file's bytes (which start with a gzip, xz or zstd magic). */
export async function decompress(input: Buffer, path: string): Promise<Decompressed> {
  const kind = compressionOf(input);
  if (!kind) throw new InputError(path, 'not a gzip, xz or zstd file');
  preflight(path, kind, input);
  let data: Buffer;
  try {
    if (kind === 'gzip') data = await gunzipAsync(input, { maxOutputLength: MAX_MODULE_BYTES });
    else if (kind === 'xz') data = await xz().decompress(input);
    else data = zstdDecode(await initZstd(), input, path);
  } catch (e) {
    throw decoderError(path, kind, e);
  }
  checkLength(path, kind, input, data);
  return { data, compression: kind, ...(kind === 'xz' ? { xzCheck: xzCheckOf(input) } : {}) };
}

/**
 * The same, synchronously (for re-reading a module already read once: zstd's decoder must have been
 * initialised by an earlier decompress()).
 */
export function decompressSync(input: Buffer, path: string): Decompressed {
  const kind = compressionOf(input);
  if (!kind) throw new InputError(path, 'not a gzip, xz or zstd file');
  preflight(path, kind, input);
  let data: Buffer;
  try {
    if (kind === 'gzip') data = gunzipSync(input, { maxOutputLength: MAX_MODULE_BYTES });
    else if (kind === 'xz') data = xz().decompressSync(input);
    else {
      if (!zstdInitialised || !zstdModule) throw new Error('the zstd decoder is not initialised (decompress() first)');
      data = zstdDecode(zstdModule, input, path);
    }
  } catch (e) {
    throw decoderError(path, kind, e);
  }
  checkLength(path, kind, input, data);
  return { data, compression: kind, ...(kind === 'xz' ? { xzCheck: xzCheckOf(input) } : {}) };
}
