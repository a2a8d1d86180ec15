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
/** The same reads with the file they were from. */
const reads: string[] = [];
const origRead = FileSource.prototype.read;
const origInto = FileSource.prototype.readInto;

beforeAll(() => {
  FileSource.prototype.read = function (offset: number, length: number) {
    ranges.push([offset, offset + length]);
    reads.push(`${this.name}:${offset}+${length}`);
    return origRead.call(this, offset, length);
  };
  FileSource.prototype.readInto = function (offset: number, length: number, out: Buffer) {
    ranges.push([offset, offset + length]);
    reads.push(`${this.name}:${offset}+${length}`);
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
    // as distributions ship modules: without DWARF (the .rela.debug_* tables of a -g build lie between
    // the relocation tables this read merges)
    const file = sample('seed', 'openafs-stripped', 'libafs.ko');
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
    expect(readTuning).toEqual({ mergeGap: 4096, tableLead: 4096, tableTrail: 8192 });
    // header (from the magic bytes' read), table + .shstrtab, the fact sections, the relocations
    expect(ranges.length).toBeLessThan(separate);
    expect(ranges.length).toBeLessThanOrEqual(7);
    const t = touched(file, ranges);
    for (const s of ['.text', '.init.text', '__mcount_loc']) expect(t.has(s)).toBe(false);
    const plain = (x: typeof merged) => ({ ...x, imports: x.imports.map((i) => ({ name: i.name, weak: i.weak })) });
    expect(plain(merged)).toEqual(plain(apart));
  });
});

describe('reads that reach the file', () => {
  /** FileSource's reads of the file itself (what read() and readInto() do not serve from bytes read before). */
  const preads = (): string[] => {
    const out: string[] = [];
    const proto = FileSource.prototype as unknown as { pread(o: number, l: number, b: Buffer): Buffer };
    const orig = proto.pread;
    proto.pread = function (this: FileSource, o: number, l: number, b: Buffer) {
      out.push(`${o}+${l}`);
      return orig.call(this, o, l, b);
    };
    afterEachRestore.push(() => (proto.pread = orig));
    return out;
  };
  const afterEachRestore: Array<() => void> = [];
  afterEach(() => afterEachRestore.splice(0).forEach((f) => f()));

  test("a signed module: its signature comes with the section header table's read, not in three reads of its own", async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { makeKey, signFile } = await import('../helpers/sign.js');
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-trail-'));
    const file = signFile(sample('seed', 'openafs-stripped', 'libafs.ko'), join(dir, 'libafs.ko'), makeKey(dir, 'trail', 'rsa'), 'sha256');
    const size = readFileSync(file).length;
    const elf = ElfFile.open(file);
    const tableEnd = elf.header.shoff + elf.header.shnum * elf.header.shentsize;
    const tableAt = elf.header.shoff - 4096;
    elf.close();
    const saved = { ...readTuning };
    const seen = preads();
    readTuning.tableTrail = 0;
    let without;
    try {
      without = await readModule(file, { references: 'lazy', signatureDigests: false });
    } finally {
      Object.assign(readTuning, saved);
    }
    const apart = seen.splice(0);
    const withTrail = await readModule(file, { references: 'lazy', signatureDigests: false });
    const together = seen;
    expect(withTrail.signature).toEqual(without.signature);
    expect(withTrail.signature?.cms?.length).toBeGreaterThan(0);
    // the marker, struct module_signature and the CMS: three reads at the end of the file
    const [cmsAt, cmsLength] = [without.signature!.cmsOffset, without.signature!.cmsLength];
    const pastTable = (rs: string[]) => rs.filter((r) => Number(r.split('+')[0]) >= tableEnd);
    // without the trail: the marker, struct module_signature and the CMS, each read at the end of the file
    expect(pastTable(apart)).toEqual([`${size - 28}+28`, `${size - 40}+12`, `${cmsAt}+${cmsLength}`]);
    // with it: nothing read past the table; the table's read, from 4 KB before it, runs to the end of the file
    expect(pastTable(together)).toEqual([]);
    expect(together).toContain(`${tableAt}+${size - tableAt}`);
    expect(together.length).toBeLessThanOrEqual(apart.length - 3);
  });

  test("the tree reader's table block, one arena from file to file: each module's facts stay its own", async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { makeKey, signFile } = await import('../helpers/sign.js');
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-arena-'));
    afterEachRestore.push(() => rmSync(dir, { recursive: true, force: true }));
    // two signed modules of different sizes and keys, and an unsigned one, read in turns
    const files = [
      signFile(sample('seed', 'openafs-stripped', 'libafs.ko'), join(dir, 'a.ko'), makeKey(dir, 'a', 'rsa'), 'sha256'),
      signFile(sample('seed', 'openafs-gpl', 'libafs.ko'), join(dir, 'b.ko'), makeKey(dir, 'b', 'ec-p256'), 'sha384'),
      sample('seed', 'openafs', 'libafs.ko'),
    ];
    const lazy = [];
    for (const f of [...files, ...files]) lazy.push(await readModule(f, { references: 'lazy' }));
    for (let i = 0; i < lazy.length; i++) {
      // the eager reader reads each table into a buffer of its own
      const eager = await readModule(lazy[i].path, { references: 'eager' });
      expect(lazy[i].signature).toEqual(eager.signature);
      expect(lazy[i].loaderSections).toEqual(eager.loaderSections);
      expect(lazy[i].elfHeader).toEqual(eager.elfHeader);
    }
    // the signatures as sign-file wrote them: different lengths, hashes and keys
    const [a, b] = [lazy[0].signature!, lazy[1].signature!];
    expect(Object.keys(a.digests!)).toContain('sha256');
    expect(Object.keys(b.digests!)).toContain('sha384');
    expect(a.cms!.length).not.toBe(b.cms!.length);
    expect(lazy[3].signature).toEqual(a);
    expect(lazy[2].signature).toBeUndefined();
  });

  test('a closed source serves nothing it kept (its head and kept block may be an arena now holding another file)', () => {
    const file = sample('seed', 'openafs', 'libafs.ko');
    const src = new FileSource(file);
    const head = Buffer.from(src.readHead(64));
    src.keep(1024, src.read(1024, 512));
    expect(src.read(0, 16)).toEqual(head.subarray(0, 16));
    src.close();
    expect(() => src.read(0, 16)).toThrow('read after close');
    expect(() => src.read(1024, 16)).toThrow('read after close');
  });

  test(".shstrtab is read with the section header table only, not again with the fact sections", async () => {
    const file = sample('seed', 'openafs-stripped', 'libafs.ko');
    const elf = ElfFile.open(file);
    const shstrtab = elf.sections[elf.header.shstrndx];
    elf.close();
    const seen = preads();
    await readModule(file, { references: 'lazy' });
    const covering = seen.filter((r) => {
      const [o, l] = r.split('+').map(Number);
      return o <= shstrtab.offset && shstrtab.offset + shstrtab.size <= o + l;
    });
    expect(covering.length).toBe(1);
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

describe('frames read DWARF only for modules whose findings show references', () => {
  const kernel = join(ROOT, 'samples', 'build', 'seed', 'kernels', '4.18-rc5');

  test('a module without findings: not one read more than reading its facts (its DWARF is never opened)', async () => {
    const { check } = await import('../../src/check.js');
    const file = sample('seed', 'openafs-gpl', 'libafs.ko');
    reads.length = 0;
    await readModule(file, { references: 'lazy' });
    const facts = reads.filter((r) => r.startsWith(file));
    expect(facts.length).toBeGreaterThan(0);
    reads.length = 0;
    const report = await check({ kernel, modules: [file], stage: 'both' });
    expect(report.modules[0].findings.filter((f) => f.references.length > 0)).toEqual([]);
    expect(reads.filter((r) => r.startsWith(file))).toEqual(facts);
  });

  test('a module with findings: its DWARF, and the frames', async () => {
    const { check } = await import('../../src/check.js');
    const file = sample('seed', 'openafs', 'libafs.ko');
    ranges.length = 0;
    const report = await check({ kernel, modules: [file], stage: 'build' });
    expect(report.modules[0].findings[0].references[0].frames?.length).toBeGreaterThan(1);
    const t = touched(file, ranges);
    for (const s of ['.debug_info', '.debug_abbrev', '.debug_line', '.debug_aranges', '.rela.debug_info']) expect(t.has(s)).toBe(true);
  });
});
