/**
 * Debian 13's 6.12 image (scripts/fetch-trixie: TRIXIE_RELEASE, 4,2xx `.ko.xz`) against the headers of the
 * OTHER 6.12 ABI in the trixie chroot (scripts/trixie-chroot: TRIXIE_OTHER_RELEASE, the oldest 6.12 ABI the
 * archive offers), stage load: the modules that kernel's loader would refuse and why, counted
 * independently of ksymcheck (refusals.ts): every module decompressed by `xz -dc` (xz-utils, not
 * ksymcheck's decompressor) into a scratch folder, its `__versions` and `.modinfo` read by binutils'
 * readelf (env.ts), compared with the two Module.symvers files. The vermagic that kernel expects comes from
 * a sample the real 6.12 Kbuild built against its headers (the oracle's gpl-uses-gplonly.ko).
 *
 * Like Debian's 6.1, Debian's 6.12 loader is taken to refuse a symbol missing from __versions, hence
 * missingCrc: 'error' (no in-tree module lacks a CRC, so this does not decide anything here); these are
 * in-tree modules, hence external: false.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/index.js';
import type { Report } from '../../src/index.js';
import { CACHE, findFiles, readKos, readOracle, readSymvers, readTrixieEnv, trixieHeadersOf, type RawKo } from './env.js';
import { expectedRefusals, otherAbiLoadTests, refusalFigures, vermagicTail, type Expected } from './refusals.js';

const env = readTrixieEnv();
const OTHER = env.TRIXIE_OTHER_RELEASE;
const OTHER_HEADERS = trixieHeadersOf(env, OTHER);

const KOS = findFiles(env.TRIXIE_MODULES, /\.ko\.xz$/);

/** `xz -dc` of every file into `dir/<i>.ko`, `jobs` shells at a time (one xz process per file). */
async function decompressAll(paths: string[], dir: string, jobs = 2): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const copies = paths.map((_, i) => join(dir, `${i}.ko`));
  const shards = Array.from({ length: jobs }, (_, j) => paths.map((p, i) => [p, copies[i]]).filter((_, i) => i % jobs === j));
  await Promise.all(
    shards.map(
      (pairs) =>
        new Promise<void>((resolve, reject) => {
          const sh = spawn('sh', ['-c', 'while IFS= read -r src && IFS= read -r dst; do xz -dc -- "$src" >"$dst" || exit 1; done'], {
            stdio: ['pipe', 'ignore', 'inherit'],
          });
          sh.on('error', reject);
          sh.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`xz -dc failed (exit ${code})`))));
          sh.stdin.end(pairs.map(([src, dst]) => `${src}\n${dst}\n`).join(''));
        }),
    ),
  );
  return copies;
}

describe(`${env.TRIXIE_RELEASE}'s modules on the other 6.12 ABI (${OTHER}), stage load`, () => {
  const scratch = join(CACHE, 'trixie', `other-abi-scratch-${process.pid}`);
  let expected: Expected;
  let r: Report;

  beforeAll(async () => {
    let raw: Map<string, RawKo>;
    try {
      const copies = await decompressAll(KOS, scratch);
      const byCopy = await readKos(copies);
      raw = new Map(KOS.map((p, i) => [p, { ...byCopy.get(copies[i])!, path: p }]));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const sample = readOracle(OTHER, 'gpl-uses-gplonly', 'normal').modules[0]?.ko;
    const otherVermagic = sample ? (await readKos([sample])).get(sample)?.modinfo.find(([k]) => k === 'vermagic')?.[1] : undefined;
    expected = expectedRefusals(
      KOS,
      raw,
      readSymvers(join(OTHER_HEADERS, 'Module.symvers')),
      readSymvers(join(env.TRIXIE_HEADERS, 'Module.symvers')),
      vermagicTail(otherVermagic),
    );
    console.log(JSON.stringify({ image: env.TRIXIE_RELEASE, headers: OTHER, ...refusalFigures(KOS, expected) }, null, 2));
    r = await check({ kernel: OTHER_HEADERS, modules: [env.TRIXIE_MODULES], stage: 'load', external: false, missingCrc: 'error' });
  });

  test('two different ABIs; every module has __versions and was read by readelf', () => {
    expect(OTHER).not.toBe(env.TRIXIE_RELEASE);
    expect(KOS.length).toBeGreaterThan(4000);
    expect(expected.noVersions).toEqual([]);
    expect(r.modules.map((m) => m.path).sort()).toEqual(KOS);
  });

  otherAbiLoadTests(
    () => r,
    () => expected,
  );
});
