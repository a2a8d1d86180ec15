/**
 * --output FILE for every format: the file holds exactly what stdout would, the exit status is the same,
 * the write is atomic (temporary file beside the target, renamed; nothing left behind on failure, the
 * previous file untouched), and the option takes one value.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/cli/write-atomic.js';
import { InputError } from '../../src/errors.js';
import { FORMATS } from '../../src/report/formats.js';
import { CLI, sample } from '../helpers/fixtures.js';

const ARGS = () => ['-k', sample('v6', 'kernels', '6.16'), sample('v6', 'modules'), '-q'];
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test.each(FORMATS.map((f) => [f]))('--format %s --output FILE writes what stdout shows', (format) => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-out-'));
  const file = join(dir, `report.${format}`);
  const toStdout = cli([...ARGS(), '--format', format]);
  const toFile = cli([...ARGS(), '--format', format, '--output', file]);
  expect(toFile.status).toBe(1);
  expect(toStdout.status).toBe(1);
  expect(toFile.stdout).toBe('');
  expect(readFileSync(file, 'utf8')).toBe(toStdout.stdout);
  expect(toStdout.stdout.length).toBeGreaterThan(500);
  expect(readdirSync(dir)).toEqual([`report.${format}`]);
});

test('a failed write is an error naming the file; nothing is left behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-out-'));
  const r = cli([...ARGS(), '--output', join(dir, 'missing', 'report.txt')]);
  expect(r.status).toBe(2);
  expect(r.stderr).toBe(`ksymcheck: ${join(dir, 'missing', 'report.txt')}: cannot write the report: no such directory\n`);
  // the target is a directory (rename fails after the temporary file was written)
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken', 'keep'), 'x');
  const r2 = cli([...ARGS(), '--output', join(dir, 'taken')]);
  expect(r2.status).toBe(2);
  expect(r2.stderr).toMatch(/taken: cannot write the report: /);
  expect(readdirSync(dir).sort()).toEqual(['taken']);
  expect(readdirSync(join(dir, 'taken'))).toEqual(['keep']);
});

test('writeFileAtomic replaces a file whole; on failure the previous file stays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-out-'));
  const file = join(dir, 'r.json');
  writeFileAtomic(file, 'first\n');
  writeFileAtomic(file, 'second, longer\n');
  expect(readFileSync(file, 'utf8')).toBe('second, longer\n');
  expect(readdirSync(dir)).toEqual(['r.json']);
  expect(() => writeFileAtomic(join(dir, 'no', 'r.json'), 'x')).toThrow(InputError);
  expect(readFileSync(file, 'utf8')).toBe('second, longer\n');
});

test('--output takes one value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-out-'));
  const r = cli([...ARGS(), '--output', join(dir, 'a'), '--output', join(dir, 'b')]);
  expect(r.status).toBe(2);
  expect(r.stderr).toBe("ksymcheck: --output: give it once (it was given more than once)\nRun 'ksymcheck --help' for usage.\n");
  expect(readdirSync(dir)).toEqual([]);
  // a module path after --output FILE is a module, not a second file
  const r2 = cli(['-k', sample('v6', 'kernels', '6.16'), '--output', join(dir, 'c'), sample('v6', 'modules', 'weak-user', 'weak-user.ko'), '-q']);
  expect(r2.status).toBe(0);
  expect(readFileSync(join(dir, 'c'), 'utf8')).toContain('PASS weak_user');
});

describe('where --output goes is what a shell’s > would write', () => {
  // renaming the temporary file over the target replaced a device (-o /dev/null made /dev/null a regular
  // file), a FIFO and a symbolic link, and -o /dev/full ended with exit status 0
  const M = sample('v6', 'modules', 'exporter');
  const run = (out: string) => cli(['-q', '-k', sample('v6', 'kernels', '6.1'), '--format', 'json', '-o', out, M]);
  let dir: string;
  let want: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksymcheck-out-where-'));
    const r = cli(['-q', '-k', sample('v6', 'kernels', '6.1'), '--format', 'json', M]);
    expect(r.status).toBe(0);
    want = r.stdout;
  });

  test('a symbolic link: its target written (keeping its mode), the link left a link; a dangling one creates its target', () => {
    const target = join(dir, 'target.json');
    writeFileSync(target, 'old', { mode: 0o600 });
    symlinkSync('target.json', join(dir, 'link'));
    expect(run(join(dir, 'link')).status).toBe(0);
    expect([lstatSync(join(dir, 'link')).isSymbolicLink(), readFileSync(target, 'utf8') === want, statSync(target).mode & 0o777]).toEqual([true, true, 0o600]);
    symlinkSync('new.json', join(dir, 'dangling'));
    expect(run(join(dir, 'dangling')).status).toBe(0);
    expect([lstatSync(join(dir, 'dangling')).isSymbolicLink(), readFileSync(join(dir, 'new.json'), 'utf8') === want]).toEqual([true, true]);
  });

  test('a device is written into, not replaced: a null device stays one; a full one is an error, exit 2', () => {
    const nul = join(dir, 'null');
    const full = join(dir, 'full');
    expect(spawnSync('mknod', ['-m', '666', nul, 'c', '1', '3']).status).toBe(0);
    expect(spawnSync('mknod', ['-m', '666', full, 'c', '1', '7']).status).toBe(0);
    expect(run(nul).status).toBe(0);
    expect(statSync(nul).isCharacterDevice()).toBe(true);
    const r = run(full);
    expect([r.status, r.stderr]).toEqual([2, `ksymcheck: ${full}: cannot write the report: ENOSPC: no space left on device, write\n`]);
    expect(statSync(full).isCharacterDevice()).toBe(true);
  });

  test('a FIFO is written into, for whoever reads it', () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = spawnSync('sh', ['-c', `cat "$1" > "$1.out" & "$2" "$3" -q -k "$4" --format json -o "$1" "$5"; s=$?; wait; exit $s`, 'sh', fifo, process.execPath, CLI, sample('v6', 'kernels', '6.1'), M], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync(`${fifo}.out`, 'utf8')).toBe(want);
  });

  test('standard output that cannot be written (a full device): one line, exit 2, no stack trace', () => {
    const full = join(dir, 'full-stdout');
    expect(spawnSync('mknod', ['-m', '666', full, 'c', '1', '7']).status).toBe(0);
    const fd = openSync(full, 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, '-q', '-k', sample('v6', 'kernels', '6.1'), M], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
      expect([r.status, r.stderr]).toEqual([2, 'ksymcheck: cannot write the report to standard output: ENOSPC: no space left on device, write\n']);
    } finally {
      closeSync(fd);
    }
  });
});
