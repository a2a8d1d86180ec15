/**
 * A package's files streamed, member by member, for packages too large to hold (a `linux-image` .deb:
 * 70 MB of `data.tar.xz` that decode to 400 MB). The `ar` headers are read at their offsets, the data
 * member is read in chunks, decoded (xz-embedded, fzstd or zlib, each a streaming decoder) and parsed by
 * modern-tar's streaming decoder; only the files a caller wants are collected, one at a time.
 * RPM payloads are read whole (readRpm): `kmod-*.rpm` packages are small, and rpm's xz payloads carry
 * SHA-256 checks that are verified over the whole payload.
 */
import { closeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { fsPromises } from '../builtins.js';
import { createTarDecoder } from 'modern-tar';
import { InputError } from '../errors.js';
import { openInput } from '../files.js';
import { formatSize } from '../codec/decompress.js';
import { XzStreamDecoder } from '../codec/xz-embedded.js';
import { AR_MAGIC, arHeader, isDeb } from './deb.js';
import { CpioStream, isRpm, rpmPayload } from './rpm.js';
import { crc32 } from '../codec/crc32.js';
import { isXzSha256, Sha256Verifier, withoutSha256 } from '../codec/xz-sha256.js';
import { compressionOf } from '../codec/decompress.js';
import { TarGuard } from './tar-guard.js';
import { decoderFor, type Checks } from './decoders.js';
import { checkOf, Damage, HeldFiles, type StreamedFile } from './held.js';

// What this module exported before the decoders and the hold had files of their own.
export { HOLD_MAX, HeldFiles, type StreamedFile } from './held.js';


export interface StreamOptions {
  /** Largest file collected (a larger one is an error of its own, the rest go on). */
  maxFileSize: number;
  /**
   * Files written, as they stream by, to this file instead of collected in memory (a debug vmlinux:
   * 600 MB): handed over with empty `data`, up to `maxSpillSize`. The caller removes the file.
   */
  spill?: (path: string) => string | undefined;
  /** Largest file spilled (default: no limit): a larger one is the error `tooLargeToSpill` makes, thrown before a byte is written. */
  maxSpillSize?: number;
  tooLargeToSpill?: (path: string, size: number) => InputError;
}

/** `./lib/modules/x` → `/lib/modules/x`: a member's path as installed. */
export function memberPath(name: string): string {
  return '/' + name.replace(/^\.?\/+/, '');
}

const CHUNK = 512 << 10;
const DATA_MEMBER = /^data\.tar(?:\.(xz|zst|gz))?$/;

/**
 * A FIFO, socket or device named as a package is refused (files.ts) before any open() here, which for a
 * FIFO would wait for a writer on one of libuv's threads and never return. Other errors are left to the
 * reads below, as before.
 */
function refuseSpecial(file: string): void {
  let fd: number | undefined;
  try {
    fd = openInput(file).fd;
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
  if (fd !== undefined) closeSync(fd);
}

/** What kind of package a file is, from its first bytes (`ar`: an ar archive that is no .deb; undefined: none). */
export async function packageKind(file: string): Promise<'deb' | 'rpm' | 'ar' | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await fsPromises().open(file, 'r');
    const head = Buffer.alloc(21);
    const { bytesRead } = await fh.read(head, 0, 21, 0);
    const h = head.subarray(0, bytesRead);
    return isDeb(h) ? 'deb' : isRpm(h) ? 'rpm' : h.toString('latin1', 0, 8) === AR_MAGIC ? 'ar' : undefined;
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
  refuseSpecial(file);
  const kind = await packageKind(file);
  if (kind === 'rpm') return streamRpm(file, want, onFile, opts);
  if (kind === 'ar') throw new InputError(file, 'not a Debian package (.deb): an ar archive whose first member is not debian-binary', { offset: 8 });
  if (kind !== 'deb') throw new InputError(file, 'not a Debian package (.deb) nor an RPM package (.rpm): no ar or RPM lead magic', { offset: 0 });
  let fh: FileHandle;
  try {
    fh = await fsPromises().open(file, 'r');
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
    const h = head.subarray(0, bytesRead);
    // the data member may be cut short: what there is of it is read, its files whole before the end kept
    const m = arHeader(h, at, fileSize, file, 'keep');
    names.push(m.name);
    if (names.length === 1 && m.name !== 'debian-binary') throw new InputError(file, `not a Debian package: its first ar member is ${JSON.stringify(m.name)}, not debian-binary`);
    if (DATA_MEMBER.test(m.name)) return m;
    arHeader(h, at, fileSize, file); // any other member: whole, or the error
    at = m.offset + m.size + (m.size % 2);
  }
  throw new InputError(file, `no data.tar member (members: ${names.join(', ')})`);
}

/**
 * An entry's body read to its end and dropped. (Not cancel(): after some hundreds of cancelled bodies
 * modern-tar 0.8.6's decoder stopped taking input, and the read hung.)
 */
async function drain(body: ReadableStream<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.length;
  return n;
}

/** Input handed to the decoder at once: the precision of a damage's offset for the decoders that do not say where. */
const PIECE = 64 << 10;

/**
 * The data member read in chunks, decoded, and its tar entries parsed as they come. Where the member stops
 * being readable (the file ends, the decoder or the tar reader meets damage), the files handed over
 * before stand and one InputError names the package and data member (`pkg.deb:data.tar.xz`), the offset in
 * the package the reading had reached, and the file of the tar being read then, if any.
 */
async function streamTar(
  fh: FileHandle,
  data: { name: string; offset: number; size: number },
  where: string,
  file: string,
  want: (path: string) => boolean,
  onFile: (f: StreamedFile) => Promise<void | 'stop'>,
  opts: StreamOptions,
): Promise<void> {
  // (not strict: a strict reader errors its stream at a bad header or a cut, dropping the files it had
  // queued; TarGuard stops the bytes before a bad header, and a file cut short is seen by its length)
  const tar = createTarDecoder();
  const writer = tar.writable.getWriter();
  const codec = data.name.endsWith('.tar') ? '' : `${data.name.slice(data.name.lastIndexOf('.') + 1)}: `;
  let damage: Damage | undefined;
  let stopped = false;
  // the package offset up to which input has been handed to the decoder
  let fed = data.offset;
  // no more files wanted: the tar stream errored from its input side (a cancel from the reading side
  // waits for the write in flight, which waits for the reader), and the feed stops at its next chunk
  const stop = () => {
    stopped = true;
    writer.abort(new Error('no more files wanted')).catch(() => undefined);
  };
  // the decoded bytes go to the tar decoder as they come; its queue is awaited (backpressure) per chunk
  const pending: Uint8Array[] = [];
  // the tar headers checked on their way (a bad one stops the bytes there: see TarGuard)
  // the decoded bytes handed to the tar reader so far
  let passed = 0;
  const guard = new TarGuard((c) => {
    passed += c.length;
    pending.push(c);
  });
  const held = new HeldFiles(onFile);
  const checks: Checks = { checkpoint: () => held.checkpoint(), unverified: (on) => (held.holding = on), verifiedTo: (offset) => held.verifiedTo(offset) };
  const decoder = decoderFor(data.name, (c) => guard.push(c), checks);
  // where a file's bytes end in the decoded stream, once it is read whole: TarGuard's record of its entry
  // (should that ever not be the reader's entry, the bytes handed to the reader so far: past the file's
  // end, never before it)
  const endOf = (mark: { size: number; end: number } | undefined, size: number) => (mark && mark.size === size && mark.end <= passed ? mark.end : passed);
  const decode = async (op: () => Promise<void> | void) => {
    try {
      await op();
    } catch (e) {
      // xz says how far it read; the other decoders failed somewhere in the last piece
      const at = decoder instanceof XzStreamDecoder ? data.offset + decoder.consumed : fed;
      throw new Damage(at, `${codec}${(e as Error).message}`);
    }
    if (guard.bad !== undefined) {
      // uncompressed: exactly where the header is; compressed: as far as the input had been read
      if (codec === '') throw new Damage(data.offset + guard.badAt, guard.bad);
      throw new Damage(fed, `${guard.bad} (at offset ${guard.badAt} of the decoded ${data.name})`);
    }
  };
  // (xz says where it stopped: it takes whole chunks; the others get pieces, which bound the offset's error)
  const piece = decoder instanceof XzStreamDecoder ? CHUNK : PIECE;
  const feed = (async () => {
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (let done = 0; done < data.size; ) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, data.size - done), data.offset + done));
        } catch (e) {
          throw new Damage(data.offset + done, (e as Error).message, false);
        }
        if (bytesRead === 0) throw new Damage(data.offset + done, `the package ends ${data.size - done} bytes before its member ${data.name} does`, false);
        if (stopped) break;
        for (let p = 0; p < bytesRead && !stopped; p += piece) {
          const input = buf.subarray(p, Math.min(p + piece, bytesRead));
          fed += input.length;
          await decode(() => decoder.push(input));
          while (pending.length > 0) await writer.write(pending.shift()!);
        }
        done += bytesRead;
      }
      if (stopped) {
        if (decoder instanceof XzStreamDecoder) decoder.close();
        return;
      }
      await decode(() => decoder.end());
      while (pending.length > 0) await writer.write(pending.shift()!);
      await writer.close();
    } catch (e) {
      if (decoder instanceof XzStreamDecoder) decoder.close();
      if (!(e instanceof Damage) || stopped) {
        // a write the tar decoder refused (its own error, seen by the reading side), or a stop
        await writer.abort(e).catch(() => undefined);
        return;
      }
      damage ??= e;
      // what was decoded before the damage still goes to the tar reader, whose files whole by then stand
      try {
        while (pending.length > 0) await writer.write(pending.shift()!);
        await writer.close();
      } catch {
        await writer.abort(e).catch(() => undefined);
      }
    }
  })();
  // the tar file being read, between its header and the end of its bytes
  let current: string | undefined;
  // a file's bytes ended before the size its header records (the input ended at the damage): not whole,
  // and the tar stream errored from its input side (as stop() does) before the loop is left
  let short = false;
  const cutShort = () => {
    short = true;
    writer.abort(new Error('a file cut short')).catch(() => undefined);
  };
  // a file too large to spill: the error, the rest not read
  let refused: InputError | undefined;
  // the damage: files held for a check dropped when it is corruption, handed over when a cut
  const failure = async (why: Damage) => {
    const at = current;
    let dropped = '';
    if (why.corrupt) dropped = held.drop(checkOf(data.name));
    else await held.release(true);
    return new InputError(where, `${why.reason}${at ? ` (in ${at})` : ''}${dropped}`, { offset: why.offset });
  };
  try {
    for await (const entry of tar.readable) {
      const path = memberPath(entry.header.name);
      const mark = guard.entries.shift();
      current = path;
      if (entry.header.type !== 'file' || !want(path)) {
        if ((await drain(entry.body)) !== entry.header.size && entry.header.type === 'file') {
          cutShort();
          break;
        }
        current = undefined;
        continue;
      }
      const spillTo = opts.spill?.(path);
      if (spillTo !== undefined) {
        const limit = opts.maxSpillSize ?? Infinity;
        const refuse = (size: number) => opts.tooLargeToSpill?.(path, size) ?? new InputError(`${file}:${path}`, `${formatSize(size)}, more than the largest file spilled (${formatSize(limit)})`);
        if (entry.header.size > limit) {
          refused = refuse(entry.header.size);
          stop();
          break;
        }
        const out = await fsPromises().open(spillTo, 'w');
        let written = 0;
        try {
          for await (const c of entry.body) {
            // (the body is the header's size; counted anyway, should a reader ever pass more)
            if (written + c.length > limit) {
              refused = refuse(written + c.length);
              break;
            }
            await out.write(c);
            written += c.length;
          }
        } finally {
          await out.close();
        }
        if (refused) {
          stop();
          break;
        }
        if (written !== entry.header.size) {
          cutShort();
          break;
        }
        current = undefined;
        if ((await held.add({ path, data: Buffer.alloc(0) }, endOf(mark, entry.header.size))) === 'stop') {
          stop();
          break;
        }
        continue;
      }
      if (entry.header.size > opts.maxFileSize) {
        if ((await drain(entry.body)) !== entry.header.size) {
          cutShort();
          break;
        }
        current = undefined;
        if ((await held.add({ path, error: tooLarge(file, path, entry.header.size, opts) }, endOf(mark, entry.header.size))) === 'stop') {
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
      if (length !== entry.header.size) {
        cutShort();
        break;
      }
      current = undefined;
      const bytes = chunks.length === 1 ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : Buffer.concat(chunks, length);
      if ((await held.add({ path, data: bytes }, endOf(mark, entry.header.size))) === 'stop') {
        stop();
        break;
      }
    }
  } catch (e) {
    if (refused) throw refused;
    if (stopped) return; // the tar stream's end, errored by stop()
    if (e instanceof InputError) throw e;
    await feed;
    throw await failure(damage ?? new Damage(fed, `tar: ${(e as Error)?.message ?? String(e)}`));
  }
  if (refused) throw refused;
  if (stopped) return; // (a write the cancelled tar stream never takes is left pending, not awaited)
  if (short) {
    await feed;
    throw await failure(damage ?? new Damage(fed, 'tar: a file ends before the size its header records'));
  }
  await feed;
  if (damage) throw await failure(damage);
  // the stream ended whole: every check passed
  if ((await held.release(true)) === 'stop') stop();
}

/**
 * An `.rpm`'s files streamed out of its payload as they decode (the package itself is read whole: the
 * headers come first, and `kmod-*` packages are small): the payload fed to its decoder in pieces, the
 * `newc` cpio read as it comes, each wanted file handed over whole — held, like a .deb's, until the
 * check covering its bytes passes (xz: each block's SHA-256; zstd: a frame's checksum; gzip: the
 * trailer). Damage ends the stream with one InputError naming `pkg.rpm:payload`, the package offset and
 * the file being read; the files handed over before stand. A package shorter than the size its signature
 * records is cut: what decoded whole before the cut is handed over, as for a .deb.
 */
async function streamRpm(file: string, want: (path: string) => boolean, onFile: (f: StreamedFile) => Promise<void | 'stop'>, opts: StreamOptions): Promise<void> {
  const { buf, payload, end } = rpmPayload(file);
  const where = `${file}:payload`;
  const packed = buf.subarray(payload);
  const cut = end !== undefined && buf.length < end ? end - buf.length : 0;
  const held = new HeldFiles(onFile);
  const ready: StreamedFile[] = [];
  const cpio = new CpioStream(where, (p) => want(memberPath(p)), (f) => {
    const path = memberPath(f.path);
    ready.push(f.data && f.size <= opts.maxFileSize ? { path, data: f.data } : { path, error: tooLarge(file, path, f.size, opts) });
  }, opts.maxFileSize);
  const checks: Checks = { checkpoint: () => held.checkpoint(), unverified: (on) => (held.holding = on) };
  let input: Uint8Array = packed;
  let name = 'payload';
  let sha: Sha256Verifier | undefined;
  // the xz index could not be read (the file cut, or its end damaged): the blocks cannot be checked
  let unindexed: InputError | undefined;
  const kind = compressionOf(packed);
  if (kind === 'xz' && isXzSha256(packed)) {
    name = 'payload.xz';
    try {
      const rewritten = withoutSha256(packed, where);
      input = rewritten.xz;
      sha = new Sha256Verifier(rewritten, where, () => held.checkpoint());
      held.holding = true;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      unindexed = e;
      // the stream header's check made "none" (xz-embedded takes no SHA-256): the first block decodes, unchecked
      const h = Buffer.from(packed.subarray(0, 12));
      h[7] = 0;
      h.writeUInt32LE(crc32(h.subarray(6, 8)), 8);
      input = Buffer.concat([h, packed.subarray(12)]);
    }
  } else if (kind) name = { xz: 'payload.xz', zstd: 'payload.zst', gzip: 'payload.gz' }[kind];
  // (an error of the checks or the cpio reader is kept, not thrown into the decoder: thrown from a zlib
  // stream's 'data' handler it ended the stream with neither 'end' nor 'error', and the read hung —
  // package-rpm fuzz, 5,000 cases, seed 1802729837)
  let sinkError: unknown;
  const sink = (c: Uint8Array) => {
    if (sinkError !== undefined) return;
    try {
      sha?.push(c);
      cpio.push(c);
    } catch (e) {
      sinkError = e;
    }
  };
  const decoder = decoderFor(name, sink, checks);
  const codec = name === 'payload' ? '' : `${name.slice(8)}: `;
  let fed = 0;
  const damage = async (reason: string, offset: number, corrupt: boolean) => {
    const at = cpio.current === undefined ? undefined : memberPath(cpio.current);
    let dropped = '';
    if (corrupt) dropped = held.drop(checkOf(name));
    else await held.release(true);
    return new InputError(where, `${reason}${at ? ` (in ${at})` : ''}${dropped}`, { offset });
  };
  const handOver = async () => {
    while (ready.length > 0) if ((await held.add(ready.shift()!)) === 'stop') return 'stop';
  };
  try {
    for (let p = 0; p < input.length; p += PIECE) {
      const piece = input.subarray(p, Math.min(p + PIECE, input.length));
      fed += piece.length;
      await decoder.push(piece);
      if (sinkError !== undefined) throw sinkError;
      if ((await handOver()) === 'stop') return;
    }
    await decoder.end();
    if (sinkError !== undefined) throw sinkError;
    sha?.end();
    if ((await handOver()) === 'stop') return;
  } catch (thrown) {
    const e = sinkError ?? thrown;
    if (decoder instanceof XzStreamDecoder) decoder.close();
    if ((await handOver()) === 'stop') return;
    const message = e instanceof InputError ? e.reason : `${codec}${(e as Error).message}`;
    // at the end of what there is: the file is cut (or its xz index unreadable), not seen to be corrupt
    const atEnd = fed >= input.length;
    if (cut > 0 && atEnd) throw await damage(`the package ends ${cut} bytes before its payload does`, buf.length, false);
    if (unindexed && atEnd) throw await damage(`${unindexed.reason}: the payload's xz blocks cannot be checked`, payload + (unindexed.where?.offset ?? 0), false);
    // (xz says how far it read — in a SHA-256 payload, of the stream without its checks, 32 bytes a block
    // short —; the other decoders failed somewhere in the last piece)
    const reached = decoder instanceof XzStreamDecoder ? payload + decoder.consumed : payload + fed;
    if (e instanceof InputError && e.where?.offset !== undefined) {
      // the cpio reader's: an offset of the archive, which is the package's only when uncompressed
      if (name === 'payload') throw await damage(e.reason, payload + e.where.offset, true);
      throw await damage(`${e.reason} (at offset ${e.where.offset} of the decoded ${name})`, reached, true);
    }
    throw await damage(message, reached, true);
  } finally {
    // (a stop returns from the middle: xz-embedded's context is freed on every way out, see newContext())
    if (decoder instanceof XzStreamDecoder) decoder.close();
  }
  if (!cpio.ended) {
    if (cut > 0) throw await damage(`the package ends ${cut} bytes before its payload does`, buf.length, false);
    throw await damage('cpio archive cut short (no TRAILER!!! entry)', payload + fed, true);
  }
  if ((await held.release(true)) === 'stop') return;
}

