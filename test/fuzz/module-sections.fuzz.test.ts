/**
 * Fuzzing what a module says about itself: `.modinfo`, `__versions` and the extended modversions pair
 * `__version_ext_crcs` / `__version_ext_names`, inside otherwise real modules (libafs.ko x86_64 and
 * i386, the s390x/s390 big-endian module objects). Contents are patched in place (the section keeps its
 * size) or appended at the end of the file with the section header pointed at them (any size, including
 * sizes that are not a multiple of 64); for the extended pair, two unused sections are renamed through a
 * new .shstrtab.
 *
 * Properties: only ElfFormatError with the file and an offset inside it; and a model: contents built from
 * well-formed entries are read back exactly (keys/values in order; the CRC map with the last duplicate
 * winning and empty names skipped; extended names paired with CRCs in order, and __versions next to
 * them kept as basicVersions).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { ElfFile } from '../../src/elf/elf-file.js';
import { ElfFormatError } from '../../src/errors.js';
import { MODVERSION_INFO_SIZE, moduleFactsFromBuffer } from '../../src/module/read.js';
import type { ModuleFacts } from '../../src/module/types.js';
import { BUILD } from '../helpers/fixtures.js';
import { SH32, SH64 } from './elf-mutate.js';
import { assertProperty, Defect, keepFailure, runsFor, Stats, step, timeoutFor } from './harness.js';

interface Base {
  id: string;
  buf: Buffer;
  is64: boolean;
  le: boolean;
  shoff: number;
  shentsize: number;
  shstrndx: number;
  sec: Map<string, { index: number; offset: number; size: number; nameOffset: number }>;
  /** two sections nothing reads, to be renamed into the extended modversions pair */
  spare: [number, number] | undefined;
}

function baseOf(rel: string): Base {
  const buf = readFileSync(join(BUILD, rel));
  const elf = ElfFile.fromBuffer(buf, rel);
  const sec = new Map(elf.sections.map((s) => [s.name, { index: s.index, offset: s.offset, size: s.size, nameOffset: s.nameOffset }]));
  const spareNames = ['.comment', '.note.GNU-stack', '.rodata.str1.2', '.bss', '.rodata.str1.1'].filter((n) => sec.has(n));
  return {
    id: rel,
    buf,
    is64: elf.header.elfClass === 64,
    le: elf.header.littleEndian,
    shoff: elf.header.shoff,
    shentsize: elf.header.shentsize,
    shstrndx: elf.header.shstrndx,
    sec,
    spare: spareNames.length >= 2 ? [sec.get(spareNames[0])!.index, sec.get(spareNames[1])!.index] : undefined,
  };
}

function setSh(b: Buffer, base: Base, index: number, field: string, value: number): void {
  const f = (base.is64 ? SH64 : SH32).find((x) => x.name === field)!;
  const at = base.shoff + index * base.shentsize + f.at;
  if (f.width === 8) {
    if (base.le) b.writeBigUInt64LE(BigInt(value), at);
    else b.writeBigUInt64BE(BigInt(value), at);
  } else if (base.le) b.writeUInt32LE(value >>> 0, at);
  else b.writeUInt32BE(value >>> 0, at);
}

/** Append `data` (8-aligned) and point section `index` at it. Returns the new buffer. */
function retarget(b: Buffer, base: Base, index: number, data: Buffer): Buffer {
  const pad = (8 - (b.length % 8)) % 8;
  const out = Buffer.concat([b, Buffer.alloc(pad), data]);
  setSh(out, base, index, 'sh_offset', b.length + pad);
  setSh(out, base, index, 'sh_size', data.length);
  setSh(out, base, index, 'sh_type', 1 /* PROGBITS */);
  return out;
}

// ---- contents ------------------------------------------------------------------------------------

const goodKey = fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/);
const goodValue = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((v) => !v.includes('\0'));
const badKey = fc.constantFrom('', 'a b', 'lic\u00e9nse', '=', '\u00ff', 'x\ny', 'license\t');

type Entry = { key: string; value: string };
/** .modinfo: entries separated by one or more NULs; `good` when every key is an identifier. */
const modinfoContent = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(fc.record({ key: fc.oneof({ weight: 30, arbitrary: goodKey }, { weight: 1, arbitrary: badKey }), value: goodValue }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 8, maxLength: 8 }), fc.nat(2))
      .map(([entries, gaps, lead]) => {
        const parts: Buffer[] = [Buffer.alloc(lead)];
        entries.forEach((e, i) => parts.push(Buffer.from(`${e.key}=${e.value}`, 'utf8'), Buffer.alloc(gaps[i])));
        const good = entries.every((e) => /^[A-Za-z0-9_.-]+$/.test(e.key));
        return { bytes: Buffer.concat(parts), model: good ? entries : undefined };
      }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((u) => ({ bytes: Buffer.from(u), model: undefined as Entry[] | undefined })) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(0, 0x3d, 0x61, 0x0a, 0xff, 0xc3), { maxLength: 64 }).map((a) => ({ bytes: Buffer.from(a), model: undefined as Entry[] | undefined })) },
);

const nameBytes = (max: number) => fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 0, maxLength: max });

/** __versions: struct modversion_info entries (crc word + name[64 - word]), sometimes cut or damaged. */
function versionsContent(is64: boolean, le: boolean) {
  const word = is64 ? 8 : 4;
  const nameMax = MODVERSION_INFO_SIZE - word - 1;
  const entry = fc.record({ crc: fc.bigInt(0n, is64 ? (1n << 64n) - 1n : 0xffffffffn), name: fc.oneof({ weight: 6, arbitrary: nameBytes(nameMax) }, { weight: 1, arbitrary: nameBytes(MODVERSION_INFO_SIZE) }) });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.array(entry, { maxLength: 8 }), fc.oneof(fc.constant(0), fc.integer({ min: -63, max: 63 }))).map(([entries, cut]) => {
        const b = Buffer.alloc(entries.length * MODVERSION_INFO_SIZE);
        entries.forEach((e, i) => {
          const o = i * MODVERSION_INFO_SIZE;
          if (is64) {
            if (le) b.writeBigUInt64LE(e.crc, o);
            else b.writeBigUInt64BE(e.crc, o);
          } else if (le) b.writeUInt32LE(Number(e.crc), o);
          else b.writeUInt32BE(Number(e.crc), o);
          Buffer.from(e.name.slice(0, MODVERSION_INFO_SIZE - word)).copy(b, o + word);
        });
        const good = cut === 0 && entries.every((e) => e.name.length <= nameMax);
        const model = new Map<string, number>();
        if (good) for (const e of entries) if (e.name.length) model.set(Buffer.from(e.name).toString('latin1'), Number(e.crc & 0xffffffffn));
        const bytes = cut > 0 ? Buffer.concat([b, Buffer.alloc(cut, 0x41)]) : b.subarray(0, Math.max(0, b.length + cut));
        return { bytes, model: good ? model : undefined };
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((u) => ({ bytes: Buffer.from(u), model: undefined as Map<string, number> | undefined })) },
  );
}

/** Extended modversions: n CRCs and a NUL-separated name list that may be short, long or unterminated. */
function extContent(le: boolean) {
  return fc
    .tuple(
      fc.array(fc.record({ crc: fc.nat(0xffffffff), name: nameBytes(30) }), { maxLength: 8 }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
    )
    .map(([rows, extraNames, terminated, crcCut]) => {
      const crcs = Buffer.alloc(rows.length * 4);
      rows.forEach((r, i) => (le ? crcs.writeUInt32LE(r.crc, i * 4) : crcs.writeUInt32BE(r.crc, i * 4)));
      const names = rows.map((r) => Buffer.from(r.name));
      const n = Math.max(0, names.length + extraNames);
      while (names.length < n) names.push(Buffer.from('extra'));
      names.length = n;
      let nameBytesBuf = Buffer.concat(names.flatMap((x) => [x, Buffer.alloc(1)]));
      if (!terminated && nameBytesBuf.length) nameBytesBuf = nameBytesBuf.subarray(0, nameBytesBuf.length - 1);
      const crcBytes = crcs.subarray(0, Math.max(0, crcs.length - crcCut));
      const good = crcCut === 0 && extraNames >= 0 && (terminated || extraNames > 0 || rows.length === 0);
      const model = new Map<string, number>();
      if (good) rows.forEach((r) => model.set(Buffer.from(r.name).toString('latin1'), r.crc));
      return { crcs: crcBytes, names: nameBytesBuf, model: good ? model : undefined };
    });
}

// ---- the property ----------------------------------------------------------------------------------

const BASES = ['seed/openafs/libafs.ko', 'seed/openafs-i386/libafs.ko', 'elf/s390x/be-module.o', 'elf/s390/be-module.o'].map(baseOf);

interface ModCase {
  base: Base;
  modinfo?: { how: 'in-place' | 'resized'; bytes: Buffer; model?: Entry[]; filler: number };
  versions?: { how: 'in-place' | 'resized'; bytes: Buffer; model?: Map<string, number>; filler: number };
  ext?: { crcs: Buffer; names: Buffer; model?: Map<string, number> };
  toString(): string;
}

const caseArb: fc.Arbitrary<ModCase> = fc.constantFrom(...BASES).chain((base) =>
  fc
    .record(
      {
        modinfo: fc.tuple(fc.constantFrom('in-place' as const, 'resized' as const), modinfoContent, fc.constantFrom(0, 0x20, 0xff)),
        versions: fc.tuple(fc.constantFrom('in-place' as const, 'resized' as const), versionsContent(base.is64, base.le), fc.constantFrom(0, 0x41)),
        ext: base.spare ? extContent(base.le) : fc.constant(undefined),
      },
      { requiredKeys: [] },
    )
    .map((r) => ({
      base,
      modinfo: r.modinfo && { how: r.modinfo[0], bytes: r.modinfo[1].bytes, model: r.modinfo[1].model, filler: r.modinfo[2] },
      versions: r.versions && { how: r.versions[0], bytes: r.versions[1].bytes, model: r.versions[1].model, filler: r.versions[2] },
      ext: r.ext,
      toString() {
        const hex = (b: Buffer) => b.toString('hex').slice(0, 200);
        return `${base.id}: ${this.modinfo ? `.modinfo ${this.modinfo.how} ${hex(this.modinfo.bytes)}; ` : ''}${this.versions ? `__versions ${this.versions.how} ${hex(this.versions.bytes)}; ` : ''}${this.ext ? `ext crcs ${hex(this.ext.crcs)} names ${hex(this.ext.names)}` : ''}`;
      },
    })),
);

/** Write a section's new contents: in place (cut or padded to its size) or appended and re-pointed. */
function place(b: Buffer, base: Base, name: string, how: 'in-place' | 'resized', bytes: Buffer, filler: number): { buf: Buffer; fits: boolean } {
  const s = base.sec.get(name)!;
  if (how === 'resized') return { buf: retarget(b, base, s.index, bytes), fits: true };
  b.fill(filler, s.offset, s.offset + s.size);
  bytes.copy(b, s.offset, 0, Math.min(bytes.length, s.size));
  // the model holds when everything fits and the padding cannot be read as more entries
  return { buf: b, fits: bytes.length <= s.size && filler === 0 };
}

function build(c: ModCase): { buf: Buffer; modinfo?: Entry[]; versions?: Map<string, number>; ext?: Map<string, number> } {
  let b: Buffer = Buffer.from(c.base.buf);
  let modinfo: Entry[] | undefined;
  let versions: Map<string, number> | undefined;
  let ext: Map<string, number> | undefined;
  if (c.modinfo) {
    const r = place(b, c.base, '.modinfo', c.modinfo.how, c.modinfo.bytes, c.modinfo.filler);
    b = r.buf;
    if (r.fits) modinfo = c.modinfo.model;
  }
  if (c.versions) {
    const r = place(b, c.base, '__versions', c.versions.how, c.versions.bytes, c.versions.filler);
    b = r.buf;
    // in place, the padding is more (empty-named) entries only when the size stays a multiple of 64
    if (r.fits && (c.versions.how === 'resized' || c.base.sec.get('__versions')!.size % MODVERSION_INFO_SIZE === 0)) versions = c.versions.model;
  }
  if (c.ext && c.base.spare) {
    const [i, j] = c.base.spare;
    const shstr = c.base.sec.get('.shstrtab')!;
    const oldNames = c.base.buf.subarray(shstr.offset, shstr.offset + shstr.size);
    const names = Buffer.concat([oldNames, Buffer.from('__version_ext_crcs\0__version_ext_names\0', 'latin1')]);
    b = retarget(b, c.base, c.base.shstrndx, names);
    setSh(b, c.base, i, 'sh_name', oldNames.length);
    setSh(b, c.base, j, 'sh_name', oldNames.length + '__version_ext_crcs\0'.length);
    b = retarget(b, c.base, i, c.ext.crcs);
    b = retarget(b, c.base, j, c.ext.names);
    ext = c.ext.model;
  }
  return { buf: b, modinfo, versions, ext };
}

describe('fuzz: .modinfo, __versions and extended modversions in real modules', () => {
  const stats = new Stats('module-sections');
  afterAll(() => stats.print());
  const runs = runsFor(2000);
  test(
    `module-sections: patched and resized contents (${runs} cases)`,
    () => {
      assertProperty(
        'module-sections',
        fc.property(caseArb, (c) => {
          const { buf, modinfo, versions, ext } = build(c);
          const file = `fuzz/${basename(c.base.id)}`;
          try {
            const facts: ModuleFacts | undefined = stats.time(
              () => c.toString(),
              () => step(stats, ElfFormatError, { file, size: buf.length }, 'moduleFacts', () => moduleFactsFromBuffer(buf, file)),
            );
            const modelled = modinfo !== undefined || versions !== undefined || ext !== undefined;
            if (!facts) {
              // A rejection is only right when some part was not well-formed.
              if (modelled && (!c.modinfo || modinfo) && (!c.versions || versions) && (!c.ext || ext)) throw new Defect(`well-formed contents rejected: ${stats.lastRejection?.message}`);
              return;
            }
            if (modinfo) expect(facts.modinfo).toEqual(modinfo);
            if (c.ext) {
              // 6.14+: the extended pair is what the loader reads; __versions is kept for older loaders
              expect(facts.versionsFormat).toBe('extended');
              if (ext) expect(facts.versions).toEqual(ext);
              if (versions) expect(facts.basicVersions).toEqual(versions);
            } else if (versions) {
              expect(facts.versionsFormat).toBe('basic');
              expect(facts.versions).toEqual(versions);
            }
            for (const e of facts.modinfo) if (!/^[A-Za-z0-9_.-]+$/.test(e.key)) throw new Defect(`modinfo key ${JSON.stringify(e.key)} accepted`);
          } catch (e) {
            keepFailure('module-sections', buf, c.toString());
            throw e;
          }
        }),
        runs,
      );
    },
    timeoutFor(runs, 2),
  );
});
