/**
 * Which samples (samples/build, gcc/ld output) each fuzzer mutates. Found by name and shape, so a sample
 * added to the build is fuzzed without touching the tests.
 */
import { join } from 'node:path';
import { BUILD, elfFilesUnder } from '../helpers/fixtures.js';
import { layoutOf, type Layout } from './elf-mutate.js';

const rel = (p: string) => p.slice(BUILD.length + 1);
/** Every ELF file of the sample build, relative to samples/build. */
export const ALL_ELF = elfFilesUnder(BUILD).map(rel);
const present = (list: string[]) => list.filter((r) => ALL_ELF.includes(r));

/** 7.9 MB, 70,010 sections: extended numbering, SHT_SYMTAB_SHNDX (fuzzed on its own: 100-800 ms a case). */
export const MANY_SECTIONS = 'elf/many-sections.o';
export const VMLINUX = ALL_ELF.filter((r) => r.endsWith('/vmlinux'));
/** A module's own object (`<mod>/<mod>.o`, next to `<mod>.ko`), not the `.mod.o` modpost generates. */
const MODULE_OBJECTS = ALL_ELF.filter((r) => /\/([^/]+)\/\1\.o$/.test(r));

/** Files the module reader reads: every .ko, module objects, the seed's and the fixtures' module .o files. */
export const MODULES = [
  ...ALL_ELF.filter((r) => r.endsWith('.ko')),
  ...MODULE_OBJECTS,
  ...present([
    'seed/openafs/libafs.o',
    'seed/openafs/osi_vm.o',
    'seed/openafs/libafs.mod.o',
    'seed/openafs-i386/libafs.o',
    'elf/i386/libafs.o',
    'elf/x86_64/libafs.o',
    'elf/s390x/be-module.o',
    'elf/s390/be-module.o',
    'seed/obj/4.18-rc5/module.o',
  ]),
];

/** Files with export tables: vmlinux files, objects with ___ksymtab+ sections or .export_symbol markers, linked fixtures. */
export const KSYMTAB = [
  ...VMLINUX,
  ...MODULE_OBJECTS,
  ...present(['elf/x86_64/fixture', 'elf/i386/fixture', 'elf/x86_64/fixture.so', 'elf/s390x/be-fixture', 'elf/s390/be-fixture', 'seed/obj/4.18/module.o', 'seed/obj/4.18-rc5/printk.o', 'elf/s390x/be-module.o', 'seed/openafs/libafs.ko']),
];

const layouts = new Map<string, Layout>();
/** A sample's layout (read once per test file). */
export function layout(r: string): Layout {
  let l = layouts.get(r);
  if (!l) layouts.set(r, (l = layoutOf(join(BUILD, r))));
  return l;
}

/** Weighted samples for caseArb(). */
export function weighted(list: string[], weight: (r: string) => number): Array<{ layout: Layout; weight: number }> {
  return list.map((r) => ({ layout: layout(r), weight: weight(r) }));
}
