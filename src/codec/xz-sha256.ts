/**
 * xz files whose integrity check is SHA-256 — what rpm writes for its xz payloads (rpmio's
 * `lzma_easy_encoder(…, LZMA_CHECK_SHA256)`), and what the xz decoders this project uses (xz-embedded, as
 * the kernel's own) do not take. `withoutSha256()` rewrites the container as the same stream with check
 * type "none" (each block's 32-byte check cut, the index's unpadded sizes and every CRC32 redone) and
 * hands back the checks; `verifySha256()` then compares them with the decoded blocks. Container layout:
 * the .xz file format, sections 2 (stream header, footer), 3 (blocks) and 4 (index).
 */
import { InputError } from '../errors.js';
import { crypto } from '../builtins.js';
import { crc32 } from './crc32.js';

const MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const FOOTER_MAGIC = Buffer.from([0x59, 0x5a]);
const SHA256 = 0x0a;

function readVarint(b: Buffer, at: number, file: string): [number, number] {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= b.length) throw new InputError(file, 'xz index cut short', { offset: at });
    const byte = b[at + i];
    v += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [v, at + i + 1];
  }
  throw new InputError(file, 'xz index: a number longer than 9 bytes', { offset: at });
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const u32le = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

/** An xz file's first stream uses SHA-256 checks. */
export function isXzSha256(b: Uint8Array): boolean {
  return b.length >= 12 && MAGIC.every((v, i) => b[i] === v) && b[6] === 0 && b[7] === SHA256;
}

export interface Sha256Blocks {
  /** Each block's uncompressed size and SHA-256, in file order over all streams. */
  blocks: Array<{ size: number; sha256: Buffer }>;
}

/** One stream, `start`..`end` (footer included): the rewritten bytes and its blocks' checks. */
function rewriteStream(b: Buffer, start: number, end: number, file: string, out: Buffer[], blocks: Sha256Blocks['blocks']): void {
  if (b[start + 7] !== SHA256) {
    out.push(b.subarray(start, end)); // a stream with another check: taken as it is
    return;
  }
  const footer = end - 12;
  if (!FOOTER_MAGIC.equals(b.subarray(footer + 10, footer + 12))) throw new InputError(file, 'xz stream footer magic missing', { offset: footer + 10 });
  const indexSize = (b.readUInt32LE(footer + 4) + 1) * 4;
  const index = footer - indexSize;
  if (index < start + 12 || b[index] !== 0) throw new InputError(file, 'xz index not where the footer says', { offset: footer + 4 });
  const [count, first] = readVarint(b, index + 1, file);
  let at = first;
  const records: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    let unpadded: number;
    let size: number;
    [unpadded, at] = readVarint(b, at, file);
    [size, at] = readVarint(b, at, file);
    records.push([unpadded, size]);
  }
  const header = Buffer.from(b.subarray(start, start + 12));
  header[7] = 0;
  header.writeUInt32LE(crc32(header.subarray(6, 8)), 8);
  out.push(header);
  let block = start + 12;
  const newIndex: number[] = [0, ...varint(count)];
  for (const [unpadded, size] of records) {
    const total = Math.ceil(unpadded / 4) * 4;
    if (unpadded < 33 || block + total > index) throw new InputError(file, 'xz block runs past the index', { offset: block });
    out.push(b.subarray(block, block + total - 32));
    blocks.push({ size, sha256: Buffer.from(b.subarray(block + total - 32, block + total)) });
    newIndex.push(...varint(unpadded - 32), ...varint(size));
    block += total;
  }
  if (block !== index) throw new InputError(file, 'xz blocks and index disagree', { offset: block });
  while (newIndex.length % 4 !== 0) newIndex.push(0);
  const idx = Buffer.from(newIndex);
  out.push(idx, u32le(crc32(idx)));
  const tail = Buffer.alloc(6);
  tail.writeUInt32LE((idx.length + 4) / 4 - 1, 0);
  tail[4] = 0;
  tail[5] = 0;
  out.push(u32le(crc32(tail)), tail, FOOTER_MAGIC);
}

/** The same xz file with check type none, and the SHA-256 checks it carried. */
export function withoutSha256(b: Buffer, file: string): { xz: Buffer } & Sha256Blocks {
  // streams from the end, as xz reads them: stream padding (zeros, 4-byte units), footer, index, blocks, header
  const streams: Array<[number, number]> = [];
  let end = b.length;
  while (end > 0) {
    while (end >= 4 && b.readUInt32LE(end - 4) === 0) end -= 4;
    if (end === 0) break;
    if (end < 24) throw new InputError(file, 'xz stream cut short', { offset: 0 });
    const footer = end - 12;
    const indexSize = (b.readUInt32LE(footer + 4) + 1) * 4;
    const index = footer - indexSize;
    if (index < 12) throw new InputError(file, 'xz index not where the footer says', { offset: footer + 4 });
    const [count, first] = readVarint(b, index + 1, file);
    let at = first;
    let blocksSize = 0;
    for (let i = 0; i < count; i++) {
      let unpadded: number;
      [unpadded, at] = readVarint(b, at, file);
      [, at] = readVarint(b, at, file);
      blocksSize += Math.ceil(unpadded / 4) * 4;
    }
    const start = index - blocksSize - 12;
    if (start < 0 || !MAGIC.equals(b.subarray(start, start + 6))) throw new InputError(file, 'xz stream header not where the index says', { offset: Math.max(start, 0) });
    streams.unshift([start, end]);
    end = start;
  }
  const out: Buffer[] = [];
  const blocks: Sha256Blocks['blocks'] = [];
  for (const [s, e] of streams) rewriteStream(b, s, e, file, out, blocks);
  return { xz: Buffer.concat(out), blocks };
}

/**
 * The decoded data against the blocks' SHA-256 checks, handed over in pieces as a decoder produces them
 * (`push`), then `end()`: an InputError at the first block that differs, or when the sizes disagree.
 */
export class Sha256Verifier {
  private block = 0;
  private at = 0;
  private inBlock = 0;
  private hash = crypto().createHash('sha256');

  /** `verified`: called after each block whose check matched. */
  constructor(
    private readonly checks: Sha256Blocks,
    private readonly file: string,
    private readonly verified: () => void = () => undefined,
  ) {}

  push(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      const b = this.checks.blocks[this.block];
      if (!b) throw new InputError(this.file, `xz: more bytes decoded than the index records (${this.at + chunk.length - p})`);
      const n = Math.min(chunk.length - p, b.size - this.inBlock);
      this.hash.update(chunk.subarray(p, p + n));
      p += n;
      this.inBlock += n;
      if (this.inBlock === b.size) this.close(b);
    }
  }

  end(): void {
    while (this.block < this.checks.blocks.length && this.checks.blocks[this.block].size === 0) this.close(this.checks.blocks[this.block]);
    if (this.block !== this.checks.blocks.length) {
      const recorded = this.checks.blocks.reduce((n, b) => n + b.size, 0);
      throw new InputError(this.file, `xz: ${this.at + this.inBlock} bytes decoded, the index records ${recorded}`);
    }
  }

  private close(b: Sha256Blocks['blocks'][number]): void {
    if (!this.hash.digest().equals(b.sha256)) throw new InputError(this.file, `xz: SHA-256 of the block at uncompressed offset ${this.at} differs from its check`);
    this.at += b.size;
    this.inBlock = 0;
    this.block++;
    this.hash = crypto().createHash('sha256');
    this.verified();
  }
}

/** The decoded data against the blocks' SHA-256 checks (an InputError at the first that differs). */
export function verifySha256(data: Buffer, checks: Sha256Blocks, file: string): void {
  const v = new Sha256Verifier(checks, file);
  v.push(data);
  v.end();
}
