/**
 * A Module.symvers's index kept between runs in a cache directory (the command line's: the user's cache
 * directory, beside the code cache), so that a check of a few modules reads the few dozen lines it looks
 * up instead of the whole file: a 6.1 kernel's is 1.7 MB and 24,683 lines, and reading, decoding and
 * indexing it was ~25 ms of a one-module run's ~200 (docs/performance.md, "Module.symvers kept indexed").
 *
 * What a cache file holds, for one Module.symvers (by absolute path): the file's identity when it was
 * indexed (device, inode, size, modification and change times in nanoseconds), where each line starts,
 * each line's symbol-name hash (hashRange()) sorted with its line number, the number of distinct names,
 * and whether any CRC is not 0. It is written only for a file that SymversIndex took whole (the modern
 * layout, every line checked), that is ASCII (its byte offsets are character offsets), not gzip, and of
 * MIN_BYTES or more (a smaller file is read whole as quickly as its cache).
 *
 * Why an answer from the cache is the file's answer:
 * - the cache is used only while the file's identity is the one recorded: writing a file gives it a new
 *   change time, which no system call sets back; replacing it gives a new inode (a file whose change time
 *   is too recent for that to hold on a file system with coarse times is not indexed: changeMayGoUnseen());
 * - the cache file's content must match the CRC-32 it carries, and it must be a regular file owned by the
 *   user and writable by nobody else (as the code cache, src/cli/code-cache.ts, which says why a CRC);
 * - every line a look-up consults is read from the file itself (through a descriptor whose identity is
 *   checked again when it is opened), must pass the check the whole-file read gives a line, and its name
 *   must hash to what the cache says; a line that fails, or a file whose identity has changed since, turns
 *   the index into the whole-file read (SymversIndex) from then on, with that read's answers and errors;
 * - a name whose hash the cache does not hold is answered from the cache alone: the two checks before
 *   are what stand behind that answer, which is the file's as it was when the index was opened (as a
 *   whole read at that moment would answer).
 * Anything else — no cache, a damaged one, one for another file or another state of it — is the whole-file
 * read, as without a cache, and the cache is written again. `NODE_DEBUG=ksymcheck` says what happened.
 */
import { isAscii } from 'node:buffer';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
import { join, resolve } from 'node:path';
import { debuglog } from 'node:util';
import { crc32Of } from '../codec/crc32.js';
import { InputError } from '../errors.js';
import { describeFsError } from './locate.js';
import type { SymversFile } from './symvers.js';
import { exportOfLine, hashRange, indexSymversBytes, MODERN_LINE_CHECK, readSymversIndexed, SymversIndex } from './symvers-index.js';
import { ExportIndex, type Export, type ExportSource } from './types.js';

const debug = debuglog('ksymcheck');

/** Files smaller than this are read whole, without a cache. */
export const MIN_BYTES = 64 * 1024;
/** Cache files kept in the directory (one per Module.symvers path); the least recently written go first. */
const KEEP = 32;
/** Lines an index may have: a sort key is hash × 2^21 + line, exact in a double. */
const MAX_LINES = 1 << 21;
/** The longest line a look-up reads (a longer one sends the index to the whole-file read). */
const MAX_LINE = 64 * 1024;
/**
 * Lines read one by one before the index reads the whole file instead: one read of a 6.x file costs about
 * what a few thousand single lines do (a tree's run asks for every name, and reads it whole at once).
 */
const MAX_LINE_READS = 4096;

const MAGIC = Buffer.from('ksymcheck symvers index 2\n\0\0\0\0\0\0', 'latin1'); // 32 bytes (format 1 carried a SHA-256)
const DIGEST_AT = MAGIC.length;
const BODY_AT = DIGEST_AT + 4; // the CRC-32, little-endian
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The exports of a Module.symvers read lazily: an index over its text, or over its cache. */
export type LazySymvers = SymversIndex | CachedSymvers;

/** How recent a change time must be, on a file system with coarse times, for the file not to be indexed. */
const RACY_MS = 2000;

/**
 * Whether the file could still be written without its change time changing: its times are whole
 * milliseconds or coarser (a file system that keeps seconds, as FAT or HFS+ do; a nanosecond time is a
 * multiple of a million once in a million) and its change time is within RACY_MS of `nowMs`. Such a file
 * is read whole and not indexed — as git does not trust an index entry whose time is the index's own
 * ("racy git") — since a second write in the same tick would leave the identity the index records.
 */
export function changeMayGoUnseen(st: Pick<BigIntStats, 'ctimeNs'>, nowMs: number): boolean {
  return st.ctimeNs % 1_000_000n === 0n && Number(st.ctimeNs / 1_000_000n) > nowMs - RACY_MS;
}

/** What a cache file records of the Module.symvers it indexes; a cache whose key differs is not used. */
function identity(abs: string, st: BigIntStats): string {
  // the typed arrays are in the host's byte order: a home directory shared between architectures
  return JSON.stringify([abs, `${st.dev}`, `${st.ino}`, `${st.size}`, `${st.mtimeNs}`, `${st.ctimeNs}`, LITTLE_ENDIAN ? 'le' : 'be']);
}

/** The cache file's name for the Module.symvers at absolute path `abs`. */
export function cacheFileName(abs: string): string {
  return `symvers-${crc32Of(abs).toString(16).padStart(8, '0')}.idx`;
}

/** A cache file's content, decoded and checked against itself (not yet against the Module.symvers). */
export interface IndexLayout {
  /** identity() of the file indexed. */
  key: string;
  /** Each line's start, and the file's size after the last: lines + 1 entries, increasing. */
  lineStart: Uint32Array;
  /** Each line's name hash, ascending, and its line (0-based) beside it; lines of one hash in file order. */
  hash: Uint32Array;
  line: Uint32Array;
  /** Distinct names. */
  distinct: number;
  anyCrc: boolean;
}

/** A cache file's bytes: MAGIC, the body's CRC-32, then the body (key length, key, counts, arrays; 4-byte aligned). */
export function encodeIndex(l: IndexLayout): Buffer {
  const key = Buffer.from(l.key, 'utf8');
  const keyPad = (key.length + 3) & ~3;
  const lines = l.hash.length;
  const body = Buffer.alloc(4 + keyPad + 12 + 4 * (lines + 1) + 8 * lines);
  body.writeUInt32LE(key.length, 0);
  key.copy(body, 4);
  const u32 = new Uint32Array(body.buffer, body.byteOffset + 4 + keyPad, 3 + (lines + 1) + 2 * lines); // Buffer.alloc: offset 0
  u32[0] = lines;
  u32[1] = l.distinct;
  u32[2] = l.anyCrc ? 1 : 0;
  u32.set(l.lineStart, 3);
  u32.set(l.hash, 4 + lines);
  u32.set(l.line, 4 + 2 * lines);
  const digest = Buffer.alloc(4);
  digest.writeUInt32LE(crc32Of(body));
  return Buffer.concat([MAGIC, digest, body]);
}

/** A cache file's bytes (in an ArrayBuffer of their own, offset 0) decoded, or why they are not a cache. */
export function decodeIndex(buf: Buffer): IndexLayout | string {
  if (buf.length < BODY_AT + 16 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return 'no ksymcheck symvers index header';
  const body = buf.subarray(BODY_AT);
  if (crc32Of(body) !== buf.readUInt32LE(DIGEST_AT)) return 'checksum mismatch';
  const keyLen = body.readUInt32LE(0);
  if (keyLen > body.length) return 'key cut short';
  const keyPad = (keyLen + 3) & ~3;
  if (4 + keyPad + 12 > body.length) return 'key cut short';
  const at = BODY_AT + 4 + keyPad;
  const lines = buf.readUInt32LE(at);
  if (lines === 0 || lines >= MAX_LINES || buf.length !== at + 12 + 4 * (lines + 1) + 8 * lines) return `${buf.length} bytes for ${lines} lines`;
  if (buf.byteOffset % 4 !== 0) return 'misaligned';
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset + at, 3 + (lines + 1) + 2 * lines);
  const l: IndexLayout = {
    key: body.toString('utf8', 4, 4 + keyLen),
    distinct: u32[1]!,
    anyCrc: u32[2] === 1,
    lineStart: u32.subarray(3, 4 + lines),
    hash: u32.subarray(4 + lines, 4 + 2 * lines),
    line: u32.subarray(4 + 2 * lines),
  };
  // what the look-ups rely on, so that no index into an array falls outside it
  if (l.lineStart[0] !== 0) return 'first line not at 0';
  for (let i = 0; i < lines; i++) if (l.lineStart[i + 1]! <= l.lineStart[i]!) return `line ${i + 1} does not follow line ${i}`;
  for (let k = 0; k < lines; k++) {
    if (l.line[k]! >= lines) return `entry ${k}: line ${l.line[k]} of ${lines}`;
    if (k > 0 && l.hash[k]! < l.hash[k - 1]!) return `entry ${k}: hashes out of order`;
  }
  if (l.distinct === 0 || l.distinct > lines) return `${l.distinct} names in ${lines} lines`;
  return l;
}

/** The layout of a SymversIndex over the text of a file with identity `key`. */
function layoutOf(index: SymversIndex, key: string, fileSize: number): IndexLayout {
  const lines = index.lines;
  const lineStart = new Uint32Array(lines + 1);
  lineStart.set(index.lineStarts());
  lineStart[lines] = fileSize;
  const hashes = index.nameHashes();
  const keys = new Float64Array(lines);
  for (let i = 0; i < lines; i++) keys[i] = hashes[i]! * MAX_LINES + i;
  keys.sort();
  const hash = new Uint32Array(lines);
  const line = new Uint32Array(lines);
  for (let k = 0; k < lines; k++) {
    const i = keys[k]! % MAX_LINES;
    line[k] = i;
    hash[k] = hashes[i]!;
  }
  return { key, lineStart, hash, line, distinct: index.size, anyCrc: index.anyCrc() };
}

/** The one Module.symvers file the indexes hold open (see indexedFile()). */
let held: { abs: string; key: string; fd: number } | undefined;

/**
 * The file at `abs`, open, when its identity is still `key` (an index's); undefined when it is not, or
 * cannot be opened. One descriptor at most is held for all indexes: it serves the look-ups of one turn
 * of the event loop (a check makes them in bursts) and is closed at the next, or when another index's
 * file is asked for, so that a process keeping many indexes (a library user loading many kernels, the
 * fuzz suite making thousands in one synchronous loop) holds no more.
 */
function indexedFile(abs: string, key: string): number | undefined {
  if (held?.abs === abs && held.key === key) return held.fd;
  releaseHeld();
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch {
    return undefined;
  }
  let same = false;
  try {
    same = identity(abs, fstatSync(fd, { bigint: true })) === key;
  } catch {
    // an fstat that fails: not the file indexed
  }
  if (!same) {
    closeSync(fd);
    return undefined;
  }
  const h = { abs, key, fd };
  held = h;
  setImmediate(() => {
    if (held === h) releaseHeld();
  }).unref();
  return fd;
}

function releaseHeld(): void {
  if (held === undefined) return;
  const { fd } = held;
  held = undefined;
  closeSync(fd);
}

/**
 * The exports of a Module.symvers through its cache: a look-up reads the lines its name's hash points at
 * (see the header). `values()` and the rest that want every export read the whole file (SymversIndex).
 */
export class CachedSymvers implements ExportSource {
  readonly #file: string;
  readonly #abs: string;
  readonly #layout: IndexLayout;
  readonly #asked = new Map<string, Export | null>();
  #whole: (ExportSource & { anyCrc(): boolean }) | undefined;
  #lineReads = 0;
  /** Distinct names. */
  readonly size: number;
  /** Lines (an export each, duplicates included). */
  readonly lines: number;

  /** `file` as given (errors and origins name it), `abs` its absolute path, `layout` its index, whose key matched it. */
  constructor(file: string, abs: string, layout: IndexLayout) {
    this.#file = file;
    this.#abs = abs;
    this.#layout = layout;
    this.size = layout.distinct;
    this.lines = layout.hash.length;
  }

  /** Whether look-ups still go through the cache (false once a line did not match it). */
  get cached(): boolean {
    return this.#whole === undefined;
  }

  get(name: string): Export | undefined {
    if (this.#whole) return this.#whole.get(name);
    let e = this.#asked.get(name);
    if (e === undefined) {
      e = this.#lookup(name);
      if (e === undefined) return this.#wholeRead(`a line not as its index says, looking up ${name}`).get(name);
      this.#asked.set(name, e);
    }
    return e ?? undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  values(): IterableIterator<Export> {
    return this.#wholeRead('every export asked for').values();
  }

  names(): IterableIterator<string> {
    const whole = this.#wholeRead('every name asked for');
    return whole.names ? whole.names() : (function* () {
      for (const e of whole.values()) yield e.name;
    })();
  }

  anyCrc(): boolean {
    return this.#whole ? this.#whole.anyCrc() : this.#layout.anyCrc;
  }

  /** The export of `name` from the lines its hash points at; null when none has it; undefined when a line is not what the cache says. */
  #lookup(name: string): Export | null | undefined {
    if (this.#lineReads >= MAX_LINE_READS) return this.#wholeRead(`${MAX_LINE_READS} lines read one by one`).get(name) ?? null;
    const { hash, line } = this.#layout;
    const h = hashRange(name, 0, name.length);
    let lo = 0;
    let hi = hash.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hash[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < hash.length && hash[k] === h; k++) {
      const e = this.#readLine(line[k]!, h);
      if (e === undefined || e.name === name) return e;
    }
    return null;
  }

  /** Line i's export read from the file, or undefined when the line is not what the cache says it is. */
  #readLine(i: number, h: number): Export | undefined {
    this.#lineReads++;
    const start = this.#layout.lineStart[i]!;
    const len = this.#layout.lineStart[i + 1]! - start;
    if (len > MAX_LINE) return undefined;
    const fd = indexedFile(this.#abs, this.#layout.key);
    if (fd === undefined) return undefined;
    const buf = Buffer.allocUnsafe(len);
    try {
      for (let at = 0; at < len; ) {
        const n = readSync(fd, buf, at, len - at, start + at);
        if (n === 0) return undefined;
        at += n;
      }
    } catch {
      return undefined; // the whole read says what the file system says
    }
    if (!isAscii(buf)) return undefined;
    const text = buf.toString('latin1');
    const re = MODERN_LINE_CHECK;
    re.lastIndex = 0;
    if (!re.test(text) || re.lastIndex !== len) return undefined;
    const nameStart = text.indexOf('\t') + 1;
    const nameEnd = text.indexOf('\t', nameStart);
    if (hashRange(text, nameStart, nameEnd) !== h) return undefined;
    return exportOfLine(text, 0, nameStart, nameEnd, this.#file, i + 1);
  }

  /** The whole-file read, as readSymversIndexed() reads it (from then on every answer is its); `why` for NODE_DEBUG. */
  #wholeRead(why: string): ExportSource & { anyCrc(): boolean } {
    if (this.#whole) return this.#whole;
    let buf: Buffer;
    try {
      buf = readFileSync(this.#file);
    } catch (e) {
      throw new InputError(this.#file, describeFsError(e));
    }
    debug('symvers index: %s read whole: %s', this.#file, why);
    this.#whole = wholeSource(indexSymversBytes(buf, this.#file));
    return this.#whole;
  }
}

/** What indexSymversBytes() gave, as a source of exports: a SymversIndex, or a file's lines added first-wins. */
function wholeSource(got: SymversIndex | SymversFile): ExportSource & { anyCrc(): boolean } {
  if (got instanceof SymversIndex) return got;
  const index = new ExportIndex();
  for (const e of got.exports) index.add(e);
  const anyCrc = got.exports.some((e) => e.crc);
  return Object.assign(index, { anyCrc: () => anyCrc });
}

/** The cache file's layout when it is whole, ours, and for this state of the file; else why not. */
function readCacheFile(file: string, key: string): IndexLayout | string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK); // (a FIFO in its place: not waited on, refused below)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'not a regular file';
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) return `owned by uid ${st.uid}, not ${uid}`;
    if ((st.mode & 0o022) !== 0) return `writable by others (mode ${(st.mode & 0o777).toString(8)})`;
    if (st.size > 64 << 20) return `${st.size} bytes`;
    const buf = Buffer.from(new ArrayBuffer(st.size)); // offset 0: the arrays are read in place
    for (let at = 0; at < buf.length; ) {
      const n = readSync(fd, buf, at, buf.length - at, at);
      if (n === 0) return `cut short at ${at} bytes`;
      at += n;
    }
    const l = decodeIndex(buf);
    if (typeof l === 'string') return l;
    if (l.key !== key) return 'for another state of the file';
    return l;
  } catch (e) {
    return (e as Error).message;
  } finally {
    closeSync(fd);
  }
}

/** Write the cache file whole or not at all (a temporary file renamed over it); a directory that will not have it changes nothing. */
function writeCacheFile(dir: string, name: string, layout: IndexLayout): void {
  const file = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, encodeIndex(layout), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory is not there or not ours: nothing was left in it
    }
    debug('symvers index not written: %s: %s', file, (e as Error).message);
    return;
  }
  debug('symvers index written: %s', file);
  prune(dir, name);
}

/** The newest KEEP index files kept, older ones removed. */
function prune(dir: string, keep: string): void {
  try {
    const others = readdirSync(dir)
      .filter((f) => f.startsWith('symvers-') && f.endsWith('.idx') && f !== keep)
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of others.slice(KEEP - 1)) rmSync(join(dir, f), { force: true });
  } catch {
    // a cache we cannot tidy costs disk space, not correctness
  }
}

/**
 * Read a Module.symvers for loadKernel() as readSymversIndexed() does — the same exports, the same errors —
 * through its index in `dir` when there is a good one (see the header), writing one when there is not.
 */
export function readSymversCached(path: string, dir: string): LazySymvers | SymversFile {
  let st: BigIntStats;
  try {
    st = statSync(path, { bigint: true });
  } catch {
    return readSymversIndexed(path); // its error
  }
  // a FIFO, a device, a small or gzip file: read as without a cache (open() of a FIFO would wait here)
  if (!st.isFile() || st.size < BigInt(MIN_BYTES) || path.endsWith('.gz')) return readSymversIndexed(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(path, describeFsError(e));
  }
  try {
    st = fstatSync(fd, { bigint: true });
    const abs = resolve(path);
    const key = identity(abs, st);
    const name = cacheFileName(abs);
    const got = readCacheFile(join(dir, name), key);
    if (typeof got !== 'string') {
      debug('symvers index used: %s for %s', join(dir, name), path);
      return new CachedSymvers(path, abs, got);
    }
    debug('symvers index not used: %s: %s', join(dir, name), got);
    let buf: Buffer;
    try {
      buf = readFileSync(fd);
    } catch (e) {
      throw new InputError(path, describeFsError(e));
    }
    const index = indexSymversBytes(buf, path);
    const gzip = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
    if (index instanceof SymversIndex && !gzip && buf.length === Number(st.size) && index.lines < MAX_LINES && isAscii(buf)) {
      if (changeMayGoUnseen(st, Date.now())) debug('symvers index not written: %s changed within the last %d ms on a file system with coarse times', path, RACY_MS);
      else writeCacheFile(dir, name, layoutOf(index, key, buf.length));
    }
    return index;
  } finally {
    closeSync(fd);
  }
}
