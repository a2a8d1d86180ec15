/**
 * The in-tree modules of a real Debian 6.1 image (linux-image-6.1.0-<newest>-amd64-unsigned, extracted
 * by scripts/fetch-kernels; ~4,000 plain .ko with `__versions`):
 *
 *  1. against the SAME ABI's headers, stage build+load: the kernel built and loads them, so ksymcheck
 *     must report zero error findings;
 *  2. against the OTHER (oldest) ABI's headers, stage load: count the modules the old kernel's loader
 *     would refuse and why. The expected figures are computed here from raw data only — binutils'
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
import { CACHE, findKos, readAbisEnv, readKos, readSymvers, type RawKo, type SymversRow } from './env.js';

const env = readAbisEnv();
const MODULES_DIR = join(env.NEW_IMAGE_MODULES, 'kernel');
const KOS = findKos(MODULES_DIR);

/** vermagic without the release token (what the loader compares when the module has __versions). */
function vermagicTail(v: string | undefined): string | undefined {
  return v?.trim().split(/\s+/).slice(1).join(' ');
}

/** A .ko the oracle built against the OLD headers: its vermagic is what the old kernel expects. */
function oldAbiSampleKo(): string | undefined {
  const o = JSON.parse(readFileSync(join(CACHE, 'oracle', env.OLD_ABI, 'gpl-uses-gplonly.normal.json'), 'utf8')) as {
    modules: Array<{ ko: string | null }>;
  };
  return o.modules[0]?.ko ?? undefined;
}

interface Expected {
  /** path → first reason in loader order, for every module the old kernel refuses. */
  refused: Map<string, string>;
  /** path → symbols whose CRC differs (module_layout excluded), whether or not the loader gets that far. */
  crcMismatch: Map<string, string[]>;
  /** path → imported symbols nobody exports (old kernel, image modules), whether or not the loader gets that far. */
  unknown: Map<string, string[]>;
  /** Modules that pass module_layout and vermagic: the loader reports each failing symbol for these. */
  reachSymbols: Set<string>;
  noVersions: string[];
  /** Modules whose vermagic (release token dropped) differs from the old kernel's. */
  vermagicMismatch: string[];
}

function expectedRefusals(
  raw: Map<string, RawKo>,
  old: Map<string, SymversRow>,
  image: Map<string, SymversRow>,
  oldVermagicTail: string | undefined,
): Expected {
  if (oldVermagicTail === undefined) throw new Error('no vermagic for the old ABI (oracle .ko missing?)');
  const e: Expected = {
    refused: new Map(),
    crcMismatch: new Map(),
    unknown: new Map(),
    reachSymbols: new Set(),
    noVersions: [],
    vermagicMismatch: [],
  };
  const provider = (name: string): SymversRow | undefined => {
    const o = old.get(name);
    if (o?.owner === 'vmlinux') return o;
    const i = image.get(name);
    if (i && i.owner !== 'vmlinux') return i;
    return o;
  };
  const layout = old.get('module_layout');
  for (const path of KOS) {
    const ko = raw.get(path);
    if (!ko) throw new Error(`readelf gave nothing for ${path}`);
    const reasons: string[] = [];
    if (!ko.versions) {
      e.noVersions.push(path);
    } else {
      const ml = ko.versions.get('module_layout');
      if (layout && ml !== undefined && ml !== layout.crc) reasons.push('crc module_layout');
      const vm = ko.modinfo.find(([k]) => k === 'vermagic')?.[1];
      if (vermagicTail(vm) !== oldVermagicTail) {
        reasons.push('vermagic');
        e.vermagicMismatch.push(path);
      }
      const mism: string[] = [];
      const unk: string[] = [];
      for (const [name, crc] of ko.versions) {
        if (name === 'module_layout') continue;
        const x = provider(name);
        if (!x) unk.push(name);
        else if (x.crc !== crc) mism.push(name);
      }
      if (reasons.length === 0) e.reachSymbols.add(path);
      // Inside simplify_symbols the order is the symtab's; a refused module's "why" here is only the
      // first stage that fails (module_layout, vermagic, symbols).
      for (const s of unk) reasons.push(`unknown ${s}`);
      for (const s of mism) reasons.push(`crc ${s}`);
      if (mism.length) e.crcMismatch.set(path, mism.sort());
      if (unk.length) e.unknown.set(path, unk.sort());
    }
    if (reasons.length) e.refused.set(path, reasons[0]);
  }
  return e;
}

function countBy<T>(xs: Iterable<T>, f: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
  return out;
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
    expected = expectedRefusals(raw, oldSymvers, imageSymvers, vermagicTail(oldVm));
    // The figures, for the record (docs/real-kernel-suite.md quotes them).
    console.log(
      JSON.stringify(
        {
          modules: KOS.length,
          withoutVersions: expected.noVersions.length,
          vermagicMismatch: expected.vermagicMismatch.length,
          passModuleLayoutAndVermagic: expected.reachSymbols.size,
          refusedByOldAbi: expected.refused.size,
          firstReason: countBy(expected.refused.values(), (r) => r.split(' ').slice(0, r.startsWith('crc module_layout') ? 2 : 1).join(' ')),
          modulesWithSymbolCrcMismatch: expected.crcMismatch.size,
          symbolCrcMismatches: [...expected.crcMismatch.values()].reduce((s, x) => s + x.length, 0),
          modulesWithUnknownSymbol: expected.unknown.size,
          unknownSymbols: countBy([...expected.unknown.values()].flat(), (s) => s),
        },
        null,
        2,
      ),
    );
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

    test('ksymcheck refuses exactly the modules the old loader refuses', () => {
      expect(r.errors).toEqual([]);
      const ours = r.modules.filter((m) => m.verdict === 'fail').map((m) => m.path).sort();
      const theirs = [...expected.refused.keys()].sort();
      const missing = theirs.filter((p) => !ours.includes(p));
      const extra = ours.filter((p) => !expected.refused.has(p));
      expect({ count: ours.length, missing: missing.slice(0, 20), extra: extra.slice(0, 20) }).toEqual({
        count: theirs.length,
        missing: [],
        extra: [],
      });
    });

    test('module_layout: the same modules get a crc-mismatch error on it', () => {
      const ours = r.modules
        .filter((m) => m.findings.some((f) => f.rule === 'crc-mismatch' && f.symbol === 'module_layout' && f.severity === 'error'))
        .map((m) => m.path)
        .sort();
      const theirs = [...expected.refused].filter(([, why]) => why === 'crc module_layout').map(([p]) => p).sort();
      expect(ours.length).toBe(theirs.length);
      expect(ours).toEqual(theirs);
    });

    // The loader stops at module_layout or vermagic and prints nothing else; ksymcheck does the same.
    test('a module refused by module_layout or vermagic gets exactly that one load error', () => {
      const stopped = [...expected.refused].filter(([, why]) => why === 'crc module_layout' || why === 'vermagic');
      const wrong: string[] = [];
      for (const [path, why] of stopped) {
        const m = r.modules.find((x) => x.path === path);
        const errs = (m?.findings ?? []).filter((f) => f.stage === 'load' && f.severity === 'error');
        const want = why === 'vermagic' ? 'vermagic-mismatch -' : 'crc-mismatch module_layout';
        const got = errs.map((f) => `${f.rule} ${f.symbol ?? '-'}`);
        if (got.length !== 1 || got[0] !== want) wrong.push(`${path}: want [${want}], got [${got.join(', ')}]`);
      }
      expect(wrong.slice(0, 20)).toEqual([]);
    });

    // Past module_layout and vermagic, simplify_symbols reports every failing symbol. With the oldest and
    // newest ABI no module gets there (module_layout differs), so this is vacuous for that pair;
    // crc-pair.test.ts exercises it on an ABI pair sharing module_layout (fetch-kernels picks it).
    test('modules that pass module_layout and vermagic: every CRC mismatch and unknown symbol', () => {
      const ours = r.modules
        .filter((m) => expected.reachSymbols.has(m.path))
        .flatMap((m) =>
          m.findings
            .filter((f) => f.stage === 'load' && f.severity === 'error' && (f.rule === 'crc-mismatch' || f.rule === 'unresolved'))
            .map((f) => `${m.path} ${f.rule} ${f.symbol}`),
        )
        .sort();
      const theirs = [...expected.reachSymbols]
        .flatMap((p) => [
          ...(expected.crcMismatch.get(p) ?? []).map((s) => `${p} crc-mismatch ${s}`),
          ...(expected.unknown.get(p) ?? []).map((s) => `${p} unresolved ${s}`),
        ])
        .sort();
      const mine = new Set(ours);
      const exp = new Set(theirs);
      expect({ missing: theirs.filter((x) => !mine.has(x)).slice(0, 20), extra: ours.filter((x) => !exp.has(x)).slice(0, 20) }).toEqual({
        missing: [],
        extra: [],
      });
    });
  });
});
