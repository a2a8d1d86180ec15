/**
 * A module file (`.ko`, or modpost's input `<mod>.o`) → ModuleFacts: opens it (plain, compressed, or bytes
 * of a package member) and assembles what modinfo.ts (.modinfo), versions.ts (__versions or extended
 * modversions), imports.ts (the undefined symbols of .symtab with every relocation that references them)
 * and the ksymtab reader (its own exports) read — eagerly, or deferred with the relocation scans done once.
 */
import { basename } from 'node:path';
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { ElfFormatError, InputError } from '../errors.js';
import {
  ET_REL,
  SHF_ALLOC,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  STB_GLOBAL,
  STB_WEAK,
} from '../elf/constants.js';
import { ElfFile, type ElfSection, type ElfSymbol } from '../elf/elf-file.js';
import { FileSource } from '../elf/source.js';
import { readKsymtab } from '../kernel/ksymtab.js';
import { Lease, type ByteBudget } from '../codec/budget.js';
import { readSignature } from '../signing/signature.js';
import { compressionOf, decompress, decompressSync, type DecompressOptions, type Decompressed } from '../codec/decompress.js';
import type { Import, LoaderSections, ModuleExport, ModuleFacts, Reference } from './types.js';
import { intern } from './names.js';
import { readModinfo } from './modinfo.js';
import { readVersions, type VersionsInfo } from './versions.js';
import { importReferenceTarget, readImports } from './imports.js';

// What this module exported before modinfo, versions, imports and names had files of their own.
export { shareNames } from './names.js';
export { readModinfo } from './modinfo.js';
export { MODVERSION_INFO_SIZE, readVersions, type VersionsInfo } from './versions.js';
export { NO_IMPORT_REFERENCES, codeSiteOf, readImports, type CodeSite } from './imports.js';


/**
 * How a module file is read (plain files): sections closer than `mergeGap` bytes are read in one call
 * (the gap read and dropped), and `tableLead` bytes before the section header table come with it (see
 * OpenOptions). A module is ~15 small sections and ~10 relocation tables: one read each was 16 reads per
 * module, 64,700 for Debian's tree; now 6. Tests set both to 0 to see which sections are asked for.
 */
export const readTuning = { mergeGap: 4096, tableLead: 4096 };


export interface ReadOptions {
  /**
   * 'eager' (default): every import's references (relocations mapped to function+offset) are worked out
   * now. 'lazy': the relocations are checked now (a broken file fails here just the same), but the
   * references are worked out on first access to an import's `refs`, by reading the file again — for
   * whole trees, where most modules have no finding and nobody looks at them. If the file changed or
   * vanished in between, the references come out empty.
   */
  references?: 'eager' | 'lazy';
  /** Largest decompressed size of a compressed module, in bytes (default 512 MiB). */
  maxModuleSize?: number;
  /**
   * The run's byte budget (asynchronous reads): the file's bytes, and a compressed file's output, are
   * taken from it while the module is read, and given back when its facts are extracted.
   */
  budget?: ByteBudget;
  /**
   * Where compressed modules are decoded (asynchronous reads): a DecodePool (decode-pool.ts, worker
   * threads) for trees; without one, on this thread.
   */
  pool?: { decompress(input: Uint8Array, name: string, opts: DecompressOptions): Promise<Decompressed> };
  /**
   * Hash a signed module's signed bytes (what verifying its signature needs; default true). A run with no
   * trusted key verifies nothing, and then only the trailer is read, not the whole module.
   */
  signatureDigests?: boolean;
}

/**
 * An opened module file: a plain ELF file is read at positions (only the sections needed), a compressed
 * one (told by its magic bytes, as kmod does) is read whole and decompressed in memory.
 */
interface Opened {
  /** Plain file: its source, still open (ElfFile.fromSource takes it over). */
  source?: FileSource;
  /** Compressed file: the whole compressed bytes. */
  compressed?: Buffer;
  /** A module that is no file of its own (a package's member), plain: its bytes. */
  bytes?: Buffer;
}

/**
 * Modules that are no file of their own — the members of a package (`pkg.deb:/lib/modules/…/x.ko`) —
 * by the path they are reported under: where their bytes are got again (synchronously) when their
 * references or frames are asked for. The getter throws an InputError when the bytes are not at hand.
 */
const moduleBytes = new Map<string, () => Buffer>();

export function registerModuleBytes(path: string, get: () => Buffer): void {
  moduleBytes.set(path, get);
}

function openFile(path: string): Opened {
  const member = moduleBytes.get(path);
  if (member) {
    const bytes = member();
    return compressionOf(bytes) ? { compressed: bytes } : { bytes };
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InputError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`);
  }
  let source: FileSource | undefined;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(path, 'cannot read: EISDIR: illegal operation on a directory, read');
    source = new FileSource(path, { fd, size: st.size });
    // the magic bytes and, for a plain ELF file, its header (ElfFile reads it from here): one read
    const head = source.size >= 6 ? source.readHead(64) : Buffer.alloc(0);
    if (!compressionOf(head)) return { source };
    const compressed = source.read(0, source.size);
    source.close();
    return { compressed };
  } catch (e) {
    if (source) source.close();
    else closeSync(fd);
    throw e;
  }
}

function factsOf(path: string, elf: ElfFile, opts: ReadOptions, packed?: Decompressed): ModuleFacts {
  try {
    const facts = opts.references === 'lazy' ? moduleFactsDeferred(elf, path, () => reopen(path, opts)) : moduleFacts(elf, path);
    if (facts.kind === 'ko' && hasTrailer(elf)) facts.signature = signatureOf(elf, opts.signatureDigests ?? true);
    if (packed) {
      facts.compression = packed.compression;
      if (packed.xzCheck) facts.xzCheck = packed.xzCheck;
      if (packed.zstdContentSize !== undefined) facts.zstdContentSize = packed.zstdContentSize;
    }
    return facts;
  } finally {
    elf.close();
  }
}

/**
 * The module's appended signature. A function of its own, not a closure in factsOf(): a closure there that
 * captured `elf` would put it in the context that factsOf()'s `reopen` closure shares — which deferred
 * facts keep for the run — and so keep every module's bytes alive (Debian's 6.1 image .deb: 650 MB
 * instead of 230 MB).
 */
function signatureOf(elf: ElfFile, withDigests: boolean): ModuleFacts['signature'] {
  return readSignature(elf.fileSize, (at, length) => elf.readAt(at, length, 'the appended module signature'), withDigests);
}

/**
 * Are there bytes after the section header table? A linked module ends with that table (ld writes it
 * last); sign-file appends after it. When the table ends the file there is no signature, and the marker's
 * bytes are not read (a tree of unsigned modules costs no read more).
 */
function hasTrailer(elf: ElfFile): boolean {
  const h = elf.header;
  return h.shoff + h.shnum * h.shentsize < elf.fileSize || h.shoff === 0;
}

/** Open the module again (synchronously), for deferred references and for its DWARF. */
export function reopen(path: string, opts: ReadOptions = {}): ElfFile {
  const o = openFile(path);
  if (o.source) return ElfFile.fromSource(o.source, { tableLead: readTuning.tableLead });
  if (o.bytes) return ElfFile.fromBuffer(o.bytes, path);
  return ElfFile.fromBuffer(decompressSync(o.compressed!, path, opts).data, path);
}

/** The size of a file, or 0 if it cannot be stat'ed (opening it then says why). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Read a module file (`.ko`, `.o`, `.ko.gz`, `.ko.xz`, `.ko.zst`) and extract its facts. */
export async function readModule(path: string, opts: ReadOptions = {}): Promise<ModuleFacts> {
  // the file's size is held from the budget (a plain file is read only in part, but may be read whole)
  const lease = new Lease(opts.budget);
  try {
    if (opts.budget) await lease.waitFor(sizeOf(path));
    const o = openFile(path);
    if (o.source) return factsOf(path, ElfFile.fromSource(o.source, { tableLead: readTuning.tableLead }), opts);
    if (o.bytes) return factsOf(path, ElfFile.fromBuffer(o.bytes, path), opts);
    const how = { maxModuleSize: opts.maxModuleSize, lease };
    const packed = await (opts.pool ? opts.pool.decompress(o.compressed!, path, how) : decompress(o.compressed!, path, how));
    return factsOf(path, ElfFile.fromBuffer(packed.data, path), opts, packed);
  } finally {
    lease.release();
  }
}

/**
 * readModule() of a module that is no file of its own (a package's member): `path` is what it is reported
 * under, `data` its bytes as the package holds them (plain or compressed). Its references and frames are
 * read again through registerModuleBytes().
 */
export async function readModuleBytes(path: string, data: Buffer, opts: ReadOptions = {}): Promise<ModuleFacts> {
  if (!compressionOf(data)) return factsOf(path, ElfFile.fromBuffer(data, path), opts);
  const lease = new Lease(opts.budget);
  try {
    if (opts.budget) await lease.waitFor(data.length);
    const how = { maxModuleSize: opts.maxModuleSize, lease };
    const packed = await (opts.pool ? opts.pool.decompress(data, path, how) : decompress(data, path, how));
    return factsOf(path, ElfFile.fromBuffer(packed.data, path), opts, packed);
  } finally {
    lease.release();
  }
}

/** readModule(), synchronously (zstd needs its decoder initialised by an earlier asynchronous read). */
export function readModuleSync(path: string, opts: ReadOptions = {}): ModuleFacts {
  const o = openFile(path);
  if (o.source) return factsOf(path, ElfFile.fromSource(o.source, { tableLead: readTuning.tableLead }), opts);
  if (o.bytes) return factsOf(path, ElfFile.fromBuffer(o.bytes, path), opts);
  const packed = decompressSync(o.compressed!, path, opts);
  return factsOf(path, ElfFile.fromBuffer(packed.data, path), opts, packed);
}

export function moduleFactsFromBuffer(buf: Buffer, path: string, opts: ReadOptions = {}): ModuleFacts {
  const elf = ElfFile.fromBuffer(buf, path);
  return opts.references === 'lazy' ? moduleFactsDeferred(elf, path, () => ElfFile.fromBuffer(buf, path)) : moduleFacts(elf, path);
}

export function moduleFacts(elf: ElfFile, path: string): ModuleFacts {
  const modinfo = readModinfo(elf);
  const symbols = elf.symbols();
  if (symbols.length === 0) throw new ElfFormatError(path, elf.header.shoff, 'no symbol table: a module always has .symtab');
  const versionInfo = readVersions(elf);
  const imports = readImports(elf, symbols);
  const exports = readModuleExports(elf, symbols);
  return assembleFacts(elf, path, modinfo, versionInfo, imports, exports);
}

/** ModuleFacts from the parts both readers (eager and deferred) extract. */
function assembleFacts(
  elf: ElfFile,
  path: string,
  modinfo: Array<{ key: string; value: string }>,
  v: VersionsInfo,
  imports: Import[],
  exports: ModuleExport[],
): ModuleFacts {
  const get = (k: string) => modinfo.filter((e) => e.key === k).map((e) => e.value);
  const nameFromFile = basename(path).replace(/\.(ko|o)(\.(gz|xz|zst))?$/, '');
  const dependsValues = get('depends');
  return {
    path,
    name: get('name')[0] ?? nameFromFile,
    kind: /\.ko(\.(gz|xz|zst))?$/.test(path) ? 'ko' : 'o',
    machine: elf.header.machine,
    elfClass: elf.header.elfClass,
    elfHeader: { type: elf.header.type, littleEndian: elf.header.littleEndian, shentsize: elf.header.shentsize, flags: elf.header.flags },
    modinfo,
    licenses: get('license'),
    importNs: get('import_ns'),
    depends: dependsValues.length ? dependsValues[0].split(',').filter((d) => d !== '') : undefined,
    vermagic: get('vermagic')[0],
    intree: get('intree').includes('Y'),
    versions: v.versions,
    versionsFormat: v.versionsFormat,
    basicVersions: v.basicVersions,
    loaderSections: loaderSections(elf, v.extProblem),
    // set by readModule() for a compressed file; present (undefined) on every module: one object shape
    compression: undefined,
    xzCheck: undefined,
    zstdContentSize: undefined,
    signature: undefined,
    imports,
    exports,
  };
}

/** An allocated section of that name (what the loader's find_sec()/section_addr() find). */
function allocSection(elf: ElfFile, name: string): ElfSection | undefined {
  const s = elf.section(name);
  return s && (s.flags & SHF_ALLOC) !== 0n ? s : undefined;
}

function loaderSections(elf: ElfFile, extVersions: LoaderSections['extVersions']): LoaderSections {
  const mod = elf.section('.gnu.linkonce.this_module');
  const ksymtab = allocSection(elf, '__ksymtab');
  const out: LoaderSections = {
    ksymtabEntries: ksymtab !== undefined && ksymtab.size > 0,
    kflagstab: allocSection(elf, '__kflagstab') !== undefined,
    ksymtabGpl: allocSection(elf, '__ksymtab_gpl') !== undefined,
    kcrctabGpl: allocSection(elf, '__kcrctab_gpl') !== undefined,
  };
  if (mod && mod.type !== SHT_NOBITS) out.thisModuleSize = mod.size;
  if (extVersions) out.extVersions = extVersions;
  return out;
}

/** The module's own exports, from its __ksymtab* sections (or `.export_symbol` markers in 6.5+ objects). */
export function readModuleExports(elf: ElfFile, symbols: ElfSymbol[]): ModuleExport[] {
  return readKsymtab(elf, symbols).map(({ name, type, namespace, crc }) => ({ name, type, namespace, crc }));
}

// ---------------------------------------------------------------------------------------------
// The same facts without the per-symbol and per-reference work nobody may need.

const UNDERSCORE = 95;

/** Where moduleFactsDeferred() reads a file's fact sections (reused from file to file). */
const PREFETCH_ARENA = { buf: Buffer.alloc(0) };

/** Sections the facts are read from (relocations aside: they are scanned once, through a scratch buffer). */
function factSection(s: ElfSection): boolean {
  if (s.type === SHT_SYMTAB || s.type === SHT_STRTAB || s.type === SHT_SYMTAB_SHNDX) return true;
  const n = s.name;
  return n === '.modinfo' || n === '__versions' || n.startsWith('__version_ext_') || n.startsWith('__ksymtab') || n.startsWith('__kcrctab') || n === '__kflagstab' || n === '.export_symbol';
}

/** Symbols a module's facts need: index 0, undefined GLOBAL/WEAK ones (imports), `__`-prefixed labels (exports). */
function factSymbol(index: number, info: number, shndx: number, names: Buffer, nameOffset: number): boolean {
  if (index === 0) return true;
  if (nameOffset === 0 || names[nameOffset] === 0) return false;
  const bind = info >> 4;
  if (shndx === SHN_UNDEF && (bind === STB_GLOBAL || bind === STB_WEAK)) return true;
  if (names[nameOffset] !== UNDERSCORE || names[nameOffset + 1] !== UNDERSCORE) return false;
  for (let j = 0; j < LABEL_PREFIXES.length; j++) {
    const p = LABEL_PREFIXES[j];
    if (nameOffset + p.length > names.length) continue;
    let k = 2;
    while (k < p.length && names[nameOffset + k] === p[k]) k++;
    if (k === p.length) return true;
  }
  return false;
}

/** The labels readKsymtab() reads (fromLabels, fromExportMarkers); a module has thousands of other `__` names. */
const LABEL_PREFIXES = ['__ksymtab_', '__kstrtabns_', '__crc_', '__flags_', '__export_symbol_'].map((p) => Buffer.from(p, 'latin1'));

/**
 * moduleFacts() for trees: the same facts and the same errors, but only the symbols the facts need
 * are decoded (ElfFile.selectSymbols), the relocations against imports are checked without being
 * decoded into objects, and the references are worked out on first access from `reopen()`.
 */
export function moduleFactsDeferred(elf: ElfFile, path: string, reopen: () => ElfFile): ModuleFacts {
  // The fact sections land in one arena reused from file to file (facts hold no Buffer), and the ElfFile
  // forgets them on the way out, so a caller that keeps it open reads its own bytes again, not the next
  // file's.
  elf.prefetch(elf.sections.filter(factSection), readTuning.mergeGap, PREFETCH_ARENA);
  try {
    return deferredFacts(elf, path, reopen);
  } finally {
    elf.dropSectionData();
  }
}

function deferredFacts(elf: ElfFile, path: string, reopen: () => ElfFile): ModuleFacts {
  const modinfo = readModinfo(elf);
  const { symbols, count } = elf.selectSymbols(factSymbol);
  if (count === 0) throw new ElfFormatError(path, elf.header.shoff, 'no symbol table: a module always has .symtab');
  const versionInfo = readVersions(elf);
  const imports: Import[] = [];
  const fill = deferReferences(imports, () => {
    const again = reopen();
    try {
      return readImports(again, again.symbols());
    } finally {
      again.close();
    }
  });
  for (const s of symbols) {
    if (s.index === 0 || s.section !== undefined || s.shndx !== SHN_UNDEF || s.name === '') continue;
    if (s.bind !== STB_GLOBAL && s.bind !== STB_WEAK) continue;
    imports.push(deferredImport(intern(s.name), s.bind === STB_WEAK, fill));
  }
  if (imports.length > 0) checkImportRelocations(elf, count);
  const exports = readModuleExports(elf, symbols);
  return assembleFacts(elf, path, modinfo, versionInfo, imports, exports);
}

/** The filler of every import's `refs`: from `load()` (the eager readImports() of the same file), once. */
function deferReferences(imports: Import[], load: () => Import[]): () => void {
  let done = false;
  const settle = (imp: Import, refs: Reference[]) => Object.defineProperty(imp, 'refs', { value: refs, writable: true, enumerable: true, configurable: true });
  const fill = () => {
    if (done) return;
    done = true;
    let full: Import[] | undefined;
    try {
      full = load();
    } catch {
      full = undefined; // the file changed or vanished since it was read
    }
    const same = full !== undefined && full.length === imports.length && full.every((f, i) => f.name === imports[i].name);
    imports.forEach((imp, i) => settle(imp, same ? full![i].refs : []));
  };
  return fill;
}

/** One accessor pair for every deferred import (a closure pair per import is most of a tree's garbage). */
const DEFERRED_REFS: PropertyDescriptor = {
  get(this: DeferredImport): Reference[] {
    DeferredImport.fill(this);
    return this.refs;
  },
  set(this: DeferredImport, v: Reference[]) {
    Object.defineProperty(this, 'refs', { value: v, writable: true, enumerable: true, configurable: true });
  },
  enumerable: true,
  configurable: true,
};

/**
 * An import whose `refs` is an own accessor until its module's filler replaces it with the data property.
 * The filler sits in a private field: invisible to spreads, JSON, structured clones and toEqual. Of the
 * ways measured (docs/performance.md), the only one as cheap in time and heap as a plain object.
 */
class DeferredImport implements Import {
  readonly #fill: () => void;
  declare refs: Reference[];
  constructor(
    public name: string,
    public weak: boolean,
    fill: () => void,
  ) {
    this.#fill = fill;
    Object.defineProperty(this, 'refs', DEFERRED_REFS);
  }
  static fill(imp: DeferredImport): void {
    imp.#fill();
  }
}

function deferredImport(name: string, weak: boolean, fill: () => void): Import {
  return new DeferredImport(name, weak, fill);
}

/**
 * What readImports() checks of every relocation it reads (the symbol index is in .symtab, the place is
 * inside the target section), in the same order and with the same errors, reading 64-bit RELA entries
 * as two 32-bit words instead of three BigInts.
 */
const scratch = { buf: Buffer.alloc(0) };
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A 32-bit view of the scratch buffer's memory, made again only when the buffer is replaced. */
let scratchWords = new Uint32Array(0);

function relocationOutside(elf: ElfFile, rs: ElfSection, target: ElfSection, i: number, at: number, offset: bigint): never {
  throw new ElfFormatError(elf.file, at, `relocation ${i} of '${rs.name}' applies at 0x${offset.toString(16)}, outside '${target.name}' (0x${target.size.toString(16)} bytes)`);
}

function relocationBadSymbol(elf: ElfFile, rs: ElfSection, i: number, at: number, sym: number, symbolCount: number): never {
  throw new ElfFormatError(elf.file, at, `relocation ${i} of '${rs.name}' names symbol ${sym}, but .symtab has ${symbolCount}`);
}

/** Does checkImportRelocations() scan this section with its 64-bit RELA loop (in a 64-bit ET_REL file)? */
function scansFast(sections: ElfSection[], rs: ElfSection): boolean {
  return rs.type === SHT_RELA && rs.size % 24 === 0 && importReferenceTarget(sections, rs) !== undefined;
}

/**
 * The 64-bit RELA sections checkImportRelocations() scans with the fast loop, read ahead into `scratch`
 * with neighbours in one read: a module's relocation sections lie one after another near the end of
 * the file (ext4: 20 of them, 690 kB). Section index → its bytes in the scratch buffer, valid until the
 * next call. Sections that do not fit the file are left out (the loop reports them as usual).
 */
function readRelocationBlocks(elf: ElfFile, wanted: ElfSection[]): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  const fit = wanted.filter((rs) => rs.size > 0 && rs.offset + rs.size <= elf.fileSize).sort((a, b) => a.offset - b.offset);
  if (fit.length === 0) return out;
  const blocks: Array<[number, number, number, number]> = []; // start, end, first, last+1 (into fit)
  let total = 0;
  for (let i = 0; i < fit.length; ) {
    const start = fit[i].offset;
    let end = start + fit[i].size;
    let j = i + 1;
    while (j < fit.length && fit[j].offset <= end + readTuning.mergeGap) end = Math.max(end, fit[j].offset + fit[j].size), j++;
    blocks.push([start, end, i, j]);
    total += (end - start + 7) & ~7;
    i = j;
  }
  if (scratch.buf.length < total) scratch.buf = Buffer.allocUnsafeSlow(Math.max(total, scratch.buf.length * 2, 1 << 16));
  let at = 0;
  for (const [start, end, i, j] of blocks) {
    const block = elf.readInto(start, end - start, scratch.buf.subarray(at, at + end - start));
    for (let k = i; k < j; k++) out.set(fit[k].index, block.subarray(fit[k].offset - start, fit[k].offset - start + fit[k].size));
    at += (end - start + 7) & ~7;
  }
  return out;
}

function checkImportRelocations(elf: ElfFile, symbolCount: number): void {
  const f = elf.fields;
  const le = f.littleEndian;
  const linked = elf.header.type !== ET_REL;
  const sections = elf.sections;
  // read ahead, in as few reads as possible, what the loop below will scan with its fast path
  const ahead = elf.canReadInto && f.is64 && !linked ? readRelocationBlocks(elf, sections.filter((rs) => scansFast(sections, rs))) : undefined;
  for (let si = 0; si < sections.length; si++) {
    const rs = sections[si];
    const target = importReferenceTarget(sections, rs);
    if (!target) continue;
    if (rs.type !== SHT_RELA || !f.is64 || linked) {
      // REL (implicit addends), 32-bit, linked files: the general reader
      const relocs = elf.relocations(rs);
      const entsize = relocs.length > 0 ? rs.size / relocs.length : 0;
      const start = linked ? target.addr : 0n;
      for (let i = 0; i < relocs.length; i++) {
        const r = relocs[i];
        const at = rs.offset + i * entsize;
        if (r.symIndex >= symbolCount) relocationBadSymbol(elf, rs, i, at, r.symIndex, symbolCount);
        if (r.offset < start || r.offset - start >= BigInt(target.size)) relocationOutside(elf, rs, target, i, at, r.offset);
      }
      continue;
    }
    if (rs.size % 24 !== 0) throw new ElfFormatError(elf.file, rs.headerOffset, `relocation section '${rs.name}' size ${rs.size} is not a multiple of 24`);
    // (what was not read ahead — a section not in the file, an empty one — is read apart: `scratch`
    // holds the read-ahead blocks)
    const data = ahead ? (ahead.get(rs.index) ?? elf.sectionData(rs)) : elf.transientSectionData(rs, scratch);
    const n = rs.size / 24;
    const size = target.size;
    if (le && HOST_LITTLE_ENDIAN && (data.byteOffset & 3) === 0) {
      // the same loop over a 32-bit view: r_offset = words 0-1, the symbol = word 3 of each entry
      let u: Uint32Array;
      let base = 0;
      if (data.buffer === scratch.buf.buffer) {
        if (scratchWords.buffer !== data.buffer) scratchWords = new Uint32Array(data.buffer, 0, data.buffer.byteLength >>> 2);
        u = scratchWords;
        base = data.byteOffset >>> 2;
      } else u = new Uint32Array(data.buffer, data.byteOffset, n * 6); // data read earlier (a compressed module)
      for (let i = 0, k = base; i < n; i++, k += 6) {
        const lo = u[k];
        const hi = u[k + 1];
        const sym = u[k + 3];
        if (sym >= symbolCount) relocationBadSymbol(elf, rs, i, rs.offset + i * 24, sym, symbolCount);
        if (hi >= 0x200000 || hi * 0x100000000 + lo >= size) relocationOutside(elf, rs, target, i, rs.offset + i * 24, (BigInt(hi) << 32n) | BigInt(lo));
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      const o = i * 24;
      const lo = le ? data.readUInt32LE(o) : data.readUInt32BE(o + 4);
      const hi = le ? data.readUInt32LE(o + 4) : data.readUInt32BE(o);
      const sym = le ? data.readUInt32LE(o + 12) : data.readUInt32BE(o + 8);
      if (sym >= symbolCount) relocationBadSymbol(elf, rs, i, rs.offset + o, sym, symbolCount);
      // r_offset < size, with r_offset = hi·2^32 + lo exact as a Number while hi < 2^21
      if (hi >= 0x200000 || hi * 0x100000000 + lo >= size) relocationOutside(elf, rs, target, i, rs.offset + o, (BigInt(hi) << 32n) | BigInt(lo));
    }
  }
}
