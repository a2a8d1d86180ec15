/**
 * The ELF reader against binutils' readelf (the reference) and elfy (an independent cross-check on the
 * fields elfy gets right: section names, types, offsets, sizes), over every gcc-built sample.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ElfFile } from '../../src/elf/elf-file.js';
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_REL, SHT_RELA, STT_SECTION } from '../../src/elf/constants.js';
import { BUILD, elfFilesUnder, run } from '../helpers/fixtures.js';

const require = createRequire(import.meta.url);
// elfy is CommonJS; `import elfy from 'elfy'` also works under ts-jest ESM, require keeps jest's resolver simple.
const elfy = require('elfy') as { parse(buf: Buffer): { body: { sections: Array<{ name: string; type: string; off: number; size: number }> } } };

const files = elfFilesUnder(BUILD);

const SHT_NAMES: Record<string, number> = {
  NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, HASH: 5, DYNAMIC: 6, NOTE: 7, NOBITS: 8, REL: 9, DYNSYM: 11,
  INIT_ARRAY: 14, FINI_ARRAY: 15, PREINIT_ARRAY: 16, GROUP: 17, SYMTAB_SHNDX: 18, GNU_HASH: 0x6ffffff6,
  VERSYM: 0x6fffffff, VERNEED: 0x6ffffffe, VERDEF: 0x6ffffffd, GNU_ATTRIBUTES: 0x6ffffff5, X86_64_UNWIND: 0x70000001,
  LLVM_ADDRSIG: 0x6fff4c03,
};

interface ReadelfSection { name: string; type: string; addr: bigint; off: number; size: number; es: number; link: number; info: number }

/** `readelf -SW`: `[Nr] Name Type Address Off Size ES Flg Lk Inf Al`. */
function readelfSections(file: string): ReadelfSection[] {
  const out: ReadelfSection[] = [];
  for (const raw of run('readelf', ['-SW', file]).split('\n')) {
    const line = raw.replace('SYMTAB SECTION INDICES', 'SYMTAB_SHNDX');
    const m = /^\s*\[\s*(\d+)\]\s(.*?)\s+([A-Z_0-9a-z+]+)\s+([0-9a-f]{8,16})\s([0-9a-f]+)\s([0-9a-f]+)\s([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    out[+m[1]] = { name: m[2].trim(), type: m[3], addr: BigInt('0x' + m[4]), off: parseInt(m[5], 16), size: parseInt(m[6], 16), es: parseInt(m[7], 16), link: +m[9], info: +m[10] };
  }
  return out;
}

interface ReadelfSymbol { num: number; value: bigint; size: string; type: string; bind: string; ndx: string; name: string }

/** `readelf -sW`, the .symtab block only. */
function readelfSymbols(file: string): ReadelfSymbol[] {
  const text = run('readelf', ['-sW', file]);
  const start = text.indexOf("Symbol table '.symtab'");
  if (start < 0) return [];
  const out: ReadelfSymbol[] = [];
  for (const raw of text.slice(start).split('\n').slice(2)) {
    // ppc64 ELFv2: readelf adds the local entry offset to the visibility column (`DEFAULT [<localentry>: 8]`)
    const line = raw.replace(/ \[<localentry>: \d+\]/, '');
    const m = /^\s*(\d+):\s([0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!m) {
      if (line.startsWith('Symbol table')) break;
      continue;
    }
    out.push({ num: +m[1], value: BigInt('0x' + m[2]), size: m[3], type: m[4], bind: m[5], ndx: m[7], name: m[8] });
  }
  return out;
}

/** `readelf -rW`: per relocation section name, the list of r_offset values. */
function readelfRelocOffsets(file: string): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  let cur: bigint[] | undefined;
  for (const line of run('readelf', ['-rW', file]).split('\n')) {
    const h = /^Relocation section '(.*)' at offset/.exec(line);
    if (h) {
      cur = [];
      out.set(h[1], cur);
      continue;
    }
    const m = /^([0-9a-f]{8,16})\s+([0-9a-f]{8,16})\s/.exec(line);
    if (m && cur) cur.push(BigInt('0x' + m[1]));
  }
  return out;
}

describe('ELF reader vs readelf and elfy on gcc-built samples', () => {
  test('the samples include ELF32, ELF64, both byte orders and extended section numbering', () => {
    const kinds = new Set<string>();
    for (const f of files) {
      const e = ElfFile.fromBuffer(readFileSync(f), f);
      kinds.add(`${e.header.elfClass}${e.header.littleEndian ? 'le' : 'be'}`);
      if (e.header.shnum >= 0xff00) kinds.add('extended');
    }
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['32le', '64be', '64le', 'extended']));
  });

  test.each(files.map((f) => [f.slice(BUILD.length + 1), f]))('%s: header, sections, symbols and relocations equal readelf', (_label, file) => {
    const elf = ElfFile.open(file);
    try {
      const ref = readelfSections(file);
      expect(elf.sections.length).toBe(ref.length);
      elf.sections.forEach((s, i) => {
        const r = ref[i];
        expect({ i, name: s.name, addr: s.addr, off: s.offset, size: s.size, es: s.entsize, link: s.link, info: s.info }).toEqual({
          i, name: r.name, addr: r.addr, off: r.off, size: r.size, es: r.es, link: r.link, info: r.info,
        });
        if (SHT_NAMES[r.type] !== undefined) expect(s.type).toBe(SHT_NAMES[r.type]);
      });

      const refSyms = readelfSymbols(file);
      const syms = elf.symbols();
      expect(syms.length).toBe(refSyms.length);
      syms.forEach((s, i) => {
        const r = refSyms[i];
        const ndx = s.section !== undefined ? String(s.section) : s.shndx === SHN_UNDEF ? 'UND' : s.shndx === SHN_ABS ? 'ABS' : s.shndx === SHN_COMMON ? 'COM' : String(s.shndx);
        // readelf prints a section symbol (STT_SECTION, no name of its own) under its section's name.
        const name = s.type === STT_SECTION && s.name === '' ? elf.sectionOf(s)?.name : s.name;
        expect({ i, value: s.value, ndx, name }).toEqual({ i, value: r.value, ndx: r.ndx, name: r.name.replace(/ \(\d+\)$/, '') });
      });

      const refRel = readelfRelocOffsets(file);
      for (const s of elf.sections) {
        if (s.type !== SHT_REL && s.type !== SHT_RELA) continue;
        expect(elf.relocations(s).map((r) => r.offset)).toEqual(refRel.get(s.name));
      }
    } finally {
      elf.close();
    }
  });

  test.each(files.filter((f) => !f.includes('many-sections')).map((f) => [f.slice(BUILD.length + 1), f]))(
    '%s: section names, types, offsets and sizes equal elfy',
    (_label, file) => {
      const buf = readFileSync(file);
      const ours = ElfFile.fromBuffer(buf, file).sections;
      const theirs = elfy.parse(buf).body.sections;
      expect(ours.map((s) => [s.name, s.offset, s.size])).toEqual(theirs.map((s) => [s.name, s.off, s.size]));
    },
  );
});
