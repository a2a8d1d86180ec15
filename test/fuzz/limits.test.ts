/**
 * Counts and sizes read from a file are checked against the file before anything proportional to them
 * is allocated or looped over; and inputs no mutation of a small sample reaches (hundreds of thousands
 * of entries, one long unterminated string run) cost time and memory linear in the file. Each case
 * here was a defect or is the boundary of one (docs/fuzzing.md lists them).
 *
 * "Fast" below is checked against generous bounds (a case that was quadratic took minutes or ran out
 * of memory); the bounds are not the measured times.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ET_EXEC, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB } from '../../src/elf/constants.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { ElfFormatError, InputError } from '../../src/errors.js';
import { readKsymtab } from '../../src/kernel/ksymtab.js';
import { moduleFactsFromBuffer, readModuleSync } from '../../src/module/read.js';
import { moduleReportSchema } from '../../src/report/schema.js';
import { sample } from '../helpers/fixtures.js';
import { craftElf64, rela64, symtab64 } from './craft.js';

interface Measured<T> {
  value?: T;
  error?: unknown;
  ms: number;
  /** growth of the JS heap plus array buffers while it ran */
  grewMB: number;
}

function measure<T>(fn: () => T): Measured<T> {
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  let value: T | undefined;
  let error: unknown;
  try {
    value = fn();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const m1 = process.memoryUsage();
  const grewMB = (m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers)) / 2 ** 20;
  return { value, error, ms, grewMB };
}

/** Rejected with an ElfFormatError at `offset` (when given), quickly and without a large allocation. */
function expectFastRejection(fn: () => unknown, file: string, text: RegExp, offset?: number): ElfFormatError {
  const r = measure(fn);
  expect(r.error).toBeInstanceOf(ElfFormatError);
  const e = r.error as ElfFormatError;
  expect(e.file).toBe(file);
  expect(e.message).toMatch(text);
  if (offset !== undefined) expect(e.offset).toBe(offset);
  expect(r.ms).toBeLessThan(1000);
  expect(r.grewMB).toBeLessThan(64);
  return e;
}

const KO64 = readFileSync(sample('seed', 'openafs', 'libafs.ko'));
const KO32 = readFileSync(sample('seed', 'openafs-i386', 'libafs.ko'));
const BE64 = readFileSync(sample('elf', 's390x', 'be-module.o'));
const MANY = sample('elf', 'many-sections.o');

interface Geometry {
  buf: Buffer;
  is64: boolean;
  le: boolean;
  shoff: number;
  shentsize: number;
  sections: ReturnType<typeof ElfFile.prototype.section>[];
}
function geometry(buf: Buffer): Geometry {
  const elf = ElfFile.fromBuffer(buf, 'clean');
  return { buf, is64: elf.header.elfClass === 64, le: elf.header.littleEndian, shoff: elf.header.shoff, shentsize: elf.header.shentsize, sections: elf.sections };
}
function put(b: Buffer, g: Geometry, at: number, width: 2 | 4 | 8, v: bigint): void {
  if (width === 8) (g.le ? b.writeBigUInt64LE : b.writeBigUInt64BE).call(b, v, at);
  else if (width === 4) (g.le ? b.writeUInt32LE : b.writeUInt32BE).call(b, Number(v), at);
  else (g.le ? b.writeUInt16LE : b.writeUInt16BE).call(b, Number(v), at);
}
/** Header field offsets: e_shentsize, e_shnum, e_shstrndx. */
const EH = (is64: boolean) => (is64 ? { shentsize: 0x3a, shnum: 0x3c, shstrndx: 0x3e } : { shentsize: 0x2e, shnum: 0x30, shstrndx: 0x32 });
/** Section header field offsets and widths. */
const SH = (is64: boolean) =>
  is64 ? { offset: [0x18, 8], size: [0x20, 8], link: [0x28, 4] } as const : ({ offset: [0x10, 4], size: [0x14, 4], link: [0x18, 4] } as const);

function withSection(g: Geometry, name: string, field: 'offset' | 'size' | 'link', value: bigint): { buf: Buffer; headerOffset: number } {
  const s = g.sections.find((x) => x?.name === name)!;
  const b = Buffer.from(g.buf);
  const [at, width] = SH(g.is64)[field];
  put(b, g, s.headerOffset + at, width, value & (width === 8 ? (1n << 64n) - 1n : 0xffffffffn));
  return { buf: b, headerOffset: s.headerOffset };
}

describe.each([
  ['x86_64 libafs.ko', KO64],
  ['i386 libafs.ko', KO32],
  ['s390x be-module.o (big-endian)', BE64],
])('counts and sizes from the file are checked first: %s', (_what, good) => {
  const g = geometry(good);
  const eh = EH(g.is64);
  const max = g.is64 ? (1n << 64n) - 1n : 0xffffffffn;

  test.each([
    ['2^32 - 1', 0xffffffffn],
    ['2^64 - 1 (read as 2^32 - 1 in ELF32)', (1n << 64n) - 1n],
    ['the file size', BigInt(good.length)],
  ])('extended section count (e_shnum = 0, section 0 sh_size = %s)', (_n, v) => {
    const b = Buffer.from(good);
    put(b, g, eh.shnum, 2, 0n);
    put(b, g, g.shoff + SH(g.is64).size[0], SH(g.is64).size[1], v & max);
    expectFastRejection(() => ElfFile.fromBuffer(b, 'bad.ko'), 'bad.ko', /extended section count .* larger than the file|section header table \(\d+ × \d+ bytes/, g.shoff);
  });

  test('e_shnum = 0xffff with e_shentsize = 0xffff', () => {
    const b = Buffer.from(good);
    put(b, g, eh.shnum, 2, 0xffffn);
    put(b, g, eh.shentsize, 2, 0xffffn);
    expectFastRejection(() => ElfFile.fromBuffer(b, 'bad.ko'), 'bad.ko', /section header table \(65535 × 65535 bytes/, g.shoff);
  });

  test('e_shstrndx = SHN_XINDEX with section 0 sh_link = 2^32 - 1', () => {
    const b = Buffer.from(good);
    put(b, g, eh.shstrndx, 2, 0xffffn);
    put(b, g, g.shoff + SH(g.is64).link[0], 4, 0xffffffffn);
    expectFastRejection(() => ElfFile.fromBuffer(b, 'bad.ko'), 'bad.ko', /e_shstrndx 4294967295 is not a section/, eh.shstrndx);
  });

  // a case per section the sample has (i386 relocates .text with REL: .rel.text), none that would pass empty
  const has = (name: string) => g.sections.some((s) => s?.name === name);
  const reloc = has('.rela.text') ? '.rela.text' : '.rel.text';
  test.each(['.symtab', '.strtab', reloc, '.modinfo', '__versions', '.shstrtab'].filter(has))('%s: sh_size near 2^32, near 2^64 and one past the file; sh_offset near 2^64', (name) => {
    const sizes = [0xfffffff0n, max - 15n, BigInt(good.length) + 1n, ...(g.is64 ? [1n << 53n, (1n << 53n) + 1n] : [])];
    for (const v of sizes) {
      const { buf, headerOffset } = withSection(g, name, 'size', v);
      expectFastRejection(() => moduleFactsFromBuffer(buf, 'bad.ko'), 'bad.ko', /extends past the end of the file|beyond any file|is not a multiple of/, headerOffset);
    }
    const { buf, headerOffset } = withSection(g, name, 'offset', max - 7n);
    expectFastRejection(() => moduleFactsFromBuffer(buf, 'bad.ko'), 'bad.ko', /extends past the end of the file|beyond any file/, headerOffset);
  });
});

describe('extended numbering (many-sections.o, 70010 sections)', () => {
  const good = readFileSync(MANY);
  const g = geometry(good);

  test('section 0 sh_size = 2^64 - 1: rejected before the 70010-entry table is read', () => {
    const b = Buffer.from(good);
    put(b, g, g.shoff + 0x20, 8, (1n << 64n) - 1n);
    expectFastRejection(() => ElfFile.fromBuffer(b, 'many.o'), 'many.o', /extended section count 18446744073709551615 is larger than the file/, g.shoff);
  });

  test('.symtab_shndx cut short: the SHN_XINDEX symbol past its end is named', () => {
    const { buf } = withSection(g, '.symtab_shndx', 'size', 64n);
    const r = measure(() => ElfFile.fromBuffer(buf, 'many.o').symbols());
    expect(r.error).toBeInstanceOf(ElfFormatError);
    expect((r.error as Error).message).toMatch(/symbol \d+ uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it/);
  });
});

// ---- inputs built by hand: sizes no mutation of a 5 KB sample reaches -------------------------------

/** One undefined symbol `imp` and a table of relocations against it in a data section. */
function relocsAtOneOffset(n: number): Buffer {
  return craftElf64({
    sections: [
      { name: '.data', type: SHT_PROGBITS, flags: SHF_ALLOC, data: Buffer.alloc(64) },
      { name: '.rela.data', type: SHT_RELA, link: 3, info: 1, entsize: 24, data: rela64(Array.from({ length: n }, () => ({ offset: 8n, sym: 1, type: 1 }))) },
      { name: '.symtab', type: SHT_SYMTAB, link: 4, entsize: 24, data: symtab64([{ name: 1 }]) },
      { name: '.strtab', type: SHT_STRTAB, data: Buffer.from('\0imp\0') },
    ],
  });
}

describe('hostile shapes cost linear time and memory', () => {
  test('100,000 symbol names pointing into one 4 MB unterminated run (was: quadratic time, GBs of copies)', () => {
    const n = 100_000;
    const strtab = Buffer.alloc(4 << 20, 0x41);
    strtab[strtab.length - 1] = 0;
    const buf = craftElf64({
      sections: [
        { name: '.symtab', type: SHT_SYMTAB, link: 2, entsize: 24, data: symtab64(Array.from({ length: n }, (_, i) => ({ name: 1 + i * 37 }))) },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
      ],
    });
    const r = measure(() => ElfFile.fromBuffer(buf, 'names.o').symbols());
    expect(r.error).toBeUndefined();
    const syms = r.value!;
    expect(syms).toHaveLength(n + 1);
    expect(syms[1].name.length).toBe(strtab.length - 2);
    expect(syms[n].name).toBe('A'.repeat(strtab.length - 2 - (n - 1) * 37));
    expect(r.ms).toBeLessThan(10_000);
    // 100k names of ~2 MB each would be 200 GB as copies; as slices of one decoded table, a few MB.
    expect(r.grewMB).toBeLessThan(256);
  });

  test('80,000 relocations at one offset against an import (was: quadratic entry walk)', () => {
    const r = measure(() => moduleFactsFromBuffer(relocsAtOneOffset(80_000), 'relocs.ko'));
    expect(r.error).toBeUndefined();
    expect(r.value!.imports[0].refs).toHaveLength(80_000);
    expect(r.ms).toBeLessThan(10_000);
  });

  test('40,000 symbols at one address and 40,000 references near it (was: quadratic group scan)', () => {
    const n = 40_000;
    const syms = [{ name: 1 }, ...Array.from({ length: n }, (_, i) => ({ name: 5, bind: 0, type: i % 2 ? 1 : 2, shndx: 1, size: 1n + BigInt(i % 3) }))];
    const buf = craftElf64({
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(n + 16) },
        { name: '.rela.text', type: SHT_RELA, link: 3, info: 1, entsize: 24, data: rela64(Array.from({ length: n }, (_, i) => ({ offset: BigInt(8 + i), sym: 1, type: 2 }))) },
        { name: '.symtab', type: SHT_SYMTAB, link: 4, entsize: 24, data: symtab64(syms) },
        { name: '.strtab', type: SHT_STRTAB, data: Buffer.from('\0imp\0x\0') },
      ],
    });
    const r = measure(() => moduleFactsFromBuffer(buf, 'crowd.ko'));
    expect(r.error).toBeUndefined();
    // offsets 0..2 are covered by a sized symbol at 0 (functions first); beyond, no symbol covers them
    expect(r.value!.imports[0].refs.slice(0, 2)).toEqual([
      { section: '.text', offset: 8, fileOffset: 72 },
      { section: '.text', offset: 9, fileOffset: 73 },
    ]);
    expect(r.ms).toBeLessThan(10_000);
  });

  test('a stripped vmlinux whose 60,000 __ksymtab entries name one 4 MB string (was: a whole-section scan per entry)', () => {
    const n = 60_000;
    const strings = Buffer.alloc(4 << 20, 0x41);
    strings[strings.length - 1] = 0;
    const ks = Buffer.alloc(16 * n);
    for (let i = 0; i < n; i++) {
      ks.writeBigUInt64LE(0x1000n, 16 * i);
      ks.writeBigUInt64LE(0x100000n + BigInt(i * 64), 16 * i + 8);
    }
    const buf = craftElf64({
      type: ET_EXEC,
      sections: [
        { name: '__ksymtab', type: SHT_PROGBITS, flags: SHF_ALLOC, addr: 0x200000n, data: ks },
        { name: '__ksymtab_strings', type: SHT_PROGBITS, flags: SHF_ALLOC, addr: 0x100000n, data: strings },
      ],
    });
    const e = expectFastRejection(() => readKsymtab(ElfFile.fromBuffer(buf, 'vmlinux')), 'vmlinux', /cannot decode the entries of '__ksymtab': no struct kernel_symbol layout fits/);
    expect(e.offset).toBeGreaterThan(0);
  });
});

// ---- regressions: each input below was a defect found by the fuzzers ------------------------------

describe('defects found by fuzzing stay fixed', () => {
  test('SHT_NOBITS __ksymtab in a stripped vmlinux: ElfFormatError, not RangeError', () => {
    const buf = craftElf64({
      type: ET_EXEC,
      sections: [
        { name: '__ksymtab', type: SHT_NOBITS, flags: SHF_ALLOC, addr: 0x200000n, size: 16 },
        { name: '__ksymtab_strings', type: SHT_PROGBITS, flags: SHF_ALLOC, addr: 0x100000n, data: Buffer.from('abc\0') },
      ],
    });
    const at = ElfFile.fromBuffer(buf, 'vmlinux').section('__ksymtab')!.headerOffset;
    expectFastRejection(() => readKsymtab(ElfFile.fromBuffer(buf, 'vmlinux')), 'vmlinux', /'__ksymtab' has 16 bytes of entries but no data in the file \(SHT_NOBITS\)/, at);
  });

  test('e_shoff = 0 with e_shnum != 0: ElfFormatError at e_shoff (was: no sections, the header still saying 28)', () => {
    const b = Buffer.from(KO64);
    const shnum = b.readUInt16LE(0x3c); // (43 since the seed module is built with -g)
    b.writeBigUInt64LE(0n, 0x28);
    expectFastRejection(() => ElfFile.fromBuffer(b, 'bad.ko'), 'bad.ko', new RegExp(`e_shoff is 0 \\(no section header table\\) but e_shnum is ${shnum}$`), 0x28);
    b.writeUInt16LE(0, 0x3c); // no table and no count: a file without sections, which is consistent
    expect(ElfFile.fromBuffer(b, 'ok.o').sections).toEqual([]);
  });

  test('a relocation applying outside its section: ElfFormatError at the relocation, not an offset of 2^64 in the report', () => {
    const g = geometry(KO64);
    const elf = ElfFile.fromBuffer(KO64, 'clean');
    const rs = elf.sections.find((s) => s.name === '.rela.text')!;
    const b = Buffer.from(KO64);
    b.writeBigUInt64LE((1n << 64n) - 1n, rs.offset + 24 * 9);
    expectFastRejection(() => moduleFactsFromBuffer(b, 'bad.ko'), 'bad.ko', /relocation 9 of '\.rela\.text' applies at 0xffffffffffffffff, outside '\.text'/, rs.offset + 24 * 9);
    expect(g.is64).toBe(true);
  });

  test('a code-site addend outside its section is no code site: every reference offset stays a safe integer', () => {
    const buf = craftElf64({
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(32) },
        { name: '__jump_table', type: SHT_PROGBITS, flags: SHF_ALLOC, data: Buffer.alloc(32) },
        {
          name: '.rela__jump_table',
          type: SHT_RELA,
          link: 4,
          info: 2,
          entsize: 24,
          data: rela64([
            { offset: 0n, sym: 1, type: 1, addend: -(1n << 62n) },
            { offset: 8n, sym: 2, type: 1 },
            { offset: 16n, sym: 1, type: 1, addend: 1n << 62n },
            { offset: 24n, sym: 2, type: 1 },
          ]),
        },
        { name: '.symtab', type: SHT_SYMTAB, link: 5, entsize: 24, data: symtab64([{ name: 0, bind: 0, type: 3, shndx: 1 }, { name: 1 }]) },
        { name: '.strtab', type: SHT_STRTAB, data: Buffer.from('\0imp\0') },
      ],
    });
    const facts = moduleFactsFromBuffer(buf, 'site.ko');
    expect(facts.imports[0].refs).toEqual([
      { section: '__jump_table', offset: 8, fileOffset: 104 },
      { section: '__jump_table', offset: 24, fileOffset: 120 },
    ]);
    for (const r of facts.imports[0].refs) expect(moduleReportSchema.shape.findings.element.shape.references.element.safeParse(r).success).toBe(true);
  });

  test("a relocation's target section placed past the end of the file: its references have no file offset (was: 2^53 + r_offset in the report, refused by the schema)", () => {
    // the module-reader fuzz counterexample (seed 1207093500, case 8351): ext-versions.ko with section 3's
    // (.init.text: __kmalloc, _printk, … are called there) sh_offset set to 2^53 - 1
    const file = sample('v6', 'modules', 'ext-versions', 'ext-versions.ko');
    const buf = Buffer.from(readFileSync(file));
    const elf = ElfFile.fromBuffer(buf, file);
    const target = elf.sections[3];
    const reloc = elf.sections.find((s) => s.name === '.rela.init.text')!;
    expect(target.name).toBe('.init.text');
    buf.writeBigUInt64LE((1n << 53n) - 1n, target.headerOffset + 0x18);
    const facts = moduleFactsFromBuffer(buf, 'far.ko');
    const refs = facts.imports.flatMap((i) => i.refs.filter((r) => r.section === '.init.text'));
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).not.toHaveProperty('fileOffset');
    for (const r of facts.imports.flatMap((i) => i.refs)) expect(moduleReportSchema.shape.findings.element.shape.references.element.safeParse(r).success).toBe(true);
    // the other sections' references keep theirs
    expect(facts.imports.flatMap((i) => i.refs).some((r) => r.fileOffset !== undefined)).toBe(true);
    expect(reloc.info).toBe(target.index);
  });

  test('.export_symbol: the marker at offset 0 keeps its licence ("GPL" there was read as the empty name)', () => {
    const data = Buffer.concat([Buffer.from('GPL\0NS1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'), Buffer.from('\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0')]);
    const strtab = Buffer.from('\0__export_symbol_foo\0__export_symbol_bar\0foo\0bar\0');
    const buf = craftElf64({
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(16) },
        { name: '.export_symbol', type: SHT_PROGBITS, flags: SHF_ALLOC, data },
        {
          name: '.symtab',
          type: SHT_SYMTAB,
          link: 4,
          entsize: 24,
          data: symtab64([
            { name: 1, bind: 0, shndx: 2, value: 0n },
            { name: 21, bind: 0, shndx: 2, value: 24n },
            { name: 41, bind: 1, type: 2, shndx: 1, value: 0n },
            { name: 45, bind: 1, type: 2, shndx: 1, value: 8n },
          ]),
        },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
      ],
    });
    expect(readKsymtab(ElfFile.fromBuffer(buf, 'exports.o'))).toEqual([
      { name: 'foo', type: 'EXPORT_SYMBOL_GPL', namespace: 'NS1', crc: null },
      { name: 'bar', type: 'EXPORT_SYMBOL', namespace: '', crc: null },
    ]);
  });

  test.each([
    ['an empty name (a NUL written into .strtab)', '__ksymtab_', /label '__ksymtab_': export name "" is empty or holds white space or control characters/],
    ['a TAB in the name', '__ksymtab_a\tb', /label '__ksymtab_a\tb': export name "a\\tb" is empty or holds white space/],
    ['a space in the name', '__ksymtab_a b', /export name "a b" is empty or holds white space/],
  ])('a ksymtab label with %s: ElfFormatError at its .symtab entry (it broke `ksymcheck exports`)', (_what, label, text) => {
    const strtab = Buffer.from(`\0${label}\0`, 'latin1');
    const buf = craftElf64({
      sections: [
        { name: '___ksymtab+x', type: SHT_PROGBITS, flags: SHF_ALLOC, data: Buffer.alloc(16) },
        { name: '.symtab', type: SHT_SYMTAB, link: 3, entsize: 24, data: symtab64([{ name: 1, bind: 1, shndx: 1 }]) },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
      ],
    });
    const symtab = ElfFile.fromBuffer(buf, 'x.o').section('.symtab')!;
    expectFastRejection(() => readKsymtab(ElfFile.fromBuffer(buf, 'x.o')), 'x.o', text, symtab.offset + 24);
  });

  test('an .export_symbol marker past the end of its section: ElfFormatError naming the section header', () => {
    const buf = craftElf64({
      sections: [
        { name: '.export_symbol', type: SHT_PROGBITS, flags: SHF_ALLOC, data: Buffer.from('GPL\0\0') },
        { name: '.symtab', type: SHT_SYMTAB, link: 3, entsize: 24, data: symtab64([{ name: 1, bind: 0, shndx: 1, value: 1n << 63n }]) },
        { name: '.strtab', type: SHT_STRTAB, data: Buffer.from('\0__export_symbol_foo\0') },
      ],
    });
    const at = ElfFile.fromBuffer(buf, 'exports.o').section('.export_symbol')!.headerOffset;
    expectFastRejection(() => readKsymtab(ElfFile.fromBuffer(buf, 'exports.o')), 'exports.o', /licence of '__export_symbol_foo': string offset \d+ is outside \.export_symbol/, at);
  });

  test('a vmlinux that shrinks while it is read (still being written): ElfFormatError naming it, not a plain Error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-shrink-'));
    try {
      const path = join(dir, 'vmlinux');
      copyFileSync(sample('seed', 'kernels', '4.18-rc5', 'vmlinux'), path);
      const elf = ElfFile.open(path); // header and section table read; section data is read lazily
      const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
      truncateSync(path, symtab.offset + 10);
      const r = measure(() => readKsymtab(elf));
      elf.close();
      expect(r.error).toBeInstanceOf(ElfFormatError);
      expect((r.error as ElfFormatError).file).toBe(path);
      expect((r.error as Error).message).toMatch(/file ended at offset 0x[0-9a-f]+ while reading .* it shrank while being read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a vmlinux that cannot be opened or read (missing, a directory): InputError naming it, not a plain Error', () => {
    for (const [path, reason] of [
      [join(tmpdir(), 'ksymcheck-no-such-vmlinux'), /: no such file or directory$/],
      [tmpdir(), /: at offset 0x0: is a directory$/],
    ] as const) {
      const r = measure(() => ElfFile.open(path));
      expect(r.error).toBeInstanceOf(InputError);
      expect((r.error as InputError).file).toBe(path);
      expect((r.error as Error).message).toMatch(reason);
    }
  });

  test('a module file rejected at its ELF header does not leak its file descriptor (was: EMFILE after ~50,000 bad files)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-fd-'));
    try {
      const path = join(dir, 'bad.ko');
      const b = Buffer.from(KO64);
      b.writeBigUInt64LE(1n << 40n, 0x28); // e_shoff past the end: rejected while the ElfFile is built
      writeFileSync(path, b);
      const fds = () => readdirSync('/proc/self/fd').length;
      const before = fds();
      for (let i = 0; i < 200; i++) {
        expect(() => readModuleSync(path)).toThrow(ElfFormatError);
        expect(() => readModuleSync(path, { references: 'lazy' })).toThrow(ElfFormatError);
      }
      expect(fds() - before).toBeLessThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every InputError names its file: a smoke test of the error class the fuzzers check', () => {
    const e = new ElfFormatError('x.ko', 16, 'why');
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe('x.ko: at offset 0x10: why');
  });
});
