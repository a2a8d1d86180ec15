/**
 * Structure-aware mutation of real ELF files. A sample (gcc/ld output from samples/build) is read once,
 * cleanly, to learn where its fields are: ELF header, section headers, symbols, relocations, string
 * tables, section contents. A case is that sample plus 1..4 mutations, each an fc value that shrinks and
 * prints compactly (`shdr[7].sh_size=0xffffffff`), so a counterexample reads as a recipe.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import fc from 'fast-check';
import { SHT_REL, SHT_RELA, SHT_SYMTAB, SHT_DYNSYM } from '../../src/elf/constants.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { BUILD } from '../helpers/fixtures.js';

export interface Field {
  name: string;
  /** offset inside the structure */
  at: number;
  width: 1 | 2 | 4 | 8;
}

interface Table {
  name: string;
  offset: number;
  count: number;
  entsize: number;
  fields: Field[];
  /** relocations: size of the section they apply to (r_offset boundary values) */
  targetSize?: number;
  /** symbols: size of their string table (st_name boundary values) */
  strtabSize?: number;
}

export interface Layout {
  /** Sample path relative to samples/build. */
  id: string;
  buf: Buffer;
  size: number;
  is64: boolean;
  le: boolean;
  header: Field[];
  shdrs: Table;
  symtabs: Table[];
  rels: Table[];
  /** Sections with bytes in the file, by name (contents mutations). */
  contents: Array<{ name: string; offset: number; size: number; strings: boolean }>;
  /** Interesting truncation points: structure boundaries. */
  cuts: number[];
  nsyms: number;
}

const H64: Field[] = [
  { name: 'e_type', at: 0x10, width: 2 },
  { name: 'e_machine', at: 0x12, width: 2 },
  { name: 'e_version', at: 0x14, width: 4 },
  { name: 'e_entry', at: 0x18, width: 8 },
  { name: 'e_phoff', at: 0x20, width: 8 },
  { name: 'e_shoff', at: 0x28, width: 8 },
  { name: 'e_ehsize', at: 0x34, width: 2 },
  { name: 'e_phnum', at: 0x38, width: 2 },
  { name: 'e_shentsize', at: 0x3a, width: 2 },
  { name: 'e_shnum', at: 0x3c, width: 2 },
  { name: 'e_shstrndx', at: 0x3e, width: 2 },
];
const H32: Field[] = [
  { name: 'e_type', at: 0x10, width: 2 },
  { name: 'e_machine', at: 0x12, width: 2 },
  { name: 'e_version', at: 0x14, width: 4 },
  { name: 'e_entry', at: 0x18, width: 4 },
  { name: 'e_phoff', at: 0x1c, width: 4 },
  { name: 'e_shoff', at: 0x20, width: 4 },
  { name: 'e_ehsize', at: 0x28, width: 2 },
  { name: 'e_phnum', at: 0x2c, width: 2 },
  { name: 'e_shentsize', at: 0x2e, width: 2 },
  { name: 'e_shnum', at: 0x30, width: 2 },
  { name: 'e_shstrndx', at: 0x32, width: 2 },
];
export const SH64: Field[] = [
  { name: 'sh_name', at: 0, width: 4 },
  { name: 'sh_type', at: 4, width: 4 },
  { name: 'sh_flags', at: 8, width: 8 },
  { name: 'sh_addr', at: 0x10, width: 8 },
  { name: 'sh_offset', at: 0x18, width: 8 },
  { name: 'sh_size', at: 0x20, width: 8 },
  { name: 'sh_link', at: 0x28, width: 4 },
  { name: 'sh_info', at: 0x2c, width: 4 },
  { name: 'sh_entsize', at: 0x38, width: 8 },
];
export const SH32: Field[] = [
  { name: 'sh_name', at: 0, width: 4 },
  { name: 'sh_type', at: 4, width: 4 },
  { name: 'sh_flags', at: 8, width: 4 },
  { name: 'sh_addr', at: 0xc, width: 4 },
  { name: 'sh_offset', at: 0x10, width: 4 },
  { name: 'sh_size', at: 0x14, width: 4 },
  { name: 'sh_link', at: 0x18, width: 4 },
  { name: 'sh_info', at: 0x1c, width: 4 },
  { name: 'sh_entsize', at: 0x24, width: 4 },
];
const SYM64: Field[] = [
  { name: 'st_name', at: 0, width: 4 },
  { name: 'st_info', at: 4, width: 1 },
  { name: 'st_shndx', at: 6, width: 2 },
  { name: 'st_value', at: 8, width: 8 },
  { name: 'st_size', at: 16, width: 8 },
];
const SYM32: Field[] = [
  { name: 'st_name', at: 0, width: 4 },
  { name: 'st_value', at: 4, width: 4 },
  { name: 'st_size', at: 8, width: 4 },
  { name: 'st_info', at: 12, width: 1 },
  { name: 'st_shndx', at: 14, width: 2 },
];

function relFields(is64: boolean, le: boolean, rela: boolean): Field[] {
  if (is64) {
    // r_info = sym << 32 | type: the symbol index is the high word.
    const f: Field[] = [
      { name: 'r_offset', at: 0, width: 8 },
      { name: 'r_info', at: 8, width: 8 },
      { name: 'r_sym', at: le ? 12 : 8, width: 4 },
      { name: 'r_type', at: le ? 8 : 12, width: 4 },
    ];
    return rela ? [...f, { name: 'r_addend', at: 16, width: 8 }] : f;
  }
  // 32-bit r_info = sym << 8 | type: write the whole word (the sym index is 24 bits).
  const f: Field[] = [
    { name: 'r_offset', at: 0, width: 4 },
    { name: 'r_info', at: 4, width: 4 },
    { name: 'r_type', at: le ? 4 : 7, width: 1 },
  ];
  return rela ? [...f, { name: 'r_addend', at: 8, width: 4 }] : f;
}

const STRINGY = /^(\.strtab|\.shstrtab|\.dynstr|\.modinfo|__ksymtab_strings|__versions|\.export_symbol)$/;

/** Learn a clean sample's structure. */
export function layoutOf(path: string): Layout {
  const buf = readFileSync(path);
  const elf = ElfFile.fromBuffer(buf, path);
  const h = elf.header;
  const is64 = h.elfClass === 64;
  const le = h.littleEndian;
  const shdrs: Table = { name: 'shdr', offset: h.shoff, count: h.shnum, entsize: h.shentsize, fields: is64 ? SH64 : SH32 };
  const symtabs: Table[] = [];
  const rels: Table[] = [];
  const contents: Layout['contents'] = [];
  const cuts = new Set<number>([0, 4, 15, 16, 17, is64 ? 63 : 51, is64 ? 64 : 52, h.shoff, h.shoff + h.shentsize, h.shoff + h.shnum * h.shentsize - 1]);
  let nsyms = 0;
  for (const s of elf.sections) {
    cuts.add(s.headerOffset);
    if (s.type !== 8 && s.size > 0 && s.offset + s.size <= buf.length) {
      contents.push({ name: s.name, offset: s.offset, size: s.size, strings: STRINGY.test(s.name) });
      cuts.add(s.offset);
      cuts.add(s.offset + s.size - 1);
    }
    if (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) {
      const es = is64 ? 24 : 16;
      symtabs.push({ name: `${s.name}`, offset: s.offset, count: s.size / es, entsize: es, fields: is64 ? SYM64 : SYM32, strtabSize: elf.sections[s.link]?.size ?? 0 });
      if (s.type === SHT_SYMTAB) nsyms = s.size / es;
    }
    if (s.type === SHT_REL || s.type === SHT_RELA) {
      const rela = s.type === SHT_RELA;
      const es = (is64 ? 8 : 4) * (rela ? 3 : 2);
      if (s.size >= es) rels.push({ name: s.name, offset: s.offset, count: Math.floor(s.size / es), entsize: es, fields: relFields(is64, le, rela), targetSize: elf.sections[s.info]?.size ?? 0 });
    }
  }
  elf.close();
  return {
    id: relative(BUILD, path),
    buf,
    size: buf.length,
    is64,
    le,
    header: is64 ? H64 : H32,
    shdrs,
    symtabs,
    rels,
    contents,
    cuts: [...cuts].filter((c) => c >= 0 && c < buf.length).sort((a, b) => a - b),
    nsyms,
  };
}

export type Mutation =
  | { op: 'set'; what: string; at: number; width: 1 | 2 | 4 | 8; value: bigint }
  | { op: 'bytes'; what: string; at: number; bytes: number[] }
  | { op: 'flip'; at: number; mask: number }
  | { op: 'truncate'; length: number }
  | { op: 'splice'; at: number; remove: number; insert: number[] }
  | { op: 'append'; bytes: number[] };

export function describe(m: Mutation): string {
  switch (m.op) {
    case 'set':
      return `${m.what}@0x${m.at.toString(16)}=0x${m.value.toString(16)}`;
    case 'bytes':
      return `${m.what}@0x${m.at.toString(16)}=[${m.bytes.map((b) => b.toString(16)).join(' ')}]`;
    case 'flip':
      return `flip@0x${m.at.toString(16)}^0x${m.mask.toString(16)}`;
    case 'truncate':
      return `truncate(${m.length})`;
    case 'splice':
      return `splice@0x${m.at.toString(16)}-${m.remove}+[${m.insert.length}]`;
    case 'append':
      return `append[${m.bytes.length}]`;
  }
}

/** A case: which sample, which mutations. Prints as a recipe in fast-check's counterexamples. */
export class Case {
  constructor(
    readonly layout: Layout,
    readonly mutations: Mutation[],
  ) {}
  toString(): string {
    return `${this.layout.id}: ${this.mutations.map(describe).join('; ')}`;
  }
  [fc.toStringMethod](): string {
    return this.toString();
  }
  build(): Buffer {
    return applyMutations(this.layout.buf, this.mutations, this.layout.le);
  }
}

function writeUint(b: Buffer, at: number, width: number, value: bigint, le: boolean): void {
  if (at < 0 || at + width > b.length) return; // an earlier truncation removed the place
  for (let i = 0; i < width; i++) {
    const byte = Number((value >> BigInt(8 * i)) & 0xffn);
    b[le ? at + i : at + width - 1 - i] = byte;
  }
}

export function applyMutations(base: Buffer, ms: Mutation[], le: boolean): Buffer {
  let b = Buffer.from(base);
  for (const m of ms) {
    switch (m.op) {
      case 'set':
        writeUint(b, m.at, m.width, m.value, le);
        break;
      case 'bytes':
        for (let i = 0; i < m.bytes.length && m.at + i < b.length; i++) b[m.at + i] = m.bytes[i];
        break;
      case 'flip':
        if (m.at < b.length) b[m.at] ^= m.mask;
        break;
      case 'truncate':
        b = b.subarray(0, Math.min(m.length, b.length));
        break;
      case 'splice': {
        const at = Math.min(m.at, b.length);
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.insert), b.subarray(Math.min(b.length, at + m.remove))]);
        break;
      }
      case 'append':
        b = Buffer.concat([b, Buffer.from(m.bytes)]);
        break;
    }
  }
  return b;
}

function readUint(b: Buffer, at: number, width: number, le: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < width; i++) v |= BigInt(b[le ? at + i : at + width - 1 - i]) << BigInt(8 * i);
  return v;
}

const SPECIAL: bigint[] = [
  0n, 1n, 2n, 3n, 4n, 8n, 0x10n, 0x40n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xff00n, 0xfff1n, 0xfff2n, 0xfffen, 0xffffn,
  0x10000n, 0x7fffffffn, 0x80000000n, 0xfffffff0n, 0xffffffffn, 0x100000000n, 0x1_0000_0001n,
  (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 16n, (1n << 64n) - 1n,
];

/** Values for a field: boundaries, values relative to the file size and to the original, anything. */
export function valueArb(l: Layout, at: number, width: 1 | 2 | 4 | 8, extra: bigint[] = []): fc.Arbitrary<bigint> {
  const max = (1n << BigInt(8 * width)) - 1n;
  const orig = at + width <= l.buf.length ? readUint(l.buf, at, width, l.le) : 0n;
  const size = BigInt(l.size);
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...SPECIAL, ...extra) },
      { weight: 3, arbitrary: fc.integer({ min: -64, max: 64 }).map((d) => size + BigInt(d)) },
      { weight: 4, arbitrary: fc.integer({ min: -32, max: 32 }).map((d) => orig + BigInt(d)) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((k) => orig * BigInt(k) + 1n) },
      { weight: 3, arbitrary: fc.bigInt(0n, max) },
    )
    .map((v) => (v < 0n ? 0n : v) & max);
}

function pickField(l: Layout, t: Table, extra: (f: Field) => bigint[] = () => []): fc.Arbitrary<Mutation> {
  if (t.count === 0) return fc.constant<Mutation>({ op: 'flip', at: 0, mask: 0 });
  return fc.tuple(fc.nat(t.count - 1), fc.constantFrom(...t.fields)).chain(([i, f]) => {
    const at = t.offset + i * t.entsize + f.at;
    return valueArb(l, at, f.width, extra(f)).map((value): Mutation => ({ op: 'set', what: `${t.name}[${i}].${f.name}`, at, width: f.width, value }));
  });
}

const bytesArb = (max: number) => fc.array(fc.oneof(fc.constantFrom(0, 0xff, 0x41, 0x3d, 0x0a), fc.nat(255)), { minLength: 1, maxLength: max });

/** One mutation (a few writes for the compound ones) of a sample, among every strategy that applies to it. */
export function mutationArb(l: Layout): fc.Arbitrary<Mutation[]> {
  const shWant = l.is64 ? 64 : 40;
  const s0 = l.shdrs.offset;
  const headerField = (name: string) => l.header.find((f) => f.name === name)!;
  const setHeader = (name: string, value: bigint): Mutation => {
    const f = headerField(name);
    return { op: 'set', what: name, at: f.at, width: f.width, value };
  };
  const sh0 = (name: string) => (l.is64 ? SH64 : SH32).find((f) => f.name === name)!;
  const shnum = BigInt(l.shdrs.count);
  const nsyms = BigInt(l.nsyms);
  const around = (n: number | undefined) => (n === undefined ? [] : [BigInt(n) - 1n, BigInt(n), BigInt(n) + 1n].filter((v) => v >= 0n));
  const shstrtabSize = l.contents.find((c) => c.name === '.shstrtab')?.size;
  const strategies: Array<{ weight: number; arbitrary: fc.Arbitrary<Mutation | Mutation[]> }> = [
    // ELF header fields
    {
      weight: 6,
      arbitrary: fc.constantFrom(...l.header).chain((f) =>
        valueArb(l, f.at, f.width, [shnum, shnum - 1n, shnum + 1n, BigInt(shWant), BigInt(l.shdrs.offset)]).map((value): Mutation => ({ op: 'set', what: f.name, at: f.at, width: f.width, value })),
      ),
    },
    // e_ident: class, data, version, OS/ABI bytes
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(4, 5, 6, 7), fc.oneof(fc.constantFrom(0, 1, 2, 3, 0xff), fc.nat(255))).map(([at, v]): Mutation => ({ op: 'bytes', what: 'e_ident', at, bytes: [v] })),
    },
    // extended numbering: e_shnum = 0 with section 0's sh_size, e_shstrndx = SHN_XINDEX with its sh_link
    {
      weight: 3,
      arbitrary: fc.oneof(
        valueArb(l, s0 + sh0('sh_size').at, sh0('sh_size').width, [shnum, shnum + 1n, shnum - 1n, 0xffffffffn]).map((v): Mutation[] => [
          setHeader('e_shnum', 0n),
          { op: 'set', what: 'shdr[0].sh_size', at: s0 + sh0('sh_size').at, width: sh0('sh_size').width, value: v },
        ]),
        valueArb(l, s0 + sh0('sh_link').at, 4, [shnum - 1n, shnum, 0xffffn, 0xffffffffn]).map((v): Mutation[] => [
          setHeader('e_shstrndx', 0xffffn),
          { op: 'set', what: 'shdr[0].sh_link', at: s0 + sh0('sh_link').at, width: 4, value: v },
        ]),
      ),
    },
    // section header fields
    {
      weight: 12,
      arbitrary: pickField(l, l.shdrs, (f) =>
        f.name === 'sh_link' || f.name === 'sh_info' ? [shnum - 1n, shnum, shnum + 1n] : f.name === 'sh_type' ? [1n, 2n, 3n, 4n, 8n, 9n, 11n, 18n] : f.name === 'sh_name' ? around(shstrtabSize) : [],
      ),
    },
    // overlapping sections: one section's place (and size) set to another's
    {
      weight: 3,
      arbitrary: fc.tuple(fc.nat(Math.max(0, l.shdrs.count - 1)), fc.nat(Math.max(0, l.shdrs.count - 1)), fc.integer({ min: -8, max: 8 }), fc.boolean()).map(([i, j, d, sizeToo]): Mutation[] => {
        const fo = sh0('sh_offset');
        const fs = sh0('sh_size');
        const hi = s0 + i * l.shdrs.entsize;
        const hj = s0 + j * l.shdrs.entsize;
        if (hj + shWant > l.size || hi + shWant > l.size) return [];
        const off = readUint(l.buf, hj + fo.at, fo.width, l.le) + BigInt(d);
        const out: Mutation[] = [{ op: 'set', what: `shdr[${i}].sh_offset=shdr[${j}]`, at: hi + fo.at, width: fo.width, value: off < 0n ? 0n : off }];
        if (sizeToo) out.push({ op: 'set', what: `shdr[${i}].sh_size=shdr[${j}]`, at: hi + fs.at, width: fs.width, value: readUint(l.buf, hj + fs.at, fs.width, l.le) + 64n });
        return out;
      }),
    },
    // truncation, at structure boundaries or anywhere
    {
      weight: 4,
      arbitrary: fc.oneof(
        fc.tuple(fc.nat(l.cuts.length - 1), fc.integer({ min: -2, max: 2 })).map(([k, d]): Mutation => ({ op: 'truncate', length: Math.max(0, l.cuts[k] + d) })),
        fc.nat(l.size).map((n): Mutation => ({ op: 'truncate', length: n })),
      ),
    },
    // random bit flips: anywhere, or in the headers
    {
      weight: 4,
      arbitrary: fc.tuple(fc.oneof(fc.nat(l.size - 1), fc.nat(Math.min(l.size, 64) - 1), fc.integer({ min: Math.min(s0, l.size - 1), max: Math.max(Math.min(s0, l.size - 1), Math.min(l.size - 1, s0 + l.shdrs.count * l.shdrs.entsize - 1)) })), fc.integer({ min: 1, max: 255 })).map(([at, mask]): Mutation => ({ op: 'flip', at, mask })),
    },
    // bytes inserted or deleted (every later offset shifts), garbage appended
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.tuple(fc.nat(l.size), fc.nat(64), fc.array(fc.nat(255), { maxLength: 64 })).map(([at, remove, insert]): Mutation => ({ op: 'splice', at, remove, insert })),
        fc.array(fc.nat(255), { minLength: 1, maxLength: 128 }).map((bytes): Mutation => ({ op: 'append', bytes })),
      ),
    },
  ];
  for (const t of l.symtabs) {
    strategies.push({
      weight: 8,
      arbitrary: pickField(l, t, (f) =>
        f.name === 'st_shndx' ? [shnum - 1n, shnum, shnum + 1n, 0xffffn] : f.name === 'st_info' ? [0x10n, 0x12n, 0x20n, 0x03n, 0x04n] : f.name === 'st_name' ? around(t.strtabSize) : [],
      ),
    });
  }
  if (l.rels.length > 0) {
    strategies.push({
      weight: 8,
      arbitrary: fc.constantFrom(...l.rels).chain((t) =>
        pickField(l, t, (f) =>
          f.name === 'r_sym' ? [nsyms - 1n, nsyms, nsyms + 1n, 0xffffffn] : f.name === 'r_info' ? [(nsyms << 8n) | 1n, (nsyms << 32n) | 1n, (0xffffffn << 8n) | 2n] : f.name === 'r_offset' ? around(t.targetSize) : [],
        ),
      ),
    });
  }
  if (l.contents.length > 0) {
    // string tables and the like: NULs removed or added, or bytes overwritten
    const stringy = l.contents.filter((c) => c.strings);
    const pickContent = (list: Layout['contents']) =>
      fc.nat(list.length - 1).map((k) => list[k]).chain((c) =>
        fc.tuple(fc.nat(c.size - 1), bytesArb(16)).map(([i, bytes]): Mutation => ({ op: 'bytes', what: c.name, at: c.offset + i, bytes })),
      );
    if (stringy.length > 0) strategies.push({ weight: 6, arbitrary: pickContent(stringy) });
    strategies.push({ weight: 4, arbitrary: pickContent(l.contents) });
  }
  return fc.oneof(...strategies).map((m) => (Array.isArray(m) ? m : [m]));
}

/** Cases over some samples (weights: a 7.9 MB file costs 300 ms a case; a 5 KB one 0.3 ms). */
export function caseArb(samples: Array<{ layout: Layout; weight: number }>, maxMutations = 4): fc.Arbitrary<Case> {
  return fc.oneof(
    ...samples.map(({ layout, weight }) => ({
      weight,
      arbitrary: fc
        .array(mutationArb(layout), { minLength: 1, maxLength: maxMutations })
        .map((groups) => new Case(layout, groups.flat())),
    })),
  );
}
