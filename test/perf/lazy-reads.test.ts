/**
 * Lazy, positional reads, counted (no timings: a test machine's speed is nobody's business here).
 * Every byte ksymcheck reads from a file goes through FileSource; these tests record the ranges and
 * check which sections were touched:
 *  - a vmlinux is indexed from its headers, .symtab/.strtab, the ksymtab sections and two strings —
 *    never its code, data, relocations or debug info (Debian's 633 MB debug vmlinux too, when the
 *    real-kernel cache has it: see scripts/bench.mjs);
 *  - a module read for a tree check (references deferred) never reads its code nor the objtool/mcount
 *    tables, and reads the file again only when a reference is asked for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElfFile } from '../../src/elf/elf-file.js';
import { FileSource } from '../../src/elf/source.js';
import { readVmlinux } from '../../src/kernel/vmlinux.js';
import { readModule, readTuning } from '../../src/module/read.js';
import { ROOT, sample } from '../helpers/fixtures.js';

type Range = [number, number];
const ranges: Range[] = [];
const origRead = FileSource.prototype.read;
const origInto = FileSource.prototype.readInto;

beforeAll(() => {
  FileSource.prototype.read = function (offset: number, length: number) {
    ranges.push([offset, offset + length]);
    return origRead.call(this, offset, length);
  };
  FileSource.prototype.readInto = function (offset: number, length: number, out: Buffer) {
    ranges.push([offset, offset + length]);
    return origInto.call(this, offset, length, out);
  };
});
afterAll(() => {
  FileSource.prototype.read = origRead;
  FileSource.prototype.readInto = origInto;
});

/** Sections whose bytes some recorded range overlaps. */
function touched(file: string, rs: Range[]): Set<string> {
  const elf = ElfFile.fromBuffer(readFileSync(file), file);
  const out = new Set<string>();
  for (const s of elf.sections) {
    if (s.size === 0 || s.type === 8 /* NOBITS */) continue;
    if (rs.some(([a, b]) => a < s.offset + s.size && s.offset < b)) out.add(s.name);
  }
  return out;
}

const bytes = (rs: Range[]) => rs.reduce((n, [a, b]) => n + (b - a), 0);

describe('a vmlinux is indexed from the sections the index needs', () => {
  test('the sample 4.18 vmlinux: no code, data, relocations; .rodata only for two 256-byte strings', () => {
    const file = sample('seed', 'kernels', '4.18', 'vmlinux');
    ranges.length = 0;
    const v = readVmlinux(file);
    expect(v.exports.length).toBeGreaterThan(0);
    expect(v.release).toBe('4.18.0');
    const t = touched(file, ranges);
    // (4.18: the labels say everything — type by section, CRCs absolute, no namespaces — so not even the
    // ksymtab sections' bytes are needed; .shstrtab for the section names, .rodata for the banner)
    expect([...t].sort()).toEqual(['.rodata', '.shstrtab', '.strtab', '.symtab']);
    const rodata = ranges.filter(([a]) => {
      const elf = ElfFile.fromBuffer(readFileSync(file), file);
      const ro = elf.section('.rodata')!;
      return a >= ro.offset && a < ro.offset + ro.size;
    });
    for (const [a, b] of rodata) expect(b - a).toBeLessThanOrEqual(256);
  });

  const cache = process.env.KSYMCHECK_CACHE ?? join(ROOT, '.cache', 'kernels');
  const dbg = (() => {
    try {
      const abi = /NEW_ABI=(\d+)/.exec(readFileSync(join(cache, 'abis.env'), 'utf8'))![1];
      const f = join(cache, `vmlinux-dbg-${abi}`, 'usr', 'lib', 'debug', 'boot', `vmlinux-6.1.0-${abi}-amd64`);
      return existsSync(f) ? f : undefined;
    } catch {
      return undefined;
    }
  })();
  (dbg ? test : test.skip)("Debian's debug vmlinux (600+ MB): under 2% of the file read, no debug info", () => {
    ranges.length = 0;
    const v = readVmlinux(dbg!);
    expect(v.exports.length).toBeGreaterThan(10000);
    const size = new FileSource(dbg!).size;
    expect(bytes(ranges)).toBeLessThan(size * 0.02);
    const elf = ElfFile.open(dbg!);
    try {
      const debug = elf.sections.filter((s) => s.name.startsWith('.debug_') || s.name.startsWith('.rela.debug_'));
      expect(debug.length).toBeGreaterThan(0);
      for (const s of debug) expect(ranges.some(([a, b]) => a < s.offset + s.size && s.offset < b)).toBe(false);
    } finally {
      elf.close();
    }
  });
});

describe('a module read for a tree check', () => {
  test('never reads its code nor the mcount/objtool tables; references are read when asked for', async () => {
    const file = sample('seed', 'openafs', 'libafs.ko');
    // (reads of neighbouring sections are merged across gaps of up to 4 KB, and the section table is read
    // with the 4 KB before it — in a module this small that spans most of the file: look at the sections
    // asked for, without gaps)
    const saved = { ...readTuning };
    readTuning.mergeGap = 0;
    readTuning.tableLead = 0;
    ranges.length = 0;
    let m;
    try {
      m = await readModule(file, { references: 'lazy' });
    } finally {
      Object.assign(readTuning, saved);
    }
    const first = [...ranges];
    const t = touched(file, first);
    for (const s of ['.text', '.init.text', '__mcount_loc', '.rela__mcount_loc', '.comment']) expect(t.has(s)).toBe(false);
    for (const s of ['.modinfo', '__versions', '.symtab', '.strtab', '.rela.text']) expect(t.has(s)).toBe(true);
    // nothing more is read until a reference is wanted; then the file is read again, once
    expect(m.imports.map((i) => i.name)).toContain('__put_page');
    expect(ranges.length).toBe(first.length);
    const refs = m.imports.find((i) => i.name === '__put_page')!.refs;
    expect(refs.length).toBeGreaterThan(0);
    const second = ranges.length;
    expect(second).toBeGreaterThan(first.length);
    for (const i of m.imports) void i.refs;
    expect(ranges.length).toBe(second);
    // and the eager reader agrees
    const eager = await readModule(file);
    expect(m.imports.map((i) => ({ ...i }))).toEqual(eager.imports.map((i) => ({ ...i })));
  });

  test('with the reads merged (the default), the same facts in fewer reads, and still no code read', async () => {
    const file = sample('seed', 'openafs', 'libafs.ko');
    const saved = { ...readTuning };
    readTuning.mergeGap = 0;
    readTuning.tableLead = 0;
    ranges.length = 0;
    let apart;
    try {
      apart = await readModule(file, { references: 'lazy' });
    } finally {
      Object.assign(readTuning, saved);
    }
    const separate = ranges.length;
    ranges.length = 0;
    const merged = await readModule(file, { references: 'lazy' });
    expect(readTuning).toEqual({ mergeGap: 4096, tableLead: 4096 });
    // header (from the magic bytes' read), table + .shstrtab, the fact sections, the relocations
    expect(ranges.length).toBeLessThan(separate);
    expect(ranges.length).toBeLessThanOrEqual(7);
    const t = touched(file, ranges);
    for (const s of ['.text', '.init.text', '__mcount_loc']) expect(t.has(s)).toBe(false);
    const plain = (x: typeof merged) => ({ ...x, imports: x.imports.map((i) => ({ name: i.name, weak: i.weak })) });
    expect(plain(merged)).toEqual(plain(apart));
  });
});

describe('a module the loader refuses at module_layout', () => {
  test('is read once: the load findings after the stop are not made, and no reference is worked out for them', async () => {
    // the 6.1 sample kernel with another module_layout CRC: a module built for a different kernel build
    const { check } = await import('../../src/check.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    // (Module.symvers alone: the kernel's own reads are then no ELF reads, and every range is the module's)
    const kernel = join(mkdtempSync(join(tmpdir(), 'ksymcheck-layout-')), 'Module.symvers');
    const real = readFileSync(sample('v6', 'kernels', '6.1', 'Module.symvers'), 'utf8');
    writeFileSync(kernel, real.replace(/^0x[0-9a-f]{8}\tmodule_layout\t/m, '0x0badc0de\tmodule_layout\t'));
    const file = sample('v6', 'modules', 'ns-missing', 'ns-missing.ko');

    // against the real CRC the loader refuses it for the namespace, and shows where the symbol is used
    const plain = await check({ kernel: sample('v6', 'kernels', '6.1', 'Module.symvers'), kernelVersion: '6.1', modules: [file], stage: 'load' });
    expect(plain.modules[0].findings.map((f) => [f.rule, f.symbol, f.references.length])).toEqual([['namespace-not-imported', 'usb_stor_suspend', 1]]);

    ranges.length = 0;
    const r = await check({ kernel, kernelVersion: '6.1', modules: [file], stage: 'load' });
    const reads = ranges.length;
    expect(r.modules[0].findings.map((f) => [f.rule, f.symbol, f.message, f.references])).toEqual([
      ['crc-mismatch', 'module_layout', 'ns_missing: disagrees about version of symbol module_layout', []],
    ]);
    JSON.stringify(r); // what the JSON report reads
    expect(ranges.length).toBe(reads);
    // the reads were those of one reading of the module
    ranges.length = 0;
    await readModule(file, { references: 'lazy' });
    expect(reads).toBe(ranges.length);
  });
});
