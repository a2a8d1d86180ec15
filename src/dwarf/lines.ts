/**
 * The line-number program of one unit (DWARF 2–5, §6.2): its file table, with full paths built as libdw
 * builds them (an absolute name as is, else its directory + "/" + name; a relative directory is under the
 * unit's DW_AT_comp_dir; DWARF ≤4 directory 0 is DW_AT_comp_dir and file 0 a placeholder), and its rows
 * sorted by address.
 */
import * as C from './constants.js';
import { Cursor, dwarfFail, stringAt, type DebugData } from './cursor.js';
import type { Dwarf, LineTable, Unit } from './info.js';

/** Rows of one line program kept at most (each row costs at least one byte of program). */
const MAX_ROWS = 1 << 24;

export function readLineTable(dw: Dwarf, unit: Unit): LineTable | null {
  const root = unit.root!;
  if (root.stmtList === undefined) return null;
  const d = dw.sections.get('.debug_line');
  if (!d) return null;
  const le = dw.elf.header.littleEndian;
  const start = root.stmtList;
  const c = new Cursor(d, start, le);
  if (!(start < d.data.length)) c.fail(`DW_AT_stmt_list 0x${start.toString(16)} of the unit at 0x${unit.offset.toString(16)} is outside .debug_line`, 0);
  const is64 = c.initialLength('line program');
  const end = c.limit;
  const version = c.u16('version');
  if (version < 2 || version > 5) c.fail(`line program version ${version} is not supported`);
  let addrSize = unit.addrSize;
  if (version >= 5) {
    addrSize = c.u8('address_size');
    c.u8('segment_selector_size');
  }
  const headerLength = c.offset(is64, 'header_length');
  const programStart = c.pos + headerLength;
  if (!(programStart <= end)) c.fail('header_length runs past the line program');
  const minInst = c.u8('minimum_instruction_length');
  const maxOps = version >= 4 ? c.u8('maximum_operations_per_instruction') || 1 : 1;
  const defaultIsStmt = c.u8('default_is_stmt');
  void defaultIsStmt;
  const lineBase = (c.u8('line_base') << 24) >> 24;
  const lineRange = c.u8('line_range');
  const opcodeBase = c.u8('opcode_base');
  const argCounts: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) argCounts.push(c.u8('standard_opcode_lengths'));

  const compDir = root.compDir ? dw.string(unit, root.compDir) : undefined;
  let dirs: Array<string | undefined>;
  let files: string[];
  // a relative directory other than the first is relative to the unit's compilation directory (libdw
  // joins them: comp_dir "." and directory "./src" make "././src")
  const underCompDir = (d: string | undefined, i: number): string | undefined =>
    i > 0 && d !== undefined && !d.startsWith('/') && compDir !== undefined ? `${compDir}/${d}` : d;
  if (version >= 5) {
    dirs = entryTable(dw, unit, c, is64, 'directory').map((e, i) => underCompDir(e.path, i));
    files = entryTable(dw, unit, c, is64, 'file').map((e) => fullPath(c, dirs, e.path ?? '', e.dir));
  } else {
    dirs = [compDir];
    for (;;) {
      const s = c.cstr('include_directories entry');
      if (s === '') break;
      dirs.push(underCompDir(s, dirs.length));
    }
    files = ['???'];
    for (;;) {
      const name = c.cstr('file_names entry');
      if (name === '') break;
      const dir = c.uleb('directory index');
      c.uleb('modification time');
      c.uleb('file length');
      files.push(fullPath(c, dirs, name, dir));
    }
  }

  // the program
  c.pos = programStart;
  let n = 0;
  let cap = 256;
  let addr = new Float64Array(cap);
  let file = new Uint32Array(cap);
  let line = new Uint32Array(cap);
  let column = new Uint32Array(cap);
  let endSeq = new Uint8Array(cap);
  const emit = (a: number, f: number, l: number, col: number, e: boolean) => {
    if (n === cap) {
      if (cap >= MAX_ROWS) c.fail(`more than ${MAX_ROWS} rows in one line program`);
      cap *= 2;
      const grow = <T extends Float64Array | Uint32Array | Uint8Array>(x: T, y: T): T => (y.set(x), y);
      addr = grow(addr, new Float64Array(cap));
      file = grow(file, new Uint32Array(cap));
      line = grow(line, new Uint32Array(cap));
      column = grow(column, new Uint32Array(cap));
      endSeq = grow(endSeq, new Uint8Array(cap));
    }
    addr[n] = a;
    file[n] = f;
    line[n] = l >>> 0;
    column[n] = col >>> 0;
    endSeq[n] = e ? 1 : 0;
    n++;
  };
  let address = 0;
  let opIndex = 0;
  let fileReg = 1;
  let lineReg = 1;
  let col = 0;
  const reset = () => {
    address = 0;
    opIndex = 0;
    fileReg = 1;
    lineReg = 1;
    col = 0;
  };
  const advance = (operation: number) => {
    if (maxOps === 1) address += minInst * operation;
    else {
      address += minInst * Math.floor((opIndex + operation) / maxOps);
      opIndex = (opIndex + operation) % maxOps;
    }
  };
  while (c.pos < end) {
    const op = c.u8('opcode');
    if (op >= opcodeBase) {
      if (lineRange === 0) c.fail('special opcode with line_range 0', c.pos - 1);
      const adj = op - opcodeBase;
      advance(Math.floor(adj / lineRange));
      lineReg += lineBase + (adj % lineRange);
      emit(address, fileReg, lineReg, col, false);
      continue;
    }
    switch (op) {
      case 0: {
        const len = c.uleb('extended opcode length');
        const at = c.pos;
        if (len === 0) break;
        const sub = c.u8('extended opcode');
        switch (sub) {
          case C.DW_LNE_end_sequence:
            emit(address, fileReg, lineReg, col, true);
            reset();
            break;
          case C.DW_LNE_set_address:
            address = c.uN(len - 1 === addrSize ? addrSize : len - 1, 'DW_LNE_set_address operand');
            opIndex = 0;
            break;
          case C.DW_LNE_define_file: {
            const name = c.cstr('DW_LNE_define_file name');
            const dir = c.uleb('directory index');
            c.uleb();
            c.uleb();
            files.push(fullPath(c, dirs, name, dir));
            break;
          }
          default:
            break; // discriminators and vendor opcodes: skipped by their length
        }
        c.pos = at;
        c.skip(len, 'extended opcode');
        break;
      }
      case C.DW_LNS_copy:
        emit(address, fileReg, lineReg, col, false);
        break;
      case C.DW_LNS_advance_pc:
        advance(c.uleb('DW_LNS_advance_pc operand'));
        break;
      case C.DW_LNS_advance_line:
        lineReg += c.sleb('DW_LNS_advance_line operand');
        break;
      case C.DW_LNS_set_file:
        fileReg = c.uleb('DW_LNS_set_file operand');
        break;
      case C.DW_LNS_set_column:
        col = c.uleb('DW_LNS_set_column operand');
        break;
      case C.DW_LNS_const_add_pc:
        if (lineRange === 0) c.fail('DW_LNS_const_add_pc with line_range 0', c.pos - 1);
        advance(Math.floor((255 - opcodeBase) / lineRange));
        break;
      case C.DW_LNS_fixed_advance_pc:
        address += c.u16('DW_LNS_fixed_advance_pc operand');
        opIndex = 0;
        break;
      default:
        // negate_stmt, basic_block, prologue_end, epilogue_begin, set_isa and unknown opcodes: their
        // operands, as many as standard_opcode_lengths says
        for (let i = 0; i < argCounts[op]; i++) c.uleb('opcode operand');
    }
  }
  // sorted by address; at one address end_sequence rows first, then in program order (libdw's order)
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => addr[x] - addr[y] || endSeq[y] - endSeq[x] || x - y);
  const pick = <T extends Float64Array | Uint32Array | Uint8Array>(src: T, dst: T): T => {
    for (let i = 0; i < n; i++) dst[i] = src[order[i]];
    return dst;
  };
  return {
    files,
    addr: pick(addr, new Float64Array(n)),
    file: pick(file, new Uint32Array(n)),
    line: pick(line, new Uint32Array(n)),
    column: pick(column, new Uint32Array(n)),
    endSeq: pick(endSeq, new Uint8Array(n)),
  };
}

/** libdw's full path: an absolute name as is, else directory + "/" + name (a missing directory: the name alone). */
function fullPath(c: Cursor, dirs: Array<string | undefined>, name: string, dir: number): string {
  if (name.startsWith('/')) return name;
  if (!(dir < dirs.length)) c.fail(`file '${name}' names directory ${dir}, but there are ${dirs.length}`);
  const d = dirs[dir];
  return d === undefined ? name : `${d}/${name}`;
}

/** A DWARF 5 directory or file name table: entry formats, then the entries (path and directory index kept). */
function entryTable(dw: Dwarf, unit: Unit, c: Cursor, is64: boolean, what: string): Array<{ path?: string; dir: number }> {
  const nformats = c.u8(`${what} entry format count`);
  const formats: Array<[number, number]> = [];
  for (let i = 0; i < nformats; i++) formats.push([c.uleb('content type'), c.uleb('form')]);
  const count = c.uleb(`${what} count`);
  // (each entry takes at least a byte — or none without formats: a count beyond the bytes left is a lie
  // either way, and looping over it would not end)
  if (count > c.limit - c.pos) c.fail(`${what} count ${count} is more than the header can hold`);
  const out: Array<{ path?: string; dir: number }> = [];
  for (let i = 0; i < count; i++) {
    const e: { path?: string; dir: number } = { dir: 0 };
    for (const [type, form] of formats) {
      let value = 0;
      let str: string | undefined;
      switch (form) {
        case C.DW_FORM_string:
          str = c.cstr(`${what} name`);
          break;
        case C.DW_FORM_line_strp:
          str = stringAt(needSection(dw, '.debug_line_str', c), c.offset(is64), `${what} name`);
          break;
        case C.DW_FORM_strp:
          str = stringAt(needSection(dw, '.debug_str', c), c.offset(is64), `${what} name`);
          break;
        case C.DW_FORM_strx:
        case C.DW_FORM_strx1:
        case C.DW_FORM_strx2:
        case C.DW_FORM_strx3:
        case C.DW_FORM_strx4: {
          const idx = form === C.DW_FORM_strx ? c.uleb() : form === C.DW_FORM_strx1 ? c.u8() : form === C.DW_FORM_strx2 ? c.u16() : form === C.DW_FORM_strx3 ? c.u24() : c.u32();
          str = dw.string(unit, { form: C.DW_FORM_strx, value: idx });
          break;
        }
        case C.DW_FORM_udata:
          value = c.uleb();
          break;
        case C.DW_FORM_data1:
          value = c.u8();
          break;
        case C.DW_FORM_data2:
          value = c.u16();
          break;
        case C.DW_FORM_data4:
          value = c.u32();
          break;
        case C.DW_FORM_data8:
          value = c.u64();
          break;
        case C.DW_FORM_data16:
          c.skip(16, 'data16');
          break;
        case C.DW_FORM_block:
          c.skip(c.uleb('block length'), 'block');
          break;
        default:
          c.fail(`form 0x${form.toString(16)} in the ${what} table is not supported`);
      }
      if (type === C.DW_LNCT_path) e.path = str;
      else if (type === C.DW_LNCT_directory_index) e.dir = value;
    }
    out.push(e);
  }
  return out;
}

function needSection(dw: Dwarf, name: string, c: Cursor): DebugData {
  const d = dw.sections.get(name);
  if (!d) dwarfFail(c.d, c.pos, `${name} is needed but the file has none`);
  return d;
}
