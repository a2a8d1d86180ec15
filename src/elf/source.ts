/**
 * Where ELF bytes come from: a file read at positions (a 600 MB debug vmlinux is never read whole),
 * or a buffer already in memory (a decompressed module). Every read is bounds-checked by the caller,
 * ElfFile, which knows which structure it was reading; here a short read is the only error.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfFormatError, InputError } from '../errors.js';

/** A file-system error as a reason (no stack, no errno jargon beyond the code). */
function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return `cannot read: ${(e as Error | undefined)?.message ?? String(e)}`;
}

export interface ByteSource {
  /** The file name errors are reported against. */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; the caller has checked offset + length <= size. */
  read(offset: number, length: number): Buffer;
  /** The same bytes copied into `out` (a reusable buffer of at least `length` bytes), where a source can. */
  readInto?(offset: number, length: number, out: Buffer): Buffer;
  /** Serve later reads inside `bytes` (read at `offset`) from them, where a source reads a file. */
  keep?(offset: number, bytes: Buffer): void;
  close(): void;
}

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(
    readonly name: string,
    private readonly buf: Buffer,
  ) {
    this.size = buf.length;
  }
  read(offset: number, length: number): Buffer {
    return this.buf.subarray(offset, offset + length);
  }
  close(): void {}
}

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;
  /** The file's first bytes, when the opener read them already (magic and ELF header: one read, not two). */
  private head: Buffer | undefined;
  /** A range read already and kept (keep()): the section header table and what follows it to the end. */
  private keptAt = 0;
  private kept: Buffer | undefined;

  /** `opened`: a descriptor the caller already opened (and its size); the source then owns it. */
  constructor(
    readonly name: string,
    opened?: { fd: number; size: number },
  ) {
    if (opened) {
      this.fd = opened.fd;
      this.size = opened.size;
      return;
    }
    try {
      this.fd = openSync(name, 'r');
    } catch (e) {
      throw new InputError(name, fsReason(e));
    }
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw new InputError(name, fsReason(e));
    }
  }

  /**
   * Keep the first `length` bytes (read now) for later reads that fall inside them: the opener looks at
   * the magic bytes, then the ELF reader reads its header from the same place.
   */
  readHead(length: number): Buffer {
    this.head = undefined;
    const head = this.read(0, Math.min(length, this.size));
    this.head = head;
    return head;
  }

  keep(offset: number, bytes: Buffer): void {
    this.keptAt = offset;
    this.kept = bytes;
  }

  /** The kept bytes of [offset, offset + length), if they hold all of it. */
  private keptRange(offset: number, length: number): Buffer | undefined {
    const k = this.kept;
    if (k === undefined || offset < this.keptAt || offset + length > this.keptAt + k.length) return undefined;
    return k.subarray(offset - this.keptAt, offset - this.keptAt + length);
  }

  read(offset: number, length: number): Buffer {
    const head = this.head;
    if (head !== undefined && offset + length <= head.length) return head.subarray(offset, offset + length);
    const kept = this.keptRange(offset, length);
    if (kept !== undefined) return kept;
    return this.readInto(offset, length, Buffer.allocUnsafe(length));
  }

  /** read() into `out` (at least `length` bytes; the first `length` are returned). */
  readInto(offset: number, length: number, out: Buffer): Buffer {
    if (this.fd === undefined) throw new Error(`${this.name}: read after close`);
    const head = this.head;
    if (head !== undefined && offset + length <= head.length) {
      head.copy(out, 0, offset, offset + length);
      return out.length === length ? out : out.subarray(0, length);
    }
    const kept = this.keptRange(offset, length);
    if (kept !== undefined) {
      kept.copy(out, 0);
      return out.length === length ? out : out.subarray(0, length);
    }
    return this.pread(offset, length, out);
  }

  /** The one place bytes come from the file (the other reads are served from what was read before). */
  private pread(offset: number, length: number, out: Buffer): Buffer {
    if (this.fd === undefined) throw new Error(`${this.name}: read after close`);
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = readSync(this.fd, out, done, length - done, offset + done);
      } catch (e) {
        throw new InputError(this.name, fsReason(e), { offset: offset + done });
      }
      // The file was this.size bytes when opened: a half-written file still being replaced, or cut.
      if (n === 0) throw new ElfFormatError(this.name, offset + done, `file ended at offset 0x${(offset + done).toString(16)} while reading ${length} bytes at 0x${offset.toString(16)}: it shrank while being read (it was ${this.size} bytes)`);
      done += n;
    }
    return out.length === length ? out : out.subarray(0, length);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    // what was kept may be a reader's arena (OpenOptions.tableArena), another file's bytes from now on
    this.head = undefined;
    this.kept = undefined;
  }
}
