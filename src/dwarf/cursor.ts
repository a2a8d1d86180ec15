/**
 * A bounds-checked reading position in one debug section's data (relocated, decompressed). Every read
 * checks the end of the section — or of a narrower `limit` (a unit's end) — and a bad value raises
 * DwarfFormatError naming the file, the section and the position.
 */
import { DwarfFormatError } from '../errors.js';

/** One debug section's bytes and where they came from (for errors). */
export interface DebugData {
  /** Section name as in the file (`.debug_info`, `.zdebug_line`, …). */
  readonly name: string;
  readonly data: Buffer;
  /** The file the section is in, and the file offset errors point at (offset of the data + position, when stored plainly). */
  readonly file: string;
  readonly fileOffset: number;
  /** The data is stored plainly in the file (so fileOffset + position is a real file offset). */
  readonly plain: boolean;
  /** The file's size (error offsets stay inside it). */
  readonly fileSize: number;
}

export function dwarfFail(d: DebugData, at: number, reason: string): never {
  let off = d.plain ? d.fileOffset + Math.max(0, Math.min(at, d.data.length)) : d.fileOffset;
  if (!(off >= 0 && off <= d.fileSize)) off = Math.max(0, Math.min(d.fileSize, d.fileOffset));
  throw new DwarfFormatError(d.file, off, d.name, at, reason);
}

const TWO32 = 0x100000000;

export class Cursor {
  pos: number;
  /** Reads stop here (the section end, or a unit's end). */
  limit: number;
  constructor(
    readonly d: DebugData,
    pos: number,
    readonly le: boolean,
    limit?: number,
  ) {
    this.pos = pos;
    this.limit = limit === undefined ? d.data.length : Math.min(limit, d.data.length);
  }

  fail(reason: string, at = this.pos): never {
    dwarfFail(this.d, at, reason);
  }

  private need(n: number, what: string): void {
    if (!(this.pos >= 0 && this.pos + n <= this.limit)) this.fail(`${what} (${n} bytes) runs past the end (0x${this.limit.toString(16)})`);
  }

  get atEnd(): boolean {
    return this.pos >= this.limit;
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.d.data[this.pos++];
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const b = this.d.data;
    const v = this.le ? b.readUInt16LE(this.pos) : b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(what = 'u24'): number {
    this.need(3, what);
    const b = this.d.data;
    const p = this.pos;
    this.pos += 3;
    return this.le ? b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) : (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const b = this.d.data;
    const v = this.le ? b.readUInt32LE(this.pos) : b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /**
   * A u64 as a Number: exact below 2^53; above, a value at least 2^53 (addresses that high are the
   * all-ones "base address" marker or a tombstone, never a module's code).
   */
  u64(what = 'u64'): number {
    this.need(8, what);
    const b = this.d.data;
    const lo = this.le ? b.readUInt32LE(this.pos) : b.readUInt32BE(this.pos + 4);
    const hi = this.le ? b.readUInt32LE(this.pos + 4) : b.readUInt32BE(this.pos);
    this.pos += 8;
    return hi * TWO32 + lo;
  }
  /** An unsigned field of `size` bytes (1, 2, 4 or 8). */
  uN(size: number, what: string): number {
    switch (size) {
      case 1:
        return this.u8(what);
      case 2:
        return this.u16(what);
      case 4:
        return this.u32(what);
      case 8:
        return this.u64(what);
      default:
        return this.fail(`${what}: unsupported size ${size}`);
    }
  }
  /** An offset into another section (4 bytes in 32-bit DWARF, 8 in 64-bit). */
  offset(is64: boolean, what = 'section offset'): number {
    return is64 ? this.u64(what) : this.u32(what);
  }
  uleb(what = 'ULEB128'): number {
    const b = this.d.data;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.limit) this.fail(`${what} runs past the end (0x${this.limit.toString(16)})`);
      const byte = b[this.pos++];
      // beyond 2^53 the value is no offset, count or line of any real file: saturate rather than wrap
      if (mul < 2 ** 56) result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) return result;
      if (i > 64) this.fail(`${what} longer than 64 bytes`);
    }
  }
  sleb(what = 'SLEB128'): number {
    const b = this.d.data;
    let result = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.limit) this.fail(`${what} runs past the end (0x${this.limit.toString(16)})`);
      const byte = b[this.pos++];
      if (mul < 2 ** 56) result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) {
        if (byte & 0x40 && mul <= 2 ** 63) result -= mul;
        return result;
      }
      if (i > 64) this.fail(`${what} longer than 64 bytes`);
    }
  }
  /**
   * A unit's initial length (32-bit, or 0xffffffff then 64-bit: the unit's offsets are then 8 bytes);
   * reads are limited to the unit from here on. Returns whether the unit is 64-bit DWARF.
   */
  initialLength(what: string): boolean {
    const start = this.pos;
    let len = this.u32(`${what} length`);
    let is64 = false;
    if (len === 0xffffffff) {
      is64 = true;
      len = this.u64(`${what} length`);
    } else if (len >= 0xfffffff0) this.fail(`${what}: reserved length 0x${len.toString(16)}`, start);
    const end = this.pos + len;
    if (!(end <= this.limit)) this.fail(`${what} of 0x${len.toString(16)} bytes runs past the end (0x${this.limit.toString(16)})`, start);
    this.limit = end;
    return is64;
  }

  skip(n: number, what: string): void {
    if (!(n >= 0)) this.fail(`${what}: bad length ${n}`);
    this.need(n, what);
    this.pos += n;
  }
  /** A NUL-terminated string here (UTF-8, as names and paths are printed). */
  cstr(what = 'string'): string {
    const b = this.d.data;
    const end = b.indexOf(0, this.pos);
    if (end < 0 || end >= this.limit) this.fail(`${what} is not NUL-terminated`);
    const s = b.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
}

/** The NUL-terminated string at `at` in a string section (.debug_str, .debug_line_str). */
export function stringAt(d: DebugData, at: number, what: string): string {
  if (!(at >= 0 && at < d.data.length)) dwarfFail(d, 0, `${what}: string offset 0x${at.toString(16)} is outside ${d.name} (0x${d.data.length.toString(16)} bytes)`);
  const end = d.data.indexOf(0, at);
  if (end < 0) dwarfFail(d, at, `${what}: string is not NUL-terminated`);
  return d.data.toString('utf8', at, end);
}
