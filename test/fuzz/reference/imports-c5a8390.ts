/**
 * readImports() and FunctionLocator exactly as they were at commit c5a8390 (before the fuzzing fixes
 * that made them linear on hostile files), kept as the reference for the differential property in
 * module.fuzz.test.ts: on every file a real toolchain could write, the fixed code must answer the same.
 * Do not edit except to follow renames in src/.
 */
import { ElfFormatError } from '../../../src/errors.js';
import { ET_REL, SHF_ALLOC, SHF_EXECINSTR, SHN_UNDEF, SHT_REL, SHT_RELA, STB_GLOBAL, STB_WEAK, STT_FILE, STT_FUNC, STT_SECTION } from '../../../src/elf/constants.js';
import type { ElfFile, ElfSection, ElfSymbol } from '../../../src/elf/elf-file.js';
import type { Import, Reference } from '../../../src/module/types.js';

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
    if (rs.type !== SHT_REL && rs.type !== SHT_RELA) continue;
    if (rs.info === 0 || rs.info >= elf.sections.length) continue;
    const target = elf.sections[rs.info];
    if ((target.flags & SHF_ALLOC) === 0n) continue; // debug info and the like: not a reason to import
    if (rs.link !== 0 && elf.sections[rs.link]?.type !== 2) continue; // relocations against another symbol table
    const relocs = elf.relocations(rs);
    for (let i = 0; i < relocs.length; i++) {
      const r = relocs[i];
      if (r.symIndex >= symbols.length) {
        throw new ElfFormatError(elf.file, rs.offset, `relocation ${i} of '${rs.name}' names symbol ${r.symIndex}, but .symtab has ${symbols.length}`);
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
    let first = best;
    while (first > 0 && list[first - 1].value === v) first--;
    for (let j = first; j <= best; j++) if (addr < v + list[j].size) return list[j];
    for (let j = first; j <= best; j++) if (list[j].size === 0n) return list[j]; // an unsized (asm) label
    // A larger symbol that starts earlier may still cover addr.
    for (let j = first - 1; j >= 0 && j >= first - 8; j--) if (addr < list[j].value + list[j].size) return list[j];
    return undefined;
  }

  reference(target: ElfSection, offset: bigint, relocs: { offset: bigint; symIndex: number; addend: bigint }[], i: number): Reference {
    const isExec = (target.flags & SHF_EXECINSTR) !== 0n;
    // In ET_REL, r_offset and symbol values are section offsets; in linked files both are addresses.
    const place = this.elf.header.type === ET_REL ? offset : offset - target.addr;
    const fn = this.containing(target.index, offset);
    if (fn && (isExec || fn.type === STT_FUNC || fn.size > 0n)) {
      return { section: target.name, function: fn.name, offset: Number(offset - fn.value) };
    }
    if (!isExec) {
      const site = this.codeSiteOfEntry(relocs, i);
      if (site) return { section: target.name, function: site.function, offset: site.offset };
    }
    return { section: target.name, offset: Number(place) };
  }

  /**
   * The code address recorded in the same table entry as relocation i: the nearest relocation before
   * it (within 16 bytes: __jump_table, __ex_table, .altinstructions and friends keep the code site
   * first) whose target is in an executable section.
   */
  private codeSiteOfEntry(relocs: { offset: bigint; symIndex: number; addend: bigint }[], i: number): { function: string; offset: number } | undefined {
    const at = relocs[i].offset;
    let site: { function: string; offset: number } | undefined;
    // The farthest one back within the entry is its first field: the code site (the next may be a jump target).
    for (let j = i - 1; j >= 0 && at - relocs[j].offset <= 16n; j--) {
      site = this.codeAddress(relocs[j].symIndex, relocs[j].addend) ?? site;
    }
    return site;
  }

  private codeAddress(symIndex: number, addend: bigint): { function: string; offset: number } | undefined {
    const s = this.symbols[symIndex];
    const sec = s && this.elf.sectionOf(s);
    if (!sec) return undefined;
    if ((sec.flags & SHF_EXECINSTR) === 0n) return undefined;
    // Absolute entries (4.18 jump labels) and relative ones (`.long 1b - .`, 4.19+) both relocate
    // against section+addend, the addend being the code site.
    const addr = s.value + addend;
    const fn = this.containing(sec.index, addr);
    if (fn) return { function: fn.name, offset: Number(addr - fn.value) };
    return { function: `${sec.name}`, offset: Number(addr) };
  }
}

