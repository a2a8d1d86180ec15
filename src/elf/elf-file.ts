/**
 * An ELF reader in the manner of Go's debug/elf and kmod's libkmod-elf.c: the file is opened once, the
 * header and section table are read eagerly, section data lazily; 32/64-bit and both byte orders are
 * handled in one place (FieldReader); every read is bounds-checked and a bad file raises
 * ElfFormatError with the file name and the byte offset of the structure that was wrong.
 *
 * Offsets and sizes are Numbers (a file cannot exceed 2^53 bytes); addresses and symbol values are
 * BigInt (kernel addresses such as 0xffffffff81000000 do exceed 2^53).
 *
 * One file (~730 lines) because it is one cohesive thing: the ElfFile class and the header, section table, symbol
 * and relocation decoding that share its source, FieldReader and bounds checks (libkmod-elf.c is likewise
 * one file).
 */
import { constants as bufferConstants } from 'node:buffer';
import { ElfFormatError } from '../errors.js';
import {
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  REL_WORD_TYPES,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
} from './constants.js';
import { BufferSource, FileSource, type ByteSource } from './source.js';
import { ByteMap } from '../codec/byte-map.js';

export interface ElfHeader {
  elfClass: 32 | 64;
  littleEndian: boolean;
  osabi: number;
  abiVersion: number;
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  /** The real section count (from section 0's sh_size under extended numbering). */
  shnum: number;
  /** The real section-name string table index (from section 0's sh_link when e_shstrndx = SHN_XINDEX). */
  shstrndx: number;
}

export interface ElfSection {
  index: number;
  name: string;
  nameOffset: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: bigint;
  entsize: number;
  /** File offset of this section's header (where errors about it point). */
  headerOffset: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: bigint;
  size: bigint;
  bind: number;
  type: number;
  other: number;
  /** st_shndx, with SHN_XINDEX already resolved through SHT_SYMTAB_SHNDX. */
  shndx: number;
  /**
   * The section the symbol is defined in; undefined for the reserved indices (SHN_UNDEF, SHN_ABS,
   * SHN_COMMON, …). Use this, not shndx, to tell a real section: under extended numbering a real index
   * may equal a reserved value (e.g. section 65521 = SHN_ABS).
   */
  section: number | undefined;
}

export interface ElfRelocation {
  /** Offset in the target section (ET_REL) or virtual address (ET_EXEC/DYN). */
  offset: bigint;
  symIndex: number;
  type: number;
  /** RELA: explicit; REL: the implicit addend read from the place for word-sized types, else 0n. */
  addend: bigint;
}

/**
 * Section names met so far, by their bytes: a tree's 180,000 sections have a few hundred names, and the
 * section objects of files read one after another share their strings.
 */
const SECTION_NAMES = new ByteMap<string>(1 << 20);

function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/** The buffer selectSymbols() reads symbol tables through (one at a time: it does not re-enter). */
const SYMTAB_SCRATCH = { buf: Buffer.alloc(0) };

const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 4097 }, (_, i) => BigInt(i));

/** BigInt(n) for a u32, from the table when small (module symbol values and sizes mostly are). */
function smallBigInt(n: number): bigint {
  return n < SMALL_BIGINTS.length ? SMALL_BIGINTS[n] : BigInt(n);
}

/** Reads fixed-width fields in the file's byte order and class. The only place that knows either. */
export class FieldReader {
  constructor(
    readonly littleEndian: boolean,
    readonly is64: boolean,
  ) {}
  u8(b: Buffer, o: number): number {
    return b[o];
  }
  u16(b: Buffer, o: number): number {
    return this.littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  i32(b: Buffer, o: number): number {
    return this.littleEndian ? b.readInt32LE(o) : b.readInt32BE(o);
  }
  u64(b: Buffer, o: number): bigint {
    return this.littleEndian ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
  }
  i64(b: Buffer, o: number): bigint {
    return this.littleEndian ? b.readBigInt64LE(o) : b.readBigInt64BE(o);
  }
  /** A u64 field as a Number when that is exact (below 2^53), else NaN: offsets and sizes without a BigInt. */
  u64n(b: Buffer, o: number): number {
    const lo = this.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o + 4);
    const hi = this.littleEndian ? b.readUInt32LE(o + 4) : b.readUInt32BE(o);
    return hi < 0x200000 ? hi * 0x100000000 + lo : NaN;
  }
  /** u64(), with the small values most flags, alignments and ET_REL addresses have taken from a table. */
  u64s(b: Buffer, o: number): bigint {
    const lo = this.littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o + 4);
    const hi = this.littleEndian ? b.readUInt32LE(o + 4) : b.readUInt32BE(o);
    return hi === 0 && lo < SMALL_BIGINTS.length ? SMALL_BIGINTS[lo] : this.u64(b, o);
  }
  /** An address-sized unsigned field (Elf32_Addr / Elf64_Addr). */
  addr(b: Buffer, o: number): bigint {
    return this.is64 ? this.u64(b, o) : BigInt(this.u32(b, o));
  }
  get addrSize(): number {
    return this.is64 ? 8 : 4;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/**
 * String lookups scan at most this far for the NUL directly; a longer scan builds the table's list of NUL
 * positions once (see ElfFile.nulFrom), so a hostile table costs one pass, not one pass per name.
 */
const SHORT_SCAN = 256;

export interface OpenOptions {
  /**
   * Read this many bytes before the section header table with it, and take .shstrtab from them when it
   * lies there: `ld -r` puts it right before the table, so a module's section names come with the table
   * in one read (a tree of 4,000 modules counts its reads). Default 0: a vmlinux keeps debug info there.
   */
  tableLead?: number;
  /**
   * When the file ends at most this many bytes after the section header table, read them with it and
   * serve later reads there from them: a signed module's appended signature (CMS, struct
   * module_signature, marker: ~0.7-2 KB after the table) then costs no read of its own. Default 0.
   */
  tableTrail?: number;
  /**
   * Read the section header table (with its lead and trail) into `tableArena.buf`, grown as needed and
   * reused by the next file opened with the same arena, instead of a fresh Buffer: for a reader that
   * closes this file before it opens the next one and keeps no Buffer of it (the tree reader). A table
   * with its signature is 7-15 kB, above Node's 4 kB pool: a fresh one per file cost ~30 ms of a tree.
   * Only over a source that reads a file (readInto); the source forgets the block when closed.
   */
  tableArena?: { buf: Buffer };
}

export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: ElfSection[];
  readonly fields: FieldReader;
  private readonly byName = new Map<string, ElfSection>();
  private readonly dataCache = new Map<number, Buffer>();
  private symbolCache: ElfSymbol[] | undefined;
  /** Per string-table data: sorted NUL positions and the whole table as text, built on the first long scan. */
  private readonly longTables = new WeakMap<Buffer, { nuls: Uint32Array; text: string | undefined }>();

  private constructor(
    private readonly src: ByteSource,
    opts: OpenOptions = {},
  ) {
    const { header, fields } = ElfFile.readHeader(src);
    this.header = header;
    this.fields = fields;
    this.sections = this.readSections(opts.tableLead ?? 0, opts.tableTrail ?? 0, opts.tableArena);
    for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }

  /** Open a file for positional reads. The caller closes it. */
  static open(path: string): ElfFile {
    const src = new FileSource(path);
    try {
      return new ElfFile(src);
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /** Over any byte source (the ElfFile closes it on close()). */
  static fromSource(src: ByteSource, opts: OpenOptions = {}): ElfFile {
    try {
      return new ElfFile(src, opts);
    } catch (e) {
      src.close(); // a file rejected at its header or section table must not keep its descriptor
      throw e;
    }
  }

  static fromBuffer(buf: Buffer, name: string): ElfFile {
    return new ElfFile(new BufferSource(name, buf));
  }

  get file(): string {
    return this.src.name;
  }

  get fileSize(): number {
    return this.src.size;
  }

  close(): void {
    this.src.close();
    this.dataCache.clear();
  }

  private fail(offset: number, reason: string): never {
    throw new ElfFormatError(this.src.name, offset, reason);
  }

  /** Bounds-checked read of raw bytes. */
  readAt(offset: number, length: number, what: string): Buffer {
    this.checkRange(offset, length, what);
    return this.src.read(offset, length);
  }

  private checkRange(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.src.size) {
      this.fail(offset, `${what} (${length} bytes) extends past the end of the file (${this.src.size} bytes)`);
    }
  }

  private static readHeader(src: ByteSource): { header: ElfHeader; fields: FieldReader } {
    const fail = (o: number, r: string): never => {
      throw new ElfFormatError(src.name, o, r);
    };
    if (src.size < 16) fail(0, `not an ELF file: ${src.size} bytes is shorter than e_ident`);
    // one read for e_ident and the header (a module tree opens thousands of files: reads are counted)
    const head = src.read(0, Math.min(src.size, 64));
    const id = head.subarray(0, 16);
    if (id[0] !== 0x7f || id[1] !== 0x45 || id[2] !== 0x4c || id[3] !== 0x46) fail(0, 'not an ELF file: bad magic');
    const cls = id[4];
    if (cls !== ELFCLASS32 && cls !== ELFCLASS64) fail(4, `bad ELF class ${cls}`);
    const data = id[5];
    if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) fail(5, `bad ELF data encoding ${data}`);
    const is64 = cls === ELFCLASS64;
    const ehsize = is64 ? 64 : 52;
    if (src.size < ehsize) fail(0, `ELF header (${ehsize} bytes) extends past the end of the file (${src.size} bytes)`);
    const f = new FieldReader(data === ELFDATA2LSB, is64);
    const b = head.subarray(0, ehsize);
    const a = f.addrSize;
    let o = 16;
    const type = f.u16(b, o);
    const machine = f.u16(b, o + 2);
    const version = f.u32(b, o + 4);
    o += 8;
    const entry = f.addr(b, o);
    o += a;
    const phoff = f.addr(b, o);
    o += a;
    const shoff = f.addr(b, o);
    o += a;
    const flags = f.u32(b, o);
    const hdr = {
      ehsize: f.u16(b, o + 4),
      phentsize: f.u16(b, o + 6),
      phnum: f.u16(b, o + 8),
      shentsize: f.u16(b, o + 10),
      shnum: f.u16(b, o + 12),
      shstrndx: f.u16(b, o + 14),
    };
    if (shoff > MAX_SAFE) fail(is64 ? 0x28 : 0x20, `e_shoff 0x${shoff.toString(16)} is past the end of the file`);
    if (phoff > MAX_SAFE) fail(is64 ? 0x20 : 0x1c, `e_phoff 0x${phoff.toString(16)} is past the end of the file`);
    const header: ElfHeader = {
      elfClass: is64 ? 64 : 32,
      littleEndian: f.littleEndian,
      osabi: id[7],
      abiVersion: id[8],
      type,
      machine,
      version,
      entry,
      phoff: Number(phoff),
      shoff: Number(shoff),
      flags,
      ...hdr,
    };
    return { header, fields: f };
  }

  private readSections(tableLead: number, tableTrail: number, arena: { buf: Buffer } | undefined): ElfSection[] {
    const h = this.header;
    const f = this.fields;
    const want = f.is64 ? 64 : 40;
    const shoffField = f.is64 ? 0x28 : 0x20;
    if (h.shoff === 0) {
      // No section header table: then there are no sections (as Go's debug/elf insists).
      if (h.shnum !== 0) this.fail(shoffField, `e_shoff is 0 (no section header table) but e_shnum is ${h.shnum}`);
      return [];
    }
    if (h.shentsize < want) this.fail(f.is64 ? 0x3a : 0x2e, `e_shentsize ${h.shentsize} is smaller than a section header (${want})`);
    if (h.shoff + want > this.src.size) this.fail(shoffField, `section header table at 0x${h.shoff.toString(16)} is past the end of the file`);

    // Extended numbering: section 0 carries the real count and string table index.
    let shnum = h.shnum;
    let shstrndx = h.shstrndx;
    const s0 = shnum === 0 || shstrndx === SHN_XINDEX ? this.readAt(h.shoff, want, 'section header 0') : Buffer.alloc(0);
    if (shnum === 0) {
      const size0 = f.is64 ? f.u64(s0, 0x20) : BigInt(f.u32(s0, 0x14));
      if (size0 > BigInt(this.src.size)) this.fail(h.shoff, `extended section count ${size0} is larger than the file`);
      shnum = Number(size0);
    }
    if (shstrndx === SHN_XINDEX) shstrndx = f.u32(s0, f.is64 ? 0x28 : 0x18);
    // Check the table fits before allocating anything proportional to the count.
    if (h.shoff + shnum * h.shentsize > this.src.size) {
      this.fail(h.shoff, `section header table (${shnum} × ${h.shentsize} bytes at 0x${h.shoff.toString(16)}) extends past the end of the file`);
    }
    if (shnum > 0 && shstrndx >= shnum) this.fail(f.is64 ? 0x3e : 0x32, `e_shstrndx ${shstrndx} is not a section (there are ${shnum})`);
    h.shnum = shnum;
    h.shstrndx = shstrndx;

    // With up to `tableLead` bytes before it (OpenOptions): the names may come with the table.
    const lead = Math.min(h.shoff, tableLead);
    const tableEnd = h.shoff + shnum * h.shentsize;
    const trail = this.src.size - tableEnd <= tableTrail && this.src.keep ? this.src.size - tableEnd : 0;
    const blockLength = lead + shnum * h.shentsize + trail;
    let block: Buffer;
    if (arena && this.src.readInto) {
      this.checkRange(h.shoff - lead, blockLength, 'section header table');
      if (arena.buf.length < blockLength) arena.buf = Buffer.allocUnsafeSlow(Math.max(blockLength, arena.buf.length * 2, 1 << 16));
      block = this.src.readInto(h.shoff - lead, blockLength, arena.buf);
    } else block = this.readAt(h.shoff - lead, blockLength, 'section header table');
    if (trail > 0) this.src.keep!(h.shoff - lead, block);
    const table = block.subarray(lead, lead + shnum * h.shentsize);
    const out: ElfSection[] = new Array(shnum);
    for (let i = 0; i < shnum; i++) {
      const o = i * h.shentsize;
      const headerOffset = h.shoff + o;
      let s: ElfSection;
      if (f.is64) {
        // Numbers straight from two 32-bit words (NaN past 2^53: "beyond any file"), BigInts from a table
        const offset = f.u64n(table, o + 0x18);
        const size = f.u64n(table, o + 0x20);
        const entsize = f.u64n(table, o + 0x38);
        if (!(offset <= Number.MAX_SAFE_INTEGER && size <= Number.MAX_SAFE_INTEGER && entsize <= Number.MAX_SAFE_INTEGER)) {
          this.fail(headerOffset, `section ${i}: offset/size/entsize beyond any file`);
        }
        s = {
          index: i,
          name: '',
          nameOffset: f.u32(table, o),
          type: f.u32(table, o + 4),
          flags: f.u64s(table, o + 8),
          addr: f.u64s(table, o + 0x10),
          offset,
          size,
          link: f.u32(table, o + 0x28),
          info: f.u32(table, o + 0x2c),
          addralign: f.u64s(table, o + 0x30),
          entsize,
          headerOffset,
        };
      } else {
        s = {
          index: i,
          name: '',
          nameOffset: f.u32(table, o),
          type: f.u32(table, o + 4),
          flags: BigInt(f.u32(table, o + 8)),
          addr: BigInt(f.u32(table, o + 0xc)),
          offset: f.u32(table, o + 0x10),
          size: f.u32(table, o + 0x14),
          link: f.u32(table, o + 0x18),
          info: f.u32(table, o + 0x1c),
          addralign: BigInt(f.u32(table, o + 0x20)),
          entsize: f.u32(table, o + 0x24),
          headerOffset,
        };
      }
      out[i] = s;
    }
    if (shnum > 0 && shstrndx !== SHN_UNDEF) {
      const strtab = out[shstrndx];
      const from = h.shoff - lead;
      const inBlock = strtab.type !== SHT_NOBITS && strtab.offset >= from && strtab.offset + strtab.size <= from + block.length;
      const names = inBlock ? block.subarray(strtab.offset - from, strtab.offset - from + strtab.size) : this.dataOf(strtab);
      for (const s of out) s.name = this.sectionName(names, s.nameOffset, strtab, s.index);
    }
    return out;
  }

  /**
   * cString() of a section's name: a short one (the rule) through SECTION_NAMES, one string per distinct
   * name across every file read.
   */
  private sectionName(data: Buffer, offset: number, table: ElfSection, index: number): string {
    if (offset > 0 && offset < data.length) {
      const end = this.nulFrom(data, offset);
      if (end >= 0 && end - offset <= SHORT_SCAN) return SECTION_NAMES.get(data, offset, end, latin1);
    }
    return this.cString(data, offset, table, `name of section ${index}`);
  }

  /** A NUL-terminated string at `offset` in a string table's data (offset 0 is the empty name, as in ELF). */
  cString(data: Buffer, offset: number, table: ElfSection, what: string): string {
    if (offset === 0) return '';
    return this.stringAt(data, offset, table, what);
  }

  /**
   * The NUL-terminated string at `offset` in a section's data, offset 0 included. Time and memory stay
   * linear in the table however many names point into one long unterminated run: long strings are
   * slices of one decoded copy of the table, not a copy each.
   */
  stringAt(data: Buffer, offset: number, table: ElfSection, what: string): string {
    if (!(offset >= 0 && offset < data.length)) this.fail(table.headerOffset, `${what}: string offset ${offset} is outside ${table.name || 'string table'} (${data.length} bytes)`);
    const end = this.nulFrom(data, offset);
    if (end < 0) this.fail(table.offset + offset, `${what}: string is not NUL-terminated`);
    if (end - offset <= SHORT_SCAN) return data.toString('latin1', offset, end);
    if (end - offset > bufferConstants.MAX_STRING_LENGTH) this.fail(table.offset + offset, `${what}: string of ${end - offset} bytes is too long`);
    const long = this.longTables.get(data)!;
    if (long.text === undefined && data.length <= bufferConstants.MAX_STRING_LENGTH) long.text = data.toString('latin1');
    return long.text !== undefined ? long.text.slice(offset, end) : data.toString('latin1', offset, end);
  }

  /** Index of the first NUL at or after `offset` in `data`, or -1. */
  private nulFrom(data: Buffer, offset: number): number {
    let long = this.longTables.get(data);
    if (!long) {
      const stop = Math.min(data.length, offset + SHORT_SCAN + 1);
      for (let i = offset; i < stop; i++) if (data[i] === 0) return i;
      if (stop >= data.length) return -1;
      let count = 0;
      for (let i = data.indexOf(0); i !== -1; i = data.indexOf(0, i + 1)) count++;
      const nuls = new Uint32Array(count);
      for (let i = data.indexOf(0), k = 0; i !== -1; i = data.indexOf(0, i + 1)) nuls[k++] = i;
      this.longTables.set(data, (long = { nuls, text: undefined }));
    }
    const { nuls } = long;
    let lo = 0;
    let hi = nuls.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nuls[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < nuls.length ? nuls[lo] : -1;
  }

  section(name: string): ElfSection | undefined {
    return this.byName.get(name);
  }

  sectionAt(index: number, from: number, what: string): ElfSection {
    const s = this.sections[index];
    if (!s) this.fail(from, `${what}: section index ${index} is out of range (${this.sections.length} sections)`);
    return s;
  }

  /** Section contents, read on first use and cached. SHT_NOBITS reads as zeros of its size is never needed: empty. */
  sectionData(s: ElfSection): Buffer {
    return this.dataOf(s);
  }

  private dataOf(s: ElfSection): Buffer {
    const hit = this.dataCache.get(s.index);
    if (hit) return hit;
    if (s.type === SHT_NOBITS) return Buffer.alloc(0);
    if (s.offset + s.size > this.src.size) {
      this.fail(s.headerOffset, `section ${s.index} ${s.name ? `'${s.name}' ` : ''}(offset 0x${s.offset.toString(16)}, size 0x${s.size.toString(16)}) extends past the end of the file (${this.src.size} bytes)`);
    }
    const d = this.src.read(s.offset, s.size);
    this.dataCache.set(s.index, d);
    return d;
  }

  /** Can readInto() copy into a caller's buffer (a file), or does the data live in memory already? */
  get canReadInto(): boolean {
    return this.src.readInto !== undefined;
  }

  /**
   * Bytes at a file range copied into `out` (bounds-checked as readAt() checks them), for a caller that
   * reads several sections at once into a reused buffer. Only where canReadInto is true.
   */
  readInto(offset: number, length: number, out: Buffer): Buffer {
    if (!this.src.readInto) throw new Error(`${this.src.name}: readInto on an in-memory source`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.src.size) {
      this.fail(offset, `${length} bytes at 0x${offset.toString(16)} extend past the end of the file (${this.src.size} bytes)`);
    }
    return this.src.readInto(offset, length, out);
  }

  /**
   * A section's bytes for one pass over them (checked as sectionData() checks them): not cached, and
   * from a file read into `scratch.buf` (grown as needed, reused from call to call), so valid only until
   * the next call with the same scratch. For tables that are scanned and dropped (relocations), where a
   * fresh buffer per section is most of the garbage a tree of modules makes.
   */
  transientSectionData(s: ElfSection, scratch: { buf: Buffer }): Buffer {
    const hit = this.dataCache.get(s.index);
    if (hit || s.type === SHT_NOBITS || !this.src.readInto) return this.dataOf(s);
    if (s.offset + s.size > this.src.size) this.dataOf(s); // fails as sectionData() does
    if (scratch.buf.length < s.size) scratch.buf = Buffer.allocUnsafeSlow(Math.max(s.size, scratch.buf.length * 2, 1 << 16));
    return this.src.readInto(s.offset, s.size, scratch.buf);
  }

  /**
   * Read these sections' data now, neighbours within `gap` bytes of each other in one read (a module
   * reader wants ~15 sections of a file: one read each is most of its system-call time). Sections that
   * extend past the end of the file, SHT_NOBITS ones and ones already read are left to sectionData(),
   * which reports them as usual.
   * With `arena`, the data lands in `arena.buf` (grown as needed, reused by the next call): for a
   * caller that is done with this file — closed it — before it prefetches from another, and keeps no
   * Buffer from it. Fresh memory for every file costs page faults, more than the copy itself.
   */
  prefetch(sections: ElfSection[], gap = 4096, arena?: { buf: Buffer }): void {
    const want = sections
      .filter((s) => s.type !== SHT_NOBITS && s.size > 0 && !this.dataCache.has(s.index) && s.offset + s.size <= this.src.size)
      .sort((a, b) => a.offset - b.offset);
    const blocks: Array<[number, number, number, number]> = []; // start, end, first, last+1 (indices into want)
    for (let i = 0; i < want.length; ) {
      const start = want[i].offset;
      let end = start + want[i].size;
      let j = i + 1;
      while (j < want.length && want[j].offset <= end + gap) end = Math.max(end, want[j].offset + want[j].size), j++;
      blocks.push([start, end, i, j]);
      i = j;
    }
    const into = arena && this.src.readInto ? this.src.readInto.bind(this.src) : undefined;
    if (into) {
      const total = blocks.reduce((n, [a, b]) => n + ((b - a + 7) & ~7), 0);
      if (arena!.buf.length < total) arena!.buf = Buffer.allocUnsafeSlow(Math.max(total, arena!.buf.length * 2, 1 << 20));
    }
    let at = 0;
    for (const [start, end, i, j] of blocks) {
      let block: Buffer;
      if (into) {
        block = into(start, end - start, arena!.buf.subarray(at, at + end - start));
        at += (end - start + 7) & ~7;
      } else if (j === i + 1) {
        this.dataOf(want[i]);
        continue;
      } else block = this.src.read(start, end - start);
      for (let k = i; k < j; k++) this.dataCache.set(want[k].index, block.subarray(want[k].offset - start, want[k].offset - start + want[k].size));
    }
  }

  /** Forget every section read so far (after a prefetch into an arena: later reads come from the file again). */
  dropSectionData(): void {
    this.dataCache.clear();
  }

  /** Bytes of a section at a virtual address (for ET_EXEC data such as __crc_ values); undefined if outside. */
  readAtAddress(s: ElfSection, addr: bigint, length: number): Buffer | undefined {
    if (s.type === SHT_NOBITS || length <= 0) return undefined;
    const rel = addr - s.addr;
    if (rel < 0n || rel + BigInt(length) > BigInt(s.size)) return undefined;
    // Only the bytes asked for (a string in a vmlinux's 5 MB .rodata), unless the section is read already
    // or does not fit the file (then sectionData() reports it as usual).
    const cached = this.dataCache.get(s.index);
    if (!cached && s.offset + s.size <= this.src.size) return this.src.read(s.offset + Number(rel), length);
    return (cached ?? this.dataOf(s)).subarray(Number(rel), Number(rel) + length);
  }

  /** The static symbol table (.symtab), or [] when stripped. Index 0 (the null symbol) is included. */
  symbols(): ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    this.symbolCache = symtab ? this.readSymbols(symtab) : [];
    return this.symbolCache;
  }

  readSymbols(symtab: ElfSection): ElfSymbol[] {
    const f = this.fields;
    const entsize = f.is64 ? 24 : 16;
    if (symtab.entsize !== 0 && symtab.entsize !== entsize) this.fail(symtab.headerOffset, `symbol table '${symtab.name}' has sh_entsize ${symtab.entsize}, expected ${entsize}`);
    if (symtab.size % entsize !== 0) this.fail(symtab.headerOffset, `symbol table '${symtab.name}' size ${symtab.size} is not a multiple of ${entsize}`);
    const strtab = this.sectionAt(symtab.link, symtab.headerOffset, `sh_link of '${symtab.name}'`);
    if (strtab.type !== SHT_STRTAB) this.fail(symtab.headerOffset, `sh_link of '${symtab.name}' points at section ${strtab.index}, which is not a string table`);
    const data = this.dataOf(symtab);
    const names = this.dataOf(strtab);
    const shndxSec = this.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    const shndxData = shndxSec ? this.dataOf(shndxSec) : undefined;
    const n = symtab.size / entsize;
    const out: ElfSymbol[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * entsize;
      let nameOff: number, value: bigint, size: bigint, info: number, other: number, shndx: number;
      if (f.is64) {
        nameOff = f.u32(data, o);
        info = data[o + 4];
        other = data[o + 5];
        shndx = f.u16(data, o + 6);
        value = f.u64(data, o + 8);
        size = f.u64(data, o + 16);
      } else {
        nameOff = f.u32(data, o);
        value = BigInt(f.u32(data, o + 4));
        size = BigInt(f.u32(data, o + 8));
        info = data[o + 12];
        other = data[o + 13];
        shndx = f.u16(data, o + 14);
      }
      let section: number | undefined;
      if (shndx === SHN_XINDEX) {
        if (!shndxData || (i + 1) * 4 > shndxData.length) this.fail(symtab.offset + o, `symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it`);
        shndx = f.u32(shndxData, i * 4);
        section = shndx;
      } else if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE) {
        section = shndx;
      }
      out[i] = {
        index: i,
        name: this.cString(names, nameOff, strtab, `name of symbol ${i}`),
        value,
        size,
        bind: info >> 4,
        type: info & 0xf,
        other,
        shndx,
        section,
      };
    }
    return out;
  }

  /**
   * Only the symbols `keep` chooses, decoded in full; the others are validated exactly as readSymbols()
   * validates them (SHN_XINDEX entries, name offsets, NUL termination), so a file fails with the same
   * error either way, but without a string and two BigInts per symbol: a module reader needs the names
   * of its undefined symbols and of a few labels, not of its 200 static functions.
   * `keep(index, st_info, st_shndx, names, st_name, section)` sees st_shndx with SHN_XINDEX resolved,
   * the string table's bytes (the name at st_name is NUL-terminated there: checked before keep() is
   * asked) and the symbol's `section` as ElfSymbol has it; `count` is the table's symbol count (index 0
   * included), 0 without a .symtab.
   */
  selectSymbols(keep: (index: number, info: number, shndx: number, names: Buffer, nameOffset: number, section: number | undefined) => boolean): { symbols: ElfSymbol[]; count: number } {
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return { symbols: [], count: 0 };
    const f = this.fields;
    const entsize = f.is64 ? 24 : 16;
    if (symtab.entsize !== 0 && symtab.entsize !== entsize) this.fail(symtab.headerOffset, `symbol table '${symtab.name}' has sh_entsize ${symtab.entsize}, expected ${entsize}`);
    if (symtab.size % entsize !== 0) this.fail(symtab.headerOffset, `symbol table '${symtab.name}' size ${symtab.size} is not a multiple of ${entsize}`);
    const strtab = this.sectionAt(symtab.link, symtab.headerOffset, `sh_link of '${symtab.name}'`);
    if (strtab.type !== SHT_STRTAB) this.fail(symtab.headerOffset, `sh_link of '${symtab.name}' points at section ${strtab.index}, which is not a string table`);
    // the table is scanned once: read through a reused buffer unless it is in memory already
    const data = this.transientSectionData(symtab, SYMTAB_SCRATCH);
    const names = this.dataOf(strtab);
    const shndxSec = this.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    const shndxData = shndxSec ? this.dataOf(shndxSec) : undefined;
    // Every in-range offset of a table ending in NUL names a terminated string: then an unchosen name
    // needs only its range checked; otherwise (or for a table too long for one string) the full check.
    const cheapNames = names.length > 0 && names[names.length - 1] === 0 && names.length <= bufferConstants.MAX_STRING_LENGTH;
    const n = symtab.size / entsize;
    const le = f.littleEndian;
    const out: ElfSymbol[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * entsize;
      let nameOff: number, info: number, shndx: number;
      if (f.is64) {
        nameOff = le ? data.readUInt32LE(o) : data.readUInt32BE(o);
        info = data[o + 4];
        shndx = le ? data[o + 6] | (data[o + 7] << 8) : (data[o + 6] << 8) | data[o + 7];
      } else {
        nameOff = le ? data.readUInt32LE(o) : data.readUInt32BE(o);
        info = data[o + 12];
        shndx = le ? data[o + 14] | (data[o + 15] << 8) : (data[o + 14] << 8) | data[o + 15];
      }
      let section: number | undefined;
      if (shndx === SHN_XINDEX) {
        if (!shndxData || (i + 1) * 4 > shndxData.length) this.fail(symtab.offset + o, `symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it`);
        shndx = f.u32(shndxData, i * 4);
        section = shndx;
      } else if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE) {
        section = shndx;
      }
      if (nameOff !== 0 && !(cheapNames && nameOff < names.length)) {
        // out of range, or a table without a final NUL: the full check (it fails where readSymbols fails)
        this.cString(names, nameOff, strtab, `name of symbol ${i}`);
      }
      if (!keep(i, info, shndx, names, nameOff, section)) continue;
      out.push({
        index: i,
        name: this.cString(names, nameOff, strtab, `name of symbol ${i}`),
        value: f.is64 ? f.u64s(data, o + 8) : smallBigInt(f.u32(data, o + 4)),
        size: f.is64 ? f.u64s(data, o + 16) : smallBigInt(f.u32(data, o + 8)),
        bind: info >> 4,
        type: info & 0xf,
        other: data[o + (f.is64 ? 5 : 13)],
        shndx,
        section,
      });
    }
    return { symbols: out, count: n };
  }

  /** The section a symbol is defined in, when it is a section of this file. */
  sectionOf(s: ElfSymbol): ElfSection | undefined {
    return s.section === undefined ? undefined : this.sections[s.section];
  }

  /** Relocations of a SHT_REL or SHT_RELA section. */
  relocations(rel: ElfSection): ElfRelocation[] {
    const f = this.fields;
    const isRela = rel.type === SHT_RELA;
    if (!isRela && rel.type !== SHT_REL) this.fail(rel.headerOffset, `section '${rel.name}' is not a relocation section`);
    const entsize = (f.is64 ? 8 : 4) * (isRela ? 3 : 2);
    if (rel.size % entsize !== 0) this.fail(rel.headerOffset, `relocation section '${rel.name}' size ${rel.size} is not a multiple of ${entsize}`);
    const data = this.dataOf(rel);
    const n = rel.size / entsize;
    const out: ElfRelocation[] = new Array(n);
    // REL: the implicit addend lives at the relocated place of the target section.
    let target: Buffer | undefined;
    const wordTypes = isRela ? undefined : REL_WORD_TYPES[this.header.machine];
    if (wordTypes && rel.info !== 0) {
      const t = this.sectionAt(rel.info, rel.headerOffset, `sh_info of '${rel.name}'`);
      target = this.dataOf(t);
    }
    for (let i = 0; i < n; i++) {
      const o = i * entsize;
      let offset: bigint, symIndex: number, type: number, addend = 0n;
      if (f.is64) {
        offset = f.u64(data, o);
        const info = f.u64(data, o + 8);
        symIndex = Number(info >> 32n);
        type = Number(info & 0xffffffffn);
        if (isRela) addend = f.i64(data, o + 16);
      } else {
        offset = BigInt(f.u32(data, o));
        const info = f.u32(data, o + 4);
        symIndex = info >>> 8;
        type = info & 0xff;
        if (isRela) addend = BigInt(f.i32(data, o + 8));
      }
      if (target && wordTypes!.includes(type) && offset + 4n <= BigInt(target.length)) {
        addend = BigInt(f.i32(target, Number(offset)));
      }
      out[i] = { offset, symIndex, type, addend };
    }
    return out;
  }
}
