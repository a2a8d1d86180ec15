/**
 * A package's files streamed, member by member, for packages too large to hold (a `linux-image` .deb:
 * 70 MB of `data.tar.xz` that decode to 400 MB). The `ar` headers are read at their offsets, the data
 * member is read in chunks, decoded (xz-embedded, fzstd or zlib, each a streaming decoder) and parsed by
 * modern-tar's streaming decoder; only the files a caller wants are collected, one at a time.
 * RPM payloads are read whole (readRpm): `kmod-*.rpm` packages are small, and rpm's xz payloads carry
 * SHA-256 checks that are verified over the whole payload.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { createTarDecoder } from 'modern-tar';
import { InputError } from '../errors.js';
import { formatSize, XzStreamDecoder } from '../module/decompress.js';
import { AR_MAGIC, arHeader, isDeb } from './deb.js';
import { isRpm, readRpm } from './rpm.js';

/** A wanted file of a package: its path as in the package (`/lib/modules/…`), its bytes or why not. */
export type StreamedFile = { path: string; data: Buffer; error?: undefined } | { path: string; data?: undefined; error: InputError };

export interface StreamOptions {
  /** Largest file collected (a larger one is an error of its own, the rest go on). */
  maxFileSize: number;
  /**
   * Files written, as they stream by, to this file instead of collected in memory (a debug vmlinux:
   * 600 MB): handed over with empty `data`; no size limit. The caller removes the file.
   */
  spill?: (path: string) => string | undefined;
}

/** `./lib/modules/x` → `/lib/modules/x`: a member's path as installed. */
export function memberPath(name: string): string {
  return '/' + name.replace(/^\.?\/+/, '');
}

const CHUNK = 512 << 10;
const DATA_MEMBER = /^data\.tar(?:\.(xz|zst|gz))?$/;

/** What kind of package a file is, from its first bytes (undefined: none). */
export async function packageKind(file: string): Promise<'deb' | 'rpm' | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
    const head = Buffer.alloc(21);
    const { bytesRead } = await fh.read(head, 0, 21, 0);
    const h = head.subarray(0, bytesRead);
    return isDeb(h) ? 'deb' : isRpm(h) ? 'rpm' : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

/**
 * Every file of the package that `want` picks (by its path as in the package), handed to `onFile` in
 * archive order and awaited before the next is read (its answer 'stop': no more are wanted, the rest is
 * not read). A package that cannot be read at all, or whose
 * data stops being readable, throws an InputError naming the package and member (`pkg.deb:data.tar.xz`);
 * the files handed over before that stand.
 */
export async function streamPackageFiles(file: string, want: (path: string) => boolean, onFile: (f: StreamedFile) => Promise<void | 'stop'>, opts: StreamOptions): Promise<void> {
  const kind = await packageKind(file);
  if (kind === 'rpm') {
    const { files } = await readRpm(file, (p) => want(memberPath(p)));
    for (const f of files) {
      const path = memberPath(f.path);
      if ((await onFile(f.data.length > opts.maxFileSize ? { path, error: tooLarge(file, path, f.data.length, opts) } : { path, data: f.data })) === 'stop') return;
    }
    return;
  }
  if (kind !== 'deb') throw new InputError(file, 'not a Debian package (.deb) nor an RPM package (.rpm): no ar or RPM lead magic', { offset: 0 });
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new InputError(file, (e as Error).message);
  }
  try {
    const data = await dataMember(fh, file);
    await streamTar(fh, data, `${file}:${data.name}`, file, want, onFile, opts);
  } finally {
    await fh.close();
  }
}

function tooLarge(file: string, path: string, size: number, opts: StreamOptions): InputError {
  return new InputError(`${file}:${path}`, `${formatSize(size)}, more than the largest module read (${formatSize(opts.maxFileSize)}; --max-module-size)`);
}

/** The `data.tar*` member of a .deb, found by reading the ar headers alone. */
async function dataMember(fh: FileHandle, file: string): Promise<{ name: string; offset: number; size: number }> {
  const { size: fileSize } = await fh.stat();
  const head = Buffer.alloc(60);
  const names: string[] = [];
  for (let at = AR_MAGIC.length; at < fileSize; ) {
    const { bytesRead } = await fh.read(head, 0, 60, at);
    const m = arHeader(head.subarray(0, bytesRead), at, fileSize, file);
    names.push(m.name);
    if (names.length === 1 && m.name !== 'debian-binary') throw new InputError(file, `not a Debian package: its first ar member is ${JSON.stringify(m.name)}, not debian-binary`);
    if (DATA_MEMBER.test(m.name)) return m;
    at = m.offset + m.size + (m.size % 2);
  }
  throw new InputError(file, `no data.tar member (members: ${names.join(', ')})`);
}

/** A decoder of the data member's compression: input chunks in, output to `sink`. */
interface StreamDecoder {
  push(chunk: Uint8Array): Promise<void> | void;
  end(): Promise<void> | void;
}

const require = createRequire(import.meta.url);

function decoderFor(name: string, sink: (chunk: Uint8Array) => void): StreamDecoder {
  if (name.endsWith('.xz')) {
    // the decoder's output buffer is reused: copied for the tar decoder, which may hold on to it
    return new XzStreamDecoder((c) => sink(c.slice()));
  }
  if (name.endsWith('.zst')) {
    const { Decompress } = require('fzstd') as { Decompress: new (ondata: (d: Uint8Array, final: boolean) => void) => { push(c: Uint8Array, final?: boolean): void } };
    const d = new Decompress((c) => sink(c));
    return { push: (c) => d.push(c), end: () => d.push(new Uint8Array(0), true) };
  }
  if (name.endsWith('.gz')) {
    const z = createGunzip({ chunkSize: 256 << 10 });
    let failed: Error | undefined;
    z.on('data', (c: Buffer) => sink(c));
    z.on('error', (e) => (failed = e));
    const drained = () => new Promise<void>((resolve) => (z.writableNeedDrain ? z.once('drain', resolve) : setImmediate(resolve)));
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
          z.once('end', resolve);
          z.once('error', reject);
          z.end();
        }),
    };
  }
  return { push: (c) => sink(c), end: () => undefined };
}

/**
 * An entry's body read to its end and dropped. (Not cancel(): after some hundreds of cancelled bodies
 * modern-tar 0.8.6's decoder stopped taking input, and the read hung.)
 */
async function drain(body: ReadableStream<Uint8Array>): Promise<void> {
  for await (const _ of body);
}

/** The data member read in chunks, decoded, and its tar entries parsed as they come. */
async function streamTar(
  fh: FileHandle,
  data: { name: string; offset: number; size: number },
  where: string,
  file: string,
  want: (path: string) => boolean,
  onFile: (f: StreamedFile) => Promise<void | 'stop'>,
  opts: StreamOptions,
): Promise<void> {
  const tar = createTarDecoder();
  const writer = tar.writable.getWriter();
  let decodeError: Error | undefined;
  let stopped = false;
  // no more files wanted: the tar stream errored from its input side (a cancel from the reading side
  // waits for the write in flight, which waits for the reader), and the feed stops at its next chunk
  const stop = () => {
    stopped = true;
    writer.abort(new Error('no more files wanted')).catch(() => undefined);
  };
  // the decoded bytes go to the tar decoder as they come; its queue is awaited (backpressure) per chunk
  const pending: Uint8Array[] = [];
  const decoder = decoderFor(data.name, (c) => pending.push(c));
  const feed = (async () => {
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (let done = 0; done < data.size; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, data.size - done), data.offset + done);
        if (bytesRead === 0) throw new Error(`the file ends ${data.size - done} bytes before the member does`);
        done += bytesRead;
        if (stopped) break;
        await decoder.push(buf.subarray(0, bytesRead));
        while (pending.length > 0) await writer.write(pending.shift()!);
      }
      if (stopped) {
        if (decoder instanceof XzStreamDecoder) decoder.close();
        return;
      }
      await decoder.end();
      while (pending.length > 0) await writer.write(pending.shift()!);
      await writer.close();
    } catch (e) {
      if (decoder instanceof XzStreamDecoder) decoder.close();
      decodeError ??= e as Error;
      await writer.abort(e).catch(() => undefined);
    }
  })();
  try {
    for await (const entry of tar.readable) {
      const path = memberPath(entry.header.name);
      if (entry.header.type !== 'file' || !want(path)) {
        await drain(entry.body);
        continue;
      }
      const spillTo = opts.spill?.(path);
      if (spillTo !== undefined) {
        const out = await open(spillTo, 'w');
        try {
          for await (const c of entry.body) await out.write(c);
        } finally {
          await out.close();
        }
        if ((await onFile({ path, data: Buffer.alloc(0) })) === 'stop') {
          stop();
          break;
        }
        continue;
      }
      if (entry.header.size > opts.maxFileSize) {
        await drain(entry.body);
        if ((await onFile({ path, error: tooLarge(file, path, entry.header.size, opts) })) === 'stop') {
          stop();
          break;
        }
        continue;
      }
      const chunks: Uint8Array[] = [];
      let length = 0;
      for await (const c of entry.body) {
        chunks.push(c);
        length += c.length;
      }
      const bytes = chunks.length === 1 ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : Buffer.concat(chunks, length);
      if ((await onFile({ path, data: bytes })) === 'stop') {
        stop();
        break;
      }
    }
  } catch (e) {
    if (stopped) return; // the tar stream's end, errored by stop()
    if (e instanceof InputError) throw e;
    await feed;
    const why = decodeError ?? (e as Error);
    throw new InputError(where, `${data.name.endsWith('.tar') ? 'tar' : data.name.slice(data.name.lastIndexOf('.') + 1)}: ${why.message}`);
  }
  if (stopped) return; // (a write the cancelled tar stream never takes is left pending, not awaited)
  await feed;
  if (decodeError) throw new InputError(where, `${data.name.slice(data.name.lastIndexOf('.') + 1)}: ${decodeError.message}`);
}
