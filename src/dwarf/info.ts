/**
 * DWARF 2–5 debugging information entries, read lazily: unit headers on demand, one unit's abbreviation
 * table when a DIE of it is read, attributes decoded only for the handful a frame needs (names, pc ranges,
 * abstract origins, call sites, the unit's bases) and every other one skipped by its form. Every offset and
 * count is checked against its section; a chain of abstract origins or specifications is followed at most
 * MAX_CHAIN links (as libdw does), and nesting deeper than MAX_DEPTH is an error, so neither a cycle nor a
 * hostile depth can hang a reader.
 *
 * One file (~770 lines) because it is one cohesive thing: the DIE walk, the form decoder it skips and reads with,
 * and the name/range/inline-chain queries over it share the unit state and its bounds; split, each part
 * would reach into the others' internals.
 */
import type { ElfFile } from '../elf/elf-file.js';
import * as C from './constants.js';
import { Cursor, dwarfFail, stringAt, type DebugData } from './cursor.js';
import { DebugSections } from './sections.js';

/** Links of DW_AT_abstract_origin / DW_AT_specification followed when looking for a name (libdw: 16). */
export const MAX_CHAIN = 16;
/**
 * DIEs nested deeper than this are refused. Walks are iterative and linear in the DIEs they pass, so
 * depth costs no stack; the bound only says what is absurd (real code nests a few dozen scopes, a
 * generated test 600).
 */
export const MAX_DEPTH = 1 << 16;

interface Abbrev {
  tag: number;
  hasChildren: boolean;
  /** name, form pairs. */
  specs: Int32Array;
  /** DW_FORM_implicit_const values, by attribute position. */
  consts: Map<number, number> | undefined;
}

export interface Unit {
  offset: number;
  /** Offset just past the unit. */
  end: number;
  version: number;
  is64: boolean;
  addrSize: number;
  unitType: number;
  abbrevOffset: number;
  /** Offset of the unit's first DIE. */
  dieStart: number;
  abbrevs?: Map<number, Abbrev>;
  root?: Die;
  /** Base address for range lists (the unit DIE's DW_AT_low_pc, else 0). */
  base: number;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  /** The unit DIE's children with code, indexed by address (built on the first look-up). */
  scopeIndex?: ScopeIndex;
  lines?: LineTable | null;
}

/** Top-level ranges sorted by start; maxEnd[k] = the largest end of rows 0..k; order = DIE order. */
interface ScopeIndex {
  start: Float64Array;
  end: Float64Array;
  maxEnd: Float64Array;
  order: Int32Array;
  dies: Die[];
}

/** One DIE with the attributes frames need (raw values; forms say how to read them). */
export interface Die {
  unit: Unit;
  offset: number;
  tag: number;
  hasChildren: boolean;
  /** Offset just past the DIE's own attributes (its first child, when it has children). */
  next: number;
  /** DW_AT_sibling, absolute. */
  sibling?: number;
  name?: AttrValue;
  linkageName?: AttrValue;
  lowPc?: AttrValue;
  highPc?: AttrValue;
  ranges?: AttrValue;
  /** Absolute .debug_info offsets. */
  abstractOrigin?: number;
  specification?: number;
  callFile?: number;
  callLine?: number;
  callColumn?: number;
  stmtList?: number;
  compDir?: AttrValue;
  /** Filled on first use: the code ranges, the children. */
  rangeList?: Array<[number, number]>;
  kids?: Die[];
  strOffsetsBase?: number;
  addrBase?: number;
  rnglistsBase?: number;
}

export interface AttrValue {
  form: number;
  value: number;
  /** DW_FORM_string: the string itself. */
  str?: string;
}

/** A row of a line table that frames use. */
export interface LineTable {
  /** File names, full paths as libdw builds them (index as DW_AT_call_file / the line program count them). */
  files: string[];
  /** Rows sorted by address (stable; end_sequence rows before other rows at the same address). */
  addr: Float64Array;
  file: Uint32Array;
  line: Uint32Array;
  column: Uint32Array;
  endSeq: Uint8Array;
}

export class Dwarf {
  readonly sections: DebugSections;
  private readonly units = new Map<number, Unit>();
  /** DIEs decoded so far, by .debug_info offset (look-ups in one unit walk the same few again and again). */
  private readonly dies = new Map<number, Die>();
  /** Unit start offsets in .debug_info, found by walking the headers up to the highest one asked for. */
  private unitStarts: number[] | undefined;
  private aranges: { start: Float64Array; end: Float64Array; cu: Float64Array } | null | undefined;
  private readonly le: boolean;

  constructor(readonly elf: ElfFile) {
    this.sections = new DebugSections(elf);
    this.le = elf.header.littleEndian;
  }

  private need(name: string): DebugData {
    const d = this.sections.get(name);
    if (!d) throw dwarfFail({ name, data: Buffer.alloc(0), file: this.elf.file, fileOffset: 0, plain: false, fileSize: this.elf.fileSize }, 0, `${name} is needed but the file has none`);
    return d;
  }

  get info(): DebugData {
    return this.need('.debug_info');
  }

  /** The unit whose header starts at `offset`. */
  unitAt(offset: number): Unit {
    const hit = this.units.get(offset);
    if (hit) return hit;
    const info = this.info;
    const c = new Cursor(info, offset, this.le);
    const is64 = c.initialLength('unit');
    const end = c.limit;
    const version = c.u16('version');
    if (version < 2 || version > 5) c.fail(`DWARF version ${version} is not supported (2-5)`, offset + (is64 ? 12 : 4));
    let unitType = C.DW_UT_compile;
    let addrSize: number;
    let abbrevOffset: number;
    if (version >= 5) {
      unitType = c.u8('unit_type');
      addrSize = c.u8('address_size');
      abbrevOffset = c.offset(is64, 'debug_abbrev_offset');
      if (unitType === C.DW_UT_skeleton || unitType === C.DW_UT_split_compile) c.skip(8, 'dwo_id');
      else if (unitType === C.DW_UT_type || unitType === C.DW_UT_split_type) c.skip(8 + (is64 ? 8 : 4), 'type signature and offset');
      else if (unitType !== C.DW_UT_compile && unitType !== C.DW_UT_partial) c.fail(`unknown unit type 0x${unitType.toString(16)}`);
    } else {
      abbrevOffset = c.offset(is64, 'debug_abbrev_offset');
      addrSize = c.u8('address_size');
    }
    if (addrSize !== 4 && addrSize !== 8 && addrSize !== 2) c.fail(`address size ${addrSize} is not supported`);
    const unit: Unit = { offset, end, version, is64, addrSize, unitType, abbrevOffset, dieStart: c.pos, base: 0, strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0 };
    this.units.set(offset, unit);
    const root = this.die(unit, unit.dieStart);
    unit.root = root;
    if (root.strOffsetsBase !== undefined) unit.strOffsetsBase = root.strOffsetsBase;
    else if (version >= 5) unit.strOffsetsBase = is64 ? 16 : 8; // the first table's entries, when no base is given
    if (root.addrBase !== undefined) unit.addrBase = root.addrBase;
    if (root.rnglistsBase !== undefined) unit.rnglistsBase = root.rnglistsBase;
    if (root.lowPc) unit.base = this.address(unit, root.lowPc);
    return unit;
  }

  /** The unit holding .debug_info offset `at` (for DW_FORM_ref_addr). */
  unitHolding(at: number): Unit {
    const info = this.info;
    if (!(at >= 0 && at < info.data.length)) dwarfFail(info, 0, `reference to 0x${at.toString(16)} is outside .debug_info`);
    this.unitStarts ??= [];
    const starts = this.unitStarts;
    // walk the headers on from the last one known until a unit holds `at`
    let from = starts.length > 0 ? starts[starts.length - 1] : 0;
    if (starts.length === 0) starts.push(0);
    let u = this.unitAt(from);
    if (at >= u.end) {
      while (at >= u.end) {
        from = u.end;
        if (from >= info.data.length) dwarfFail(info, at, 'reference past the last unit');
        starts.push(from);
        u = this.unitAt(from);
      }
      return u;
    }
    // binary search the starts known
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return this.unitAt(starts[lo]);
  }

  private abbrevsOf(unit: Unit): Map<number, Abbrev> {
    if (unit.abbrevs) return unit.abbrevs;
    const d = this.need('.debug_abbrev');
    const c = new Cursor(d, unit.abbrevOffset, this.le);
    if (!(unit.abbrevOffset < d.data.length)) c.fail(`abbreviation table offset 0x${unit.abbrevOffset.toString(16)} of the unit at 0x${unit.offset.toString(16)} is outside .debug_abbrev`, 0);
    const out = new Map<number, Abbrev>();
    for (;;) {
      const code = c.uleb('abbreviation code');
      if (code === 0) break;
      const tag = c.uleb('tag');
      const hasChildren = c.u8('children flag') !== 0;
      const specs: number[] = [];
      let consts: Map<number, number> | undefined;
      for (;;) {
        const name = c.uleb('attribute name');
        const form = c.uleb('attribute form');
        if (name === 0 && form === 0) break;
        if (form === C.DW_FORM_implicit_const) (consts ??= new Map()).set(specs.length / 2, c.sleb('implicit_const'));
        if (specs.length >= 2 * 4096) c.fail('more than 4096 attributes in one abbreviation');
        specs.push(name, form);
      }
      if (out.has(code)) c.fail(`abbreviation code ${code} defined twice`);
      out.set(code, { tag, hasChildren, specs: Int32Array.from(specs), consts });
    }
    unit.abbrevs = out;
    return out;
  }

  /** The DIE at `offset` (absolute) of `unit`; a null entry (code 0) has tag 0. Decoded once. */
  die(unit: Unit, offset: number): Die {
    const hit = this.dies.get(offset);
    if (hit && hit.unit === unit) return hit;
    const d = this.decodeDie(unit, offset);
    this.dies.set(offset, d);
    return d;
  }

  private decodeDie(unit: Unit, offset: number): Die {
    const info = this.info;
    if (!(offset >= unit.dieStart && offset < unit.end)) dwarfFail(info, offset, `DIE offset 0x${offset.toString(16)} is outside its unit (0x${unit.offset.toString(16)}-0x${unit.end.toString(16)})`);
    const c = new Cursor(info, offset, this.le, unit.end);
    const code = c.uleb('abbreviation code');
    const die: Die = { unit, offset, tag: 0, hasChildren: false, next: 0 };
    if (code === 0) {
      die.next = c.pos;
      return die;
    }
    const ab = this.abbrevsOf(unit).get(code);
    if (!ab) return c.fail(`abbreviation code ${code} is not in the unit's table`, offset);
    die.tag = ab.tag;
    die.hasChildren = ab.hasChildren;
    const specs = ab.specs;
    for (let i = 0; i < specs.length; i += 2) {
      const name = specs[i];
      let form = specs[i + 1];
      for (let k = 0; form === C.DW_FORM_indirect; k++) {
        if (k > 4) c.fail('DW_FORM_indirect chain');
        form = c.uleb('indirect form');
      }
      const v = this.readForm(c, unit, form, ab.consts?.get(i / 2));
      if (v === undefined) continue;
      switch (name) {
        case C.DW_AT_sibling:
          die.sibling = this.refOf(unit, form, v.value, c);
          break;
        case C.DW_AT_name:
          die.name = v;
          break;
        case C.DW_AT_linkage_name:
        case C.DW_AT_MIPS_linkage_name:
          if (die.linkageName === undefined || name === C.DW_AT_MIPS_linkage_name) die.linkageName = v;
          break;
        case C.DW_AT_low_pc:
          die.lowPc = v;
          break;
        case C.DW_AT_high_pc:
          die.highPc = v;
          break;
        case C.DW_AT_ranges:
          die.ranges = v;
          break;
        case C.DW_AT_abstract_origin:
          die.abstractOrigin = this.refOf(unit, form, v.value, c);
          break;
        case C.DW_AT_specification:
          die.specification = this.refOf(unit, form, v.value, c);
          break;
        case C.DW_AT_call_file:
          if (isConstant(form)) die.callFile = v.value;
          break;
        case C.DW_AT_call_line:
          if (isConstant(form)) die.callLine = v.value;
          break;
        case C.DW_AT_call_column:
          if (isConstant(form)) die.callColumn = v.value;
          break;
        case C.DW_AT_stmt_list:
          die.stmtList = v.value;
          break;
        case C.DW_AT_comp_dir:
          die.compDir = v;
          break;
        case C.DW_AT_str_offsets_base:
          die.strOffsetsBase = v.value;
          break;
        case C.DW_AT_addr_base:
          die.addrBase = v.value;
          break;
        case C.DW_AT_rnglists_base:
          die.rnglistsBase = v.value;
          break;
      }
    }
    die.next = c.pos;
    return die;
  }

  /** An attribute's value (undefined for forms whose value frames never need: blocks, expressions). */
  private readForm(c: Cursor, unit: Unit, form: number, implicit: number | undefined): AttrValue | undefined {
    switch (form) {
      case C.DW_FORM_addr:
        return { form, value: c.uN(unit.addrSize, 'address') };
      case C.DW_FORM_block2:
        c.skip(c.u16('block length'), 'block');
        return undefined;
      case C.DW_FORM_block4:
        c.skip(c.u32('block length'), 'block');
        return undefined;
      case C.DW_FORM_block:
      case C.DW_FORM_exprloc:
        c.skip(c.uleb('block length'), 'block');
        return undefined;
      case C.DW_FORM_block1:
        c.skip(c.u8('block length'), 'block');
        return undefined;
      case C.DW_FORM_data1:
      case C.DW_FORM_flag:
      case C.DW_FORM_ref1:
      case C.DW_FORM_strx1:
      case C.DW_FORM_addrx1:
        return { form, value: c.u8() };
      case C.DW_FORM_data2:
      case C.DW_FORM_ref2:
      case C.DW_FORM_strx2:
      case C.DW_FORM_addrx2:
        return { form, value: c.u16() };
      case C.DW_FORM_strx3:
      case C.DW_FORM_addrx3:
        return { form, value: c.u24() };
      case C.DW_FORM_data4:
      case C.DW_FORM_ref4:
      case C.DW_FORM_ref_sup4:
      case C.DW_FORM_strx4:
      case C.DW_FORM_addrx4:
        return { form, value: c.u32() };
      case C.DW_FORM_data8:
      case C.DW_FORM_ref8:
      case C.DW_FORM_ref_sig8:
      case C.DW_FORM_ref_sup8:
        return { form, value: c.u64() };
      case C.DW_FORM_data16:
        c.skip(16, 'data16');
        return undefined;
      case C.DW_FORM_string:
        return { form, value: 0, str: c.cstr('DW_FORM_string') };
      case C.DW_FORM_sdata:
        return { form, value: c.sleb() };
      case C.DW_FORM_udata:
      case C.DW_FORM_ref_udata:
      case C.DW_FORM_strx:
      case C.DW_FORM_addrx:
      case C.DW_FORM_loclistx:
      case C.DW_FORM_rnglistx:
      case C.DW_FORM_GNU_addr_index:
      case C.DW_FORM_GNU_str_index:
        return { form, value: c.uleb() };
      case C.DW_FORM_ref_addr:
        return { form, value: unit.version <= 2 ? c.uN(unit.addrSize, 'ref_addr') : c.offset(unit.is64, 'ref_addr') };
      case C.DW_FORM_strp:
      case C.DW_FORM_line_strp:
      case C.DW_FORM_sec_offset:
      case C.DW_FORM_strp_sup:
      case C.DW_FORM_GNU_strp_alt:
      case C.DW_FORM_GNU_ref_alt:
        return { form, value: c.offset(unit.is64) };
      case C.DW_FORM_flag_present:
        return { form, value: 1 };
      case C.DW_FORM_implicit_const:
        return { form, value: implicit ?? 0 };
      default:
        return c.fail(`unknown attribute form 0x${form.toString(16)}`);
    }
  }

  /** A reference attribute as an absolute .debug_info offset. */
  private refOf(unit: Unit, form: number, value: number, c: Cursor): number | undefined {
    switch (form) {
      case C.DW_FORM_ref1:
      case C.DW_FORM_ref2:
      case C.DW_FORM_ref4:
      case C.DW_FORM_ref8:
      case C.DW_FORM_ref_udata:
        if (!(value < unit.end - unit.offset)) c.fail(`reference 0x${value.toString(16)} is outside its unit`);
        return unit.offset + value;
      case C.DW_FORM_ref_addr:
        return value;
      default:
        return undefined; // type signatures, supplementary files: nothing a frame follows
    }
  }

  /** A string attribute's text. */
  string(unit: Unit, v: AttrValue): string | undefined {
    switch (v.form) {
      case C.DW_FORM_string:
        return v.str;
      case C.DW_FORM_strp:
        return stringAt(this.need('.debug_str'), v.value, 'DW_FORM_strp');
      case C.DW_FORM_line_strp:
        return stringAt(this.need('.debug_line_str'), v.value, 'DW_FORM_line_strp');
      case C.DW_FORM_strx:
      case C.DW_FORM_strx1:
      case C.DW_FORM_strx2:
      case C.DW_FORM_strx3:
      case C.DW_FORM_strx4:
      case C.DW_FORM_GNU_str_index: {
        const so = this.need('.debug_str_offsets');
        const size = unit.is64 ? 8 : 4;
        const c = new Cursor(so, unit.strOffsetsBase + v.value * size, this.le);
        return stringAt(this.need('.debug_str'), c.offset(unit.is64, 'string offset'), 'DW_FORM_strx');
      }
      default:
        return undefined;
    }
  }

  /** An address attribute's value (DW_FORM_addr, or an index into .debug_addr). */
  address(unit: Unit, v: AttrValue): number {
    switch (v.form) {
      case C.DW_FORM_addrx:
      case C.DW_FORM_addrx1:
      case C.DW_FORM_addrx2:
      case C.DW_FORM_addrx3:
      case C.DW_FORM_addrx4:
      case C.DW_FORM_GNU_addr_index:
        return this.addrIndex(unit, v.value);
      default:
        return v.value;
    }
  }

  private addrIndex(unit: Unit, i: number): number {
    const c = new Cursor(this.need('.debug_addr'), unit.addrBase + i * unit.addrSize, this.le);
    return c.uN(unit.addrSize, 'address');
  }

  /** The [start, end) ranges of a DIE's code (low_pc/high_pc or DW_AT_ranges); [] when it has none. */
  ranges(die: Die): Array<[number, number]> {
    return (die.rangeList ??= this.readRanges(die));
  }

  private readRanges(die: Die): Array<[number, number]> {
    const unit = die.unit;
    if (die.lowPc && die.highPc) {
      const lo = this.address(unit, die.lowPc);
      const hi = isConstant(die.highPc.form) ? lo + die.highPc.value : this.address(unit, die.highPc);
      return [[lo, hi]];
    }
    if (!die.ranges) return [];
    const r = die.ranges;
    if (unit.version >= 5) {
      if (r.form === C.DW_FORM_rnglistx) {
        const d = this.need('.debug_rnglists');
        const size = unit.is64 ? 8 : 4;
        const c = new Cursor(d, unit.rnglistsBase + r.value * size, this.le);
        return this.rnglist(unit, unit.rnglistsBase + c.offset(unit.is64, 'range list offset'));
      }
      return this.rnglist(unit, r.value);
    }
    return this.rangesV4(unit, r.value);
  }

  private rangesV4(unit: Unit, offset: number): Array<[number, number]> {
    const d = this.need('.debug_ranges');
    const c = new Cursor(d, offset, this.le);
    if (!(offset < d.data.length)) c.fail(`range list offset 0x${offset.toString(16)} is outside .debug_ranges`, 0);
    const out: Array<[number, number]> = [];
    let base = unit.base;
    const size = unit.addrSize;
    for (;;) {
      const allOnes = this.allOnes(d, c.pos, size);
      const begin = c.uN(size, 'range begin');
      const end = c.uN(size, 'range end');
      if (begin === 0 && end === 0) return out;
      if (allOnes) base = end;
      else if (begin < end) out.push([base + begin, base + end]);
      if (out.length > 1 << 20) c.fail('range list longer than 2^20 entries');
    }
  }

  private allOnes(d: DebugData, at: number, size: number): boolean {
    if (at + size > d.data.length) return false;
    for (let i = 0; i < size; i++) if (d.data[at + i] !== 0xff) return false;
    return true;
  }

  private rnglist(unit: Unit, offset: number): Array<[number, number]> {
    const d = this.need('.debug_rnglists');
    const c = new Cursor(d, offset, this.le);
    if (!(offset < d.data.length)) c.fail(`range list offset 0x${offset.toString(16)} is outside .debug_rnglists`, 0);
    const out: Array<[number, number]> = [];
    let base = unit.base;
    const size = unit.addrSize;
    for (let n = 0; ; n++) {
      if (n > 1 << 20) c.fail('range list longer than 2^20 entries');
      const kind = c.u8('range list entry kind');
      switch (kind) {
        case C.DW_RLE_end_of_list:
          return out;
        case C.DW_RLE_base_addressx:
          base = this.addrIndex(unit, c.uleb());
          break;
        case C.DW_RLE_startx_endx: {
          const a = this.addrIndex(unit, c.uleb());
          const b = this.addrIndex(unit, c.uleb());
          out.push([a, b]);
          break;
        }
        case C.DW_RLE_startx_length: {
          const a = this.addrIndex(unit, c.uleb());
          out.push([a, a + c.uleb()]);
          break;
        }
        case C.DW_RLE_offset_pair: {
          const a = c.uleb();
          const b = c.uleb();
          out.push([base + a, base + b]);
          break;
        }
        case C.DW_RLE_base_address:
          base = c.uN(size, 'base address');
          break;
        case C.DW_RLE_start_end: {
          const a = c.uN(size, 'range start');
          out.push([a, c.uN(size, 'range end')]);
          break;
        }
        case C.DW_RLE_start_length: {
          const a = c.uN(size, 'range start');
          out.push([a, a + c.uleb()]);
          break;
        }
        default:
          c.fail(`unknown range list entry kind 0x${kind.toString(16)}`, c.pos - 1);
      }
    }
  }

  /** Does the DIE's code contain `pc` (libdw's dwarf_haspc)? */
  hasPc(die: Die, pc: number): boolean {
    if (!die.lowPc && !die.ranges) return false;
    if (die.lowPc && !die.highPc && !die.ranges) return false;
    const r = this.ranges(die);
    for (let i = 0; i < r.length; i++) if (r[i][0] <= pc && pc < r[i][1]) return true;
    return false;
  }

  /** The children of `die`, in order (a DIE without children has none); found once. */
  children(die: Die): Die[] {
    if (die.kids) return die.kids;
    const kids: Die[] = [];
    if (die.hasChildren) {
      const unit = die.unit;
      let at = die.next;
      for (;;) {
        if (at >= unit.end) break; // a unit may end without its last null entries
        const child = this.die(unit, at);
        if (child.tag === 0) break;
        kids.push(child);
        at = this.after(child);
      }
    }
    die.kids = kids;
    return kids;
  }

  /** The offset just past a DIE and all its descendants (its sibling). */
  after(die: Die): number {
    if (!die.hasChildren) return die.next;
    if (die.sibling !== undefined && die.sibling > die.offset && die.sibling <= die.unit.end) return die.sibling;
    // walk the subtree: iteratively, one level counter
    const unit = die.unit;
    let at = die.next;
    let depth = 1;
    while (depth > 0) {
      if (at >= unit.end) return unit.end;
      const d = this.die(unit, at);
      if (d.tag === 0) {
        depth--;
        at = d.next;
        continue;
      }
      if (d.hasChildren && d.sibling !== undefined && d.sibling > d.offset && d.sibling <= unit.end) {
        at = d.sibling;
        continue;
      }
      if (d.hasChildren) {
        if (++depth > MAX_DEPTH) dwarfFail(this.info, d.offset, `DIEs nested deeper than ${MAX_DEPTH}`);
      }
      at = d.next;
    }
    return at;
  }

  /** The DIE a reference names (absolute .debug_info offset), in whichever unit holds it. */
  dieAtOffset(at: number): Die {
    return this.die(this.unitHolding(at), at);
  }

  /**
   * The name addr2line shows for a DIE: its linkage name, else its name, each looked for along
   * DW_AT_abstract_origin / DW_AT_specification (libdw's dwarf_attr_integrate); "??" when none.
   */
  nameOf(die: Die): string {
    const find = (pick: (d: Die) => AttrValue | undefined): string | undefined => {
      let d: Die | undefined = die;
      for (let hops = 0; d && hops <= MAX_CHAIN; hops++) {
        const v = pick(d);
        if (v) return this.string(d.unit, v);
        const next: number | undefined = d.abstractOrigin ?? d.specification;
        d = next === undefined ? undefined : this.dieAtOffset(next);
      }
      return undefined;
    };
    return find((d) => d.linkageName) ?? find((d) => d.name) ?? '??';
  }

  /** The unit whose code holds `pc`: from .debug_aranges when present, else from the units' own ranges. */
  unitFor(pc: number): Unit | undefined {
    if (this.aranges === undefined) this.aranges = this.readAranges();
    if (this.aranges) {
      const a = this.aranges;
      // last range starting at or before pc
      let lo = 0;
      let hi = a.start.length - 1;
      let best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (a.start[mid] <= pc) {
          best = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      for (let i = best; i >= 0 && i >= best - 64; i--) if (a.start[i] <= pc && pc < a.end[i]) return this.unitAt(a.cu[i]);
      return undefined;
    }
    const info = this.info;
    for (let at = 0; at < info.data.length; ) {
      const u = this.unitAt(at);
      if (u.root && u.root.tag !== 0 && this.hasPc(u.root, pc)) return u;
      at = u.end;
    }
    return undefined;
  }

  private readAranges(): { start: Float64Array; end: Float64Array; cu: Float64Array } | null {
    const d = this.sections.get('.debug_aranges');
    if (!d) return null;
    const rows: Array<[number, number, number]> = [];
    let at = 0;
    while (at < d.data.length) {
      const c = new Cursor(d, at, this.le);
      const is64 = c.initialLength('address range table');
      const end = c.limit;
      const version = c.u16('version');
      if (version !== 2) c.fail(`.debug_aranges version ${version} is not supported`);
      const cu = c.offset(is64, 'debug_info_offset');
      const addrSize = c.u8('address_size');
      c.u8('segment_selector_size');
      if (addrSize !== 4 && addrSize !== 8) c.fail(`address size ${addrSize} is not supported`);
      // tuples start at a multiple of twice the address size from the table's start
      const pad = (2 * addrSize - ((c.pos - at) % (2 * addrSize))) % (2 * addrSize);
      c.skip(pad, 'padding');
      while (c.pos + 2 * addrSize <= end) {
        const start = c.uN(addrSize, 'address');
        const length = c.uN(addrSize, 'length');
        if (start === 0 && length === 0) break;
        if (length > 0) rows.push([start, start + length, cu]);
      }
      at = end;
    }
    rows.sort((a, b) => a[0] - b[0]);
    return {
      start: Float64Array.from(rows, (r) => r[0]),
      end: Float64Array.from(rows, (r) => r[1]),
      cu: Float64Array.from(rows, (r) => r[2]),
    };
  }

  /**
   * The first of the unit's top-level DIEs (in DIE order) whose code holds pc — what a walk over them
   * would find — through an index of their ranges sorted by start, built once per unit: a module's
   * thousands of references each scanned its thousands of functions.
   */
  topScopeAt(unit: Unit, pc: number): Die | undefined {
    const ix = (unit.scopeIndex ??= this.indexScopes(unit));
    const { start, end, maxEnd, order, dies } = ix;
    let lo = 0;
    let hi = start.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (start[mid] <= pc) {
        last = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let best = -1;
    for (let j = last; j >= 0 && maxEnd[j] > pc; j--) if (pc < end[j] && (best < 0 || order[j] < best)) best = order[j];
    return best < 0 ? undefined : dies[best];
  }

  private indexScopes(unit: Unit): ScopeIndex {
    const dies: Die[] = [];
    const rows: Array<[number, number, number]> = [];
    for (const ch of this.children(unit.root!)) {
      if (!ch.lowPc && !ch.ranges) continue;
      if (ch.lowPc && !ch.highPc && !ch.ranges) continue; // as hasPc(): a lone low_pc is no range
      const i = dies.length;
      dies.push(ch);
      for (const [a, b] of this.ranges(ch)) if (a < b) rows.push([a, b, i]);
    }
    rows.sort((x, y) => x[0] - y[0] || x[2] - y[2]);
    const n = rows.length;
    const ix: ScopeIndex = { start: new Float64Array(n), end: new Float64Array(n), maxEnd: new Float64Array(n), order: new Int32Array(n), dies };
    let m = -Infinity;
    for (let k = 0; k < n; k++) {
      ix.start[k] = rows[k][0];
      ix.end[k] = rows[k][1];
      ix.order[k] = rows[k][2];
      m = Math.max(m, rows[k][1]);
      ix.maxEnd[k] = m;
    }
    return ix;
  }
}

/** Forms of the constant class (DW_AT_high_pc as a length, call_file/line/column). */
export function isConstant(form: number): boolean {
  return (
    form === C.DW_FORM_data1 ||
    form === C.DW_FORM_data2 ||
    form === C.DW_FORM_data4 ||
    form === C.DW_FORM_data8 ||
    form === C.DW_FORM_udata ||
    form === C.DW_FORM_sdata ||
    form === C.DW_FORM_implicit_const
  );
}

