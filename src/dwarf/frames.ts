/**
 * The inline chain at a place in a module's code, as elfutils' `eu-addr2line -i -f` prints it: the
 * innermost function (an inlined one, or the module's own) with the line of the place, then for each
 * inlined function the function it was inlined into, with the line of the call, out to the module's own
 * function. The scopes are found as libdw's dwarf_getscopes() finds them (descend into the first child
 * whose code holds the address), the line as libdwfl's dwfl_module_getsrc() (the last row at or before
 * the address, unless it ends a sequence).
 */
import type { ElfFile } from '../elf/elf-file.js';
import * as C from './constants.js';
import { Dwarf, MAX_DEPTH, type Die, type LineTable, type Unit } from './info.js';
import { readLineTable } from './lines.js';
import { dwarfFail } from './cursor.js';
import type { Frame } from './where.js';

export type { Frame } from './where.js';

/** DIEs whose children may hold code (libdw's may_have_scopes()). */
const SCOPE_TAGS = new Set([0x11, 0x1e, 0x0b, 0x22, 0x25, 0x32, 0x03, 0x1d, 0x2e, 0x39, 0x02, 0x13]);
/** DIEs that are a function for a frame: a subprogram, an inlined instance, an entry point. */
const FUNCTION_TAGS = new Set([C.DW_TAG_subprogram, C.DW_TAG_inlined_subroutine, C.DW_TAG_entry_point]);

export class FrameFinder {
  readonly dwarf: Dwarf;
  constructor(elf: ElfFile) {
    this.dwarf = new Dwarf(elf);
  }

  /** Does the file carry DWARF (.debug_info)? */
  get hasDwarf(): boolean {
    return this.dwarf.sections.hasInfo();
  }

  /**
   * Frames of the place `offset` bytes into section `section` (its index), innermost first; undefined
   * when the DWARF does not cover it. `symbol` names the place when no DWARF function does (addr2line
   * then prints the symbol table's name).
   */
  framesAt(section: number, offset: number, symbol?: string): Frame[] | undefined {
    const dw = this.dwarf;
    const pc = dw.sections.sectionBase(section) + offset;
    const unit = dw.unitFor(pc);
    if (!unit) return undefined;
    const line = this.lineAt(unit, pc);
    const path = this.scopes(unit, pc);
    if (path.length === 0 && !line) return undefined;
    const files = this.lines(unit)?.files ?? [];
    let inner: Die | undefined;
    for (let i = path.length - 1; i >= 0 && !inner; i--) if (path[i].tag === C.DW_TAG_subprogram || path[i].tag === C.DW_TAG_inlined_subroutine) inner = path[i];
    const frames: Frame[] = [frame(inner ? dw.nameOf(inner) : (symbol ?? '??'), line?.file ?? '??', line?.line ?? 0, line?.column ?? 0)];
    // The callers: eu-addr2line looks them up at the address of the line-table row it found (the start of
    // the statement), not at the place itself; the two differ only in the padding after a function.
    const chain = line && line.addr !== pc ? this.scopes(unit, line.addr) : path; // outermost first
    for (let i = chain.length - 1; i >= 0; i--) {
      const d = chain[i];
      if (d.tag !== C.DW_TAG_inlined_subroutine) continue;
      let parent: Die | undefined;
      for (let j = i - 1; j >= 0 && !parent; j--) if (FUNCTION_TAGS.has(chain[j].tag)) parent = chain[j];
      const file = d.callFile !== undefined ? files[d.callFile] : undefined;
      frames.push(frame(parent ? dw.nameOf(parent) : '??', file ?? '??', file === undefined ? 0 : (d.callLine ?? 0), file === undefined ? 0 : (d.callColumn ?? 0)));
    }
    return frames;
  }

  private lines(unit: Unit): LineTable | null {
    if (unit.lines === undefined) unit.lines = readLineTable(this.dwarf, unit);
    return unit.lines;
  }

  private lineAt(unit: Unit, pc: number): { addr: number; file: string; line: number; column: number } | undefined {
    const t = this.lines(unit);
    if (!t || t.addr.length === 0) return undefined;
    let lo = 0;
    let hi = t.addr.length - 1;
    while (lo < hi) {
      const mid = hi - ((hi - lo) >> 1);
      if (pc < t.addr[mid]) hi = mid - 1;
      else lo = mid;
    }
    if (t.endSeq[lo] || t.addr[lo] > pc) return undefined;
    const file = t.files[t.file[lo]];
    if (file === undefined) return undefined;
    return { addr: t.addr[lo], file, line: t.line[lo], column: t.column[lo] };
  }

  /** The DIEs from the unit's top level down to the innermost one whose code holds pc (the unit itself left out). */
  private scopes(unit: Unit, pc: number): Die[] {
    const dw = this.dwarf;
    const path: Die[] = [];
    const top = dw.topScopeAt(unit, pc);
    if (!top) return path;
    path.push(top);
    let cur = top;
    while (SCOPE_TAGS.has(cur.tag) && cur.hasChildren) {
      const next = dw.children(cur).find((ch) => dw.hasPc(ch, pc));
      if (!next) break;
      path.push(next);
      if (path.length > MAX_DEPTH) dwarfFail(dw.info, next.offset, `scopes nested deeper than ${MAX_DEPTH}`);
      cur = next;
    }
    return path;
  }
}

function frame(fn: string, file: string, line: number, column: number): Frame {
  return column > 0 ? { function: fn, file, line, column } : { function: fn, file, line };
}

