/**
 * Whole module trees: the directory walk (depmod's file names, symbolic links, `build`/`source` left
 * out, loops), compressed modules checked like plain ones, the xz-check finding on a CRC64 `.ko.xz`, and
 * the progress display (stderr terminals only, never with --quiet or a pipe).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, expandModulePaths } from '../../src/check.js';
import { progressDisplay } from '../../src/cli/progress.js';
import { reportSchema } from '../../src/report/schema.js';
import { BUILD, CLI, SEED } from '../helpers/fixtures.js';

const DIR = join(BUILD, 'compressed');
const skipped = existsSync(join(BUILD, 'compressed.SKIPPED'));
const d = skipped ? describe.skip : describe;
const SYMVERS = join(SEED, 'kernels', '4.18', 'Module.symvers');

d('module trees', () => {
  let tree: string;
  beforeAll(() => {
    tree = mkdtempSync(join(tmpdir(), 'ksymcheck-tree-'));
    cpSync(join(DIR, 'tree'), join(tree, 'lib', 'modules', '6.6.0'), { recursive: true });
    const rel = join(tree, 'lib', 'modules', '6.6.0');
    // a link to another folder of modules is followed; `build` and `source` are not (depmod's rule);
    // a link back up is not a loop
    mkdirSync(join(tree, 'extra'));
    cpSync(join(DIR, 'xz-crc64', 'libafs.ko.xz'), join(tree, 'extra', 'dkms.ko.xz'));
    symlinkSync(join(tree, 'extra'), join(rel, 'updates'));
    symlinkSync(join(tree, 'extra'), join(rel, 'build'));
    symlinkSync(join(tree, 'extra'), join(rel, 'source'));
    symlinkSync(rel, join(rel, 'kernel', 'loop'));
    cpSync(join(DIR, 'gz', 'libafs.ko.gz'), join(rel, 'kernel', 'not-a-module.gz'));
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  test('the walk finds .ko, .ko.gz, .ko.xz, .ko.zst, follows links to folders but not build/source or loops', async () => {
    const errors: Array<{ path: string; message: string }> = [];
    const rel = join(tree, 'lib', 'modules', '6.6.0');
    const found = await expandModulePaths([rel], errors);
    expect(errors).toEqual([]);
    expect(found.map((p) => p.slice(rel.length + 1))).toEqual([
      'kernel/fs/afs/libafs.ko',
      'kernel/fs/afs-gz/libafs.ko.gz',
      'kernel/fs/afs-xz/libafs.ko.xz',
      'kernel/fs/afs-zst/libafs.ko.zst',
      'updates/dkms.ko.xz',
    ]);
  });

  test('the walk names files as path.join() would: a trailing slash, `.` and `..` in the given directory', async () => {
    const rel = join(tree, 'lib', 'modules', '6.6.0');
    const errors: Array<{ path: string; message: string }> = [];
    const want = (await expandModulePaths([rel], errors)).map((p) => join(p));
    for (const given of [`${rel}/`, `${rel}//`, `${tree}/extra/../lib/./modules/6.6.0`]) expect(await expandModulePaths([given], errors)).toEqual(want);
    // relative to the working directory, and the working directory itself
    const cwd = process.cwd();
    try {
      process.chdir(join(rel, 'kernel', 'fs'));
      expect(await expandModulePaths(['.'], errors)).toEqual(['afs/libafs.ko', 'afs-gz/libafs.ko.gz', 'afs-xz/libafs.ko.xz', 'afs-zst/libafs.ko.zst']);
      expect(await expandModulePaths(['./afs/'], errors)).toEqual(['afs/libafs.ko']);
      expect(await expandModulePaths(['../fs/afs/'], errors)).toEqual(['../fs/afs/libafs.ko']);
    } finally {
      process.chdir(cwd);
    }
    expect(errors).toEqual([]);
  });

  test('check(): compressed modules read like plain ones; the CRC64 .ko.xz fails xz-check on a 6.6 kernel', async () => {
    // (a kmod with every decompressor: rule kmod-decompress has nothing to say, below it has)
    const r = await check({ kernel: SYMVERS, kernelVersion: '6.6', modules: [tree], stage: 'load', kmod: 'kmod version 34\n+ZSTD +XZ +ZLIB' });
    expect(reportSchema.parse(r)).toEqual(r);
    expect(r.errors).toEqual([]);
    expect(r.modules).toHaveLength(5);
    const byFile = new Map(r.modules.map((m) => [m.path.slice(m.path.lastIndexOf('/') + 1), m]));
    const xz = byFile.get('dkms.ko.xz')!;
    expect(xz.verdict).toBe('fail');
    expect(xz.findings).toHaveLength(1); // decompression fails first: nothing else of the load happens
    expect(xz.findings[0]).toMatchObject({
      rule: 'xz-check',
      stage: 'load',
      severity: 'error',
      message: 'decompression failed with status 6',
      evidence: { xzCheck: 'crc64', stopsLoad: true },
    });
    // the same module compressed with kbuild's --check=crc32, and as gzip, zstd and plain: the same report
    const plain = byFile.get('libafs.ko')!;
    for (const f of ['libafs.ko.gz', 'libafs.ko.xz', 'libafs.ko.zst']) expect({ ...byFile.get(f)!, path: '' }).toEqual({ ...plain, path: '' });
  });

  test('xz-check follows the kernel: none before 5.17, none when .config has no CONFIG_MODULE_DECOMPRESS', async () => {
    const crc64 = join(DIR, 'xz-crc64', 'libafs.ko.xz');
    const old = await check({ kernel: SYMVERS, kernelVersion: '5.16', modules: [crc64], stage: 'load' });
    expect(old.modules[0].findings.filter((f) => f.rule === 'xz-check')).toEqual([]);
    // the seed kernel's build dir has a .config (without module decompression)
    const noDecompress = await check({ kernel: join(SEED, 'kernels', '4.18'), kernelVersion: '6.6', modules: [crc64], stage: 'load' });
    expect(noDecompress.modules[0].findings.filter((f) => f.rule === 'xz-check')).toEqual([]);
    const crc32 = await check({ kernel: SYMVERS, kernelVersion: '6.6', modules: [join(DIR, 'xz-crc32', 'libafs.ko.xz')], stage: 'load' });
    expect(crc32.modules[0].findings.filter((f) => f.rule === 'xz-check')).toEqual([]);
    // the same build dir with in-kernel xz decompression configured: the finding, config named
    const kdir = join(tree, 'kernel-xz');
    cpSync(join(SEED, 'kernels', '4.18'), kdir, { recursive: true });
    for (const f of ['.config', join('include', 'config', 'auto.conf')]) appendFileSync(join(kdir, f), 'CONFIG_MODULE_DECOMPRESS=y\nCONFIG_MODULE_COMPRESS_XZ=y\n');
    const withXz = await check({ kernel: kdir, kernelVersion: '6.6', modules: [crc64], stage: 'load' });
    expect(withXz.modules[0].findings.map((f) => [f.rule, f.evidence.kernelDecompresses])).toEqual([['xz-check', 'CONFIG_MODULE_DECOMPRESS=y, CONFIG_MODULE_COMPRESS_XZ=y']]);
    for (const f of ['.config', join('include', 'config', 'auto.conf')]) appendFileSync(join(kdir, f), '# CONFIG_MODULE_COMPRESS_XZ is not set\nCONFIG_MODULE_COMPRESS_ZSTD=y\n');
    const zstdKernel = await check({ kernel: kdir, kernelVersion: '6.6', modules: [crc64], stage: 'load' });
    expect(zstdKernel.modules[0].findings.filter((f) => f.rule === 'xz-check')).toEqual([]);
  });

  test('kmod-decompress follows the kernel and kmod: the format the kernel decompresses, or the libraries kmod has', async () => {
    const gz = join(DIR, 'gz', 'libafs.ko.gz');
    const zst = join(DIR, 'zst', 'libafs.ko.zst');
    const xz32 = join(DIR, 'xz-crc32', 'libafs.ko.xz');
    const kmod = (r: Awaited<ReturnType<typeof check>>) => r.modules.map((m) => m.findings.filter((f) => f.rule === 'kmod-decompress').map((f) => [f.severity, f.evidence.errno, f.evidence.stopsLoad]));
    const noDecompress = join(SEED, 'kernels', '4.18'); // a .config without module decompression
    // kmod unknown: a .ko.gz is a warning (Debian's kmod has no zlib), .ko.xz and .ko.zst nothing
    expect(kmod(await check({ kernel: noDecompress, kernelVersion: '6.6', modules: [gz, zst, xz32], stage: 'load' }))).toEqual([[['warning', -38, false]], [], []]);
    // Debian's kmod (+ZSTD +XZ -ZLIB), kernel without in-kernel decompression: the .ko.gz fails with ENOSYS, and nothing else is found
    const debian = await check({ kernel: noDecompress, kernelVersion: '6.6', modules: [gz, zst], stage: 'load', kmod: 'kmod version 34.2\n+ZSTD +XZ -ZLIB +OPENSSL' });
    expect(kmod(debian)).toEqual([[['error', -38, true]], []]);
    expect(debian.modules[0].findings).toHaveLength(1);
    expect(debian.modules[0].findings[0].message).toBe(`insmod: ERROR: could not insert module ${gz}: Function not implemented`);
    expect(kmod(await check({ kernel: noDecompress, kernelVersion: '6.6', modules: [zst], stage: 'load', kmod: '-ZSTD +XZ' }))).toEqual([[['error', -38, true]]]);
    // a kernel that decompresses gzip itself: kmod's libraries do not matter (from 5.17 on)
    const kdir = join(tree, 'kernel-gzip');
    cpSync(noDecompress, kdir, { recursive: true });
    for (const f of ['.config', join('include', 'config', 'auto.conf')]) appendFileSync(join(kdir, f), 'CONFIG_MODULE_DECOMPRESS=y\nCONFIG_MODULE_COMPRESS_GZIP=y\n');
    expect(kmod(await check({ kernel: kdir, kernelVersion: '6.6', modules: [gz], stage: 'load', kmod: '-ZLIB' }))).toEqual([[]]);
    expect(kmod(await check({ kernel: kdir, kernelVersion: '5.16', modules: [gz], stage: 'load', kmod: '-ZLIB' }))).toEqual([[['error', -38, true]]]);
    // zstd writing to a pipe records no content size: kmod 34's one-shot decoder refuses it (EINVAL), kmod 33 streamed
    const pipe = join(tree, 'pipe.ko.zst');
    writeFileSync(pipe, execFileSync('zstd', ['-q', '-c'], { input: readFileSync(join(BUILD, 'seed', 'openafs', 'libafs.ko')) }));
    const zstdKmod = async (version: string) => kmod(await check({ kernel: noDecompress, kernelVersion: '6.6', modules: [pipe, zst], stage: 'load', kmod: `kmod version ${version}\n+ZSTD +XZ -ZLIB` }));
    expect(await zstdKmod('34.2')).toEqual([[['error', -22, true]], []]);
    expect(await zstdKmod('33')).toEqual([[], []]);
    const r = await check({ kernel: noDecompress, kernelVersion: '6.6', modules: [pipe], stage: 'load' });
    expect(r.modules[0].findings.map((f) => [f.rule, f.severity, f.message, f.evidence.alsoPrints])).toEqual([
      ['kmod-decompress', 'warning', 'insmod: ERROR: zstd: Failed to determine decompression size', `insmod: ERROR: could not insert module ${pipe}: Invalid parameters`],
    ]);
  });

  test('CLI: a tree with compressed modules; no progress output on a pipe, with or without --quiet', () => {
    for (const extra of [[], ['--quiet']]) {
      const p = spawnSync(process.execPath, [CLI, 'check', ...extra, '--kernel', SYMVERS, '--kernel-version', '6.6', '--format', 'json', join(tree, 'lib', 'modules', '6.6.0')], { encoding: 'utf8' });
      expect(p.status).toBe(1);
      const r = reportSchema.parse(JSON.parse(p.stdout));
      expect(r.modules.map((m) => m.findings.some((f) => f.rule === 'xz-check'))).toEqual([false, false, false, false, true]);
      expect(p.stderr).not.toMatch(/read \d+\/\d+ modules/);
    }
  });
});

describe('progress display', () => {
  const fake = (isTTY: boolean) => {
    const out: string[] = [];
    return { stream: { isTTY, write: (s: string) => (out.push(s), true) }, out };
  };

  test('silent when stderr is not a terminal', () => {
    const { stream } = fake(false);
    expect(progressDisplay(stream as never)).toBeUndefined();
  });

  test('on a terminal: nothing in the first second, then done/total and the rate, at most every 100 ms; erased at the end', () => {
    let t = 0;
    const { stream, out } = fake(true);
    const p = progressDisplay(stream as never, () => t)!;
    p(0, 4000);
    t = 500;
    p(1000, 4000);
    expect(out).toEqual([]);
    t = 1000;
    p(2000, 4000);
    t = 1050;
    p(2100, 4000);
    t = 1200;
    p(3000, 4000);
    t = 1300;
    p(4000, 4000);
    expect(out).toEqual(['\r\x1b[Kksymcheck: read 2000/4000 modules, 2,000/s', '\r\x1b[Kksymcheck: read 3000/4000 modules, 2,500/s', '\r\x1b[K']);
  });

  test('a short run that never drew a line erases nothing', () => {
    let t = 0;
    const { stream, out } = fake(true);
    const p = progressDisplay(stream as never, () => t)!;
    t = 10;
    p(5, 5);
    expect(out).toEqual([]);
  });
});
