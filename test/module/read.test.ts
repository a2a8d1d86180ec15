/**
 * Module facts from the gcc-built OpenAFS-like module (x86_64, i386 REL, s390x big-endian), checked
 * against the sample's sources and against readelf as an independent reader.
 */
import { readFileSync } from 'node:fs';
import { readModule, moduleFactsFromBuffer } from '../../src/module/read.js';
import { run, sample } from '../helpers/fixtures.js';

const CRC = (name: string) => {
  // The sample kernels' CRCs are `cksum` of the symbol name (scripts/build-samples); read them back from
  // the sample Module.symvers rather than recomputing.
  const line = readFileSync(sample('seed', 'kernels', '4.18-rc5', 'Module.symvers'), 'utf8')
    .split('\n')
    .find((l) => l.split('\t')[1] === name);
  if (!line) throw new Error(`no ${name} in sample Module.symvers`);
  return parseInt(line.split('\t')[0], 16);
};

const UNDEFINED = ['devmap_managed_key', '__put_page', 'kfree', '__fentry__', '__x86_indirect_thunk_rax', 'printk', '__put_devmap_managed_page', '__kmalloc'];

/** readelf's view: for each relocation against `sym`, the section and the r_offset. */
function readelfRefs(file: string, sym: string): Array<{ section: string; offset: number }> {
  const out: Array<{ section: string; offset: number }> = [];
  let section = '';
  for (const line of run('readelf', ['-rW', file]).split('\n')) {
    const h = /^Relocation section '\.rela?(.*)' at offset/.exec(line);
    if (h) {
      section = h[1];
      continue;
    }
    const m = /^([0-9a-f]+)\s+[0-9a-f]+\s+\S+\s+[0-9a-f]+\s+(\S+)/.exec(line);
    if (m && m[2] === sym) out.push({ section, offset: parseInt(m[1], 16) });
  }
  return out;
}

/** readelf's function symbols: name → [section index, value, size]. */
/** Section name → sh_offset, from `readelf -SW`. */
function readelfSectionOffsets(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of run('readelf', ['-SW', file]).matchAll(/\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s/g)) out.set(m[1], parseInt(m[2], 16));
  return out;
}

function readelfFunctions(file: string): Map<string, { ndx: number; value: number; size: number }> {
  const out = new Map<string, { ndx: number; value: number; size: number }>();
  for (const line of run('readelf', ['-sW', file]).split('\n')) {
    const m = /^\s*\d+:\s([0-9a-f]+)\s+(\d+)\s+FUNC\s+\S+\s+\S+\s+(\d+)\s(\S+)$/.exec(line);
    if (m) out.set(m[4], { value: parseInt(m[1], 16), size: +m[2], ndx: +m[3] });
  }
  return out;
}

describe('readModule on the x86_64 OpenAFS-like module', () => {
  const KO = sample('seed', 'openafs', 'libafs.ko');

  test('modinfo: licence, vermagic, name, depends, intree', async () => {
    const m = await readModule(KO);
    expect(m.name).toBe('libafs');
    expect(m.kind).toBe('ko');
    expect(m.machine).toBe(62);
    expect(m.elfClass).toBe(64);
    expect(m.licenses).toEqual(['http://www.openafs.org/dl/license10.html']);
    expect(m.vermagic).toBe('4.18.0-rc5 SMP mod_unload modversions ');
    expect(m.depends).toEqual([]);
    expect(m.intree).toBe(false);
    expect(m.importNs).toEqual([]);
    expect(m.modinfo.map((e) => e.key)).toEqual(expect.arrayContaining(['license', 'vermagic', 'name', 'retpoline', 'depends']));
  });

  test('__versions: module_layout and every import, with the kernel CRCs', async () => {
    const m = await readModule(KO);
    expect(m.versionsFormat).toBe('basic');
    expect([...m.versions!.keys()].sort()).toEqual(['module_layout', ...UNDEFINED].sort());
    for (const [name, crc] of m.versions!) expect({ name, crc }).toEqual({ name, crc: CRC(name) });
  });

  test('imports are the GLOBAL undefined symbols in .symtab order', async () => {
    const m = await readModule(KO);
    expect(m.imports.map((i) => i.name)).toEqual(UNDEFINED);
    expect(m.imports.every((i) => !i.weak)).toBe(true);
    expect(m.exports).toEqual([]);
  });

  test('references of the two GPL-only symbols name the module functions that hold them', async () => {
    const m = await readModule(KO);
    const get = (n: string) => m.imports.find((i) => i.name === n)!.refs;
    const fns = readelfFunctions(KO);
    // __put_devmap_managed_page: called from put_page() inlined into each function.
    const calls = get('__put_devmap_managed_page');
    expect(calls.map((r) => `${r.function} in ${r.section}`).sort()).toEqual(
      ['afs_init in .init.text', 'afs_linux_put_page in .text', 'afs_linux_writepage_sync in .text', 'afs_linux_writepage_sync in .text'].sort(),
    );
    // Offsets agree with readelf's r_offset minus the function's start; the file offset is the section's
    // sh_offset plus r_offset.
    const shOffset = readelfSectionOffsets(KO);
    const expected = readelfRefs(KO, '__put_devmap_managed_page').map((r) => {
      const fn = [...fns].find(([name, f]) => r.offset >= f.value && r.offset < f.value + f.size && calls.some((c) => c.function === name && c.section === r.section));
      return { section: r.section, function: fn![0], offset: r.offset - fn![1].value, fileOffset: shOffset.get(r.section)! + r.offset };
    });
    expect(calls).toEqual(expected);
    // devmap_managed_key: the static key, referenced from __jump_table entries whose code site is in the function.
    const keys = get('devmap_managed_key');
    expect(keys.map((r) => `${r.function} in ${r.section}`)).toEqual([
      'afs_linux_put_page in __jump_table',
      'afs_linux_writepage_sync in __jump_table',
      'afs_linux_writepage_sync in __jump_table',
      'afs_init in __jump_table',
    ]);
    for (const r of keys) {
      const f = fns.get(r.function!)!;
      expect(r.offset).toBeGreaterThanOrEqual(0);
      expect(r.offset).toBeLessThan(f.size);
    }
  });

  test('modpost input object (.o): same imports, no __versions', async () => {
    const m = await readModule(sample('seed', 'openafs', 'libafs.o'));
    expect(m.kind).toBe('o');
    expect(m.name).toBe('libafs');
    expect(m.versions).toBeUndefined();
    // __this_module is defined by <mod>.mod.o only: undefined in the object (modpost ignores it).
    expect(m.imports.map((i) => i.name).sort()).toEqual([...UNDEFINED, '__this_module'].sort());
    expect(m.licenses).toEqual(['http://www.openafs.org/dl/license10.html']);
  });
});

describe('readModule on other classes and byte orders', () => {
  test('i386 (ELF32, REL relocations, 4-byte crc + 60-byte name __versions)', async () => {
    const m = await readModule(sample('seed', 'openafs-i386', 'libafs.ko'));
    expect(m.elfClass).toBe(32);
    expect(m.machine).toBe(3);
    expect(m.vermagic).toMatch(/ 686 $/);
    expect(m.versions!.get('__put_devmap_managed_page')).toBe(CRC('__put_devmap_managed_page'));
    expect(m.versions!.get('module_layout')).toBe(CRC('module_layout'));
    const refs = m.imports.find((i) => i.name === 'devmap_managed_key')!.refs;
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.every((r) => r.section === '__jump_table' && r.function !== undefined)).toBe(true);
  });

  test('s390x (ELF64 big-endian): __versions CRCs read in the target byte order', () => {
    const file = sample('elf', 's390x', 'be-module.o');
    const m = moduleFactsFromBuffer(readFileSync(file), file);
    expect(m.elfClass).toBe(64);
    expect(m.machine).toBe(22);
    expect(m.versions!.size).toBeGreaterThan(0);
    for (const [name, crc] of m.versions!) expect({ name, crc }).toEqual({ name, crc: CRC(name) });
    expect(m.imports.length).toBeGreaterThan(0);
  });

  test('s390 (ELF32 big-endian)', () => {
    const file = sample('elf', 's390', 'be-module.o');
    const m = moduleFactsFromBuffer(readFileSync(file), file);
    expect(m.elfClass).toBe(32);
    for (const [name, crc] of m.versions!) expect({ name, crc }).toEqual({ name, crc: CRC(name) });
  });
});
