/**
 * A module's imports: its GLOBAL/WEAK undefined symbols with every relocation against them, each mapped to
 * function+offset (table entries such as `__jump_table` to the code site the entry records).
 */
import { ElfFormatError } from '../errors.js';
import { ET_REL, SHF_ALLOC, SHF_EXECINSTR, SHN_UNDEF, SHT_NOBITS, SHT_REL, SHT_RELA, SHT_SYMTAB, STB_GLOBAL, STB_WEAK, STT_FILE, STT_FUNC, STT_SECTION } from '../elf/constants.js';
import type { ElfFile, ElfSection, ElfSymbol } from '../elf/elf-file.js';
import type { Import, Reference } from './types.js';

/**
 * Tables of code addresses in the module's own code that objtool, recordmcount or the compiler write
 * (ORC unwind entries, mcount/fentry call sites, return/retpoline/call sites, IBT seal sites, patchable
 * entries, KCFI traps): their relocations name section symbols of the module itself, never an import.
 * They are a third of a distro module's bytes (`.rela.orc_unwind_ip` alone 48 of Debian 6.1's 391 MB), so
 * they are not read.
 */
export const NO_IMPORT_REFERENCES: ReadonlySet<string> = new Set([
  '.orc_unwind_ip',
  '__mcount_loc',
  '.return_sites',
  '.retpoline_sites',
  '.call_sites',
  '.ibt_endbr_seal',
  '__patchable_function_entries',
  '.kcfi_traps',
]);

/**
 * The section a relocation section applies to, when its relocations can name an import: SHT_REL/RELA
 * against the symbol table, into an allocated section that is not one of NO_IMPORT_REFERENCES.
 * (Debug info and the like are no reason to import anything.) Both readers and the read-ahead ask this.
 */
export function importReferenceTarget(sections: ElfSection[], rs: ElfSection): ElfSection | undefined {
  if (rs.type !== SHT_REL && rs.type !== SHT_RELA) return undefined;
  if (rs.info === 0 || rs.info >= sections.length) return undefined;
  const target = sections[rs.info];
  if ((target.flags & SHF_ALLOC) === 0n) return undefined;
  if (NO_IMPORT_REFERENCES.has(target.name)) return undefined;
  if (rs.link !== 0 && sections[rs.link]?.type !== SHT_SYMTAB) return undefined; // relocations against another symbol table
  return target;
}

/** GLOBAL and WEAK undefined symbols, in .symtab order, with every relocation against them. */
export function readImports(elf: ElfFile, symbols: ElfSymbol[]): Import[] {
  const imports: Import[] = [];
  const bySym = new Map<number, Import>();
  for (const s of symbols) {
    if (s.index === 0 || s.section !== undefined || s.shndx !== SHN_UNDEF || s.name === '') continue;
    if (s.bind !== STB_GLOBAL && s.bind !== STB_WEAK) continue;
    // ppc64 ELFv1 function descriptors: modpost strips the leading dot (remove_dot()).
    const imp: Import = { name: s.name, weak: s.bind === STB_WEAK, refs: [] };
    imports.push(imp);
    bySym.set(s.index, imp);
  }
  if (imports.length === 0) return imports;
  const locator = new FunctionLocator(elf, symbols);
  for (const rs of elf.sections) {
    const target = importReferenceTarget(elf.sections, rs);
    if (!target) continue;
    const relocs = elf.relocations(rs);
    const entsize = relocs.length > 0 ? rs.size / relocs.length : 0;
    const start = elf.header.type === ET_REL ? 0n : target.addr;
    for (let i = 0; i < relocs.length; i++) {
      const r = relocs[i];
      const at = rs.offset + i * entsize;
      if (r.symIndex >= symbols.length) {
        throw new ElfFormatError(elf.file, at, `relocation ${i} of '${rs.name}' names symbol ${r.symIndex}, but .symtab has ${symbols.length}`);
      }
      if (r.offset < start || r.offset - start >= BigInt(target.size)) {
        throw new ElfFormatError(elf.file, at, `relocation ${i} of '${rs.name}' applies at 0x${r.offset.toString(16)}, outside '${target.name}' (0x${target.size.toString(16)} bytes)`);
      }
      const imp = bySym.get(r.symIndex);
      if (!imp) continue;
      imp.refs.push(locator.reference(target, r.offset, relocs, i));
    }
  }
  return imports;
}

/**
 * Maps a place in a section to "function+offset". For data tables such as __jump_table, __ex_table or
 * .altinstructions, whose entries hold a code address next to the symbol reference, the function is the
 * one holding that code address (found from the neighbouring relocation of the same entry).
 */
class FunctionLocator {
  private readonly bySection = new Map<number, ElfSymbol[]>();
  private readonly groups = new Map<number, AddressGroups>();

  constructor(
    private readonly elf: ElfFile,
    private readonly symbols: ElfSymbol[],
  ) {
    for (const s of symbols) {
      if (s.index === 0 || s.type === STT_SECTION || s.type === STT_FILE || s.name === '') continue;
      if (s.section === undefined) continue;
      let list = this.bySection.get(s.section);
      if (!list) this.bySection.set(s.section, (list = []));
      list.push(s);
    }
    for (const list of this.bySection.values()) {
      // At one address: functions before other symbols, the sized one before size-0 labels, and the
      // function's own name before the init_module/cleanup_module aliases that module_init() adds.
      const alias = (s: ElfSymbol) => Number(s.name === 'init_module' || s.name === 'cleanup_module');
      list.sort(
        (a, b) =>
          (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) ||
          Number(b.type === STT_FUNC) - Number(a.type === STT_FUNC) ||
          (a.size > b.size ? -1 : a.size < b.size ? 1 : 0) ||
          alias(a) - alias(b),
      );
    }
    for (const [shndx, list] of this.bySection) this.groups.set(shndx, addressGroups(list));
  }

  /** The symbol whose range holds `addr` in section `shndx`. */
  containing(shndx: number, addr: bigint): ElfSymbol | undefined {
    const list = this.bySection.get(shndx);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].value <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // The symbols at the nearest address before addr, in order of preference: the first that covers addr.
    const v = list[best].value;
    const groups = this.groups.get(shndx)!;
    const first = groups.first[best];
    const picks = groups.picks.get(first)!;
    for (const s of picks) if (addr < v + s.size) return s;
    for (const s of picks) if (s.size === 0n) return s; // an unsized (asm) label
    // A larger symbol that starts earlier may still cover addr.
    for (let j = first - 1; j >= 0 && j >= first - 8; j--) if (addr < list[j].value + list[j].size) return list[j];
    return undefined;
  }

  reference(target: ElfSection, offset: bigint, relocs: { offset: bigint; symIndex: number; addend: bigint }[], i: number): Reference {
    const isExec = (target.flags & SHF_EXECINSTR) !== 0n;
    // In ET_REL, r_offset and symbol values are section offsets; in linked files both are addresses.
    const start = this.elf.header.type === ET_REL ? 0n : target.addr;
    const place = offset - start;
    const fn = this.containing(target.index, offset);
    // the bytes the relocation patches, in the file (a section without file bytes has none, nor one whose
    // header puts its bytes past the end of the file: its sh_offset may be anything up to 2^64)
    const at = target.type === SHT_NOBITS || target.offset + target.size > this.elf.fileSize ? {} : { fileOffset: target.offset + Number(place) };
    let ref: Reference;
    if (fn && fn.value >= start && (isExec || fn.type === STT_FUNC || fn.size > 0n)) {
      ref = { section: target.name, function: fn.name, offset: Number(offset - fn.value), ...at };
    } else if (!isExec) {
      const site = this.codeSiteOfEntry(relocs, i);
      if (!site) return { section: target.name, offset: Number(place), ...at };
      ref = { section: target.name, function: site.function, offset: site.offset, ...at };
      CODE_SITES.set(ref, site.site);
      return ref;
    } else ref = { section: target.name, offset: Number(place), ...at };
    if (isExec) CODE_SITES.set(ref, { section: target.index, offset: Number(place) });
    return ref;
  }

  /**
   * The code address recorded in the same table entry as relocation i: the nearest relocation before
   * it (within 16 bytes: __jump_table, __ex_table, .altinstructions and friends keep the code site
   * first) whose target is in an executable section.
   */
  private codeSiteOfEntry(relocs: { offset: bigint; symIndex: number; addend: bigint }[], i: number): EntrySite | undefined {
    const at = relocs[i].offset;
    let site: EntrySite | undefined;
    // The farthest one back within the entry is its first field: the code site (the next may be a jump target).
    // (At most 32 back: a table entry never holds more; without a bound, relocations that all share
    // one offset would make this quadratic.)
    for (let j = i - 1; j >= 0 && j >= i - 32 && at - relocs[j].offset <= 16n; j--) {
      site = this.codeAddress(relocs[j].symIndex, relocs[j].addend) ?? site;
    }
    return site;
  }

  private codeAddress(symIndex: number, addend: bigint): EntrySite | undefined {
    const s = this.symbols[symIndex];
    const sec = s && this.elf.sectionOf(s);
    if (!sec) return undefined;
    if ((sec.flags & SHF_EXECINSTR) === 0n) return undefined;
    // Absolute entries (4.18 jump labels) and relative ones (`.long 1b - .`, 4.19+) both relocate
    // against section+addend, the addend being the code site.
    const addr = s.value + addend;
    // A code site outside its section (a corrupt symbol value or addend) is no code site; its end is.
    const start = this.elf.header.type === ET_REL ? 0n : sec.addr;
    if (addr < start || addr - start > BigInt(sec.size)) return undefined;
    const fn = this.containing(sec.index, addr);
    const site = { section: sec.index, offset: Number(addr - start) };
    if (fn && fn.value >= start) return { function: fn.name, offset: Number(addr - fn.value), site };
    return { function: `${sec.name}`, offset: Number(addr - start), site };
  }
}

/** The code site a table entry records: function+offset, and the place in its section. */
interface EntrySite {
  function: string;
  offset: number;
  site: CodeSite;
}

/** A place in the module's code: section index and offset in it (what DWARF frames are looked up by). */
export interface CodeSite {
  section: number;
  offset: number;
}

/**
 * The code site of each reference the readers made: kept beside the reference, not in it (the report's
 * references stay as they are, and a module nobody asks frames of keeps nothing more).
 */
const CODE_SITES = new WeakMap<Reference, CodeSite>();

/**
 * Where in the module's code a reference is: the relocated place for a reference from code, the code
 * site the entry records for a table entry (`__jump_table`, `__ex_table`, …); undefined for a reference
 * from data, or one not made by this reader.
 */
export function codeSiteOf(ref: Reference): CodeSite | undefined {
  return CODE_SITES.get(ref);
}

interface AddressGroups {
  /** For each index of a sorted list: the index of the first symbol at the same address. */
  first: Int32Array;
  /** Per group (keyed by its first index), in list order, the only symbols containing() can pick from it. */
  picks: Map<number, ElfSymbol[]>;
}

/**
 * A group of symbols at one address is sorted functions first, then by size descending, so the first
 * symbol that covers an address is the group's first function or first other symbol, and the first
 * unsized one is its first unsized function or first unsized other symbol. Keeping only those four
 * makes a lookup O(1) per group however many symbols share an address (a hostile file may put them all
 * at one), with the same answer as scanning the whole group.
 */
function addressGroups(list: ElfSymbol[]): AddressGroups {
  const first = new Int32Array(list.length);
  const picks = new Map<number, ElfSymbol[]>();
  let start = 0;
  let picked: ElfSymbol[] = [];
  let seen = 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    if (s.value !== list[start].value) {
      picks.set(start, picked);
      start = i;
      picked = [];
      seen = 0;
    }
    first[i] = start;
    const kind = s.type === STT_FUNC ? 1 : 4;
    const unsized = s.size === 0n ? kind << 1 : 0;
    if ((seen & kind) === 0 || (unsized !== 0 && (seen & unsized) === 0)) picked.push(s);
    seen |= kind | unsized;
  }
  if (list.length > 0) picks.set(start, picked);
  return { first, picks };
}
