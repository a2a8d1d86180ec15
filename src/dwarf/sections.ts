/**
 * The debug sections of one ELF file as DWARF sees them: decompressed (SHF_COMPRESSED with zlib or zstd,
 * and the older `.zdebug_*` with its "ZLIB" header) and, in a relocatable file (`.ko`, `.o`), with their
 * relocations applied — until then every address in them is 0 and every string offset points at the
 * start of `.debug_str`. Each section is loaded on first use.
 *
 * Addresses: in a relocatable file every allocated section starts at 0, so the code of `.text` and of
 * `.init.text` would share addresses. As elfutils' libdwfl does, each allocated section gets an address
 * of its own (`sectionBase()`), laid out one after the other; non-allocated sections (the debug sections
 * themselves) stay at 0, so a relocation against `.debug_str` yields an offset in it. A place in the
 * module is then looked up as sectionBase(section) + offset.
 */
import { initialisedZstd, loadZstd } from '../codec/zstd-wasm.js';
import { inflateSync } from 'node:zlib';
import { DwarfFormatError } from '../errors.js';
import {
  EM_386,
  EM_AARCH64,
  EM_ARM,
  EM_PPC64,
  EM_RISCV,
  EM_S390,
  EM_X86_64,
  ET_REL,
  SHF_ALLOC,
  SHN_ABS,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_REL,
  SHT_RELA,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
} from '../elf/constants.js';
import type { ElfFile, ElfSection } from '../elf/elf-file.js';
import type { DebugData } from './cursor.js';

export const SHF_COMPRESSED = 0x800n;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;
/** A debug section larger than this once decompressed is refused (a 600 MB debug vmlinux has ~300 MB of .debug_info). */
export const MAX_DEBUG_SECTION = 1 << 30;

/**
 * What a relocation type does to its place: `size` bytes; 'abs' = S + A, 'pc' = S + A − P, 'add'/'sub'
 * = the place's value ± (S + A) (RISC-V's pairs for label differences), 'set' = S + A into a `size`-byte
 * field, 'none' = nothing. Only the types compilers emit into debug sections; any other is an error.
 */
type Op = 'abs' | 'pc' | 'add' | 'sub' | 'set' | 'none';
interface RelocKind {
  op: Op;
  size: number;
}
const K = (op: Op, size: number): RelocKind => ({ op, size });
const NONE = K('none', 0);

export const DEBUG_RELOCATIONS: Readonly<Record<number, Readonly<Record<number, RelocKind>>>> = {
  [EM_X86_64]: { 0: NONE, 1: K('abs', 8), 2: K('pc', 4), 10: K('abs', 4), 11: K('abs', 4), 24: K('pc', 8) },
  [EM_386]: { 0: NONE, 1: K('abs', 4), 2: K('pc', 4) },
  [EM_AARCH64]: { 0: NONE, 256: NONE, 257: K('abs', 8), 258: K('abs', 4), 259: K('abs', 2), 260: K('pc', 8), 261: K('pc', 4) },
  [EM_ARM]: { 0: NONE, 2: K('abs', 4), 3: K('pc', 4) },
  [EM_S390]: { 0: NONE, 4: K('abs', 4), 22: K('abs', 8), 5: K('pc', 4) },
  [EM_PPC64]: { 0: NONE, 1: K('abs', 4), 38: K('abs', 8), 26: K('pc', 4) },
  [EM_RISCV]: {
    0: NONE,
    1: K('abs', 4),
    2: K('abs', 8),
    33: K('add', 1),
    34: K('add', 2),
    35: K('add', 4),
    36: K('add', 8),
    37: K('sub', 1),
    38: K('sub', 2),
    39: K('sub', 4),
    40: K('sub', 8),
    54: K('set', 1),
    55: K('set', 2),
    56: K('set', 4),
  },
};

const TWO32 = 0x100000000;

/** The decompressed, relocated debug sections of one file. */
export class DebugSections {
  private readonly cache = new Map<string, DebugData | null>();
  private bases: Float64Array | undefined;
  readonly relocatable: boolean;

  constructor(readonly elf: ElfFile) {
    this.relocatable = elf.header.type === ET_REL;
  }

  get file(): string {
    return this.elf.file;
  }

  /** Does the file carry DWARF we can use (a .debug_info with data)? */
  hasInfo(): boolean {
    const s = this.find('.debug_info');
    return s !== undefined && s.type !== SHT_NOBITS && s.size > 0;
  }

  private find(name: string): ElfSection | undefined {
    return this.elf.section(name) ?? this.elf.section(`.z${name.slice(1)}`);
  }

  /** The section's data, decompressed and relocated, or undefined when the file has no such section. */
  get(name: string): DebugData | undefined {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit ?? undefined;
    const s = this.find(name);
    const d = s && s.type !== SHT_NOBITS ? this.load(s) : undefined;
    this.cache.set(name, d ?? null);
    return d;
  }

  /** The address sectionBase(i) + offset stands for a place in section i (see the file comment). */
  sectionBase(index: number): number {
    if (!this.relocatable) {
      const s = this.elf.sections[index];
      return s ? Number(s.addr) : 0;
    }
    if (!this.bases) this.bases = layout(this.elf.sections);
    return this.bases[index] ?? 0;
  }

  private fail(s: ElfSection, offset: number, at: number, reason: string): never {
    throw new DwarfFormatError(this.elf.file, Math.max(0, Math.min(offset, this.elf.fileSize)), s.name, at, reason);
  }

  private load(s: ElfSection): DebugData {
    const raw = this.elf.sectionData(s);
    let data: Buffer;
    let plain = true;
    if ((s.flags & SHF_COMPRESSED) !== 0n) {
      data = this.decompressElf(s, raw);
      plain = false;
    } else if (s.name.startsWith('.zdebug_')) {
      data = this.decompressGnu(s, raw);
      plain = false;
    } else data = raw;
    const d: DebugData = { name: s.name, data, file: this.elf.file, fileOffset: s.offset, plain, fileSize: this.elf.fileSize };
    if (!this.relocatable) return d;
    const rels = this.elf.sections.filter((r) => (r.type === SHT_RELA || r.type === SHT_REL) && r.info === s.index);
    if (rels.length === 0) return d;
    // a private copy: the ElfFile's cached bytes stay the file's
    const out = plain ? Buffer.from(data) : data;
    for (const r of rels) this.applyRelocations(s, out, r);
    return { ...d, data: out };
  }

  private decompressElf(s: ElfSection, raw: Buffer): Buffer {
    const f = this.elf.fields;
    const hdr = f.is64 ? 24 : 12;
    if (raw.length < hdr) this.fail(s, s.offset, 0, `compressed section shorter than its header (${raw.length} bytes)`);
    const type = f.u32(raw, 0);
    const size = f.is64 ? f.u64n(raw, 8) : f.u32(raw, 4);
    // (u64n() is NaN from 2^53: the message says the field as it is)
    return this.inflate(s, type, raw.subarray(hdr), size, hdr, f.is64 ? f.u64(raw, 8).toString() : String(size));
  }

  private decompressGnu(s: ElfSection, raw: Buffer): Buffer {
    if (raw.length < 12 || raw.toString('latin1', 0, 4) !== 'ZLIB') this.fail(s, s.offset, 0, `.zdebug section without its "ZLIB" header`);
    const size = raw.readUInt32BE(4) * TWO32 + raw.readUInt32BE(8);
    return this.inflate(s, ELFCOMPRESS_ZLIB, raw.subarray(12), size, 12);
  }

  private inflate(s: ElfSection, type: number, body: Buffer, size: number, hdr: number, recorded = String(size)): Buffer {
    if (!(size <= MAX_DEBUG_SECTION)) this.fail(s, s.offset, 0, `compressed section records ${recorded} bytes, more than a debug section may have (${MAX_DEBUG_SECTION})`);
    let out: Buffer;
    try {
      if (type === ELFCOMPRESS_ZLIB) out = inflateSync(body, { maxOutputLength: Math.max(1, size) });
      else if (type === ELFCOMPRESS_ZSTD) out = zstdDecompress(body, size);
      else return this.fail(s, s.offset, 0, `unknown compression type ${type}`);
    } catch (e) {
      if (e instanceof DwarfFormatError) throw e;
      const msg = ((e as Error)?.message ?? String(e)).split('\n')[0];
      return this.fail(s, s.offset + hdr, 0, `${type === ELFCOMPRESS_ZLIB ? 'zlib' : 'zstd'}: corrupt or truncated data (${msg})`);
    }
    if (out.length !== size) this.fail(s, s.offset, 0, `${out.length} bytes decompressed, the header records ${size}`);
    return out;
  }

  /** Apply one SHT_REL/SHT_RELA section to `out` (the target section's bytes). */
  private applyRelocations(target: ElfSection, out: Buffer, rs: ElfSection): void {
    const elf = this.elf;
    const f = elf.fields;
    const le = f.littleEndian;
    const isRela = rs.type === SHT_RELA;
    const kinds = DEBUG_RELOCATIONS[elf.header.machine];
    const entsize = (f.is64 ? 8 : 4) * (isRela ? 3 : 2);
    if (rs.size % entsize !== 0) this.fail(rs, rs.headerOffset, 0, `relocation section size ${rs.size} is not a multiple of ${entsize}`);
    const data = elf.sectionData(rs);
    const symtab = elf.sections[rs.link];
    if (!symtab || symtab.type !== SHT_SYMTAB) this.fail(rs, rs.headerOffset, 0, `sh_link ${rs.link} is not a symbol table`);
    const syms = new SymbolValues(this, symtab);
    const n = rs.size / entsize;
    for (let i = 0; i < n; i++) {
      const o = i * entsize;
      let offset: number, type: number, sym: number, addend = 0;
      if (f.is64) {
        offset = f.u64n(data, o);
        const hi = le ? data.readUInt32LE(o + 12) : data.readUInt32BE(o + 8);
        const lo = le ? data.readUInt32LE(o + 8) : data.readUInt32BE(o + 12);
        sym = hi;
        type = lo;
        if (isRela) addend = i64(data, o + 16, le);
      } else {
        offset = f.u32(data, o);
        const info = f.u32(data, o + 4);
        sym = info >>> 8;
        type = info & 0xff;
        if (isRela) addend = f.i32(data, o + 8);
      }
      const kind = kinds?.[type];
      if (!kind) this.fail(rs, rs.offset + o, 0, `relocation ${i}: type ${type} is not one ksymcheck applies to debug sections on machine ${elf.header.machine}`);
      if (kind.op === 'none') continue;
      if (!(offset >= 0 && offset + kind.size <= out.length)) this.fail(rs, rs.offset + o, 0, `relocation ${i} applies at 0x${(Number.isNaN(offset) ? f.u64(data, o) : offset).toString(16)}, outside '${target.name}' (0x${out.length.toString(16)} bytes)`);
      if (!isRela) addend = readSigned(out, offset, kind.size, le);
      const s = syms.value(sym, rs.offset + o, i);
      let v: number;
      switch (kind.op) {
        case 'abs':
        case 'set':
          v = s + addend;
          break;
        case 'pc':
          v = s + addend - (this.sectionBase(target.index) + offset);
          break;
        case 'add':
          v = readSigned(out, offset, kind.size, le) + s + addend;
          break;
        case 'sub':
          v = readSigned(out, offset, kind.size, le) - (s + addend);
          break;
      }
      writeValue(out, offset, kind.size, le, v);
    }
  }
}

/** Symbol values (section base + st_value) read from the raw symbol table on demand. */
class SymbolValues {
  private readonly data: Buffer;
  private readonly shndx: Buffer | undefined;
  private readonly count: number;
  private readonly entsize: number;
  constructor(
    private readonly sections: DebugSections,
    private readonly symtab: ElfSection,
  ) {
    const elf = sections.elf;
    this.entsize = elf.fields.is64 ? 24 : 16;
    this.data = elf.sectionData(symtab);
    this.count = Math.floor(this.data.length / this.entsize);
    const x = elf.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    this.shndx = x ? elf.sectionData(x) : undefined;
  }
  value(i: number, at: number, rel: number): number {
    const elf = this.sections.elf;
    const f = elf.fields;
    if (i >= this.count) throw new DwarfFormatError(elf.file, at, this.symtab.name, 0, `relocation ${rel} names symbol ${i}, but the table has ${this.count}`);
    const o = i * this.entsize;
    let shndx = f.u16(this.data, o + (f.is64 ? 6 : 14));
    const value = f.is64 ? f.u64n(this.data, o + 8) : f.u32(this.data, o + 4);
    if (shndx === SHN_XINDEX) {
      if (!this.shndx || (i + 1) * 4 > this.shndx.length) throw new DwarfFormatError(elf.file, at, this.symtab.name, o, `symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it`);
      shndx = f.u32(this.shndx, i * 4);
    } else if (shndx === SHN_UNDEF) return 0;
    else if (shndx >= SHN_LORESERVE) return shndx === SHN_ABS ? value : 0;
    return this.sections.sectionBase(shndx) + value;
  }
}

/**
 * Addresses for the allocated sections of a relocatable file, in section order, each aligned, from 0 —
 * as libdwfl lays them out. (From 0 matters: GCC's DWARF 4 range lists of a `.o` may begin with an empty
 * range at the start of `.text`, which then reads (0, 0), the end of the list, to elfutils and readelf
 * alike; frames equal theirs.)
 */
function layout(sections: ElfSection[]): Float64Array {
  const out = new Float64Array(sections.length);
  let at = 0;
  for (const s of sections) {
    if ((s.flags & SHF_ALLOC) === 0n) continue;
    const align = s.addralign > 1n && s.addralign <= 0x10000n ? Number(s.addralign) : 1;
    at = Math.ceil(at / align) * align;
    out[s.index] = at;
    at += Math.max(s.size, 1);
  }
  return out;
}

function i64(b: Buffer, o: number, le: boolean): number {
  const lo = le ? b.readUInt32LE(o) : b.readUInt32BE(o + 4);
  const hi = le ? b.readInt32LE(o + 4) : b.readInt32BE(o);
  return hi * TWO32 + lo;
}

function readSigned(b: Buffer, o: number, size: number, le: boolean): number {
  switch (size) {
    case 1:
      return b.readInt8(o);
    case 2:
      return le ? b.readInt16LE(o) : b.readInt16BE(o);
    case 4:
      return le ? b.readInt32LE(o) : b.readInt32BE(o);
    default:
      return i64(b, o, le);
  }
}

/** Write v (a Number, two's complement truncated to `size` bytes). */
function writeValue(b: Buffer, o: number, size: number, le: boolean, v: number): void {
  const lo = ((v % TWO32) + TWO32) % TWO32;
  switch (size) {
    case 1:
      b[o] = lo & 0xff;
      return;
    case 2:
      if (le) b.writeUInt16LE(lo & 0xffff, o);
      else b.writeUInt16BE(lo & 0xffff, o);
      return;
    case 4:
      if (le) b.writeUInt32LE(lo, o);
      else b.writeUInt32BE(lo, o);
      return;
    default: {
      const hi = ((Math.floor(v / TWO32) % TWO32) + TWO32) % TWO32;
      if (le) {
        b.writeUInt32LE(lo, o);
        b.writeUInt32LE(hi, o + 4);
      } else {
        b.writeUInt32BE(hi, o);
        b.writeUInt32BE(lo, o + 4);
      }
    }
  }
}

/** Load zstd's decoder (WebAssembly, initialised asynchronously) before reading zstd-compressed debug sections. */
export async function prepareZstd(): Promise<void> {
  await loadZstd();
}

function zstdDecompress(body: Buffer, size: number): Buffer {
  const zstd = initialisedZstd();
  if (!zstd) throw new Error('the zstd decoder is not initialised (prepareZstd() first)');
  const out = zstd.decompress(body, { defaultHeapSize: Math.max(size + 1024, 1 << 16) });
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Does the file have a zstd-compressed debug section (then prepareZstd() must run before reading it)? */
export function hasZstdDebugSection(elf: ElfFile): boolean {
  const f = elf.fields;
  for (const s of elf.sections) {
    if ((s.flags & SHF_COMPRESSED) === 0n || !s.name.startsWith('.debug_') || s.size < 4) continue;
    if (s.offset + 4 <= elf.fileSize && f.u32(elf.readAt(s.offset, 4, `header of ${s.name}`), 0) === ELFCOMPRESS_ZSTD) return true;
  }
  return false;
}
