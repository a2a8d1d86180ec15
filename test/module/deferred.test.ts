/**
 * moduleFactsDeferred() reads a file's fact sections into one buffer reused from file to file: an ElfFile
 * kept open by its caller must still give its own bytes afterwards, not the next file's.
 */
import { readFileSync } from 'node:fs';
import { ElfFile } from '../../src/elf/elf-file.js';
import { moduleFactsDeferred, moduleFacts } from '../../src/module/read.js';
import { sample } from '../helpers/fixtures.js';

test('an ElfFile read for deferred facts keeps its own section bytes after another file is read', () => {
  const a = sample('seed', 'openafs', 'libafs.ko');
  const b = sample('seed', 'openafs-gpl', 'libafs.ko');
  const ea = ElfFile.open(a);
  const eb = ElfFile.open(b);
  try {
    const fa = moduleFactsDeferred(ea, a, () => ElfFile.open(a));
    moduleFactsDeferred(eb, b, () => ElfFile.open(b));
    const mod = ea.section('.modinfo')!;
    expect(ea.sectionData(mod)).toEqual(readFileSync(a).subarray(mod.offset, mod.offset + mod.size));
    const eager = moduleFacts(ElfFile.fromBuffer(readFileSync(a), a), a);
    expect(fa.licenses).toEqual(eager.licenses);
    expect(fa.imports.map((i) => ({ ...i }))).toEqual(eager.imports.map((i) => ({ ...i })));
  } finally {
    ea.close();
    eb.close();
  }
});
