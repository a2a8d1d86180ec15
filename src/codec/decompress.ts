/**
 * Compressed modules (`.ko.gz`, `.ko.xz`, `.ko.zst`, as kmod/depmod install them), decompressed in memory,
 * never past a limit (`maxModuleSize`, default 512 MiB: see DEFAULT_MAX_MODULE_SIZE).
 *
 * The format is told by the magic bytes, as kmod does (libkmod-file.c), not by the file name. Decoders
 * (chosen by measurement, see docs/performance.md):
 *  - gzip: node's zlib, as a stream (verifies the CRC32 and length trailer);
 *  - xz:   xz-embedded (the kernel's own lib/xz decoder) as WebAssembly, from the xz-decompress package,
 *          driven chunk by chunk (verifies the check, the block sizes and the index);
 *  - zstd: @bokuweb/zstd-wasm (zstd's own C decoder as WebAssembly; verifies the frame checksum), into an
 *          output buffer no larger than the frame can fill; fzstd (streaming, pure JS) counts the output
 *          of frames whose size the structure does not bound.
 * The output is counted as it is produced: the first byte past the limit stops the decoder with
 * "decompresses to more than N bytes (limit …)", whatever the container claims. A container that records
 * more than the limit (xz index, zstd Frame_Content_Size or its raw/RLE blocks, a one-member gzip's ISIZE)
 * is refused before decoding: each decoder checks that record against the output, so such a file is either
 * too large or corrupt. A record under the limit is never trusted to bound anything (a lying xz index is
 * decoded, and stopped at the limit). After decoding, the output length is checked against the records, so
 * a decoder that stops early can never hand a short module to the ELF reader unnoticed.
 *
 * Memory: with a ByteBudget (a run's reads share one), the output is kept only while the budget has room;
 * past that the decoder only counts, and decodes again once the budget can hold the counted size.
 *
 * The xz integrity check type (stream header flags) is recorded: the kernel's in-kernel XZ decoder
 * (CONFIG_MODULE_DECOMPRESS, 5.17+) accepts only CRC32 and none (rule xz-check), while kmod's liblzma,
 * which decompresses in user space when the kernel does not, takes every check. SHA-256, which
 * xz-embedded lacks too, is decoded as check "none" and verified with node:crypto (codec/xz-sha256.ts).
 *
 * One file (~540 lines) because it is one cohesive thing: the three decoders' paths share the output
 * bound (`Output`: the limit, the byte-budget lease, counting once the budget is full), the containers'
 * recorded sizes checked before and after, and the errors' wording. xz-embedded's WebAssembly, which the
 * xz path drives, is apart in xz-embedded.ts.
 */
import { createRequire } from 'node:module';
import { zlib } from '../builtins.js';
import { InputError } from '../errors.js';
import { Lease } from './budget.js';
import { xzSteps, XZ_OUT_OF_MEMORY } from './xz-embedded.js';
import { initialisedZstd, loadZstd, type ZstdWasm } from './zstd-wasm.js';

export type Compression = 'gzip' | 'xz' | 'zstd';
/** The xz Check ID of the stream header: 0 none, 1 CRC32, 4 CRC64, 10 SHA-256; any other ID is reserved. */
export type XzCheck = 'none' | 'crc32' | 'crc64' | 'sha256' | 'reserved';

export interface Decompressed {
  data: Buffer;
  compression: Compression;
  xzCheck?: XzCheck;
  /** zstd: the Frame_Content_Size of the first frame, null when not recorded. */
  zstdContentSize?: number | null;
}

/**
 * Largest decompressed module accepted by default: 512 MiB. No real module comes near it — the largest of
 * Debian 6.1's tree (linux-image-6.1.0-57-amd64) is amdgpu.ko at 19.5 MB, and of a debug build (the -dbg
 * package's separate debug file) amdgpu.ko at 355.6 MB, so about 375 MB unstripped — and a decompression
 * bomb stops here, not at the end of memory.
 */
export const DEFAULT_MAX_MODULE_SIZE = 512 * 1024 * 1024;

export interface DecompressOptions {
  /** Largest decompressed size accepted, in bytes (default DEFAULT_MAX_MODULE_SIZE). */
  maxModuleSize?: number;
  /**
   * What this read holds of the run's byte budget (the compressed bytes, taken by the caller): the output
   * is added to it; the caller releases it when done with the data.
   */
  lease?: Lease;
}

/** A size in the words of the limit: bytes, and MiB/GiB when round. */
export function formatSize(n: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/** The error for output past the limit (`recorded`: what the container records, when that decided it). */
function tooLarge(path: string, kind: Compression, limit: number, recorded?: string): InputError {
  return new InputError(path, `${kind}: decompresses to more than ${limit} bytes (limit ${formatSize(limit)}, --max-module-size)${recorded ? `: ${recorded}` : ''}`);
}

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
  /** Bytes the frame decompresses to at least (its raw and RLE blocks: their sizes are the output's). */
  least: number;
  /** Bytes it decompresses to at most (a compressed block regenerates at most 128 KiB, Block_Maximum_Size). */
  most: number;
}

/** A zstd block's largest decompressed size (RFC 8878 3.1.1.2.4: Block_Maximum_Size ≤ 128 KiB). */
const ZSTD_BLOCK_MAX = 128 * 1024;

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
    let least = 0;
    let most = 0;
    for (;;) {
      if (q + 3 > b.length) return undefined;
      const h = b[q] | (b[q + 1] << 8) | (b[q + 2] << 16);
      const last = h & 1;
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      q += 3 + (type === 1 ? 1 : size); // RLE blocks store one byte
      if (type === 3) return undefined;
      if (type === 2) most += ZSTD_BLOCK_MAX;
      else {
        least += size;
        most += size;
      }
      if (last) break;
    }
    q += checksum ? 4 : 0;
    if (q > b.length) return undefined;
    frames.push({ start, end: q, contentSize, least, most });
    p = q;
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------
// The output: counted as it comes, kept while the budget has room.

/** Thrown inside a decoder's loop when the output passes the limit (turned into tooLarge()). */
class PastLimit extends Error {}

class Output {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes produced so far. */
  total = 0;
  /** The output is no longer kept, only counted (the budget had no room). */
  counting = false;

  /**
   * `into`: keep the output in this buffer (no budget asked; a decode pool's worker, whose caller holds
   * the budget for it), counting only once the output passes its end.
   */
  constructor(
    private readonly limit: number,
    private readonly lease: Lease,
    private readonly into?: Buffer,
  ) {}

  /** Take a chunk (copied: decoders reuse their buffers). Throws PastLimit at the first byte past the limit. */
  push(chunk: Uint8Array, owned = false): void {
    this.total += chunk.length;
    if (this.total > this.limit) throw new PastLimit();
    if (this.counting || chunk.length === 0) return;
    if (this.into) {
      if (this.kept + chunk.length > this.into.length) this.counting = true;
      else {
        this.into.set(chunk, this.kept);
        this.kept += chunk.length;
      }
      return;
    }
    if (!this.lease.tryGrow(chunk.length)) {
      this.lease.shrink(this.kept);
      this.chunks = [];
      this.kept = 0;
      this.counting = true;
      return;
    }
    this.chunks.push(owned ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.from(chunk));
    this.kept += chunk.length;
  }

  /** The whole output (only when kept). */
  data(): Buffer {
    if (this.into) return this.kept === this.into.length ? this.into : this.into.subarray(0, this.kept);
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.kept);
    this.chunks = [];
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Decoders (loaded on first use: a run over plain .ko files never loads them).

const require = createRequire(import.meta.url);

interface Fzstd {
  Decompress: new (ondata: (data: Uint8Array, final: boolean) => void) => { push(chunk: Uint8Array, final?: boolean): void };
}

/**
 * How many bytes a zstd frame decompresses to, counted by fzstd's streaming decoder without keeping
 * them (it stops at the first byte past `limit`). Only for frames whose structure bounds nothing.
 */
function zstdCount(frame: Uint8Array, limit: number): number {
  const { Decompress } = require('fzstd') as Fzstd;
  let n = 0;
  const d = new Decompress((chunk) => {
    n += chunk.length;
    if (n > limit) throw new PastLimit();
  });
  for (let i = 0; i < frame.length; i += 4096) d.push(frame.subarray(i, i + 4096), i + 4096 >= frame.length);
  return n;
}

/**
 * The zstd frames of a file decoded into `out`. zstd's decoder never writes past the buffer it is given,
 * so each frame gets a buffer no larger than the frame can fill — its Frame_Content_Size (zstd checks the
 * output against it), or the sum of its blocks' largest sizes — or, when that sum passes the limit, the
 * count of a first, streaming pass (fzstd).
 */
function zstdDecode(z: ZstdWasm, input: Buffer, path: string, limit: number, out: Output): void {
  const frames = zstdFrames(input);
  if (!frames || frames.length === 0) throw new InputError(path, 'zstd: corrupt or truncated data (the frames cannot be followed)');
  let recorded = 0;
  let least = 0;
  for (const fr of frames) {
    recorded += fr.contentSize ?? fr.least;
    least += fr.least;
  }
  if (least > limit) throw tooLarge(path, 'zstd', limit, `its raw and RLE blocks alone hold ${least} bytes`);
  if (recorded > limit) throw tooLarge(path, 'zstd', limit, `its frame headers record ${recorded} bytes`);
  for (const fr of frames) {
    const bytes = input.subarray(fr.start, fr.end);
    let cap = fr.contentSize ?? fr.most;
    if (fr.contentSize === undefined && out.total + cap > limit) cap = zstdCount(bytes, limit - out.total);
    let got: Uint8Array;
    try {
      // with no recorded size, zstd-wasm allocates defaultHeapSize (with one, exactly that)
      got = z.decompress(bytes, { defaultHeapSize: Math.max(cap, 1) });
    } catch (e) {
      throw decoderError(path, 'zstd', e);
    }
    if (fr.contentSize !== undefined && got.length !== fr.contentSize) {
      throw new InputError(path, `zstd: ${got.length} bytes decompressed, the frame records ${fr.contentSize}`);
    }
    out.push(got, true);
  }
}

/**
 * zstd's words for the errors a decoder meets (ZSTD_ErrorCode, zstd_errors.h; the texts of
 * ERR_getErrorString(), lib/common/error_private.c). zstd-wasm reports a failed decompression as
 * "Failed to compress with code -N", which says neither what failed nor why.
 */
const ZSTD_ERRORS: Readonly<Record<number, string>> = {
  1: 'Error (generic)',
  10: 'Unknown frame descriptor',
  12: 'Version not supported',
  14: 'Unsupported frame parameter',
  16: 'Frame requires too much memory for decoding',
  20: 'Data corruption detected',
  22: "Restored data doesn't match checksum",
  24: "Header of Literals' block doesn't respect format specification",
  64: 'Allocation error : not enough memory',
  70: 'Destination buffer is too small',
  72: 'Src size is incorrect',
};

function decoderError(path: string, kind: Compression, e: unknown): InputError {
  if (e instanceof InputError) return e;
  let msg = (e as Error)?.message ?? String(e);
  const code = kind === 'zstd' ? /^Failed to compress with code -(\d+)$/.exec(msg) : null;
  if (code) msg = `zstd error ${code[1]}: ${ZSTD_ERRORS[Number(code[1])] ?? 'unknown'}`;
  // xz-embedded's allocation failed (its dictionary, or a context: xz-embedded.ts): not the data's fault
  if (kind === 'xz' && msg === XZ_OUT_OF_MEMORY) return new InputError(path, 'xz: the decoder ran out of memory');
  return new InputError(path, `${kind}: corrupt or truncated data (${msg.split('\n')[0]})`);
}

function checkLength(path: string, kind: Compression, input: Buffer, length: number): void {
  if (kind === 'xz') {
    const want = xzRecordedSize(input);
    if (want !== undefined && want !== length) throw new InputError(path, `xz: ${length} bytes decompressed, the index records ${want}`);
  } else if (kind === 'gzip' && input.length >= 18) {
    // ISIZE: the length modulo 2^32 of the last member (zlib checks it too)
    const isize = input.readUInt32LE(input.length - 4);
    if (isize !== length % 2 ** 32 && !hasMoreMembers(input)) throw new InputError(path, `gzip: ${length} bytes decompressed, the trailer records ${isize}`);
  }
}

/** A gzip file of several members: ISIZE is only the last one's. */
function hasMoreMembers(b: Buffer): boolean {
  return b.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 10) >= 0;
}

/**
 * Deflate's largest ratio: 258 bytes from a match of two bits, 1032:1 (zlib's technical details). A
 * member's ISIZE past that many times the file's length cannot be true (nor can ISIZE + k·2^32): the
 * trailer is not a trailer — a file cut short, whose last four bytes are deflate data.
 */
const DEFLATE_MAX_RATIO = 1032;

/** A one-member gzip file's ISIZE (its length modulo 2^32), when it can be true; undefined otherwise. */
function gzipIsize(input: Buffer): number | undefined {
  if (input.length < 18 || hasMoreMembers(input)) return undefined;
  const isize = input.readUInt32LE(input.length - 4);
  return isize <= DEFLATE_MAX_RATIO * input.length ? isize : undefined;
}

/** Refusal before decoding: the container records more than the limit (each decoder checks that record). */
function preflight(path: string, kind: Compression, input: Buffer, limit: number): void {
  if (kind === 'xz') {
    const want = xzRecordedSize(input);
    if (want !== undefined && want > limit) throw tooLarge(path, kind, limit, `its index records ${want} bytes`);
  } else if (kind === 'gzip') {
    // one member: its length is ISIZE plus a multiple of 2^32, so an ISIZE past the limit is the truth or
    // corruption (an ISIZE no deflate data of this length can reach is left to the decoder, which says what is wrong)
    const isize = gzipIsize(input);
    if (isize !== undefined && isize > limit) throw tooLarge(path, kind, limit, `its trailer records ${isize} bytes (modulo 2^32)`);
  }
}

/** gzip through zlib's stream: chunk by chunk into `out`, stopped at the limit. */
function gunzipInto(input: Buffer, out: Output): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = zlib().createGunzip({ chunkSize: 256 << 10 });
    z.on('data', (chunk: Buffer) => {
      try {
        out.push(chunk, true);
      } catch (e) {
        z.destroy();
        reject(e);
      }
    });
    z.on('error', reject);
    z.on('end', resolve);
    z.end(input);
  });
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One decoding pass of `input` into `out` (asynchronous: gzip on libuv's pool, xz and zstd in turns). */
async function decodeInto(kind: Compression, input: Buffer, path: string, limit: number, out: Output): Promise<void> {
  if (kind === 'gzip') await gunzipInto(input, out);
  else if (kind === 'xz') {
    for (const _ of xzSteps(input, out, path)) await nextTurn();
  } else zstdDecode(await loadZstd(), input, path, limit, out);
}

function result(kind: Compression, input: Buffer, data: Buffer): Decompressed {
  if (kind === 'zstd') return { data, compression: kind, zstdContentSize: zstdFrames(input)?.[0]?.contentSize ?? null };
  return { data, compression: kind, ...(kind === 'xz' ? { xzCheck: xzCheckOf(input) } : {}) };
}

function failure(e: unknown, path: string, kind: Compression, limit: number): InputError {
  if (e instanceof PastLimit) return tooLarge(path, kind, limit);
  return decoderError(path, kind, e);
}

/**
 * Decompress a module file's bytes (which start with a gzip, xz or zstd magic), never past the limit.
 * With a lease, the output is added to what it holds; when the budget has no room the output is counted,
 * then decoded again once the budget holds the counted size (waiting for it).
 */
export async function decompress(input: Buffer, path: string, opts: DecompressOptions = {}): Promise<Decompressed> {
  const kind = compressionOf(input);
  if (!kind) throw new InputError(path, 'not a gzip, xz or zstd file');
  const limit = opts.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE;
  const lease = opts.lease ?? new Lease();
  preflight(path, kind, input, limit);
  let out = new Output(limit, lease);
  try {
    await decodeInto(kind, input, path, limit, out);
    if (out.counting) {
      // the budget had no room: hold the compressed bytes and the counted output, then decode again
      const size = out.total;
      await lease.waitFor(input.length + size);
      out = new Output(size, new Lease()); // held already, by `lease`
      await decodeInto(kind, input, path, size, out);
    }
  } catch (e) {
    throw failure(e, path, kind, limit);
  }
  checkLength(path, kind, input, out.total);
  return result(kind, input, out.data());
}

/**
 * The output length a compressed file records (xz index, a one-member gzip's ISIZE, every zstd frame's
 * Frame_Content_Size), or undefined: what to set aside for its output before decoding. A hint, never a
 * bound (a record can lie: the decoder still counts).
 */
export function recordedSize(input: Buffer): number | undefined {
  const kind = compressionOf(input);
  if (kind === 'xz') return xzRecordedSize(input);
  if (kind === 'gzip') return gzipIsize(input);
  if (kind === 'zstd') {
    const frames = zstdFrames(input);
    if (!frames || frames.some((f) => f.contentSize === undefined)) return undefined;
    return frames.reduce((a, f) => a + f.contentSize!, 0);
  }
  return undefined;
}

/** What one decoding pass gives: the output when it fit `keep` bytes, else only its length. */
export interface DecodePass {
  compression: Compression;
  xzCheck?: XzCheck;
  /** The output (undefined: it did not fit `keep`, only counted). */
  data?: Buffer;
  /** Bytes decoded. */
  total: number;
}

/**
 * One decoding pass bounded by the limit but by no budget: the output is kept in a buffer of `keep`
 * bytes (allocated now, its own ArrayBuffer, so it can be transferred whole), or only counted once it
 * passes that. A decode pool's worker runs it; its caller holds `keep` bytes of the run's budget for it
 * and, when the output was only counted, holds the counted size and asks again with `keep` and `cap` set
 * to it (as decompress() decodes again). Errors are those of decompress(), naming `path`.
 */
export async function decodeOnce(input: Buffer, path: string, opts: { maxModuleSize?: number; keep: number; cap?: number }): Promise<DecodePass> {
  const kind = compressionOf(input);
  if (!kind) throw new InputError(path, 'not a gzip, xz or zstd file');
  const limit = opts.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE;
  preflight(path, kind, input, limit);
  const cap = Math.min(opts.cap ?? limit, limit);
  const out = new Output(cap, new Lease(), Buffer.allocUnsafeSlow(Math.min(opts.keep, cap)));
  try {
    await decodeInto(kind, input, path, cap, out);
  } catch (e) {
    throw failure(e, path, kind, limit);
  }
  const check = kind === 'xz' ? { xzCheck: xzCheckOf(input) } : {};
  if (out.counting) return { compression: kind, ...check, total: out.total };
  checkLength(path, kind, input, out.total);
  return { compression: kind, ...check, data: out.data(), total: out.total };
}

/**
 * The same, synchronously, bounded by the limit but by no budget (for re-reading one module already read
 * once; zstd's decoder must have been initialised by an earlier decompress()).
 */
export function decompressSync(input: Buffer, path: string, opts: Pick<DecompressOptions, 'maxModuleSize'> = {}): Decompressed {
  const kind = compressionOf(input);
  if (!kind) throw new InputError(path, 'not a gzip, xz or zstd file');
  const limit = opts.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE;
  preflight(path, kind, input, limit);
  const out = new Output(limit, new Lease());
  try {
    if (kind === 'gzip') {
      try {
        out.push(zlib().gunzipSync(input, { maxOutputLength: limit }), true);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new PastLimit();
        throw e;
      }
    } else if (kind === 'xz') {
      for (const _ of xzSteps(input, out, path));
    } else {
      const z = initialisedZstd();
      if (!z) throw new Error('the zstd decoder is not initialised (decompress() first)');
      zstdDecode(z, input, path, limit, out);
    }
  } catch (e) {
    throw failure(e, path, kind, limit);
  }
  checkLength(path, kind, input, out.total);
  return result(kind, input, out.data());
}
