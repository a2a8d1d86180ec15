/**
 * Frames (the inline chain at a place in a module) against elfutils' eu-addr2line, the independent
 * oracle: at every reference of the seed modules and at every byte of their code sections.
 */
import { ElfFile } from '../../src/elf/elf-file.js';
import { SHF_EXECINSTR } from '../../src/elf/constants.js';
import { FrameFinder } from '../../src/dwarf/frames.js';
import { readModule } from '../../src/module/read.js';
import { codeSiteOf } from '../../src/module/read.js';
import { sample } from '../helpers/fixtures.js';
import { addr2lineFrames, haveAddr2line } from '../helpers/addr2line.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD } from '../helpers/fixtures.js';

const MODULES = [
  ['x86_64 .ko (RELA)', 'seed/openafs/libafs.ko'],
  ['x86_64 .o (modpost input)', 'seed/openafs/libafs.o'],
  ['x86_64 GPL control', 'seed/openafs-gpl/libafs.ko'],
  ['i386 .ko (REL, implicit addends)', 'seed/openafs-i386/libafs.ko'],
  // samples/dwarf/inline.c: two levels of inline helpers, a loop, a cold path; DWARF 4 (.debug_ranges,
  // v4 line tables) and 5 (.debug_rnglists, v5 file tables) on three architectures
  ['x86_64 DWARF 4', 'dwarf/inline-x86_64-v4.o'],
  ['x86_64 DWARF 5', 'dwarf/inline-x86_64-v5.o'],
  ['i386 DWARF 4', 'dwarf/inline-i386-v4.o'],
  ['i386 DWARF 5', 'dwarf/inline-i386-v5.o'],
  ['arm64 DWARF 4 (R_AARCH64_ABS*)', 'dwarf/inline-arm64-v4.o'],
  ['arm64 DWARF 5 (R_AARCH64_ABS*)', 'dwarf/inline-arm64-v5.o'],
].filter(([what, rel]) => {
  // a cross compiler or multilib the script could not install: said, and left out
  const arch = /^dwarf\/inline-(\w+)-v/.exec(rel)?.[1];
  const marker = arch && join(BUILD, 'dwarf', `inline-${arch}.SKIPPED`);
  if (marker && existsSync(marker)) {
    process.stderr.write(`frames test: ${what} skipped (${marker})\n`);
    return false;
  }
  return true;
});

beforeAll(() => {
  if (!haveAddr2line()) throw new Error('eu-addr2line is missing: scripts/build-samples installs elfutils');
});

describe.each(MODULES)('frames of %s equal eu-addr2line -i -f', (_what, rel) => {
  const file = sample(...rel.split('/'));

  it('at every byte of every code section', () => {
    const elf = ElfFile.open(file);
    try {
      const ff = new FrameFinder(elf);
      expect(ff.hasDwarf).toBe(true);
      let compared = 0;
      for (const s of elf.sections) {
        if ((s.flags & SHF_EXECINSTR) === 0n || s.size === 0) continue;
        const offsets = Array.from({ length: s.size }, (_, i) => i);
        const want = addr2lineFrames(file, s.name, offsets);
        const got = offsets.map((o) => ff.framesAt(s.index, o));
        expect(got).toEqual(want);
        compared += offsets.length;
      }
      expect(compared).toBeGreaterThan(rel.startsWith('seed/') ? 400 : 150);
    } finally {
      elf.close();
    }
  });

  it('at every reference to an import, with the put_page() chain where the source names no GPL symbol', async () => {
    const facts = await readModule(file);
    const elf = ElfFile.open(file);
    try {
      const ff = new FrameFinder(elf);
      let inline = 0;
      for (const imp of facts.imports) {
        for (const ref of imp.refs) {
          const site = codeSiteOf(ref);
          const from = elf.section(ref.section)!;
          // a reference from code, or a table entry recording a code site, has one; one from data none
          if ((from.flags & SHF_EXECINSTR) !== 0n || ref.section === '__jump_table') expect(site).toBeDefined();
          if (!site) continue;
          const sec = elf.sections[site!.section];
          const [want] = addr2lineFrames(file, sec.name, [site!.offset]);
          expect(ff.framesAt(site!.section, site!.offset, ref.function)).toEqual(want);
          if (imp.name === '__put_devmap_managed_page' || imp.name === 'devmap_managed_key') {
            // put_page() → put_devmap_managed_page() → (the static key's) arch_static_branch()
            expect(want!.map((f) => f.function)).toContain('put_page');
            expect(want!.map((f) => f.function)).toContain('put_devmap_managed_page');
            inline++;
          }
        }
      }
      if (rel.startsWith('seed/')) expect(inline).toBeGreaterThanOrEqual(4);
      else {
        // gpl_only_helper() reached through outer_get() and inner_get(), never named in module_error_path()
        // (in module_user() too, but GCC's DWARF 4 range list of its loop starts with an empty range at
        // .text+0, which reads as the end of the list to elfutils: frames equal theirs, so there it is not)
        const via = facts.imports.find((i) => i.name === 'gpl_only_helper')!.refs.map((r) => addr2lineFrames(file, elf.sections[codeSiteOf(r)!.section].name, [codeSiteOf(r)!.offset])[0]!.map((f) => f.function));
        expect(via).toContainEqual(['inner_get', 'outer_get', 'module_error_path']);
      }
    } finally {
      elf.close();
    }
  });
});

describe('compressed debug sections', () => {
  const plain = sample('seed', 'openafs', 'libafs.ko');
  test.each(['zlib', 'zlib-gnu', 'zstd'])('%s: the frames of the uncompressed module at every byte of .text', async (how) => {
    const { hasZstdDebugSection, prepareZstd } = await import('../../src/dwarf/sections.js');
    const file = sample('seed', 'compressed-debug', how, 'libafs.ko');
    const elf = ElfFile.open(file);
    try {
      expect(elf.sections.some((s) => (how === 'zlib-gnu' ? s.name.startsWith('.zdebug_') : (s.flags & 0x800n) !== 0n))).toBe(true);
      expect(hasZstdDebugSection(elf)).toBe(how === 'zstd');
      if (how === 'zstd') await prepareZstd();
      const ff = new FrameFinder(elf);
      const text = elf.section('.text')!;
      const offsets = Array.from({ length: text.size }, (_, i) => i);
      // (elfutils 0.188 reads zlib but not zstd: the oracle is asked about the uncompressed module)
      expect(offsets.map((o) => ff.framesAt(text.index, o))).toEqual(addr2lineFrames(plain, '.text', offsets));
    } finally {
      elf.close();
    }
  });
});
