/**
 * The decoders a package's data member or payload is streamed through (xz, zstd with its frame checksums,
 * gzip with its trailer, or none), each telling when what it produced is verified.
 */
import { zlib } from '../builtins.js';
import { XzStreamDecoder } from '../codec/xz-embedded.js';
import { XzBlockWalker } from '../codec/xz-blocks.js';
import { ZstdStreamDecoder } from '../codec/zstd-stream.js';

/** A decoder of the data member's compression: input chunks in, output to `sink`. */
export interface StreamDecoder {
  push(chunk: Uint8Array): Promise<void> | void;
  end(): Promise<void> | void;
}

/**
 * How a decoder tells that what it produced is right: `checkpoint()` when all its output so far is
 * verified (zstd: a frame's content checksum matched; gzip: the trailer's CRC32 and size, at the end);
 * `verifiedTo(offset)` when its output is verified up to an offset (xz: a block's CRC32 or CRC64 passed —
 * only for a reader that tells where each file's bytes end, and so gives this method);
 * `unverified(on)`: whether the output from here on awaits such a check (gzip: always; zstd: a frame with
 * a checksum; xz: blocks with a CRC32 or CRC64 that the walker of their headers follows; an uncompressed
 * tar has nothing to check).
 */
export interface Checks {
  checkpoint(): void;
  unverified(on: boolean): void;
  verifiedTo?(offset: number): void;
}

const CRC32 = 1;
const CRC64 = 4;

/**
 * xz-embedded with the stream's blocks followed (XzBlockWalker) over the input before the decoder takes
 * it. xz-embedded compares a block's CRC32 or CRC64 byte by byte as it takes the check field, so once it
 * has taken a block's whole check without an error, the output up to that block's end is verified; after
 * an error, only the blocks whose check ended before the byte it stopped at. A stream whose check is
 * another (SHA-256 and the rest xz-embedded skips; none) is not held for, as before; nor, from there on,
 * a stream whose blocks the walker cannot follow (the files already held wait for the end or the error).
 */
class BlockCheckedXz extends XzStreamDecoder {
  private readonly walker = new XzBlockWalker();
  /** The first block not yet verified. */
  private next = 0;
  private held = false;

  constructor(
    sink: (chunk: Uint8Array) => void,
    private readonly checks: Checks & { verifiedTo(offset: number): void },
  ) {
    super(sink);
  }

  override push(input: Uint8Array): void {
    const w = this.walker;
    const before = w.check;
    w.push(input);
    if (before === undefined && (w.check === CRC32 || w.check === CRC64)) {
      this.held = true;
      this.checks.unverified(true);
    }
    try {
      super.push(input);
    } catch (e) {
      this.verify(this.consumed - 1);
      throw e;
    }
    this.verify(this.consumed);
    if (this.held && w.stopped !== undefined && w.stopped !== 'index') {
      this.held = false;
      this.checks.unverified(false);
    }
  }

  /** The blocks whose check field ends at or before input offset `taken`, verified. */
  private verify(taken: number): void {
    if (!this.held) return;
    const blocks = this.walker.blocks;
    while (this.next < blocks.length && blocks[this.next].checkEnd <= taken) this.checks.verifiedTo(blocks[this.next++].outEnd);
  }
}

export function decoderFor(name: string, sink: (chunk: Uint8Array) => void, checks: Checks): StreamDecoder {
  if (name.endsWith('.xz')) {
    // the decoder's output buffer is reused: copied for the tar decoder, which may hold on to it
    const copied = (c: Uint8Array) => sink(c.slice());
    const { verifiedTo } = checks;
    if (verifiedTo) return new BlockCheckedXz(copied, { ...checks, verifiedTo });
    return new XzStreamDecoder(copied);
  }
  if (name.endsWith('.zst')) {
    const d = new ZstdStreamDecoder(sink, () => checks.checkpoint(), (checked) => checks.unverified(checked));
    return { push: (c) => d.push(c), end: () => d.end() };
  }
  if (name.endsWith('.gz')) {
    checks.unverified(true);
    const z = zlib().createGunzip({ chunkSize: 256 << 10 });
    let failed: Error | undefined;
    z.on('data', (c: Buffer) => sink(c));
    z.on('error', (e) => (failed = e));
    // (an error ends the wait too: a failed zlib stream never drains)
    const drained = () =>
      new Promise<void>((resolve) => {
        if (failed || !z.writableNeedDrain) return void setImmediate(resolve);
        const done = () => {
          z.off('drain', done);
          z.off('error', done);
          z.off('close', done);
          resolve();
        };
        z.once('drain', done);
        z.once('error', done);
        z.once('close', done);
      });
    return {
      async push(c) {
        if (failed) throw failed;
        z.write(c);
        await drained();
        if (failed) throw failed;
      },
      end: () =>
        new Promise<void>((resolve, reject) => {
          if (failed) return reject(failed);
          // ('end': zlib has compared the trailer's CRC32 and size)
          z.once('end', () => {
            checks.checkpoint();
            resolve();
          });
          z.once('error', reject);
          z.end();
        }),
    };
  }
  return { push: (c) => sink(c), end: () => undefined };
}

