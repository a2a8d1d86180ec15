/**
 * A FIFO, a socket or a device named where a file belongs. open(2) of a FIFO for reading waits for a
 * writer: named as a module, a Module.symvers, a key, a report or a package, the run hung before anything
 * refused it (src/files.ts). Each is now an error naming the file; a module's, beside good modules that are
 * still checked. Every run has a time limit, so that a hang fails here instead of stopping the suite.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModule } from '../../src/module/read.js';
import { readSymversFile } from '../../src/kernel/symvers.js';
import { readReport } from '../../src/report/merge.js';
import { CLI, sample } from '../helpers/fixtures.js';

const K = sample('v6', 'kernels', '6.16');
const GOOD = sample('v6', 'modules', 'exporter', 'exporter.ko');
let dir: string;
const fifo = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-fifo-'));
  for (const f of ['m.ko', 'Module.symvers', 'key.pem', 'report.json', 'modules.deb']) expect(spawnSync('mkfifo', [fifo(f)]).status).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ksymcheck(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.signal).toBeNull(); // (killed at the time limit: it hung)
  return r;
}

describe('through the command line', () => {
  test.each([
    ['m.ko', 'a FIFO'],
    ['modules.deb', 'a FIFO'],
  ])('a %s module beside a good one: an error for it, the good one checked, exit 2', (name, kind) => {
    const r = ksymcheck('--kernel', K, '--format', 'json', fifo(name), GOOD);
    expect(r.status).toBe(2);
    const report = JSON.parse(r.stdout) as { modules: Array<{ path: string; verdict: string }>; errors: Array<{ file: string; message: string }> };
    expect(report.modules.map((m) => [m.path, m.verdict])).toEqual([[GOOD, 'pass']]);
    expect(report.errors.map((e) => e.message)).toEqual([`${fifo(name)}: ${kind}, not a regular file`]);
  });

  test('a symbolic link to itself named as a module: said as stat says it (it was "no such file or directory")', () => {
    const loop = join(dir, 'loop.ko');
    symlinkSync(loop, loop);
    const r = ksymcheck('--kernel', K, '--format', 'json', loop, GOOD);
    expect(r.status).toBe(2);
    expect((JSON.parse(r.stdout) as { errors: Array<{ message: string }> }).errors.map((e) => e.message)).toEqual([`${loop}: too many levels of symbolic links`]);
  });

  test('a character device as a module (/dev/zero): refused as one, not read as a 0-byte ELF file', () => {
    const r = ksymcheck('--kernel', K, '--format', 'json', '/dev/zero', GOOD);
    expect(r.status).toBe(2);
    expect((JSON.parse(r.stdout) as { errors: Array<{ message: string }> }).errors.map((e) => e.message)).toEqual(['/dev/zero: a character device, not a regular file']);
  });

  test.each([
    [['--kernel', K, '--extra-symbols', 'Module.symvers', GOOD], 'Module.symvers'],
    [['exports', '--kernel', K, '--extra-symbols', 'Module.symvers'], 'Module.symvers'],
    [['--kernel', K, '--trusted-key', 'key.pem', GOOD], 'key.pem'],
    [['merge', 'report.json'], 'report.json'],
  ])('%j: a usage of the FIFO %s refused by name, exit 2', (args, name) => {
    const r = ksymcheck(...args.map((a) => (a === name ? fifo(name) : a)));
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `ksymcheck: ${fifo(name)}: a FIFO, not a regular file\n`]);
  });
});

describe('through the library', () => {
  test('readModule, readSymversFile and readReport refuse a FIFO by name', async () => {
    await expect(readModule(fifo('m.ko'))).rejects.toThrow(`${fifo('m.ko')}: a FIFO, not a regular file`);
    await expect(readSymversFile(fifo('Module.symvers'))).rejects.toThrow(`${fifo('Module.symvers')}: a FIFO, not a regular file`);
    expect(() => readReport(fifo('report.json'))).toThrow(`${fifo('report.json')}: a FIFO, not a regular file`);
  });
});

describe('names that are not UTF-8 in a tree', () => {
  // readdir gives such a name with U+FFFD for each bad byte, a path that names nothing: a module was
  // reported as 'no such file', a folder as an unreadable directory with Node's own words
  test('a module file and a folder so named are errors saying why, the good module is checked, another file is passed over', () => {
    const tree = join(dir, 'names');
    const bytes = (s: string, ...raw: number[]) => Buffer.concat([Buffer.from(s), Buffer.from(raw)]);
    mkdirSync(join(tree, 'ok'), { recursive: true });
    copyFileSync(GOOD, join(tree, 'ok', 'exporter.ko'));
    copyFileSync(GOOD, Buffer.concat([Buffer.from(join(tree, 'ok', 'bad')), Buffer.from([0xff]), Buffer.from('.ko')]));
    writeFileSync(Buffer.concat([bytes(join(tree, 'ok', 'README'), 0xff)]), 'not a module');
    const folder = bytes(join(tree, 'd'), 0xfe);
    mkdirSync(folder);
    copyFileSync(GOOD, Buffer.concat([folder, Buffer.from('/exporter.ko')]));
    const r = ksymcheck('--kernel', K, '--format', 'json', tree);
    expect(r.status).toBe(2);
    const report = JSON.parse(r.stdout) as { modules: Array<{ path: string }>; errors: Array<{ path: string; message: string }> };
    expect(report.modules.map((m) => m.path)).toEqual([join(tree, 'ok', 'exporter.ko')]);
    expect(report.errors).toEqual([
      { path: `${tree}/d\\xfe`, message: `${tree}/d\\xfe: a folder name that is not UTF-8: not read (ksymcheck names files by UTF-8 paths; rename it)` },
      { path: `${tree}/ok/bad\\xff.ko`, message: `${tree}/ok/bad\\xff.ko: a file name that is not UTF-8: not read (ksymcheck names files by UTF-8 paths; rename it)` },
    ]);
  });
});
