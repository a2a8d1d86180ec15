/**
 * --shard i/n and `ksymcheck merge`: on the gcc sample trees (the v6 modules, the compressed trees, an
 * unreadable file) the merged report of n shards equals the whole run's, byte for byte through the CLI
 * (modules refused through a module of another shard: test/rules/refused-owner.test.ts and the
 * real-kernel suite's test/kernel-real/shard.test.ts); the shards split the module set; merge refuses other kernels, stages, schema
 * versions, a missing or doubled shard, and a whole run's report, with errors naming the file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, shardOf, type CheckRequest } from '../../src/check.js';
import { mergeReports } from '../../src/report/merge.js';
import { CLI, sample } from '../helpers/fixtures.js';

const bad = join(mkdtempSync(join(tmpdir(), 'ksymcheck-shard-')), 'broken.ko');
writeFileSync(bad, 'not an ELF file\n');
const REQ = (): CheckRequest => ({ kernel: sample('v6', 'kernels', '6.16'), modules: [sample('v6', 'modules'), sample('compressed'), bad] });
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test.each([1, 2, 3, 4, 7])('the merged report of %i shards equals the whole run', async (n) => {
  const whole = await check(REQ());
  expect(whole.modules.length).toBeGreaterThan(10);
  expect(whole.errors).toHaveLength(1);
  const shards = await Promise.all(Array.from({ length: n }, (_, i) => check({ ...REQ(), shard: { index: i + 1, count: n } })));
  // the shards split the modules: each module in exactly one, the one shardOf names
  const names = shards.flatMap((s) => s.modules.map((m) => m.path));
  expect(names.sort()).toEqual(whole.modules.map((m) => m.path).sort());
  shards.forEach((s, i) => {
    for (const m of s.modules) expect(shardOf(m.path, n)).toBe(i + 1);
  });
  const merged = mergeReports(shards.reverse().map((report, i) => ({ file: `shard${i}.json`, report })));
  expect(merged).toEqual(whole);
  expect(JSON.stringify(merged)).toBe(JSON.stringify(whole));
});

test('shardOf is a stable split: a path’s shard depends on the path alone', () => {
  expect(shardOf('a/b.ko', 4)).toBe(shardOf('a/b.ko', 4));
  const paths = Array.from({ length: 1000 }, (_, i) => `kernel/drivers/m${i}.ko`);
  const sizes = [1, 2, 3, 4].map((k) => paths.filter((p) => shardOf(p, 4) === k).length);
  for (const s of sizes) expect(s).toBeGreaterThan(200); // roughly even
});

describe('through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-shard-'));
  const base = () => ['-q', '-k', sample('v6', 'kernels', '6.16'), sample('v6', 'modules'), sample('compressed'), '--format', 'json'];
  const shardFile = (i: number) => join(dir, `shard${i}.json`);
  beforeAll(() => {
    for (const i of [1, 2, 3]) expect(cli([...base(), '--shard', `${i}/3`, '--output', shardFile(i)]).status).toBeLessThan(2);
    expect(cli([...base(), '--output', join(dir, 'whole.json')]).status).toBe(1);
  });

  test('merge writes the whole run’s report, byte for byte, in any format', () => {
    const r = cli(['merge', shardFile(3), shardFile(1), shardFile(2), '--output', join(dir, 'merged.json')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(readFileSync(join(dir, 'whole.json'), 'utf8'));
    const md = cli(['merge', shardFile(1), shardFile(2), shardFile(3), '--format', 'markdown']);
    const wholeMd = cli([...base().slice(0, -2), '--format', 'markdown']);
    expect(md.stdout).toBe(wholeMd.stdout);
  });

  test('merge refuses what is not one run’s shards', () => {
    const other = (args: string[], name: string) => {
      const f = join(dir, name);
      cli([...args, '--output', f]);
      return f;
    };
    const k61 = other(['-q', '-k', sample('v6', 'kernels', '6.1'), sample('v6', 'modules'), sample('compressed'), '--format', 'json', '--shard', '2/3'], 'k61.json');
    const build = other([...base(), '--stage', 'build', '--shard', '2/3'], 'build.json');
    const v2 = join(dir, 'v2.json');
    writeFileSync(v2, readFileSync(shardFile(2), 'utf8').replace('"schemaVersion": 1', '"schemaVersion": 2'));
    const cases: Array<[string[], string]> = [
      [[shardFile(1), k61, shardFile(3)], `${k61}: another kernel than ${shardFile(1)}: 6.1.0 from ${sample('v6', 'kernels', '6.1')}`],
      [[shardFile(1), build, shardFile(3)], `${build}: other stages than ${shardFile(1)}: build, not build+load`],
      [[shardFile(1), v2, shardFile(3)], `${v2}: report schema version 2: this ksymcheck reads version 1`],
      [[shardFile(1), shardFile(3)], `${shardFile(1)}, ${shardFile(3)}: shard 2/3 missing`],
      [[shardFile(1), shardFile(2), shardFile(2), shardFile(3)], `${shardFile(2)}: shard 2/3 given twice`],
      [[join(dir, 'whole.json')], `${join(dir, 'whole.json')}: not a shard report`],
      [[join(dir, 'nothing.json')], `${join(dir, 'nothing.json')}: cannot read: no such file`],
    ];
    for (const [files, message] of cases) {
      const r = cli(['merge', ...files]);
      expect([r.status, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toContain(`ksymcheck: ${message}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  test('--shard takes one i/n with 1 <= i <= n', () => {
    for (const bad of ['0/3', '4/3', '1/0', '2', 'a/b', '1/3/4']) {
      const r = cli([...base(), '--shard', bad]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`--shard: '${bad}' is not i/n`);
    }
    const twice = cli([...base(), '--shard', '1/2', '--shard', '2/2']);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toBe("ksymcheck: --shard: give it once (it was given more than once)\nRun 'ksymcheck --help' for usage.\n");
  });
});
