/**
 * A check of a plain `.ko` does not load Node's crypto, worker_threads or fs/promises (src/builtins.ts),
 * nor assert (yargs' platform shim imports it; scripts/bundle-cli.mjs): Node compiles a built-in when it is
 * first required, and the command line's start-up paid for these in every run. Read from
 * `process.moduleLoadList` in the command's own process, at exit; a SARIF report loads crypto (its
 * fingerprints), so the probe sees a built-in the program does load. (zlib is no longer among them: the
 * caches' CRC-32 loads it, ~1 ms where crypto's SHA-256 cost ~6, src/codec/crc32.ts.) The same probe lists
 * the directories the run read, to see where yargs looks for a package.json.
 */
import assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, sample } from '../helpers/fixtures.js';

const LAZY = ['crypto', 'assert', 'worker_threads', 'fs/promises'];
const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-builtins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, 'probe.cjs');
// the built-ins loaded, and the directories listed (node:fs's readdirSync, which yargs' search for a package.json uses)
writeFileSync(
  probe,
  `const fs = require('node:fs'); const listed = []; const readdirSync = fs.readdirSync; fs.readdirSync = (p, ...a) => (listed.push(String(p)), readdirSync(p, ...a));\n` +
    `process.on('exit', () => process.stderr.write('BUILTINS ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))) + '\\nLISTED ' + JSON.stringify(listed) + '\\n'));\n`,
);
const work = join(dir, 'work'); // the runs' working directory
mkdirSync(work);

/** The public built-ins among LAZY that a run of the command loaded, the directories it listed, and its exit status. */
function loaded(args: string[]): { status: number | null; lazy: string[]; listed: string[] } {
  const r = spawnSync(process.execPath, ['-r', probe, CLI, ...args], { encoding: 'utf8', cwd: work, env: { ...process.env, XDG_CACHE_HOME: dir } });
  const line = (tag: string) => {
    const l = r.stderr.split('\n').find((x) => x.startsWith(`${tag} `));
    if (!l) throw new Error(`no probe output: ${r.stderr}`);
    return JSON.parse(l.slice(tag.length + 1)) as string[];
  };
  const all = line('BUILTINS');
  return { status: r.status, lazy: LAZY.filter((m) => all.includes(m)), listed: line('LISTED') };
}

const KERNEL = sample('seed', 'kernels', '4.18', 'Module.symvers');

test('a check of a plain .ko loads none of crypto, assert, worker_threads, fs/promises (first run and with the code cache)', () => {
  for (let i = 0; i < 2; i++) expect(loaded(['check', '-k', KERNEL, sample('seed', 'openafs', 'libafs.ko')])).toMatchObject({ status: 0, lazy: [] });
});

test("yargs looks for its package.json in the program's package, not from the working directory up (scripts/bundle-cli.mjs)", () => {
  const { status, listed } = loaded(['check', '-k', KERNEL, sample('seed', 'openafs', 'libafs.ko')]);
  expect(status).toBe(0);
  // the package holding dist/cli/main.cjs: the repository here, node_modules/ksymcheck when installed
  expect(listed.filter((d) => d !== join(dir, 'ksymcheck'))).toEqual([join(CLI, '..', '..', '..')]);
});

test('a SARIF report loads crypto (the probe sees what the program loads)', () => {
  expect(loaded(['check', '--format', 'sarif', '-k', KERNEL, sample('seed', 'openafs', 'libafs.ko')])).toMatchObject({ status: 0, lazy: ['crypto'] });
});

test("the bundle's stand-ins for yargs' strictEqual/notStrictEqual: Node's verdict, Node's AssertionError", () => {
  const program = readFileSync(join(CLI, '..', 'program.cjs'), 'latin1');
  const fn = (name: string) => {
    const m = new RegExp(`\\nfunction ${name}\\(actual, expected, \\.\\.\\.rest\\) \\{\\n[^\\n]*\\n\\}\\n`).exec(program);
    if (!m) throw new Error(`no stand-in ${name} in dist/cli/program.cjs`);
    return new Function('require', `${m[0]}; return ${name};`)(createRequire(import.meta.url)) as (a: unknown, b: unknown, msg?: string) => void;
  };
  const outcome = (f: () => void) => {
    try {
      f();
      return 'passes';
    } catch (e) {
      return `${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  };
  const o = {};
  const pairs: Array<[unknown, unknown]> = [[1, 1], [1, 2], ['a', 'a'], ['1', 1], [NaN, NaN], [0, -0], [undefined, undefined], [undefined, null], [o, o], [o, {}]];
  for (const name of ['strictEqual', 'notStrictEqual'] as const) {
    const standIn = fn(name);
    for (const [a, b] of pairs) expect(outcome(() => standIn(a, b, 'because'))).toBe(outcome(() => assert[name](a, b, 'because')));
  }
  expect(outcome(() => fn('strictEqual')(1, 2))).toMatch(/^AssertionError: /);
});
