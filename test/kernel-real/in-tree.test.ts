/**
 * The in-tree modules of a real Debian 6.1 image (linux-image-6.1.0-<newest>-amd64-unsigned, extracted
 * by scripts/fetch-kernels; ~4,000 plain .ko with `__versions`):
 *
 *  1. against the SAME ABI's headers, stage build+load: the kernel built and loads them, so ksymcheck
 *     must report zero error findings;
 *  2. against the OTHER (oldest) ABI's headers, stage load: count the modules the old kernel's loader
 *     would refuse and why. The expected figures are computed (refusals.ts) from raw data only — binutils'
 *     `readelf -x __versions -p .modinfo` of every .ko, parsed in env.ts, compared with the Module.symvers
 *     files — in the loader's order: module_layout first (check_modstruct_version: a mismatch stops the
 *     load, nothing else is printed), then vermagic (check_modinfo; with __versions the release token is
 *     ignored, a mismatch stops the load), then every imported symbol (simplify_symbols goes on after a
 *     failure: each absent one → "Unknown symbol", each CRC that differs → "disagrees about version").
 *     Scenario: the whole image's module set on the old kernel (what ksymcheck models when given the
 *     directory): a vmlinux symbol resolves to the old kernel's CRC; a symbol exported by a module of the
 *     image resolves to that module (same ABI: the new Module.symvers' CRC); else an old in-tree module's.
 *
 * Debian's 6.1 loader refuses a symbol missing from __versions (it patches mainline's "warn once"), hence
 * missingCrc: 'error'. These are in-tree modules, hence external: false.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/index.js';
import type { Report } from '../../src/index.js';
import { CACHE, findKos, readAbisEnv, readKos, readSymvers, type RawKo } from './env.js';
import { expectedRefusals, otherAbiLoadTests, refusalFigures, vermagicTail, type Expected } from './refusals.js';

const env = readAbisEnv();
const MODULES_DIR = join(env.NEW_IMAGE_MODULES, 'kernel');
const KOS = findKos(MODULES_DIR);

/** A .ko the oracle built against the OLD headers: its vermagic is what the old kernel expects. */
function oldAbiSampleKo(): string | undefined {
  const o = JSON.parse(readFileSync(join(CACHE, 'oracle', env.OLD_ABI, 'gpl-uses-gplonly.normal.json'), 'utf8')) as {
    modules: Array<{ ko: string | null }>;
  };
  return o.modules[0]?.ko ?? undefined;
}

function errorLines(r: Report, max = 40): string[] {
  return r.modules
    .flatMap((m) => m.findings.filter((f) => f.severity === 'error').map((f) => `${m.path}: ${f.stage} ${f.rule} ${f.symbol ?? ''} — ${f.message}`))
    .slice(0, max);
}

describe(`in-tree modules of linux-image-6.1.0-${env.NEW_ABI}-amd64-unsigned`, () => {
  let raw: Map<string, RawKo>;
  let expected: Expected;

  beforeAll(async () => {
    raw = await readKos(KOS);
    const oldSymvers = readSymvers(join(env.OLD_HEADERS, 'Module.symvers'));
    const imageSymvers = readSymvers(join(env.NEW_HEADERS, 'Module.symvers'));
    const oldKo = oldAbiSampleKo();
    const oldVm = oldKo ? (await readKos([oldKo])).get(oldKo)?.modinfo.find(([k]) => k === 'vermagic')?.[1] : undefined;
    expected = expectedRefusals(KOS, raw, oldSymvers, imageSymvers, vermagicTail(oldVm));
    // The figures, for the record (docs/real-kernel-suite.md quotes them).
    console.log(JSON.stringify(refusalFigures(KOS, expected), null, 2));
  });

  test('the image holds thousands of plain .ko, each with __versions', () => {
    expect(KOS.length).toBeGreaterThan(3000);
    expect(expected.noVersions).toEqual([]);
  });

  test('same ABI (build + load): zero error findings', async () => {
    const r = await check({ kernel: env.NEW_HEADERS, modules: [MODULES_DIR], stage: 'both', external: false, missingCrc: 'error' });
    expect(r.errors).toEqual([]);
    expect(r.modules).toHaveLength(KOS.length);
    expect(errorLines(r)).toEqual([]);
    expect(r.modules.filter((m) => m.verdict === 'fail')).toHaveLength(0);
  });

  describe(`other ABI (${env.OLD_ABI}) headers, stage load`, () => {
    let r: Report;
    beforeAll(async () => {
      r = await check({ kernel: env.OLD_HEADERS, modules: [MODULES_DIR], stage: 'load', external: false, missingCrc: 'error' });
    });
    otherAbiLoadTests(
      () => r,
      () => expected,
    );
  });
});
