/**
 * "Lose nothing when one file in a thousand is broken": a tree of good modules with corrupt ones mixed
 * in (truncated, empty, not ELF, bad e_shoff, garbage after a good header, a relocation outside its
 * section, a dangling symlink) is checked through the library and through the CLI. Every good module's
 * report is exactly the one of a run without the corrupt files; each corrupt file is in `errors` with
 * its path and reason; the CLI exits 2 and prints the same report; no file in the tree changed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { check } from '../../src/check.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { BUILD, CLI, ROOT, SEED } from '../helpers/fixtures.js';

const KERNEL = join(SEED, 'kernels', '4.18-rc5');

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out.sort();
}

/** Every entry of the tree with its type and content hash (symlinks by target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of walk(dir)) {
    const st = lstatSync(p);
    out[relative(dir, p)] = st.isSymbolicLink()
      ? `link → ${readlinkSync(p)}`
      : `${st.size} ${st.mode.toString(8)} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
  }
  return out;
}

/**
 * dist/ must hold the current sources for the CLI run (npm test builds first; a lone jest run may not). The
 * whole build, not tsc alone: tsc's output in place of the esbuild bundle leaves a CLI that loads ~90
 * files one by one (a one-module run measured 25-40 % more instructions after this test had rebuilt it).
 */
function ensureBuilt(): void {
  const newest = (d: string): number => Math.max(...walk(d).filter((p) => p.endsWith('.ts')).map((p) => statSync(p).mtimeMs));
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest(join(ROOT, 'src'))) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  }
}

describe('a tree with corrupt modules among good ones', () => {
  let tree: string;
  const good: string[] = [];
  const corrupt = new Map<string, RegExp>();
  let clean: Report;

  beforeAll(async () => {
    tree = mkdtempSync(join(tmpdir(), 'ksymcheck-tree-'));
    // every module the samples build, each in its own folder as in a distro's module tree
    for (const src of walk(BUILD).filter((p) => p.endsWith('.ko'))) {
      const dst = join(tree, 'lib', 'modules', relative(BUILD, src));
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(src, dst);
      good.push(dst);
    }
    clean = await check({ kernel: KERNEL, modules: [tree] });

    const ko = readFileSync(join(BUILD, 'seed', 'openafs', 'libafs.ko'));
    const dir = join(tree, 'lib', 'modules', 'seed', 'openafs');
    const add = (name: string, data: Buffer | string, reason: RegExp) => {
      const p = join(dir, name);
      writeFileSync(p, data);
      corrupt.set(p, reason);
    };
    add('half-downloaded.ko', ko.subarray(0, ko.length >> 1), /: at offset 0x28: section header table at 0x[0-9a-f]+ is past the end of the file$/);
    add('empty.ko', Buffer.alloc(0), /: at offset 0x0: not an ELF file: 0 bytes is shorter than e_ident$/);
    add('not-elf.ko', readFileSync(join(KERNEL, 'Module.symvers')), /: at offset 0x0: not an ELF file: bad magic$/);
    const badShoff = Buffer.from(ko);
    badShoff.writeBigUInt64LE(0xffff_ffff_0000n, 0x28);
    add('bad-shoff.ko', badShoff, /: at offset 0x28: section header table at 0xffffffff0000 is past the end of the file$/);
    add('garbage.ko', Buffer.concat([ko.subarray(0, 64), Buffer.alloc(4096, 0xa5)]), /: at offset 0x[0-9a-f]+: /);
    const elf = ElfFile.fromBuffer(ko, 'x');
    const rs = elf.section('.rela.text')!;
    const badReloc = Buffer.from(ko);
    badReloc.writeBigUInt64LE(0x10_0000n, rs.offset);
    add('reloc-outside.ko', badReloc, new RegExp(`: at offset 0x${rs.offset.toString(16)}: relocation 0 of '\\.rela\\.text' applies at 0x100000, outside '\\.text'`));
    const dangling = join(tree, 'lib', 'modules', 'dangling.ko');
    symlinkSync(join(tree, 'nowhere.ko'), dangling);
    corrupt.set(dangling, /^.*dangling\.ko: no such file$/);
  });

  afterAll(() => {
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  test('library: the good modules report exactly as in a clean run; each corrupt file is one error with its reason', async () => {
    expect(good.length).toBeGreaterThanOrEqual(5);
    expect(clean.errors).toEqual([]);
    expect(clean.modules.map((m) => m.path).sort()).toEqual([...good].sort());

    const before = snapshot(tree);
    const r = await check({ kernel: KERNEL, modules: [tree] });
    expect(snapshot(tree)).toEqual(before);

    expect(reportSchema.parse(r)).toEqual(r);
    expect(r.modules).toEqual(clean.modules);
    expect(r.errors.map((e) => e.path).sort()).toEqual([...corrupt.keys()].sort());
    for (const e of r.errors) {
      expect(e.message.startsWith(e.path)).toBe(true);
      expect(e.message).toMatch(corrupt.get(e.path)!);
    }
    // and the same again: nothing is cached between runs, nothing depends on order of completion
    const again = await check({ kernel: KERNEL, modules: [tree], concurrency: 1 });
    expect(again).toEqual(r);
  });

  test('CLI: exit 2, the same report as the library, nothing in the tree changed', async () => {
    ensureBuilt();
    const before = snapshot(tree);
    const p = spawnSync(process.execPath, [CLI, 'check', '--kernel', KERNEL, '--format', 'json', tree], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
    expect(snapshot(tree)).toEqual(before);
    expect(p.status).toBe(2);
    const fromCli = reportSchema.parse(JSON.parse(p.stdout));
    const fromLib = await check({ kernel: KERNEL, modules: [tree] });
    expect(fromCli).toEqual(JSON.parse(JSON.stringify(fromLib)));
    expect(fromCli.modules).toEqual(JSON.parse(JSON.stringify(clean.modules)));
    expect(fromCli.errors.map((e) => e.path).sort()).toEqual([...corrupt.keys()].sort());
    expect(p.stderr).not.toMatch(/internal error|\n\s+at /);

    // the text report names every bad file too
    const text = spawnSync(process.execPath, [CLI, 'check', '--kernel', KERNEL, tree], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(text.status).toBe(2);
    for (const bad of corrupt.keys()) expect(text.stdout + text.stderr).toContain(bad);
  });
});
