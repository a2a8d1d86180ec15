/**
 * DWARF that would hang or exhaust a naive reader: 600 nested scopes, an abstract_origin that names
 * itself, a relocation type the reader does not know. Where elfutils has an answer, ours equals it.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameFinder } from '../../src/dwarf/frames.js';
import { Dwarf, type Die } from '../../src/dwarf/info.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { DwarfFormatError } from '../../src/errors.js';
import { sample } from '../helpers/fixtures.js';
import { addr2lineFrames } from '../helpers/addr2line.js';

const tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-dwarf-'));

test('600 nested lexical blocks: the frames eu-addr2line prints, at every byte of the function', () => {
  const file = sample('dwarf', 'nested.o');
  const elf = ElfFile.open(file);
  try {
    const ff = new FrameFinder(elf);
    const text = elf.section('.text')!;
    const offsets = Array.from({ length: text.size }, (_, i) => i);
    const want = addr2lineFrames(file, '.text', offsets);
    expect(offsets.map((o) => ff.framesAt(text.index, o))).toEqual(want);
    expect(want.filter((f) => f?.[0].function === 'deep').length).toBeGreaterThan(text.size / 2);
  } finally {
    elf.close();
  }
});

/** Every DIE of the unit at 0 of a file, in order (a tiny walker over the reader's children()). */
function allDies(dw: Dwarf): Die[] {
  const out: Die[] = [];
  const walk = (d: Die) => {
    out.push(d);
    for (const c of dw.children(d)) walk(c);
  };
  walk(dw.unitAt(0).root!);
  return out;
}

test('an inlined instance whose abstract_origin is itself: a bounded chain, "??" as eu-addr2line says', () => {
  const file = sample('seed', 'openafs', 'libafs.ko');
  const buf = readFileSync(file);
  const elf = ElfFile.fromBuffer(buf, file);
  const dw = new Dwarf(elf);
  const info = elf.section('.debug_info')!;
  // the put_page() instance inlined into afs_linux_put_page, and where its DW_FORM_ref4 origin is stored
  const inline = allDies(dw).find((d) => d.tag === 0x1d && dw.nameOf(d) === 'put_page')!;
  const rel = inline.abstractOrigin! - inline.unit.offset;
  const raw = dw.info.data.subarray(inline.offset, inline.next);
  const at = raw.indexOf(Buffer.from(Uint32Array.of(rel).buffer));
  expect(at).toBeGreaterThan(0);
  const patched = Buffer.from(buf);
  patched.writeUInt32LE(inline.offset - inline.unit.offset, info.offset + inline.offset + at);
  const out = join(tmp, 'cycle.ko');
  writeFileSync(out, patched);

  const e2 = ElfFile.open(out);
  try {
    const ff = new FrameFinder(e2);
    const t = e2.section('.text')!;
    const offsets = Array.from({ length: t.size }, (_, i) => i);
    const want = addr2lineFrames(out, '.text', offsets);
    expect(offsets.map((o) => ff.framesAt(t.index, o))).toEqual(want);
    expect(want.some((f) => f?.some((x) => x.function === '??'))).toBe(true);
  } finally {
    e2.close();
  }
});

/**
 * libafs.ko with entry 3 of its .rela.debug_info edited by `edit` (given the buffer and the entry's
 * offset), and what looking up frames then throws; `at` is the entry's offset in the file.
 */
function debugRelocationError(edit: (buf: Buffer, entry: number) => void): { err: unknown; at: number } {
  const file = sample('seed', 'openafs', 'libafs.ko');
  const buf = Buffer.from(readFileSync(file));
  const elf = ElfFile.fromBuffer(buf, file);
  const at = elf.section('.rela.debug_info')!.offset + 3 * 24;
  edit(buf, at);
  const ff = new FrameFinder(ElfFile.fromBuffer(buf, 'bad.ko'));
  try {
    ff.framesAt(elf.section('.text')!.index, 0x51);
  } catch (err) {
    return { err, at };
  }
  return { err: undefined, at };
}

test('a relocation type not known for debug sections: DwarfFormatError with the offset of the relocation', () => {
  // r_info's type (low 32 bits) set to R_X86_64_GOTPCREL (9)
  const { err, at } = debugRelocationError((buf, entry) => buf.writeUInt32LE(9, entry + 8));
  expect(err).toBeInstanceOf(DwarfFormatError);
  expect((err as DwarfFormatError).offset).toBe(at);
  expect((err as DwarfFormatError).message).toMatch(/^bad\.ko: at offset 0x[0-9a-f]+: \.rela\.debug_info\+0x0: relocation 3: type 9 is not one ksymcheck applies/);
});

test('a relocation at an offset of 2^53 or more: its offset in the message as the file has it, not NaN', () => {
  // r_offset 2^60 + 5 (beyond a Number's exact integers)
  const { err, at } = debugRelocationError((buf, entry) => buf.writeBigUInt64LE((1n << 60n) + 5n, entry));
  expect(err).toBeInstanceOf(DwarfFormatError);
  expect((err as DwarfFormatError).offset).toBe(at);
  expect((err as DwarfFormatError).message).toMatch(/^bad\.ko: at offset 0x[0-9a-f]+: \.rela\.debug_info\+0x0: relocation 3 applies at 0x1000000000000005, outside '\.debug_info' \(0x[0-9a-f]+ bytes\)$/);
});

test('a v5 line table announcing 2^28 directories of no format: refused, not looped over (found by the long fuzz run)', () => {
  const file = sample('seed', 'openafs', 'libafs.ko');
  const buf = Buffer.from(readFileSync(file));
  const elf = ElfFile.fromBuffer(buf, file);
  const line = elf.section('.debug_line')!;
  const at = line.offset;
  expect(buf.readUInt16LE(at + 4)).toBe(5);
  const opcodeBase = buf[at + 4 + 2 + 2 + 4 + 5];
  const formats = at + 4 + 2 + 2 + 4 + 6 + (opcodeBase - 1);
  buf[formats] = 0; // directory_entry_format_count
  buf.set([0xff, 0xff, 0xff, 0x7f], formats + 1); // directories_count (ULEB128)
  const ff = new FrameFinder(ElfFile.fromBuffer(buf, 'bad.ko'));
  expect(() => ff.framesAt(elf.section('.text')!.index, 0x51)).toThrow(/\.debug_line\+0x[0-9a-f]+: directory count \d+ is more than the header can hold/);
});
