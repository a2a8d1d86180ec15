/**
 * Mutation fuzzing of the ELF reader, the module reader and the ksymtab/vmlinux reader over real gcc/ld
 * output (samples/build). Every case must either be read or be rejected with an ElfFormatError naming
 * the file and an offset inside it; nothing else may escape (see harness.ts, docs/fuzzing.md).
 */
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { checkModules } from '../../src/check.js';
import { SHT_DYNSYM, SHT_NOBITS, SHT_REL, SHT_RELA } from '../../src/elf/constants.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { ElfFormatError, ParseError } from '../../src/errors.js';
import { formatSymvers, parseSymvers } from '../../src/kernel/symvers.js';
import { readKsymtab } from '../../src/kernel/ksymtab.js';
import { loadKernel } from '../../src/kernel/load.js';
import { EXPORT_TYPES, type KernelBuild } from '../../src/kernel/types.js';
import { vmlinuxFacts } from '../../src/kernel/vmlinux.js';
import { moduleFactsFromBuffer, readImports, readModinfo, readModuleExports, readVersions } from '../../src/module/read.js';
import { moduleReportSchema } from '../../src/report/schema.js';
import { SEED as SEED_DIR } from '../helpers/fixtures.js';
import { caseArb, type Case, type Layout } from './elf-mutate.js';
import { ALL_ELF, KSYMTAB, MANY_SECTIONS, MODULES, weighted } from './samples.js';
import { assertProperty, Defect, keepFailure, runsFor, Stats, step, timeoutFor, type InputShape } from './harness.js';

/** Read everything the ELF layer offers, each part on its own so an early rejection hides nothing. */
function exerciseElf(stats: Stats, buf: Buffer, shape: InputShape): void {
  const elf = step(stats, ElfFormatError, shape, 'open', () => ElfFile.fromBuffer(buf, shape.file));
  if (!elf) return;
  if (elf.sections.length !== elf.header.shnum) throw new Defect(`${elf.sections.length} sections read, header says ${elf.header.shnum}`);
  for (const s of elf.sections) {
    const d = step(stats, ElfFormatError, shape, 'sectionData', () => elf.sectionData(s));
    if (d && s.type !== SHT_NOBITS && d.length !== s.size) throw new Defect(`section ${s.index}: ${d.length} bytes read, sh_size ${s.size}`);
  }
  const syms = step(stats, ElfFormatError, shape, 'symbols', () => elf.symbols());
  syms?.forEach((s, i) => {
    if (s.index !== i || typeof s.name !== 'string') throw new Defect(`symbol ${i} read as index ${s.index}`);
  });
  for (const s of elf.sections) {
    if (s.type === SHT_REL || s.type === SHT_RELA) {
      const rs = step(stats, ElfFormatError, shape, 'relocations', () => elf.relocations(s));
      rs?.forEach((r) => {
        if (!Number.isSafeInteger(r.symIndex) || r.symIndex < 0) throw new Defect(`relocation symbol index ${r.symIndex}`);
      });
    }
    if (s.type === SHT_DYNSYM) step(stats, ElfFormatError, shape, 'dynsym', () => elf.readSymbols(s));
  }
  for (const sym of (syms ?? []).slice(0, 64)) {
    const sec = elf.sectionOf(sym);
    if (sec) step(stats, ElfFormatError, shape, 'readAtAddress', () => elf.readAtAddress(sec, sym.value, 16));
  }
}

let kernel: KernelBuild;

function exerciseModule(stats: Stats, buf: Buffer, shape: InputShape): void {
  const facts = step(stats, ElfFormatError, shape, 'moduleFacts', () => moduleFactsFromBuffer(buf, shape.file));
  const elf = step(stats, ElfFormatError, shape, 'open', () => ElfFile.fromBuffer(buf, shape.file));
  if (elf) {
    step(stats, ElfFormatError, shape, 'modinfo', () => readModinfo(elf));
    step(stats, ElfFormatError, shape, 'versions', () => readVersions(elf));
    const syms = step(stats, ElfFormatError, shape, 'symbols', () => elf.symbols());
    if (syms) {
      step(stats, ElfFormatError, shape, 'imports', () => readImports(elf, syms));
      step(stats, ElfFormatError, shape, 'exports', () => readModuleExports(elf, syms));
    }
  }
  if (facts) {
    // What the reader accepted must not break what comes after it: the rules and the report schema.
    const reports = checkModules(kernel, [facts]);
    moduleReportSchema.array().parse(JSON.parse(JSON.stringify(reports)));
  }
}

function exerciseKsymtab(stats: Stats, buf: Buffer, shape: InputShape): void {
  const elf = step(stats, ElfFormatError, shape, 'open', () => ElfFile.fromBuffer(buf, shape.file));
  if (!elf) return;
  const lists = [
    step(stats, ElfFormatError, shape, 'ksymtab', () => readKsymtab(elf)),
    step(stats, ElfFormatError, shape, 'ksymtab-stripped', () => readKsymtab(elf, [])),
    step(stats, ElfFormatError, shape, 'vmlinux', () => vmlinuxFacts(elf, shape.file).exports),
  ];
  for (const list of lists) {
    for (const e of list ?? []) {
      if (typeof e.name !== 'string' || e.name === '' || !EXPORT_TYPES.includes(e.type)) throw new Defect(`export read as ${JSON.stringify(e)}`);
      if (e.crc !== null && !(Number.isInteger(e.crc) && e.crc >= 0 && e.crc <= 0xffffffff)) throw new Defect(`crc ${e.crc}`);
    }
    // What `ksymcheck exports` does with them: write a Module.symvers, which must read back the same.
    if (list && list.length > 0) {
      const rows = list.map((e) => ({ ...e, owner: 'vmlinux', origin: { file: shape.file } }));
      let text: string;
      try {
        text = formatSymvers(rows);
      } catch (e) {
        throw new Defect(`formatSymvers of accepted exports threw: ${(e as Error).message}`);
      }
      const back = step(stats, ParseError, { file: 'Module.symvers', size: text.length }, 'symvers-roundtrip', () => parseSymvers(text, 'Module.symvers'));
      if (!back) throw new Defect(`exports written as Module.symvers do not read back: ${stats.lastRejection?.message}`);
      expect(back.exports.map((e) => [e.name, e.type, e.namespace, e.crc ?? 0])).toEqual(rows.map((e) => [e.name, e.type, e.namespace, e.crc ?? 0]));
    }
  }
}

function fuzz(name: string, samples: Array<{ layout: Layout; weight: number }>, runs: number, exercise: (s: Stats, b: Buffer, sh: InputShape) => void, msPerCase: number, boundMs?: number) {
  const stats = new Stats(name, boundMs);
  afterAll(() => stats.print());
  test(
    `${name}: ${samples.length} samples, ${runs} mutated cases`,
    () => {
      assertProperty(
        name,
        fc.property(caseArb(samples), (c: Case) => {
          const buf = c.build();
          const shape: InputShape = { file: `fuzz/${basename(c.layout.id)}`, size: buf.length };
          try {
            stats.time(() => c.toString(), () => exercise(stats, buf, shape));
          } catch (e) {
            keepFailure(name, buf, c.toString());
            throw e;
          }
        }),
        runs,
      );
    },
    timeoutFor(runs, msPerCase),
  );
}

describe('fuzz: ELF readers on mutated real objects', () => {
  beforeAll(async () => {
    kernel = await loadKernel(join(SEED_DIR, 'kernels', '4.18-rc5'));
  });

  fuzz('elf-reader', weighted(ALL_ELF.filter((r) => r !== MANY_SECTIONS), (r) => (r.endsWith('vmlinux') ? 6 : 2)), runsFor(1500), exerciseElf, 2);
  // 7.9 MB, 70010 sections, SHN_XINDEX symbols, extended numbering: 100-800 ms a case (most of it
  // allocation and GC for 140k objects), so a small share of the run and a bound of 3 s.
  if (ALL_ELF.includes(MANY_SECTIONS)) fuzz('elf-reader-extended-numbering', weighted([MANY_SECTIONS], () => 1), runsFor(6, 0.002), exerciseElf, 800, 3000);
  fuzz('module-reader', weighted(MODULES, (r) => (r.startsWith('seed/openafs/') || r.endsWith('.ko') ? 3 : 1)), runsFor(2000), exerciseModule, 2);
  fuzz('ksymtab-reader', weighted(KSYMTAB, (r) => (r.endsWith('vmlinux') ? 6 : 1)), runsFor(1200), exerciseKsymtab, 2);
});
