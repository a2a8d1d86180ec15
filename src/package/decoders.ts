/**
 * The decoders a package's data member or payload is streamed through (xz, zstd with its frame checksums,
 * gzip with its trailer, or none), each telling when what it produced is verified.
 */
import { createGunzip } from 'node:zlib';
import { XzStreamDecoder } from '../codec/decompress.js';
import { ZstdStreamDecoder } from '../codec/zstd-stream.js';

/** A decoder of the data member's compression: input chunks in, output to `sink`. */
export interface StreamDecoder {
  push(chunk: Uint8Array): Promise<void> | void;
  end(): Promise<void> | void;
}

/**
 * How a decoder tells that what it produced is right: `checkpoint()` when all its output so far is
 * verified (zstd: a frame's content checksum matched; gzip: the trailer's CRC32 and size, at the end);
 * `unverified(on)`: whether the output from here on awaits such a check (gzip: always; zstd: a frame with
 * a checksum; xz: never here — xz-embedded checks each block's CRC itself, but says nothing of where a
 * block ends — and an uncompressed tar has nothing to check).
 */
export interface Checks {
  checkpoint(): void;
  unverified(on: boolean): void;
}

export function decoderFor(name: string, sink: (chunk: Uint8Array) => void, checks: Checks): StreamDecoder {
  if (name.endsWith('.xz')) {
    // the decoder's output buffer is reused: copied for the tar decoder, which may hold on to it
    return new XzStreamDecoder((c) => sink(c.slice()));
  }
  if (name.endsWith('.zst')) {
    const d = new ZstdStreamDecoder(sink, () => checks.checkpoint(), (checked) => checks.unverified(checked));
    return { push: (c) => d.push(c), end: () => d.end() };
  }
  if (name.endsWith('.gz')) {
    checks.unverified(true);
    const z = createGunzip({ chunkSize: 256 << 10 });
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

