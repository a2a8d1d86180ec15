/**
 * --output FILE for every format: the file holds exactly what stdout would, the exit status is the same,
 * the write is atomic (temporary file beside the target, renamed; nothing left behind on failure, the
 * previous file untouched), and the option takes one value.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
