/**
 * The blocks of an xz stream followed over its compressed bytes as they come, without decoding: the
 * stream header (its check type), each block header (size byte, flags, the optional compressed and
 * uncompressed sizes, the filter flags, padding, CRC32), the LZMA2 chunk headers inside the block (control
 * byte 0x00: the end; 0x01/0x02: an uncompressed chunk of a 16-bit big-endian size − 1; 0x80–0xFF: an LZMA
 * chunk, its unpacked size − 1 in 21 bits — 5 of the control byte and 16 —, its packed size − 1 in 16 bits,
 * and a properties byte when the control's reset bits are 2 or 3), the block padding and the check field.
 * For every block it then knows where its check ends in the input and how many bytes it decodes to (the
 * filters before LZMA2 — delta, the BCJ filters — keep sizes; a block header's recorded sizes must agree).
 * Layout: the .xz file format, sections 2 (stream header) and 3 (blocks); LZMA2's chunks as liblzma's
 * lzma2_decoder.c reads them.
 *
 * Anything it cannot follow (a header that does not parse, an unknown filter, sizes that disagree, the
 * index reached) ends the walk: `stopped` says why, and no more blocks are added. The walk never throws.
 */
import { crc32 } from './crc32.js';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** Size of the check field for each check type (the spec's table, section 3.4). */
const CHECK_SIZE = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];
const LZMA2 = 0x21;
/** Filters that keep sizes: delta, x86, PowerPC, IA-64, ARM, ARM-Thumb, SPARC, ARM64, RISC-V. */
const SIZE_KEEPING = new Set([0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b]);

/** A block followed to its end: where its check ends in the input, and its output's end. */
export interface XzBlock {
  /** Input offset (from the stream's first byte) one past the block's check field. */
  checkEnd: number;
  /** Output offset one past the block's last decoded byte. */
  outEnd: number;
}

/** A number of the xz container (1–9 bytes, 7 bits each, little-endian); undefined when it runs past `end` or is too long. */
export function xzVarint(b: Uint8Array, at: number, end: number): [number, number] | undefined {
  let v = 0;
  for (let i = 0; i < 9 && at + i < end; i++) {
    const byte = b[at + i];
    if (i > 0 && byte === 0) return undefined; // (not the shortest form: the spec refuses it)
    v += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return [v, at + i + 1];
  }
  return undefined;
}

/** What the walk expects next. */
type State =
  | { kind: 'stream-header' }
  | { kind: 'block-header' }
  | { kind: 'chunk' }
  | { kind: 'skip'; left: number; then: 'chunk' | 'check' }
  | { kind: 'padding' }
  | { kind: 'done' };

/** A block header's content: the sizes it records (or not) and whether its filters are followed. */
export function parseBlockHeader(h: Uint8Array): { compressed?: number; uncompressed?: number } | string {
  const size = h.length;
  if (size < 8 || size !== (h[0] + 1) * 4) return 'block header size';
  const stored = (h[size - 4] | (h[size - 3] << 8) | (h[size - 2] << 16) | (h[size - 1] << 24)) >>> 0;
  if (crc32(h.subarray(0, size - 4)) !== stored) return 'block header CRC32';
  const flags = h[1];
  if (flags & 0x3c) return 'block flags reserved bits';
  const end = size - 4;
  let at = 2;
  const out: { compressed?: number; uncompressed?: number } = {};
  if (flags & 0x40) {
    const v = xzVarint(h, at, end);
    if (!v || v[0] === 0) return 'compressed size';
    [out.compressed, at] = v;
  }
  if (flags & 0x80) {
    const v = xzVarint(h, at, end);
    if (!v) return 'uncompressed size';
    [out.uncompressed, at] = v;
  }
  const filters = (flags & 3) + 1;
  for (let i = 0; i < filters; i++) {
    const id = xzVarint(h, at, end);
    if (!id) return 'filter id';
    const props = xzVarint(h, id[1], end);
    if (!props || props[1] + props[0] > end) return 'filter properties';
    const last = i === filters - 1;
    if (last ? id[0] !== LZMA2 || props[0] !== 1 : !SIZE_KEEPING.has(id[0])) return `filter 0x${id[0].toString(16)}`;
    at = props[1] + props[0];
  }
  for (; at < end; at++) if (h[at] !== 0) return 'block header padding';
  return out;
}

/**
 * The walk: `push()` the stream's bytes in order, as the decoder gets them; `blocks` grows as blocks end.
 * `check` is the stream's check type once its header is read.
 */
export class XzBlockWalker {
  readonly blocks: XzBlock[] = [];
  check: number | undefined;
  /** Why the walk stopped ('index': the blocks ended, as they should). */
  stopped: string | undefined;
  private state: State = { kind: 'stream-header' };
  /** Input offset of the next byte pushed. */
  private at = 0;
  /** Output offset where the current block starts, and its decoded bytes so far. */
  private outStart = 0;
  private out = 0;
  /** Input offset where the current block's compressed data starts. */
  private dataStart = 0;
  private recorded: { compressed?: number; uncompressed?: number } = {};
  /** A header gathered across pushes. */
  private head = new Uint8Array(1024);
  private fill = 0;

  push(b: Uint8Array): void {
    let p = 0;
    while (p < b.length && this.stopped === undefined) {
      const s = this.state;
      if (s.kind === 'done') return;
      if (s.kind === 'skip') {
        const n = Math.min(s.left, b.length - p);
        s.left -= n;
        p += n;
        this.at += n;
        if (s.left === 0) {
          if (s.then === 'check') this.endBlock();
          else this.state = { kind: 'chunk' };
        }
        continue;
      }
      if (s.kind === 'padding') {
        if ((this.at - this.dataStart) % 4 === 0) {
          this.toCheck();
          continue;
        }
        if (b[p] !== 0) return this.stop('block padding');
        p++;
        this.at++;
        continue;
      }
      // a header: its bytes gathered until its size is known and reached
      this.head[this.fill++] = b[p++];
      this.at++;
      const need = this.needed();
      if (need === undefined) return; // (stopped)
      if (this.fill === need) this.header(need);
    }
  }

  private stop(why: string): void {
    this.stopped = why;
    this.state = { kind: 'done' };
  }

  /** Bytes the header being gathered has in all (as far as its first bytes tell); undefined: stopped. */
  private needed(): number | undefined {
    const h = this.head;
    switch (this.state.kind) {
      case 'stream-header':
        return 12;
      case 'block-header':
        if (h[0] === 0) return 1; // the index
        return (h[0] + 1) * 4;
      case 'chunk': {
        const c = h[0];
        if (c === 0x00) return 1;
        if (c === 0x01 || c === 0x02) return 3;
        if (c >= 0x80) return ((c >> 5) & 3) >= 2 ? 6 : 5;
        this.stop(`LZMA2 control byte 0x${c.toString(16)}`);
        return undefined;
      }
    }
    return undefined;
  }

  /** A whole header of `n` bytes in `head`. */
  private header(n: number): void {
    const h = this.head.subarray(0, n);
    this.fill = 0;
    if (this.state.kind === 'stream-header') {
      if (!MAGIC.every((v, i) => h[i] === v)) return this.stop('stream header magic');
      const stored = (h[8] | (h[9] << 8) | (h[10] << 16) | (h[11] << 24)) >>> 0;
      if (h[6] !== 0 || h[7] > 0x0f || crc32(h.subarray(6, 8)) !== stored) return this.stop('stream flags');
      this.check = h[7];
      this.state = { kind: 'block-header' };
      return;
    }
    if (this.state.kind === 'block-header') {
      if (n === 1) return this.stop('index');
      const r = parseBlockHeader(h);
      if (typeof r === 'string') return this.stop(r);
      this.recorded = r;
      this.dataStart = this.at;
      this.out = 0;
      this.state = { kind: 'chunk' };
      return;
    }
    // an LZMA2 chunk header
    const c = h[0];
    if (c === 0x00) return this.endData();
    const size = ((h[1] << 8) | h[2]) + 1;
    if (c < 0x80) {
      this.out += size;
      this.state = { kind: 'skip', left: size, then: 'chunk' };
      return;
    }
    this.out += ((c & 0x1f) << 16) + size;
    this.state = { kind: 'skip', left: ((h[3] << 8) | h[4]) + 1, then: 'chunk' };
  }

  /** The LZMA2 end marker read: the sizes checked against the header's, then padding and check. */
  private endData(): void {
    const { compressed, uncompressed } = this.recorded;
    if (compressed !== undefined && compressed !== this.at - this.dataStart) return this.stop('compressed size differs from the block header');
    if (uncompressed !== undefined && uncompressed !== this.out) return this.stop('uncompressed size differs from the block header');
    this.state = { kind: 'padding' };
    if ((this.at - this.dataStart) % 4 === 0) this.toCheck();
  }

  /** The block padding over: the check field next (none: the block ends here). */
  private toCheck(): void {
    const n = CHECK_SIZE[this.check!];
    if (n === 0) return this.endBlock();
    this.state = { kind: 'skip', left: n, then: 'check' };
  }

  private endBlock(): void {
    this.outStart += this.out;
    this.out = 0;
    this.blocks.push({ checkEnd: this.at, outEnd: this.outStart });
    this.state = { kind: 'block-header' };
  }
}
