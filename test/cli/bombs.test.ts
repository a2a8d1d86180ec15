/**
 * A tree of decompression bombs among good modules (issue #13): 14 `.ko.gz`, 14 `.ko.zst` and 14 `.ko.xz`
 * (one with a lying index) made by scripts/make-bombs.mjs, beside 200 modules — copies of the gcc-built
 * 6.x samples, plain and compressed. Every bomb is in `errors` with the size message, every good module's
 * report is the one of a run without the bombs, and the exit status is 2. The limit is lowered to 16 MiB
 * (bombs of 24 MiB) to keep the test quick; the default limit, real modules and the memory and time
 * figures are `npm run bench`'s (docs/performance.md, "A tree of bombs").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { BUILD, CLI, ROOT } from '../helpers/fixtures.js';

const KERNEL = join(BUILD, 'v6', 'kernels', '6.1');
const LIMIT = 16 << 20;

describe('a tree of decompression bombs among good modules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksymcheck-bombs-'));
    const good = join(dir, 'good');
    mkdirSync(good);
    const samples = readdirSync(join(BUILD, 'v6', 'modules')).flatMap((m) =>
      readdirSync(join(BUILD, 'v6', 'modules', m))
        .filter((f) => f.endsWith('.ko'))
        .map((f) => join(BUILD, 'v6', 'modules', m, f)),
    );
    expect(samples.length).toBeGreaterThanOrEqual(8);
    const packers: Array<[string, string[]]> = [['', []], ['.gz', ['gzip', '-9', '-n', '-c']], ['.xz', ['xz', '-c', '--check=crc32']], ['.zst', ['zstd', '-q', '-c']]];
    for (let i = 0; i < 200; i++) {
      const src = samples[i % samples.length];
      const [ext, cmd] = packers[Math.floor(i / samples.length) % packers.length];
      const to = join(good, `m${String(i).padStart(3, '0')}.ko${ext}`);
      if (cmd.length === 0) copyFileSync(src, to);
      else writeFileSync(to, execFileSync(cmd[0], [...cmd.slice(1), src], { maxBuffer: 64 << 20 }));
    }
    execFileSync('node', [join(ROOT, 'scripts', 'make-bombs.mjs'), join(dir, 'bombs'), '14', String(24 << 20)]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...paths: string[]) => {
    const r = spawnSync('node', [CLI, '-q', '-k', KERNEL, '--format', 'json', '--max-module-size', String(LIMIT), ...paths], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: r.status, report: reportSchema.parse(JSON.parse(r.stdout)) as Report, stderr: r.stderr };
  };

  test('every bomb is an error with the size message; every good module reads as without them; exit 2', () => {
    const alone = run(join(dir, 'good'));
    expect(alone.report.errors).toEqual([]);
    expect(alone.report.modules).toHaveLength(200);
    const mixed = run(join(dir, 'good'), join(dir, 'bombs'));
    expect(mixed.status).toBe(2);
    expect(mixed.report.modules).toEqual(alone.report.modules);
    const bombs = readdirSync(join(dir, 'bombs')).sort();
    expect(bombs).toHaveLength(42);
    expect(mixed.report.errors.map((e) => e.path)).toEqual(bombs.map((b) => join(dir, 'bombs', b)));
    for (const e of mixed.report.errors) {
      const kind = e.path.endsWith('.gz') ? 'gzip' : e.path.endsWith('.xz') ? 'xz' : 'zstd';
      expect(e.message).toMatch(new RegExp(`^${e.path}: ${kind}: decompresses to more than ${LIMIT} bytes \\(limit 16 MiB, --max-module-size\\)`));
    }
    // the lying index is not believed: that bomb is decoded, and stopped at the limit (no record named)
    expect(mixed.report.errors.find((e) => e.path.endsWith('bomb-xz-00.ko.xz'))!.message).toBe(`${join(dir, 'bombs', 'bomb-xz-00.ko.xz')}: xz: decompresses to more than ${LIMIT} bytes (limit 16 MiB, --max-module-size)`);
  }, 120_000);
});
