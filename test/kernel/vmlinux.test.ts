/**
 * Exports read from ELF files built by gcc (scripts/build-samples), compared with the sample
 * Module.symvers files the build script wrote (and checked against the ELF with binutils):
 *
 *  - the "6.1" and "6.16" vmlinux (samples/v6): PREL32 `struct kernel_symbol { int value_offset;
 *    int name_offset; int namespace_offset; }` entries, namespaces, CRCs as data in __kcrctab* — through
 *    the .symtab labels, and decoded from the entries after `objcopy --strip-all`;
 *  - the 4.18 seed vmlinux stripped: absolute 16-byte entries, CRCs of absolute __crc_ symbols found
 *    again by index in __kcrctab*;
 *  - a 6.1 module's own exports (exporter.ko / exporter.o), a 6.5+ object's `.export_symbol` markers,
 *    and the extended modversions tables of a 6.14+ style module.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from '../../src/elf/elf-file.js';
import { readKsymtab, type KsymtabExport } from '../../src/kernel/ksymtab.js';
import { parseSymvers } from '../../src/kernel/symvers.js';
import { readVmlinux } from '../../src/kernel/vmlinux.js';
import { readModule } from '../../src/module/read.js';
import { run, sample } from '../helpers/fixtures.js';

const K61 = () => sample('v6', 'kernels', '6.1');
const K616 = () => sample('v6', 'kernels', '6.16');
const MOD = (...p: string[]) => sample('v6', 'modules', ...p);

type Row = Pick<KsymtabExport, 'name' | 'type' | 'namespace' | 'crc'>;

/** A Rust-style export name of 67 characters: too long for a basic __versions entry (55 + NUL). */
const LONG = '_RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper';

const byName = (a: Row, b: Row) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const rows = (list: Row[]): Row[] => list.map(({ name, type, namespace, crc }) => ({ name, type, namespace, crc })).sort(byName);

/** The rows of a sample Module.symvers (every export of the kernel: all owned by vmlinux). */
function symversRows(file: string): Row[] {
  const parsed = parseSymvers(readFileSync(file, 'utf8'), file);
  return rows(parsed.exports);
}

/** `objcopy --strip-all` into a temp dir: no .symtab, no .rela* — only the sections themselves. */
function stripped(file: string, dir: string): string {
  const out = join(dir, 'vmlinux.stripped');
  run('objcopy', ['--strip-all', file, out]);
  return out;
}

/** readelf's section table: name → size. */
function sectionSizes(file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of run('readelf', ['-SW', file]).split('\n')) {
    const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s/.exec(line);
    if (m) out.set(m[1], parseInt(m[2], 16));
  }
  return out;
}

/** Every export of the v6 kernels, as the C sources declare them (the CRCs come from Module.symvers). */
const V6_EXPORTS: Array<[string, string, string]> = [
  [LONG, 'EXPORT_SYMBOL_GPL', ''],
  ['__fentry__', 'EXPORT_SYMBOL', ''],
  ['__kmalloc', 'EXPORT_SYMBOL', ''],
  ['__x86_return_thunk', 'EXPORT_SYMBOL', ''],
  ['_printk', 'EXPORT_SYMBOL', ''],
  ['cr4_update_irqsoff', 'EXPORT_SYMBOL_GPL', 'module:kvm,kvm-*'],
  ['dma_buf_get', 'EXPORT_SYMBOL_GPL', 'DMA_BUF'],
  ['dma_buf_put', 'EXPORT_SYMBOL_GPL', 'DMA_BUF'],
  ['irq_fpu_usable', 'EXPORT_SYMBOL', ''],
  ['kernel_fpu_begin_mask', 'EXPORT_SYMBOL_GPL', ''],
  ['kernel_fpu_end', 'EXPORT_SYMBOL_GPL', ''],
  ['kfree', 'EXPORT_SYMBOL', ''],
  ['module_layout', 'EXPORT_SYMBOL', ''],
  ['nr_cpu_ids', 'EXPORT_SYMBOL', ''],
  ['some_plain_ns_fn', 'EXPORT_SYMBOL', 'TESTNS'],
  ['usb_stor_resume', 'EXPORT_SYMBOL_GPL', 'USB_STORAGE'],
  ['usb_stor_suspend', 'EXPORT_SYMBOL_GPL', 'USB_STORAGE'],
];

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-test-vmlinux-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the 6.1 vmlinux: PREL32 ksymtab with namespaces, CRCs as data', () => {
  test('the sample is what it claims: 12-byte entries, 4-byte CRC slots, no absolute __crc_ symbols', () => {
    const vmlinux = join(K61(), 'vmlinux');
    const sizes = sectionSizes(vmlinux);
    const plain = V6_EXPORTS.filter((e) => e[1] === 'EXPORT_SYMBOL').length;
    const gpl = V6_EXPORTS.length - plain;
    expect([sizes.get('__ksymtab'), sizes.get('__ksymtab_gpl')]).toEqual([12 * plain, 12 * gpl]);
    expect([sizes.get('__kcrctab'), sizes.get('__kcrctab_gpl')]).toEqual([4 * plain, 4 * gpl]);
    const crcSyms = run('readelf', ['-sW', vmlinux])
      .split('\n')
      .filter((l) => / __crc_/.test(l));
    expect(crcSyms).toHaveLength(V6_EXPORTS.length);
    // data labels in __kcrctab* (section index), never SHN_ABS
    for (const l of crcSyms) expect(l).toMatch(/NOTYPE\s+LOCAL\s+DEFAULT\s+\d+ __crc_/);
  });

  test('readVmlinux: every export (name, type, namespace, CRC) equals the sample Module.symvers', () => {
    const v = readVmlinux(join(K61(), 'vmlinux'));
    const want = symversRows(join(K61(), 'Module.symvers'));
    expect(rows(v.exports)).toEqual(want);
    expect(want.map((r) => [r.name, r.type, r.namespace])).toEqual(V6_EXPORTS);
    expect(v.exports.every((e) => e.owner === 'vmlinux')).toBe(true);
  });

  test('readVmlinux: release from linux_banner, the loader vermagic, x86_64', () => {
    const v = readVmlinux(join(K61(), 'vmlinux'));
    expect(v.release).toBe('6.1.0');
    expect(v.vermagic).toBe('6.1.0 SMP preempt mod_unload modversions ');
    expect(v.machine).toBe(62);
    expect(readVmlinux(join(K616(), 'vmlinux')).release).toBe('6.16.0');
  });

  test('the 6.16 vmlinux: the same exports, the same CRCs', () => {
    const v = readVmlinux(join(K616(), 'vmlinux'));
    expect(rows(v.exports)).toEqual(symversRows(join(K616(), 'Module.symvers')));
    expect(rows(v.exports)).toEqual(symversRows(join(K61(), 'Module.symvers')));
  });

  test('stripped (objcopy --strip-all): the entries are decoded, CRCs taken from __kcrctab* by index', () => {
    for (const k of [K61(), K616()]) {
      const s = stripped(join(k, 'vmlinux'), tmp);
      expect(run('readelf', ['-SW', s])).not.toMatch(/\.symtab|\.rela__ksymtab/);
      const elf = ElfFile.open(s);
      try {
        expect(elf.symbols()).toEqual([]);
        expect(rows(readKsymtab(elf))).toEqual(symversRows(join(k, 'Module.symvers')));
      } finally {
        elf.close();
      }
      const v = readVmlinux(s);
      expect(rows(v.exports)).toEqual(symversRows(join(k, 'Module.symvers')));
      // no linux_banner symbol any more: the release is not known from the file alone
      expect(v.release).toBeUndefined();
    }
  });

  test('labels kept, __crc_ symbols removed (objcopy -N): CRCs from __kcrctab* by the label\'s index, as when stripped', () => {
    for (const k of [K61(), K616()]) {
      const crcSyms = run('nm', [join(k, 'vmlinux')]).split('\n').filter((l) => / __crc_/.test(l)).map((l) => l.split(' ')[2]);
      expect(crcSyms.length).toBe(17);
      const out = join(tmp, `no-crc-${k.split('/').pop()}`);
      run('objcopy', [...crcSyms.flatMap((n) => ['-N', n]), join(k, 'vmlinux'), out]);
      expect(run('nm', [out])).not.toMatch(/ __crc_/);
      // (they were CRC 0 here, a kernel that seemed built without modversions)
      expect(rows(readVmlinux(out).exports)).toEqual(symversRows(join(k, 'Module.symvers')));
    }
  });

  test('stripped: the decoded order is the table order (sorted by name, plain then GPL)', () => {
    const elf = ElfFile.open(stripped(join(K61(), 'vmlinux'), tmp));
    try {
      const got = readKsymtab(elf).map((e) => `${e.type === 'EXPORT_SYMBOL_GPL' ? 'gpl' : 'plain'} ${e.name}`);
      const want = [
        ...V6_EXPORTS.filter((e) => e[1] === 'EXPORT_SYMBOL').map((e) => `plain ${e[0]}`).sort(),
        ...V6_EXPORTS.filter((e) => e[1] === 'EXPORT_SYMBOL_GPL').map((e) => `gpl ${e[0]}`).sort(),
      ];
      expect(got).toEqual(want);
    } finally {
      elf.close();
    }
  });
});

describe('the 4.18 seed vmlinux stripped: absolute 16-byte entries', () => {
  test.each(['4.18-rc5', '4.18'])('%s: every export equals the sample Module.symvers', (k) => {
    const dir = sample('seed', 'kernels', k);
    const sizes = sectionSizes(join(dir, 'vmlinux'));
    const want = symversRows(join(dir, 'Module.symvers'));
    expect((sizes.get('__ksymtab')! + sizes.get('__ksymtab_gpl')!) / 16).toBe(want.length);
    const s = stripped(join(dir, 'vmlinux'), tmp);
    const v = readVmlinux(s);
    expect(rows(v.exports)).toEqual(want);
    // the unversioned asm export keeps its 0 slot
    expect(v.exports.find((e) => e.name === '__sw_hweight32')!.crc).toBe(0);
    expect(v.exports.every((e) => e.namespace === '')).toBe(true);
  });
});

describe('exports recorded in modules', () => {
  const exporterRows = () => symversRows(MOD('exporter', 'Module.symvers'));

  test('exporter.ko (6.1): PREL32 entries + namespace + CRCs from SYMBOL_CRC in __kcrctab*', async () => {
    const m = await readModule(MOD('exporter', 'exporter.ko'));
    expect(rows(m.exports)).toEqual([
      { name: 'exporter_ns_fn', type: 'EXPORT_SYMBOL_GPL', namespace: 'EXPORTER_NS', crc: exporterRows()[0].crc },
      { name: 'exporter_plain_fn', type: 'EXPORT_SYMBOL', namespace: '', crc: exporterRows()[1].crc },
    ]);
    expect(rows(m.exports)).toEqual(exporterRows());
    expect(m.exports.every((e) => typeof e.crc === 'number' && e.crc !== 0)).toBe(true);
  });

  test('exporter.o (modpost input): the same exports, no CRC yet (it comes with exporter.mod.o)', async () => {
    const m = await readModule(MOD('exporter', 'exporter.o'));
    expect(rows(m.exports)).toEqual(exporterRows().map((r) => ({ ...r, crc: null })));
  });

  test('export-marker.o (6.5+): the .export_symbol markers, licence and namespace', async () => {
    const m = await readModule(sample('v6', 'markers', 'export-marker', 'export-marker.o'));
    // the GPL marker is at offset 0 of .export_symbol
    expect(m.exports).toEqual([
      { name: 'marker_gpl_fn', type: 'EXPORT_SYMBOL_GPL', namespace: '', crc: null },
      { name: 'marker_plain_fn', type: 'EXPORT_SYMBOL', namespace: '', crc: null },
      { name: 'marker_ns_fn', type: 'EXPORT_SYMBOL_GPL', namespace: 'MARKER_NS', crc: null },
    ]);
    expect(m.licenses).toEqual(['GPL']);
  });

  test('export-marker.ko (6.5+): the __ksymtab*/__kcrctab* of its .mod.c = the Module.symvers written for it; no .export_symbol left', async () => {
    const o = sample('v6', 'markers', 'export-marker', 'export-marker.o');
    const ko = sample('v6', 'markers', 'export-marker', 'export-marker.ko');
    expect(sectionSizes(o).has('.export_symbol')).toBe(true);
    expect(sectionSizes(o).has('__ksymtab')).toBe(false);
    expect(sectionSizes(ko).has('.export_symbol')).toBe(false);
    expect(sectionSizes(ko).get('__ksymtab_gpl')).toBe(2 * 12);
    const m = await readModule(ko);
    // Module.symvers as build-samples' modpost stand-in wrote it (its owner is the module, not vmlinux)
    const symvers = readFileSync(sample('v6', 'markers', 'export-marker', 'Module.symvers'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'))
      .map(([crc, name, , type, namespace]): Row => ({ name, type: type as Row['type'], namespace, crc: parseInt(crc, 16) }))
      .sort(byName);
    expect(symvers.map((r) => r.name)).toEqual(['marker_gpl_fn', 'marker_ns_fn', 'marker_plain_fn']);
    expect(rows(m.exports)).toEqual(symvers);
    // the .o: the same exports from the markers, without CRCs
    expect(rows((await readModule(o)).exports)).toEqual(symvers.map((r) => ({ ...r, crc: null })));
  });

  test('ext-versions.ko: __version_ext_crcs/__version_ext_names, no __versions', async () => {
    const ko = MOD('ext-versions', 'ext-versions.ko');
    const sizes = sectionSizes(ko);
    expect(sizes.has('__versions')).toBe(false);
    expect(sizes.get('__version_ext_crcs')).toBe(4 * 6);
    const m = await readModule(ko);
    expect(m.versionsFormat).toBe('extended');
    expect(m.basicVersions).toBeUndefined();
    const crc = new Map(symversRows(join(K616(), 'Module.symvers')).map((r) => [r.name, r.crc]));
    const names = ['__kmalloc', LONG, '_printk', '__x86_return_thunk', 'kfree', 'module_layout'];
    // modpost order: the undefined symbols in .symtab order, then module_layout
    expect([...m.versions!]).toEqual(names.map((n) => [n, crc.get(n)]));
    expect(m.versions!.get(LONG)).toBe(0x6f9a14b3);
  });

  test('ext-both.ko: both tables; the basic one without the name too long for it', async () => {
    const m = await readModule(MOD('ext-both', 'ext-both.ko'));
    const crc = new Map(symversRows(join(K616(), 'Module.symvers')).map((r) => [r.name, r.crc]));
    const names = ['kfree', LONG, '_printk', '__x86_return_thunk', '__kmalloc', 'module_layout'];
    expect(m.versionsFormat).toBe('extended');
    expect([...m.versions!]).toEqual(names.map((n) => [n, crc.get(n)]));
    expect([...m.basicVersions!]).toEqual(names.filter((n) => n !== LONG).map((n) => [n, crc.get(n)]));
    expect(sectionSizes(MOD('ext-both', 'ext-both.ko')).get('__versions')).toBe(64 * 5);
  });

  test('a 6.1 module: basic __versions (64-byte entries), module_layout last', async () => {
    const m = await readModule(MOD('weak-user', 'weak-user.ko'));
    expect(m.versionsFormat).toBe('basic');
    const crc = new Map(symversRows(join(K61(), 'Module.symvers')).map((r) => [r.name, r.crc]));
    expect([...m.versions!]).toEqual(['__kmalloc', '__x86_return_thunk', 'kfree', 'module_layout'].map((n) => [n, crc.get(n)]));
    expect(m.imports.map((i) => [i.name, i.weak])).toEqual([
      ['kfree', false],
      ['__x86_return_thunk', false],
      ['ksymcheck_optional_hook', true],
      ['__kmalloc', false],
    ]);
  });
});
