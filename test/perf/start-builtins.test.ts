/**
 * A check of a plain `.ko` does not load Node's crypto, worker_threads or fs/promises (src/builtins.ts):
 * Node compiles a built-in when it is first required, and the command line's start-up paid for these
 * in every run. Read from `process.moduleLoadList` in the command's own process, at exit; a SARIF report
 * loads crypto (its fingerprints), so the probe sees a built-in the program does load. (zlib is no longer
 * among them: the caches' CRC-32 loads it, ~1 ms where crypto's SHA-256 cost ~6, src/codec/crc32.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, sample } from '../helpers/fixtures.js';

const LAZY = ['crypto', 'worker_threads', 'fs/promises'];
const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-builtins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, 'probe.cjs');
writeFileSync(probe, `process.on('exit', () => process.stderr.write('BUILTINS ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\n'));\n`);

/** The public built-ins among LAZY that a run of the command loaded, and its exit status. */
function loaded(args: string[]): { status: number | null; lazy: string[] } {
  const r = spawnSync(process.execPath, ['-r', probe, CLI, ...args], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: dir } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('BUILTINS '));
  if (!line) throw new Error(`no probe output: ${r.stderr}`);
  const all: string[] = JSON.parse(line.slice('BUILTINS '.length));
  return { status: r.status, lazy: LAZY.filter((m) => all.includes(m)) };
}

const KERNEL = sample('seed', 'kernels', '4.18', 'Module.symvers');

test('a check of a plain .ko loads none of crypto, worker_threads, fs/promises (first run and with the code cache)', () => {
  for (let i = 0; i < 2; i++) expect(loaded(['check', '-k', KERNEL, sample('seed', 'openafs', 'libafs.ko')])).toEqual({ status: 0, lazy: [] });
});

test('a SARIF report loads crypto (the probe sees what the program loads)', () => {
  expect(loaded(['check', '--format', 'sarif', '-k', KERNEL, sample('seed', 'openafs', 'libafs.ko')])).toEqual({ status: 0, lazy: ['crypto'] });
});
