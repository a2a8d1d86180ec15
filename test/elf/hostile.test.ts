/** Broken ELF input gives an ElfFormatError naming the file and the offset, never another exception. */
import { readFileSync } from 'node:fs';
import { ElfFormatError } from '../../src/errors.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { SHT_SYMTAB } from '../../src/elf/constants.js';
import { moduleFactsFromBuffer } from '../../src/module/read.js';
import { sample } from '../helpers/fixtures.js';

const KO = sample('seed', 'openafs', 'libafs.ko');
const good = readFileSync(KO);

function expectElfError(fn: () => unknown, offset: number, text: RegExp) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ElfFormatError);
  const e = err as ElfFormatError;
  expect(e.file).toBe('bad.ko');
  expect(e.offset).toBe(offset);
  expect(e.message).toMatch(text);
}

describe('hostile ELF input', () => {
  test('not ELF at all', () => {
    expectElfError(() => ElfFile.fromBuffer(Buffer.from('Module.symvers is text\n'), 'bad.ko'), 0, /not an ELF file: bad magic/);
  });

  test('shorter than e_ident', () => {
    expectElfError(() => ElfFile.fromBuffer(good.subarray(0, 10), 'bad.ko'), 0, /shorter than e_ident/);
  });

  test('bad class byte', () => {
    const b = Buffer.from(good);
    b[4] = 7;
    expectElfError(() => ElfFile.fromBuffer(b, 'bad.ko'), 4, /bad ELF class 7/);
  });

  test('truncated before the section header table', () => {
    const shoff = Number(good.readBigUInt64LE(0x28));
    expectElfError(() => ElfFile.fromBuffer(good.subarray(0, shoff + 10), 'bad.ko'), 0x28, /section header table .* past the end/);
  });

  test('e_shoff past the end of the file', () => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(0xffff_ffff_ffffn, 0x28);
    expectElfError(() => ElfFile.fromBuffer(b, 'bad.ko'), 0x28, /past the end of the file/);
  });

  test('e_shoff near 2^64', () => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(0xffff_ffff_ffff_fff0n, 0x28);
    expectElfError(() => ElfFile.fromBuffer(b, 'bad.ko'), 0x28, /past the end of the file/);
  });

  test('symbol table offset past the end: the error points at its section header', () => {
    const elf = ElfFile.fromBuffer(good, 'bad.ko');
    const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
    const b = Buffer.from(good);
    b.writeBigUInt64LE(BigInt(good.length + 100), symtab.headerOffset + 0x18);
    expectElfError(() => moduleFactsFromBuffer(b, 'bad.ko'), symtab.headerOffset, /'\.symtab' .* extends past the end of the file/);
  });

  test('symbol name offset outside the string table', () => {
    const elf = ElfFile.fromBuffer(good, 'bad.ko');
    const symtab = elf.sections.find((s) => s.type === SHT_SYMTAB)!;
    const strtab = elf.sections[symtab.link];
    const b = Buffer.from(good);
    b.writeUInt32LE(strtab.size + 5, symtab.offset + 24); // symbol 1's st_name
    expectElfError(() => moduleFactsFromBuffer(b, 'bad.ko'), strtab.headerOffset, /name of symbol 1: string offset/);
  });

  test('a truncated module is one clear error, whatever the cut', () => {
    for (const cut of [0, 1, 63, 64, 200, good.length >> 1, good.length - 1]) {
      let err: unknown;
      try {
        moduleFactsFromBuffer(good.subarray(0, cut), 'bad.ko');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ElfFormatError);
    }
  });
});
