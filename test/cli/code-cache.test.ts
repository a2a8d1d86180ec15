/**
 * The command line's code cache (src/cli/code-cache.ts): used when whole, and a damaged, foreign or stale
 * cache ignored and written again, a cache directory that cannot be written no failure — asserted by what
 * the run reports and prints (NODE_DEBUG=ksymcheck says what happened to the cache), never by its timing.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userCacheDir } from '../../src/cli/cache-dir.js';
import { codeCacheName, compileWithCache, runRank } from '../../src/cli/code-cache.js';
import { CLI, sample, SEED } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'ksymcheck-code-cache-'));

/** A program the size of a real one is not needed: a function with a few inner functions that run. */
const program = (n: number) => `(function () { ${Array.from({ length: n }, (_, i) => `function f${i}(x) { return x * ${i + 1} + ${i}; }`).join('\n')}\n return ${Array.from({ length: n }, (_, i) => `f${i}(1)`).join(' + ')}; })`;
const value = (n: number) => Array.from({ length: n }, (_, i) => 2 * i + 1).reduce((a, b) => a + b, 0);

function runScript(compiled: ReturnType<typeof compileWithCache>): unknown {
  return (compiled.script.runInThisContext() as () => unknown)();
}

describe('compileWithCache', () => {
  test('absent, written after the run, then used; the result the same each time', () => {
    const dir = join(tmp(), 'ksymcheck');
    const first = compileWithCache(program(40), '/x/program.cjs', dir);
    expect(first.status).toBe('absent');
    expect(first.file).toBe(join(dir, codeCacheName(program(40))));
    expect(runScript(first)).toBe(value(40));
    expect(first.save(1)).toBe(true);
    expect(first.save(1)).toBe(false); // once per run
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(first.file!).mode & 0o777).toString(8)).toBe('600');
    const second = compileWithCache(program(40), '/x/program.cjs', dir);
    expect(second.status).toBe('used');
    expect(second.script.cachedDataRejected).toBe(false);
    expect(runScript(second)).toBe(value(40));
    expect(second.save(1)).toBe(false); // a used cache of the same rank is not written again
    expect(readdirSync(dir)).toEqual([codeCacheName(program(40))]); // no temporary file left
  });

  test('a damaged cache (a flipped byte, garbage, cut short, no header) is not given to V8, and is written again', () => {
    const dir = tmp();
    const src = program(30);
    const good = compileWithCache(src, '/x/p.cjs', dir);
    runScript(good);
    good.save(1);
    const whole = readFileSync(good.file!);
    const damaged: Array<[string, Buffer]> = [
      ['a flipped byte of the V8 data', Buffer.from(whole.map((b, i) => (i === whole.length - 7 ? b ^ 0x40 : b)))],
      ['garbage', Buffer.alloc(whole.length, 0x5a)],
      ['cut short', whole.subarray(0, 40)],
      ['V8 data alone', whole.subarray(56)],
    ];
    for (const [, bytes] of damaged) {
      writeFileSync(good.file!, bytes);
      const c = compileWithCache(src, '/x/p.cjs', dir);
      expect(c.status).toBe('corrupt');
      expect(runScript(c)).toBe(value(30));
      expect(c.save(1)).toBe(true);
      expect(compileWithCache(src, '/x/p.cjs', dir).status).toBe('used');
    }
  });

  test("a stale cache (another program's, whole, under this program's name) is rejected by V8, the program compiled from its text, and the cache written again", () => {
    const dir = tmp();
    const other = compileWithCache(program(25), '/x/p.cjs', dir);
    runScript(other);
    other.save(1);
    const src = program(35);
    copyFileSync(other.file!, join(dir, codeCacheName(src)));
    const c = compileWithCache(src, '/x/p.cjs', dir);
    expect(c.status).toBe('rejected');
    expect(runScript(c)).toBe(value(35));
    expect(c.save(1)).toBe(true);
    expect(compileWithCache(src, '/x/p.cjs', dir).status).toBe('used');
  });

  test('a cache writable by others is not trusted', () => {
    const dir = tmp();
    const c = compileWithCache(program(10), '/x/p.cjs', dir);
    runScript(c);
    c.save(1);
    chmodSync(c.file!, 0o666);
    const again = compileWithCache(program(10), '/x/p.cjs', dir);
    expect(again.status).toBe('corrupt');
    expect(runScript(again)).toBe(value(10));
    expect(again.save(1)).toBe(true); // renamed over it: the new file is the user's, mode 600
    expect((statSync(again.file!).mode & 0o777).toString(8)).toBe('600');
  });

  test('a cache written by a light run (rank 0) is written again by the first run that made a report (rank 1), not by another light one', () => {
    const dir = tmp();
    const src = program(12);
    const light = compileWithCache(src, '/x/p.cjs', dir);
    runScript(light);
    expect(light.save(0)).toBe(true);
    const light2 = compileWithCache(src, '/x/p.cjs', dir);
    expect(light2.status).toBe('used');
    expect(light2.save(0)).toBe(false);
    const full = compileWithCache(src, '/x/p.cjs', dir);
    expect(full.status).toBe('used');
    expect(full.save(1)).toBe(true);
    expect(compileWithCache(src, '/x/p.cjs', dir).save(1)).toBe(false);
  });

  test('a cache directory that cannot be made or written: the program runs, save says false, nothing is left', () => {
    const base = tmp();
    writeFileSync(join(base, 'file'), 'not a directory');
    const dir = join(base, 'file', 'ksymcheck');
    const c = compileWithCache(program(8), '/x/p.cjs', dir);
    expect(c.status).toBe('absent');
    expect(runScript(c)).toBe(value(8));
    expect(c.save(1)).toBe(false);
    expect(readdirSync(base)).toEqual(['file']);
  });

  test("other builds' caches for this Node: the three newest kept", () => {
    const dir = tmp();
    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = compileWithCache(program(5 + i), '/x/p.cjs', dir);
      runScript(c);
      c.save(1);
      names.push(codeCacheName(program(5 + i)));
      utimesSync(c.file!, 1_000_000 + i, 1_000_000 + i); // written in this order
    }
    const last = compileWithCache(program(20), '/x/p.cjs', dir);
    runScript(last);
    last.save(1);
    expect(readdirSync(dir).sort()).toEqual([...names.slice(3), codeCacheName(program(20))].sort());
  });

  test('the program as its bytes (what the bin reads): the same name, the same cache, the same result', () => {
    const dir = tmp();
    const src = program(12);
    expect(codeCacheName(Buffer.from(src, 'latin1'))).toBe(codeCacheName(src));
    const first = compileWithCache(Buffer.from(src, 'latin1'), '/x/p.cjs', dir);
    expect(first.status).toBe('absent');
    expect(runScript(first)).toBe(value(12));
    first.save(1);
    expect(compileWithCache(src, '/x/p.cjs', dir).status).toBe('used');
    const again = compileWithCache(Buffer.from(src, 'latin1'), '/x/p.cjs', dir);
    expect(again.status).toBe('used');
    expect(runScript(again)).toBe(value(12));
  });

  test('the cache name changes with the program text', () => {
    expect(codeCacheName('(function () {})')).not.toBe(codeCacheName('(function () { })'));
    expect(codeCacheName('(function () {})')).toMatch(new RegExp(`^cli-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}-[0-9a-f]+\\.v8cache$`));
  });
});

test('userCacheDir: XDG_CACHE_HOME when absolute, else ~/.cache', () => {
  expect(userCacheDir({ XDG_CACHE_HOME: '/var/x', HOME: '/home/u' })).toBe('/var/x/ksymcheck');
  expect(userCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/ksymcheck');
  expect(userCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/ksymcheck');
});

test('runRank: a report (exit 0 or 1) of a command that is not help, version, completion or explain', () => {
  expect(runRank(['check', '-k', 'k', 'm.ko'], 0)).toBe(1);
  expect(runRank(['-k', 'k', 'm.ko'], 1)).toBe(1);
  expect(runRank(['-k', 'k', 'm.ko'], 2)).toBe(0);
  expect(runRank(['--version'], 0)).toBe(0);
  expect(runRank(['explain', 'gpl-only'], 0)).toBe(0);
  expect(runRank([], 2)).toBe(0);
});

test('the built program is pure ASCII: the bin reads it as latin1 (scripts/bundle-cli.mjs escapes what is left in comments)', () => {
  const text = readFileSync(join(CLI, '..', 'program.cjs'));
  expect(text.findIndex((b) => b > 0x7f)).toBe(-1);
  expect(text.length).toBeGreaterThan(100_000);
});

describe('the CLI through its code cache', () => {
  const KO = sample('seed', 'openafs', 'libafs.ko');
  const RC5 = join(SEED, 'kernels', '4.18-rc5');
  const cli = (env: Record<string, string>, ...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', NODE_DEBUG: 'ksymcheck', ...env } });
    const cache = r.stderr.split('\n').filter((l) => /^KSYMCHECK \d+: /.test(l)).map((l) => l.replace(/^KSYMCHECK \d+: /, ''));
    const stderr = r.stderr.split('\n').filter((l) => !/^KSYMCHECK \d+: /.test(l)).join('\n');
    return { status: r.status, stdout: r.stdout, stderr, cache };
  };
  const FAIL = ['check', '--stage', 'build', '-k', RC5, KO];
  const SARIF = ['check', '--format', 'sarif', '--stage', 'build', '-k', RC5, KO];

  test('without a cache, writing it, using it, after damage and in a read-only place: the same report and exit status', () => {
    const home = tmp();
    const env = { XDG_CACHE_HOME: home };
    const off = cli({ ...env, KSYMCHECK_CODE_CACHE: '0' }, ...FAIL);
    expect(off.cache).toEqual(['code cache off (KSYMCHECK_CODE_CACHE=0)']);
    expect(existsSync(join(home, 'ksymcheck'))).toBe(false);
    expect(off.status).toBe(1);
    expect(off.stdout).toContain("FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'");

    const first = cli(env, ...FAIL);
    const [file] = readdirSync(join(home, 'ksymcheck'));
    const path = join(home, 'ksymcheck', file!);
    expect(first.cache).toEqual([`code cache absent: ${path} (ENOENT)`, `code cache written: ${path} (${statSync(path).size} bytes, rank 1)`]);
    expect([first.status, first.stdout, first.stderr]).toEqual([off.status, off.stdout, off.stderr]);

    const used = cli(env, ...FAIL);
    expect(used.cache).toEqual([`code cache used: ${path}`]);
    expect([used.status, used.stdout, used.stderr]).toEqual([off.status, off.stdout, off.stderr]);

    // a format loaded at run time (dist/report/sarif.js) through the cached program
    const sarifOff = cli({ ...env, KSYMCHECK_CODE_CACHE: '0' }, ...SARIF);
    const sarif = cli(env, ...SARIF);
    expect(sarif.cache).toEqual([`code cache used: ${path}`]);
    expect(JSON.parse(sarif.stdout).runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['gpl-only', 'gpl-only']);
    expect([sarif.status, sarif.stdout, sarif.stderr]).toEqual([sarifOff.status, sarifOff.stdout, sarifOff.stderr]);

    const bytes = readFileSync(path);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(path, bytes);
    const damaged = cli(env, ...FAIL);
    expect(damaged.cache).toEqual([`code cache corrupt: ${path} (checksum mismatch)`, `code cache written: ${path} (${statSync(path).size} bytes, rank 1)`]);
    expect([damaged.status, damaged.stdout, damaged.stderr]).toEqual([off.status, off.stdout, off.stderr]);
    expect(cli(env, ...FAIL).cache).toEqual([`code cache used: ${path}`]);

    // an input error (exit 2) and the version through the cache
    const MISSING = ['check', '-k', RC5, join(home, 'no-such.ko')];
    const missingOff = cli({ ...env, KSYMCHECK_CODE_CACHE: '0' }, ...MISSING);
    const missing = cli(env, ...MISSING);
    expect(missing.cache).toEqual([`code cache used: ${path}`]);
    expect(missing.status).toBe(2);
    expect(missing.stdout).toContain(`error: ${join(home, 'no-such.ko')}: no such file or directory`);
    expect([missing.status, missing.stdout, missing.stderr]).toEqual([missingOff.status, missingOff.stdout, missingOff.stderr]);

    // a cache directory that cannot be made: the run as without a cache, the reason on NODE_DEBUG only
    writeFileSync(join(home, 'file'), '');
    const readOnly = cli({ XDG_CACHE_HOME: join(home, 'file') }, ...FAIL);
    expect(readOnly.cache[0]).toMatch(/^code cache absent: .*\/file\/ksymcheck\/cli-.*\.v8cache \(ENOTDIR\)$/);
    expect(readOnly.cache[1]).toMatch(/^code cache not written: .*\/file\/ksymcheck\/cli-.*\.v8cache: ENOTDIR/);
    expect([readOnly.status, readOnly.stdout, readOnly.stderr]).toEqual([off.status, off.stdout, off.stderr]);
    rmSync(home, { recursive: true, force: true });
  });

  test('a light run (--version) writes a cache of rank 0, and the first check writes it again', () => {
    const home = tmp();
    const env = { XDG_CACHE_HOME: home };
    const v = cli(env, '--version');
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.cache[1]).toMatch(/^code cache written: .* rank 0\)$/);
    const c = cli(env, ...FAIL);
    expect(c.cache[0]).toMatch(/^code cache used: /);
    expect(c.cache[1]).toMatch(/^code cache written: .* rank 1\)$/);
    expect(cli(env, ...FAIL).cache).toHaveLength(1);
    rmSync(home, { recursive: true, force: true });
  });
});
