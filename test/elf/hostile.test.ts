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
    // the sample's section header table is the file's last bytes (ld -r puts it there)
    const shoff = Number(good.readBigUInt64LE(0x28));
    const shnum = good.readUInt16LE(0x3c);
    expect(shoff + shnum * 64).toBe(good.length);
    const cut = (n: number) => () => moduleFactsFromBuffer(good.subarray(0, n), 'bad.ko');
    for (const n of [0, 1]) expectElfError(cut(n), 0, new RegExp(`: not an ELF file: ${n} bytes is shorter than e_ident$`));
    expectElfError(cut(63), 0, /: ELF header \(64 bytes\) extends past the end of the file \(63 bytes\)$/);
    for (const n of [64, 200, good.length >> 1]) expectElfError(cut(n), 0x28, new RegExp(`: section header table at 0x${shoff.toString(16)} is past the end of the file$`));
    expectElfError(cut(good.length - 1), shoff, new RegExp(`: section header table \\(${shnum} × 64 bytes at 0x${shoff.toString(16)}\\) extends past the end of the file$`));
  });
});
