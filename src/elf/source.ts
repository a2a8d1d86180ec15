/**
 * Where ELF bytes come from: a file read at positions (a 600 MB debug vmlinux is never read whole),
 * or a buffer already in memory (a decompressed module). Every read is bounds-checked by the caller,
 * ElfFile, which knows which structure it was reading; here a short read is the only error.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteSource {
  /** The file name errors are reported against. */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; the caller has checked offset + length <= size. */
  read(offset: number, length: number): Buffer;
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

  constructor(readonly name: string) {
    this.fd = openSync(name, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  read(offset: number, length: number): Buffer {
    if (this.fd === undefined) throw new Error(`${this.name}: read after close`);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`${this.name}: short read at offset ${offset + done}`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
