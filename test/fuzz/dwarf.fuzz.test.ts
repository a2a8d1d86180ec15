/**
 * Mutation fuzzing of the DWARF reader (src/dwarf/) over the seed module built with -g (x86_64 RELA,
 * i386 REL, and its zlib-compressed twin): bytes of one debug section or of its relocation table are
 * overwritten (single bytes, runs of 0x00/0xff/0x80 — endless LEB128s —, random runs, 32-bit words set
 * to small numbers: offsets, lengths, counts, DIE references that may point back at themselves); then
 * the frames of every code site of the module's imports and of a few random places are asked for.
 *
 * Property: frames well formed, or a DwarfFormatError (an ElfFormatError naming the file, with an
 * offset inside it); never another error, never a hang (the long run asserts a time bound per case).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { FrameFinder } from '../../src/dwarf/frames.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { DwarfFormatError, ElfFormatError } from '../../src/errors.js';
import { codeSiteOf, moduleFactsFromBuffer } from '../../src/module/read.js';
import { BUILD } from '../helpers/fixtures.js';
import { assertProperty, Defect, keepFailure, runsFor, Stats, step, timeoutFor } from './harness.js';

interface Base {
  id: string;
  buf: Buffer;
  /** Debug sections and their relocation tables: name → file range. */
  targets: Array<{ name: string; offset: number; size: number }>;
  /** Code sites (section index, offset) of the imports' references. */
  sites: Array<[number, number]>;
  code: Array<{ index: number; size: number }>;
}

function baseOf(rel: string): Base {
  const buf = readFileSync(join(BUILD, rel));
  const elf = ElfFile.fromBuffer(buf, rel);
  const targets = elf.sections
    .filter((s) => /^\.(rela?\.)?z?debug_/.test(s.name) && s.size > 0)
    .map((s) => ({ name: s.name, offset: s.offset, size: s.size }));
  const facts = moduleFactsFromBuffer(buf, rel);
  const sites: Array<[number, number]> = [];
  for (const imp of facts.imports)
    for (const r of imp.refs) {
      const s = codeSiteOf(r);
      if (s) sites.push([s.section, s.offset]);
    }
  const code = elf.sections.filter((s) => (s.flags & 4n) !== 0n && s.size > 0).map((s) => ({ index: s.index, size: s.size }));
  return { id: rel, buf, targets, sites, code };
}

const BASES = ['seed/openafs/libafs.ko', 'seed/openafs-i386/libafs.ko', 'seed/compressed-debug/zlib/libafs.ko'].map(baseOf);

const edit = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('fill' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }), value: fc.constantFrom(0x00, 0xff, 0x80, 0x7f) }),
  fc.record({ kind: fc.constant('random' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 0x4000 }), fc.constantFrom(0xffffffff, 0xfffffff0, 0x80000000)) }),
);

const caseArb = fc.record({
  base: fc.constantFrom(...BASES),
  target: fc.nat(),
  edits: fc.array(edit, { minLength: 1, maxLength: 6 }),
  probes: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function describeCase(c: Case): string {
  const t = c.base.targets[c.target % c.base.targets.length];
  return `${c.base.id} ${t.name}: ${JSON.stringify(c.edits, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}`;
}

function mutate(c: Case): Buffer {
  const b = Buffer.from(c.base.buf);
  const t = c.base.targets[c.target % c.base.targets.length];
  for (const e of c.edits) {
    const at = t.offset + (e.at % t.size);
    const end = t.offset + t.size;
    switch (e.kind) {
      case 'byte':
        b[at] = e.value;
        break;
      case 'fill':
        b.fill(e.value, at, Math.min(end, at + e.len));
        break;
      case 'random':
        for (let i = 0; i < e.bytes.length && at + i < end; i++) b[at + i] = e.bytes[i];
        break;
      case 'word':
        if (at + 4 <= end) b.writeUInt32LE(e.value >>> 0, at);
        break;
    }
  }
  return b;
}

function checkFrames(frames: unknown): void {
  if (frames === undefined) return;
  if (!Array.isArray(frames) || frames.length === 0) throw new Defect(`frames ${JSON.stringify(frames)}`);
  for (const f of frames) {
    if (typeof f.function !== 'string' || typeof f.file !== 'string') throw new Defect(`frame ${JSON.stringify(f)}`);
    if (!Number.isSafeInteger(f.line) || f.line < 0) throw new Defect(`frame line ${f.line}`);
    if (f.column !== undefined && !(Number.isSafeInteger(f.column) && f.column > 0)) throw new Defect(`frame column ${f.column}`);
  }
}

describe('fuzz: the DWARF reader on mutated debug sections of real -g modules', () => {
  const stats = new Stats('dwarf');
  afterAll(() => stats.print());
  const runs = runsFor(1500);
  beforeAll(async () => {
    const { prepareZstd } = await import('../../src/dwarf/sections.js');
    await prepareZstd();
  });

  test(
    `dwarf: mutated .debug_* and .rela.debug_* (${runs} cases)`,
    () => {
      assertProperty(
        'dwarf',
        fc.property(caseArb, (c) => {
          const buf = mutate(c);
          const file = `fuzz/${basename(c.base.id)}`;
          const shape = { file, size: buf.length };
          try {
            stats.time(
              () => describeCase(c),
              () => {
                const elf = step(stats, ElfFormatError, shape, 'open', () => ElfFile.fromBuffer(buf, file));
                if (!elf) return;
                const ff = new FrameFinder(elf);
                const places: Array<[number, number]> = [...c.base.sites];
                for (const [i, o] of c.probes) {
                  const s = c.base.code[i % c.base.code.length];
                  places.push([s.index, o % s.size]);
                }
                for (const [sec, off] of places) {
                  // the first rejection ends the case (the reader is not asked again past a broken unit)
                  let rejected = false;
                  const got = step(stats, ElfFormatError, shape, 'framesAt', () => {
                    try {
                      return ff.framesAt(sec, off);
                    } catch (e) {
                      rejected = true;
                      if (e instanceof ElfFormatError && !(e instanceof DwarfFormatError)) throw new Defect(`not a DwarfFormatError: ${e.message}`);
                      throw e;
                    }
                  });
                  checkFrames(got);
                  if (rejected) break;
                }
              },
            );
          } catch (e) {
            keepFailure('dwarf', buf, describeCase(c));
            throw e;
          }
        }),
        runs,
      );
    },
    timeoutFor(runs, 5),
  );
});
