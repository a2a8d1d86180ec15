/**
 * Exports recorded in an ELF file (vmlinux, a .ko, or a <mod>.o) — the kernel's export tables:
 *
 *  - `__ksymtab`, `__ksymtab_gpl` (≤5.11 also `_unused`, `_unused_gpl`, `_gpl_future`): `struct kernel_symbol`
 *    entries (absolute `{value, name[, namespace]}` or PREL32 `{s32 value, s32 name[, s32 namespace]}`),
 *    with `.symtab` labels `__ksymtab_<sym>`, `__kstrtab_<sym>`, `__kstrtabns_<sym>` (5.4+);
 *  - `__kcrctab*`: CRCs parallel to the ksymtab entries; `__crc_<sym>` absolute (≤5.18) or data (≥5.19);
 *  - in 6.5+ objects only, `.export_symbol` markers `__export_symbol_<sym>` = "license\0namespace\0";
 *  - 7.1+ (upstream 9743311b4535 / 55fcb926b6d8): every export sits in `__ksymtab` (one name-sorted table) and its
 *    GPL-only flag is bit 0 (KSYM_FLAG_GPL_ONLY, include/linux/module_symbol.h) of a byte of the parallel
 *    `__kflagstab` (per symbol `___kflagstab+<sym>`, label `__flags_<sym>`, written by modpost's
 *    SYMBOL_FLAGS(); read in 7.2.13's include/linux/export-internal.h and kernel/module/main.c).
 *
 * With a symbol table the labels are used (they work for linked and relocatable files alike); without
 * one (a stripped vmlinux) the entries themselves are decoded.
 */
import { ElfFormatError } from '../errors.js';
import { ET_REL, SHN_ABS, SHT_NOBITS, SHT_SYMTAB } from '../elf/constants.js';
import { ElfFile, type ElfSection, type ElfSymbol } from '../elf/elf-file.js';
import type { ExportType } from './types.js';

export interface KsymtabExport {
  name: string;
  type: ExportType;
  namespace: string;
  crc: number | null;
}

/** Section (final or per-symbol input section `___ksymtab_gpl+sym`) → export type. */
export function exportTypeOfSection(section: string): ExportType | undefined {
  const base = section.startsWith('___') ? section.slice(1).replace(/\+.*$/, '') : section;
  switch (base) {
    case '__ksymtab':
      return 'EXPORT_SYMBOL';
    case '__ksymtab_gpl':
      return 'EXPORT_SYMBOL_GPL';
    case '__ksymtab_unused':
      return 'EXPORT_UNUSED_SYMBOL';
    case '__ksymtab_unused_gpl':
      return 'EXPORT_UNUSED_SYMBOL_GPL';
    case '__ksymtab_gpl_future':
      return 'EXPORT_SYMBOL_GPL_FUTURE';
    default:
      return undefined;
  }
}

const CRC_SECTION_OF: Record<string, string> = {
  __ksymtab: '__kcrctab',
  __ksymtab_gpl: '__kcrctab_gpl',
  __ksymtab_unused: '__kcrctab_unused',
  __ksymtab_unused_gpl: '__kcrctab_unused_gpl',
  __ksymtab_gpl_future: '__kcrctab_gpl_future',
};

/** KSYM_FLAG_GPL_ONLY (7.1+ include/linux/module_symbol.h). */
export const KSYM_FLAG_GPL_ONLY = 1;

/** A `__ksymtab` export made GPL-only by its `__kflagstab` byte (7.1+); other types are left as they are. */
function flagged(type: ExportType, flags: number | undefined): ExportType {
  return type === 'EXPORT_SYMBOL' && flags !== undefined && (flags & KSYM_FLAG_GPL_ONLY) !== 0 ? 'EXPORT_SYMBOL_GPL' : type;
}

/** Is this the per-symbol flags table (`__kflagstab` once linked, `___kflagstab+<sym>` in an object)? */
function isFlagsSection(name: string): boolean {
  return name === '__kflagstab' || name.startsWith('___kflagstab+');
}

export function readKsymtab(elf: ElfFile, symbols: ElfSymbol[] = elf.symbols()): KsymtabExport[] {
  const byLabels = fromLabels(elf, symbols);
  if (byLabels.length > 0 || symbols.length > 0) {
    return byLabels.length > 0 ? byLabels : fromExportMarkers(elf, symbols);
  }
  return fromEntries(elf);
}

function fromLabels(elf: ElfFile, symbols: ElfSymbol[]): KsymtabExport[] {
  const out: KsymtabExport[] = [];
  const strtabNs = new Map<string, ElfSymbol>();
  const crcs = new Map<string, ElfSymbol>();
  const flags = new Map<string, ElfSymbol>();
  const entries: Array<[string, ElfSymbol]> = [];
  // index loops: for a kernel these run once, unoptimised, and for-of allocated an iterator result per step
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    const n = s.name;
    if (n.charCodeAt(0) !== 95 /* _ */ || n.charCodeAt(1) !== 95) continue;
    if (n.startsWith('__ksymtab_')) entries.push([n.slice(10), s]);
    else if (n.startsWith('__kstrtabns_')) strtabNs.set(n.slice(12), s);
    else if (n.startsWith('__crc_')) crcs.set(n.slice(6), s);
    else if (n.startsWith('__flags_')) flags.set(n.slice(8), s);
  }
  // a linked kernel whose __crc_ symbols are gone (objcopy -N; a strip that kept the labels): each CRC is
  // the __kcrctab entry parallel to its __ksymtab entry, as a stripped vmlinux is read (fromEntries)
  const byPosition = crcs.size === 0 && elf.header.type !== ET_REL ? crcByPosition(elf) : undefined;
  for (let i = 0; i < entries.length; i++) {
    const [name, label] = entries[i];
    const sec = elf.sectionOf(label);
    if (!sec) continue;
    const type = exportTypeOfSection(sec.name);
    // `__ksymtab_strings` itself matches the prefix; only labels inside a ksymtab section are exports.
    if (!type) continue;
    const ns = strtabNs.get(name);
    const namespace = ns ? stringAtSymbol(elf, ns) : '';
    checkExport(elf, name, namespace, symbolAt(elf, ns && !NAMESPACE.test(namespace) ? ns : label), `label '${label.name}'`);
    const crc = byPosition ? byPosition(sec, label) : crcOf(elf, crcs.get(name));
    out.push({ name, type: flagged(type, flagsOf(elf, flags.get(name))), namespace, crc });
  }
  return out;
}

/**
 * A label's CRC from the `__kcrctab*` table parallel to its `__ksymtab*` table: the entry at the label's
 * index (its offset over the entry size of the table's layout). Null where there is no such table or
 * entry, as for a kernel without modversions.
 */
function crcByPosition(elf: ElfFile): (sec: ElfSection, label: ElfSymbol) => number | null {
  const strings = elf.section('__ksymtab_strings');
  const tables = new Map<string, { size: number; crcs: Buffer } | null>();
  return (sec, label) => {
    let t = tables.get(sec.name);
    if (t === undefined) {
      const crcSec = CRC_SECTION_OF[sec.name] ? elf.section(CRC_SECTION_OF[sec.name]) : undefined;
      const layout = crcSec && strings && sec.type !== SHT_NOBITS ? detectLayout(elf, sec, strings) : undefined;
      t = layout && crcSec!.type !== SHT_NOBITS ? { size: layout.size, crcs: elf.sectionData(crcSec!) } : null;
      tables.set(sec.name, t);
    }
    if (!t) return null;
    const off = Number(label.value - sec.addr);
    const i = off / t.size;
    return Number.isInteger(i) && i >= 0 && (i + 1) * 4 <= t.crcs.length ? elf.fields.u32(t.crcs, i * 4) : null;
  };
}

/** The byte at a `__flags_<sym>` label inside the flags table (7.1+), or undefined without one. */
function flagsOf(elf: ElfFile, s: ElfSymbol | undefined): number | undefined {
  if (!s) return undefined;
  const sec = elf.sectionOf(s);
  if (!sec || !isFlagsSection(sec.name)) return undefined;
  if (sec.type === SHT_NOBITS) throw new ElfFormatError(elf.file, sec.headerOffset, `'${sec.name}' holds the export flags but has no data in the file (SHT_NOBITS)`);
  const data = elf.sectionData(sec);
  const off = elf.header.type === ET_REL ? s.value : s.value - sec.addr;
  if (off < 0n || off >= BigInt(data.length)) throw new ElfFormatError(elf.file, sec.headerOffset, `symbol '${s.name}' points outside section '${sec.name}'`);
  return data[Number(off)];
}

/** What a Module.symvers line can carry (as symvers.ts checks): a name without white space or control characters. */
const NAME = /^[^\s\x00-\x1f\x7f]+$/;
const NAMESPACE = /^[^\s\x00-\x1f\x7f]*$/;

/**
 * An export whose name or namespace could not be a kernel symbol's (empty, white space, control
 * characters: a damaged string table) is an error, not an export that breaks `ksymcheck exports` or a
 * Module.symvers written from it.
 */
function checkExport(elf: ElfFile, name: string, namespace: string, at: number, from: string): void {
  if (!NAME.test(name)) throw new ElfFormatError(elf.file, at, `${from}: export name ${JSON.stringify(name.slice(0, 80))} is empty or holds white space or control characters`);
  if (!NAMESPACE.test(namespace)) throw new ElfFormatError(elf.file, at, `${from}: namespace ${JSON.stringify(namespace.slice(0, 80))} of '${name}' holds white space or control characters`);
}

/** File offset of a symbol's .symtab entry (where errors about its name point). */
function symbolAt(elf: ElfFile, s: ElfSymbol): number {
  const symtab = elf.sections.find((x) => x.type === SHT_SYMTAB);
  return symtab ? symtab.offset + s.index * (elf.fields.is64 ? 24 : 16) : 0;
}

/** The string a label such as `__kstrtabns_<sym>` points at. */
function stringAtSymbol(elf: ElfFile, s: ElfSymbol): string {
  const sec = elf.sectionOf(s);
  if (!sec) return '';
  const data = elf.sectionData(sec);
  const off = elf.header.type === ET_REL ? s.value : s.value - sec.addr;
  if (off < 0n || off >= BigInt(data.length)) throw new ElfFormatError(elf.file, sec.headerOffset, `symbol '${s.name}' points outside section '${sec.name}'`);
  // a section offset: 0 is the section's first string, not ELF's "offset 0 = no name"
  return elf.stringAt(data, Number(off), sec, `string of '${s.name}'`);
}

/** `__crc_<sym>`: absolute (value = CRC, ≤5.18) or a 4-byte datum in its section (≥5.19). */
function crcOf(elf: ElfFile, s: ElfSymbol | undefined): number | null {
  if (!s) return null;
  const sec = elf.sectionOf(s);
  if (!sec) return s.shndx === SHN_ABS ? Number(s.value & 0xffffffffn) : null;
  const data = elf.sectionData(sec);
  const off = elf.header.type === ET_REL ? s.value : s.value - sec.addr;
  if (off < 0n || off + 4n > BigInt(data.length)) throw new ElfFormatError(elf.file, sec.headerOffset, `symbol '${s.name}' points outside section '${sec.name}'`);
  return elf.fields.u32(data, Number(off));
}

/** 6.5+ objects: `.export_symbol` holds, per `__export_symbol_<sym>` label, "license\0namespace\0" + a pointer. */
function fromExportMarkers(elf: ElfFile, symbols: ElfSymbol[]): KsymtabExport[] {
  const sec = elf.section('.export_symbol');
  if (!sec) return [];
  const out: KsymtabExport[] = [];
  const data = elf.sectionData(sec);
  for (const s of symbols) {
    if (s.section !== sec.index || !s.name.startsWith('__export_symbol_')) continue;
    // The first marker sits at offset 0: a real string here, not ELF's "offset 0 = empty name".
    const off = s.value < BigInt(data.length) ? Number(s.value) : data.length;
    const lic = elf.stringAt(data, off, sec, `licence of '${s.name}'`);
    const nsOff = off + lic.length + 1;
    const ns = nsOff < data.length ? elf.stringAt(data, nsOff, sec, `namespace of '${s.name}'`) : '';
    const name = s.name.slice('__export_symbol_'.length);
    checkExport(elf, name, ns, NAMESPACE.test(ns) ? symbolAt(elf, s) : sec.offset + nsOff, `marker '${s.name}'`);
    out.push({ name, type: lic === 'GPL' ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL', namespace: ns, crc: null });
  }
  return out;
}

interface Layout {
  prel32: boolean;
  withNamespace: boolean;
  size: number;
}

/**
 * No symbol table: decode the entries. The layout (absolute or PREL32, with or without a namespace
 * field) is the one under which every entry's name points at a string in __ksymtab_strings.
 */
function fromEntries(elf: ElfFile): KsymtabExport[] {
  const strings = elf.section('__ksymtab_strings');
  if (!strings) return [];
  const out: KsymtabExport[] = [];
  for (const [secName, crcName] of Object.entries(CRC_SECTION_OF)) {
    const sec = elf.section(secName);
    if (!sec || sec.size === 0) continue;
    if (sec.type === SHT_NOBITS) throw new ElfFormatError(elf.file, sec.headerOffset, `'${secName}' has ${sec.size} bytes of entries but no data in the file (SHT_NOBITS)`);
    const type = exportTypeOfSection(secName)!;
    const layout = detectLayout(elf, sec, strings);
    if (!layout) throw new ElfFormatError(elf.file, sec.headerOffset, `cannot decode the entries of '${secName}': no struct kernel_symbol layout fits`);
    const crcSec = elf.section(crcName);
    const crcData = crcSec ? elf.sectionData(crcSec) : undefined;
    const n = sec.size / layout.size;
    // 7.1+: one flags byte per __ksymtab entry, in the same (name-sorted) order
    const flagSec = secName === '__ksymtab' ? elf.section('__kflagstab') : undefined;
    if (flagSec && flagSec.type === SHT_NOBITS && flagSec.size > 0) throw new ElfFormatError(elf.file, flagSec.headerOffset, `'__kflagstab' has ${flagSec.size} bytes of flags but no data in the file (SHT_NOBITS)`);
    const flagData = flagSec ? elf.sectionData(flagSec) : undefined;
    if (flagData && flagData.length !== n) throw new ElfFormatError(elf.file, flagSec!.headerOffset, `'__kflagstab' has ${flagData.length} flag bytes for ${n} '__ksymtab' entries`);
    for (let i = 0; i < n; i++) {
      const e = decodeEntry(elf, sec, strings, layout, i)!;
      out.push({
        name: e.name,
        type: flagged(type, flagData?.[i]),
        namespace: e.namespace,
        crc: crcData && (i + 1) * 4 <= crcData.length ? elf.fields.u32(crcData, i * 4) : null,
      });
    }
  }
  return out;
}

function candidateLayouts(elf: ElfFile): Layout[] {
  const w = elf.fields.addrSize;
  const abs = [
    { prel32: false, withNamespace: true, size: 3 * w },
    { prel32: false, withNamespace: false, size: 2 * w },
  ];
  if (w === 4) return abs;
  return [...abs, { prel32: true, withNamespace: true, size: 12 }, { prel32: true, withNamespace: false, size: 8 }];
}

function detectLayout(elf: ElfFile, sec: ElfSection, strings: ElfSection): Layout | undefined {
  for (const layout of candidateLayouts(elf)) {
    if (sec.size % layout.size !== 0) continue;
    const n = sec.size / layout.size;
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = decodeEntry(elf, sec, strings, layout, i) !== undefined;
    if (ok) return layout;
  }
  return undefined;
}

const IDENT = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;
/**
 * Longest string taken for a name or namespace when decoding entries (KSYM_NAME_LEN is 512 since 6.1):
 * a longer one is not a name, and the bound keeps a hostile __ksymtab_strings from costing a scan of
 * the whole section per entry.
 */
const MAX_DECODED_NAME = 1024;

function decodeEntry(elf: ElfFile, sec: ElfSection, strings: ElfSection, layout: Layout, i: number): { name: string; namespace: string } | undefined {
  const f = elf.fields;
  const data = elf.sectionData(sec);
  const base = i * layout.size;
  const field = (k: number): bigint => {
    if (layout.prel32) {
      const place = sec.addr + BigInt(base + 4 * k);
      return place + BigInt(f.i32(data, base + 4 * k));
    }
    return f.addr(data, base + k * f.addrSize);
  };
  const str = (addr: bigint, allowEmpty: boolean): string | undefined => {
    const rel = addr - strings.addr;
    if (rel < 0n || rel >= BigInt(strings.size)) return undefined;
    const sdata = elf.sectionData(strings);
    const len = sdata.subarray(Number(rel), Number(rel) + MAX_DECODED_NAME + 1).indexOf(0);
    if (len < 0) return undefined;
    const s = sdata.toString('latin1', Number(rel), Number(rel) + len);
    return (allowEmpty && s === '') || IDENT.test(s) || (allowEmpty && /^[\x21-\x7e]+$/.test(s)) ? s : undefined;
  };
  const name = str(field(1), false);
  if (name === undefined) return undefined;
  if (!layout.withNamespace) return { name, namespace: '' };
  const nsAddr = field(2);
  // PREL32: an offset of 0 means "no namespace"; absolute: a NULL pointer.
  if ((layout.prel32 && nsAddr === sec.addr + BigInt(base + 8)) || (!layout.prel32 && nsAddr === 0n)) return { name, namespace: '' };
  const namespace = str(nsAddr, true);
  return namespace === undefined ? undefined : { name, namespace };
}
