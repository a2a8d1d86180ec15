/**
 * zstd fed piece by piece (a package's `data.tar.zst`, an rpm's zstd payload) with each frame's content
 * checksum verified — fzstd, the streaming decoder, skips it. The frames are followed here (RFC 8878:
 * frame header, block headers, the optional 4-byte checksum; skippable frames passed over) so that each
 * frame goes to a decoder of its own, its output is hashed (XXH64, `xxh64.ts`) and, at the frame's end,
 * compared with the low 32 bits the frame records. A frame without a checksum (`zstd --no-check`) cannot
 * be verified: a flipped byte in its raw blocks decodes to other bytes without an error, by design.
 */
import { createRequire } from 'node:module';
import { Xxh64 } from './xxh64.js';

const require = createRequire(import.meta.url);
type Fzstd = { Decompress: new (ondata: (d: Uint8Array, final: boolean) => void) => { push(c: Uint8Array, final?: boolean): void } };

const MAGIC = 0xfd2fb528;

export class ZstdStreamDecoder {
  private readonly fzstd = (require('fzstd') as Fzstd).Decompress;
  private dec: { push(c: Uint8Array, final?: boolean): void } | undefined;
  private readonly hash = new Xxh64();
  // the frame walker: what it is reading, the bytes it still needs of that, a small header buffer
  private state: 'magic' | 'fhd' | 'header' | 'block' | 'body' | 'checksum' | 'skipsize' | 'skip' = 'magic';
  private need = 4;
  private readonly head = Buffer.alloc(16);
  private fill = 0;
  private checksum = false;
  private last = false;
  /** Input bytes taken. */
  consumed = 0;
  /** Where the frame being read starts (input offset). */
  private frameAt = 0;
  /** Frames read whole with a checksum, and without one. */
  verifiedFrames = 0;
  uncheckedFrames = 0;

  /**
   * `sink`: the decoded bytes; `checkpoint`: everything sunk so far is verified (a frame's checksum matched).
   * `frameStart(checked)`: a frame begins, and whether it carries a checksum.
   */
  constructor(
    private readonly sink: (chunk: Uint8Array) => void,
    private readonly checkpoint: () => void = () => undefined,
    private readonly frameStart: (checked: boolean) => void = () => undefined,
  ) {}

  /**
   * Decode `input` (copied as it goes to fzstd, which keeps views of the input it cannot decode yet: a
   * caller's reused read buffer would change under it; `new Uint8Array(x)`, as a Buffer's slice() is a view). Throws on damage.
   */
  push(input: Uint8Array): void {
    let p = 0;
    while (p < input.length) {
      const n = Math.min(this.need, input.length - p);
      const part = input.subarray(p, p + n);
      if (this.state === 'body' || this.state === 'skip') {
        if (this.state === 'body') this.dec!.push(new Uint8Array(part));
      } else if (this.state === 'checksum' || this.state === 'block' || this.state === 'header') {
        this.head.set(part, this.fill);
        this.fill += n;
        this.dec?.push(new Uint8Array(part));
      } else {
        this.head.set(part, this.fill);
        this.fill += n;
      }
      p += n;
      this.consumed += n;
      this.need -= n;
      if (this.need === 0) this.next();
    }
  }

  /** The header bytes gathered for the current state are complete: move on. */
  private next(): void {
    const h = this.head;
    switch (this.state) {
      case 'magic': {
        const m = h.readUInt32LE(0);
        this.fill = 0;
        if (m === MAGIC) {
          this.frameAt = this.consumed - 4;
          this.dec = new this.fzstd((d) => {
            this.hash.update(d);
            this.sink(d);
          });
          this.hash.reset();
          this.dec.push(new Uint8Array(h.subarray(0, 4)));
          this.state = 'fhd';
          this.need = 1;
        } else if ((m & 0xfffffff0) === 0x184d2a50) {
          this.state = 'skipsize';
          this.need = 4;
        } else throw new Error(`not a frame (magic ${m.toString(16).padStart(8, '0')}) at offset ${this.consumed - 4} of the stream`);
        return;
      }
      case 'fhd': {
        const fhd = h[0];
        this.fill = 0;
        this.dec!.push(new Uint8Array(h.subarray(0, 1)));
        if (fhd & 0x08) throw new Error('reserved bit set in a frame header');
        this.checksum = (fhd & 0x04) !== 0;
        this.frameStart(this.checksum);
        const single = (fhd >> 5) & 1;
        const fcs = fhd >> 6;
        this.need = (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + (fcs === 0 ? single : 1 << fcs);
        this.state = this.need === 0 ? 'block' : 'header';
        if (this.need === 0) this.need = 3;
        return;
      }
      case 'header':
        this.fill = 0;
        this.state = 'block';
        this.need = 3;
        return;
      case 'block': {
        const b = h[0] | (h[1] << 8) | (h[2] << 16);
        this.fill = 0;
        this.last = (b & 1) === 1;
        const type = (b >> 1) & 3;
        if (type === 3) throw new Error('reserved block type');
        const size = b >>> 3;
        this.need = type === 1 ? 1 : size;
        if (this.need > 0) {
          this.state = 'body';
          return;
        }
        this.endBlock();
        return;
      }
      case 'body':
        this.endBlock();
        return;
      case 'checksum':
        this.fill = 0;
        this.endFrame(h.readUInt32LE(0));
        return;
      case 'skipsize':
        this.fill = 0;
        this.need = h.readUInt32LE(0);
        this.state = this.need > 0 ? 'skip' : 'magic';
        if (this.need === 0) this.need = 4;
        return;
      case 'skip':
        this.state = 'magic';
        this.need = 4;
        return;
    }
  }

  private endBlock(): void {
    if (!this.last) {
      this.state = 'block';
      this.need = 3;
    } else if (this.checksum) {
      this.state = 'checksum';
      this.need = 4;
    } else this.endFrame(undefined);
  }

  /** A frame read to its end: the decoder flushed, the checksum (if any) compared. */
  private endFrame(recorded: number | undefined): void {
    this.dec!.push(new Uint8Array(0), true);
    this.dec = undefined;
    if (recorded !== undefined) {
      const got = this.hash.digest()[1];
      if (got !== recorded)
        throw new Error(`content checksum of the frame at offset ${this.frameAt} differs (XXH64 ${hex(got)}, the frame records ${hex(recorded)})`);
      this.verifiedFrames++;
      this.checkpoint();
    } else this.uncheckedFrames++;
    this.state = 'magic';
    this.need = 4;
  }

  /** The input is over: throws unless it ended between frames. */
  end(): void {
    if (this.state !== 'magic' || this.fill !== 0) throw new Error('truncated data (the input ends inside a frame)');
    if (this.consumed === 0) throw new Error('no frame');
  }
}

const hex = (n: number) => n.toString(16).padStart(8, '0');
