/**
 * Frames on modules built by the real Kbuild against Debian's 6.1 headers (DWARF 5, .rela.debug_*): every
 * reference of every finding ksymcheck reports, and every reference to every import, has the frames
 * elfutils' eu-addr2line -i -f prints for the same place (the independent oracle).
 */
import { existsSync } from 'node:fs';
import { check } from '../../src/index.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { FrameFinder } from '../../src/dwarf/frames.js';
import { codeSiteOf, readModule } from '../../src/module/read.js';
import { addr2lineAt, haveAddr2line } from '../helpers/addr2line.js';
import { headersOf, listCases, readAbisEnv, readOracle } from './env.js';

const env = readAbisEnv();
const ABIS = [...new Set([env.OLD_ABI, env.NEW_ABI])];
const CASES = listCases();

beforeAll(() => {
  if (!haveAddr2line()) throw new Error('eu-addr2line is missing: scripts/build-samples installs elfutils');
});

/** The module files a case produced (the .ko where modpost wrote one, else modpost's input .o). */
function filesOf(abi: string, c: string): string[] {
  return readOracle(abi, c, 'warn')
    .modules.map((m) => m.ko ?? m.o)
    .filter((p): p is string => p !== null && existsSync(p));
}

describe.each(ABIS)('Kbuild modules of linux-headers-6.1.0-%s-amd64', (abi) => {
  const files = CASES.flatMap((c) => filesOf(abi, c));

  test('the samples carry DWARF 5 with relocations to apply', () => {
    expect(files.length).toBeGreaterThanOrEqual(CASES.length);
    for (const f of files) {
      const elf = ElfFile.open(f);
      try {
        expect(elf.section('.debug_info')).toBeDefined();
        expect(elf.section('.rela.debug_info')).toBeDefined();
      } finally {
        elf.close();
      }
    }
  });

  test("every reference of every finding: frames equal to eu-addr2line's (by symbol+offset)", async () => {
    const report = await check({ kernel: headersOf(abi), modules: files, stage: 'both', modpostWarn: true });
    let n = 0;
    for (const m of report.modules) {
      const refs = [...new Set(m.findings.flatMap((f) => f.references))].filter((r) => r.function !== undefined);
      if (refs.length === 0) continue;
      const want = addr2lineAt(m.path, refs.map((r) => `${r.function}+0x${r.offset.toString(16)}`));
      expect(refs.map((r) => r.frames)).toEqual(want);
      n += refs.length;
    }
    expect(n).toBeGreaterThan(20);
    expect(report.notes.filter((x) => /DWARF/.test(x))).toEqual([]);
  });

  test("every reference to every import: frames equal to eu-addr2line's (by section and offset)", async () => {
    let n = 0;
    for (const f of files) {
      const facts = await readModule(f);
      const elf = ElfFile.open(f);
      try {
        const ff = new FrameFinder(elf);
        const bySection = new Map<number, number[]>();
        for (const imp of facts.imports)
          for (const r of imp.refs) {
            const site = codeSiteOf(r);
            if (!site) continue;
            const list = bySection.get(site.section) ?? [];
            list.push(site.offset);
            bySection.set(site.section, list);
          }
        for (const [sec, offsets] of bySection) {
          const want = addr2lineAt(f, offsets.map((o) => `0x${o.toString(16)}`), elf.sections[sec].name);
          expect(offsets.map((o) => ff.framesAt(sec, o))).toEqual(want);
          n += offsets.length;
        }
      } finally {
        elf.close();
      }
    }
    expect(n).toBeGreaterThan(100);
  });
});
