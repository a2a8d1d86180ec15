/**
 * --shard i/n and merge on a real tree: the ~4,000 in-tree modules of Debian's 6.1 image, split in 3 and
 * merged, give exactly the whole run's report — against the same ABI's headers (build + load), and for
 * the CRC pair's image on the other kernel (stage load), where modules are refused because a module
 * they import from (often in another shard) is refused.
 */
import { join } from 'node:path';
import { check, shardOf, type CheckRequest } from '../../src/check.js';
import { mergeReports } from '../../src/report/merge.js';
import type { Report } from '../../src/report/schema.js';
import { readAbisEnv } from './env.js';

const env = readAbisEnv();
const N = 3;

async function shardedEqualsWhole(req: CheckRequest): Promise<Report> {
  const whole = await check(req);
  const shards: Report[] = [];
  for (let i = 1; i <= N; i++) shards.push(await check({ ...req, shard: { index: i, count: N } }));
  for (const s of shards) expect(s.modules.length).toBeGreaterThan(whole.modules.length / N / 2);
  const merged = mergeReports(shards.map((report, i) => ({ file: `shard${i + 1}.json`, report })));
  expect(merged.modules.length).toBe(whole.modules.length);
  expect(merged).toEqual(whole);
  expect(JSON.stringify(merged)).toBe(JSON.stringify(whole));
  return whole;
}

test(`image ${env.NEW_ABI} on its own headers, build + load: 3 shards merged = the whole run`, async () => {
  const whole = await shardedEqualsWhole({ kernel: env.NEW_HEADERS, modules: [join(env.NEW_IMAGE_MODULES, 'kernel')], stage: 'both', external: false, missingCrc: 'error' });
  expect(whole.modules.length).toBeGreaterThan(3000);
});

const crc = env.CRC_STATUS === 'ok' ? test : test.skip;
crc(`CRC pair: image ${env.CRC_A} on kernel ${env.CRC_B}, load: 3 shards merged = the whole run, refusals across shards included`, async () => {
  const whole = await shardedEqualsWhole({ kernel: env.CRC_HEADERS!, modules: [join(env.CRC_IMAGE_MODULES!, 'kernel')], stage: 'load', external: false, missingCrc: 'error' });
  // modules refused because the module they import from is refused, that module in another shard
  const byOwner = new Map(whole.modules.map((m) => [m.path.replace(/\.ko(\.(gz|xz|zst))?$/, ''), m]));
  const across = whole.modules.filter((m) =>
    m.findings.some((f) => {
      const owner = typeof f.evidence.owner === 'string' ? byOwner.get(f.evidence.owner) : undefined;
      return f.evidence.ownerRefused !== undefined && owner !== undefined && shardOf(owner.path, N) !== shardOf(m.path, N);
    }),
  );
  console.log(`CRC pair: ${whole.modules.length} modules, ${whole.modules.filter((m) => m.verdict === 'fail').length} refused, ${across.length} refused through a module of another shard`);
  expect(across.length).toBeGreaterThan(0);
});
