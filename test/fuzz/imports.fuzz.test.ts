/**
 * Differential property for the linear-time rewrite of readImports()' function attribution (found by
 * fuzzing: many symbols at one address, or many relocations at one offset, made it quadratic). On small
 * random modules a toolchain could write (relocations inside their sections, code sites inside code,
 * symbols crowding a few addresses, functions and objects of every size, init_module/cleanup_module
 * aliases, sized and unsized labels), the fixed code attributes every reference exactly as the code at
 * commit c5a8390 did (test/fuzz/reference/), leaving aside the file offset added since.
 */
import fc from 'fast-check';
import { SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB } from '../../src/elf/constants.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { readImports } from '../../src/module/read.js';
import { craftElf64, rela64, symtab64, type CraftSymbol } from './craft.js';
import { assertProperty, keepFailure, runsFor, Stats, timeoutFor } from './harness.js';
import { readImports as readImportsC5a8390 } from './reference/imports-c5a8390.js';

const TEXT = 1;
const INIT = 2;
const JUMP = 3;
const SIZES: Record<number, number> = { [TEXT]: 96, [INIT]: 48, [JUMP]: 64 };
const NAMES = ['', 'imp_a', 'imp_b', 'imp_c', 'f1', 'f2', 'obj', 'init_module', 'cleanup_module', 'afs_init', 'lbl', '.Lx'];

const definedSym = fc.record({
  shndx: fc.constantFrom(TEXT, INIT, JUMP),
  name: fc.integer({ min: 4, max: NAMES.length - 1 }),
  type: fc.constantFrom(0, 1, 2, 2, 3),
  bind: fc.constantFrom(0, 1, 2),
  // a few addresses, so that symbols crowd them
  value: fc.oneof(fc.constantFrom(0, 8, 16, 17, 32), fc.nat(95)),
  size: fc.oneof(fc.constant(0), fc.constantFrom(1, 8, 16, 32, 200), fc.nat(64)),
});

const moduleArb = fc
  .record({
    imports: fc.integer({ min: 1, max: 3 }),
    weakFirst: fc.boolean(),
    defined: fc.array(definedSym, { maxLength: 24 }),
    textRelocs: fc.array(fc.record({ offset: fc.nat(SIZES[TEXT] - 1), sym: fc.nat(40), type: fc.constantFrom(1, 2, 4), addend: fc.integer({ min: -8, max: 8 }) }), { maxLength: 14 }),
    jumpRelocs: fc.array(fc.record({ offset: fc.nat(SIZES[JUMP] - 1), sym: fc.nat(40), type: fc.constantFrom(1, 2), addend: fc.nat(SIZES[TEXT] - 1) }), { maxLength: 14 }),
    sortJump: fc.boolean(),
  })
  .map((m) => {
    const strtab = Buffer.from(NAMES.join('\0') + '\0', 'latin1');
    const nameOff = (k: number) => (k === 0 ? 0 : NAMES.slice(0, k).join('\0').length + 1);
    const syms: CraftSymbol[] = [
      // section symbols (relocations against code sites use them), then imports, then definitions
      { name: 0, bind: 0, type: 3, shndx: TEXT },
      { name: 0, bind: 0, type: 3, shndx: INIT },
      ...Array.from({ length: m.imports }, (_, i) => ({ name: nameOff(1 + i), bind: i === 0 && m.weakFirst ? 2 : 1, shndx: 0 })),
      ...m.defined.map((d) => ({ name: nameOff(d.name), bind: d.bind, type: d.type, shndx: d.shndx, value: BigInt(Math.min(d.value, SIZES[d.shndx] - 1)), size: BigInt(d.size) })),
    ];
    const n = syms.length + 1;
    // even entries: a code site (section symbol + an addend inside that section, its end included);
    // odd ones: the key, any symbol
    const jump = m.jumpRelocs.map((r, i) =>
      i % 2 === 0 ? { ...r, sym: 1 + (r.sym % 2), addend: BigInt(r.addend % (SIZES[1 + (r.sym % 2)] + 1)) } : { ...r, sym: r.sym % n, addend: 0n },
    );
    if (m.sortJump) jump.sort((a, b) => a.offset - b.offset);
    const buf = craftElf64({
      sections: [
        { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(SIZES[TEXT]) },
        { name: '.init.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(SIZES[INIT]) },
        { name: '__jump_table', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: Buffer.alloc(SIZES[JUMP]) },
        { name: '.rela.text', type: SHT_RELA, link: 6, info: TEXT, entsize: 24, data: rela64(m.textRelocs.map((r) => ({ offset: BigInt(r.offset), sym: r.sym % n, type: r.type, addend: BigInt(r.addend) }))) },
        { name: '.rela__jump_table', type: SHT_RELA, link: 6, info: JUMP, entsize: 24, data: rela64(jump.map((r) => ({ offset: BigInt(r.offset), sym: r.sym, type: r.type, addend: r.addend }))) },
        { name: '.symtab', type: SHT_SYMTAB, link: 7, info: 1, entsize: 24, data: symtab64(syms) },
        { name: '.strtab', type: SHT_STRTAB, data: strtab },
      ],
    });
    return buf;
  });

describe('fuzz: readImports against its c5a8390 reference', () => {
  const stats = new Stats('imports-differential');
  afterAll(() => stats.print());
  const runs = runsFor(1500);
  test(
    `imports-differential: random well-formed modules, identical references (${runs} cases)`,
    () => {
      assertProperty(
        'imports-differential',
        fc.property(moduleArb, (buf) => {
          try {
            const elf = ElfFile.fromBuffer(buf, 'diff.ko');
            const syms = elf.symbols();
            const got = stats.time(() => buf.toString('base64'), () => readImports(elf, syms));
            const want = readImportsC5a8390(elf, syms);
            // Reference.fileOffset came later (sh_offset + r_offset: checked against readelf in
            // test/module/read.test.ts): compare the attribution, and that every reference has one
            const attribution = got.map((imp) => ({ ...imp, refs: imp.refs.map(({ fileOffset, ...r }) => (expect(fileOffset).toEqual(expect.any(Number)), r)) }));
            expect(attribution).toEqual(want);
          } catch (e) {
            keepFailure('imports-differential', buf, 'see .bin');
            throw e;
          }
        }),
        runs,
      );
    },
    timeoutFor(runs, 2),
  );
});
