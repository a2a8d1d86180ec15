/**
 * The per-symbol CRC checks of the loader on real data: every .ko of linux-image-6.1.0-<A>-amd64-unsigned
 * loaded (in theory) into kernel <B>, where A ≠ B are two Debian 6.1 ABIs that scripts/fetch-kernels chose
 * because their `module_layout` CRC is the same (so the loader gets past check_modstruct_version) while
 * other vmlinux CRCs differ. in-tree.test.ts cannot reach this path: its two ABIs differ in module_layout.
 *
 * Expected findings are computed here from raw data only, never from ksymcheck's parsers:
 *  - the module: binutils' `readelf -x __versions -p .modinfo` (env.ts readKos) and `nm -u -p` (undefined
 *    symbols in .symtab order, env.ts readUndefined);
 *  - kernel B: its Module.symvers, and VERMAGIC_STRING rebuilt from its utsrelease.h and auto.conf;
 *  - image A's own module exports: A's Module.symvers (same build as the image; fetch-kernels extracts it from
 *    linux-headers-6.1.0-<A>-amd64).
 * Scenario (ksymcheck's, given the directory): the image's whole module set on kernel B. A symbol resolves to
 * B's vmlinux if B's vmlinux exports it (find_symbol() searches vmlinux first), else to the image module that
 * exports it (A's CRC), else to one of B's own modules.
 *
 * The loader's order, read in Debian's 6.1 source (kernel/module/main.c load_module(), version.c):
 *  1. check_modstruct_version(): check_version("module_layout") — CRC differs → "disagrees about version",
 *     absent → "no symbol version" (Debian refuses a missing version: its version.c returns 0 where mainline
 *     warns once and accepts) → -ENOEXEC, nothing else is looked at;
 *  2. check_modinfo(): same_magic() with the release token skipped (the module has __versions) → -ENOEXEC;
 *  3. simplify_symbols(): every SHN_UNDEF symbol of .symtab in order, going on after a failure:
 *     resolve_symbol(): find_symbol() fails → "Unknown symbol" (`unresolved`) unless weak or x86
 *     `_GLOBAL_OFFSET_TABLE_`; check_version(): CRC differs → `crc-mismatch`, absent from __versions →
 *     `missing-crc` (Debian); then verify_namespace_is_imported() → `namespace-not-imported`.
 * GPL-only lookups and inherited proprietary taint cannot matter: every in-tree module is GPL-compatible
 * (asserted below).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { check } from '../../src/index.js';
import type { Report } from '../../src/index.js';
import {
  findKos,
  kernelVermagic,
  readAbisEnv,
  readKos,
  readSymvers,
  readUndefined,
  type RawKo,
  type SymversRow,
  type UndefinedSymbol,
} from './env.js';

const env = readAbisEnv();
const READY = env.CRC_STATUS === 'ok';

/** include/linux/license.h license_is_gpl_compatible() of 6.1. */
const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

/** same_magic() with has_crcs: everything from the first space on. */
function magicTail(v: string): string {
  const i = v.indexOf(' ');
  return i < 0 ? '' : v.slice(i);
}

type Reason = 'module_layout' | 'vermagic' | 'unresolved' | 'crc-mismatch' | 'missing-crc' | 'namespace-not-imported';

interface ModuleExpectation {
  /** `rule symbol` in the order the loader prints them (`-` for no symbol). */
  findings: string[];
  /** First reason the loader refuses the module, if it does. */
  refused?: Reason;
}

interface Figures {
  modules: number;
  refused: number;
  refusedByFirstReason: Partial<Record<Reason, number>>;
  pastModuleLayoutAndVermagic: number;
  crcMismatch: { findings: number; modules: number; distinctSymbols: number };
  unresolved: { findings: number; modules: number; symbols: Record<string, number> };
  missingCrc: { findings: number; modules: number; symbols: Record<string, number> };
  namespaceNotImported: number;
  undefinedSymbolRefs: number;
  resolvedBy: { vmlinux: number; imageModule: number; otherAbiModule: number; weakOrIgnored: number; none: number };
  /** Loader step after simplify_symbols (verify_exported_symbols): an image module exporting what B's vmlinux exports. */
  exportsDuplicateOfVmlinux: string[];
  /** Modules with at least one finding of the rule (not only the first reason). */
  modulesWith: Partial<Record<string, number>>;
  /**
   * Symbols exported by an image module the loader refuses: that module is never loaded, so the importer
   * gets "Unknown symbol" for them (and no CRC check) — transitively.
   */
  fromRefusedModule: { findings: number; modules: number; refusedOnlyThroughDependencies: number };
}

function computeExpected(
  kos: string[],
  modulesRoot: string,
  raw: Map<string, RawKo>,
  undef: Map<string, UndefinedSymbol[]>,
  kernelB: Map<string, SymversRow>,
  imageA: Map<string, SymversRow>,
  vermagicB: string,
): { perModule: Map<string, ModuleExpectation>; figures: Figures } {
  const perModule = new Map<string, ModuleExpectation>();
  const f: Figures = {
    modules: kos.length,
    refused: 0,
    refusedByFirstReason: {},
    pastModuleLayoutAndVermagic: 0,
    crcMismatch: { findings: 0, modules: 0, distinctSymbols: 0 },
    unresolved: { findings: 0, modules: 0, symbols: {} },
    missingCrc: { findings: 0, modules: 0, symbols: {} },
    namespaceNotImported: 0,
    undefinedSymbolRefs: 0,
    resolvedBy: { vmlinux: 0, imageModule: 0, otherAbiModule: 0, weakOrIgnored: 0, none: 0 },
    exportsDuplicateOfVmlinux: [],
    modulesWith: {},
    fromRefusedModule: { findings: 0, modules: 0, refusedOnlyThroughDependencies: 0 },
  };
  const crcSyms = new Set<string>();
  const layoutB = kernelB.get('module_layout');
  if (!layoutB) throw new Error('kernel B exports no module_layout');
  const ownerOf = (path: string) => path.slice(modulesRoot.length + 1).replace(/\.ko$/, '');
  const inImage = new Set(kos);
  // A module's verdict is needed by the modules importing from it: computed once, on demand (a cycle,
  // which depmod rejects and this image does not have, would count as loaded).
  const deciding = new Set<string>();
  const expectationOf = (path: string): ModuleExpectation | undefined => {
    const known = perModule.get(path);
    if (known || deciding.has(path)) return known;
    deciding.add(path);
    try {
      return decide(path);
    } finally {
      deciding.delete(path);
    }
  };
  const decide = (path: string): ModuleExpectation => {
    const ko = raw.get(path);
    const syms = undef.get(path);
    if (!ko?.versions || !syms) throw new Error(`${path}: no __versions or no nm output`);
    const self = ownerOf(path);
    const e: ModuleExpectation = { findings: [] };
    const ml = ko.versions.get('module_layout');
    const vm = ko.modinfo.find(([k]) => k === 'vermagic')?.[1];
    if (ml === undefined) {
      e.findings.push('missing-crc module_layout');
      e.refused = 'module_layout';
    } else if (ml !== layoutB.crc) {
      e.findings.push('crc-mismatch module_layout');
      e.refused = 'module_layout';
    } else if (vm === undefined || magicTail(vm) !== magicTail(vermagicB)) {
      // (a missing vermagic is force-loaded with CONFIG_MODULE_FORCE_LOAD; none is missing here, see the tests)
      e.findings.push('vermagic-mismatch -');
      e.refused = 'vermagic';
    } else {
      f.pastModuleLayoutAndVermagic++;
      let crc = 0;
      let unres = 0;
      let miss = 0;
      let viaRefused = 0;
      const importNs = ko.modinfo.filter(([k]) => k === 'import_ns').map(([, v]) => v);
      for (const s of syms) {
        f.undefinedSymbolRefs++;
        let p = kernelB.get(s.name);
        if (p?.owner === 'vmlinux') f.resolvedBy.vmlinux++;
        else {
          const i = imageA.get(s.name);
          if (i && i.owner !== 'vmlinux' && i.owner !== self) {
            p = i;
            f.resolvedBy.imageModule++;
            const dep = join(modulesRoot, `${i.owner}.ko`);
            if (inImage.has(dep) && expectationOf(dep)?.refused !== undefined) {
              // the exporting module is refused, never loaded: find_symbol() does not find the symbol
              if (s.weak) continue;
              e.findings.push(`unresolved ${s.name}`);
              e.refused ??= 'unresolved';
              viaRefused++;
              continue;
            }
          } else if (p) f.resolvedBy.otherAbiModule++;
        }
        if (!p) {
          if (s.weak || s.name === '_GLOBAL_OFFSET_TABLE_') {
            f.resolvedBy.weakOrIgnored++;
            continue;
          }
          f.resolvedBy.none++;
          e.findings.push(`unresolved ${s.name}`);
          e.refused ??= 'unresolved';
          f.unresolved.symbols[s.name] = (f.unresolved.symbols[s.name] ?? 0) + 1;
          unres++;
          continue;
        }
        const mine = ko.versions.get(s.name);
        if (mine === undefined) {
          e.findings.push(`missing-crc ${s.name}`);
          e.refused ??= 'missing-crc';
          f.missingCrc.symbols[s.name] = (f.missingCrc.symbols[s.name] ?? 0) + 1;
          miss++;
          continue;
        }
        if (mine !== p.crc) {
          e.findings.push(`crc-mismatch ${s.name}`);
          e.refused ??= 'crc-mismatch';
          crcSyms.add(s.name);
          crc++;
          continue;
        }
        if (p.namespace !== '' && !importNs.includes(p.namespace)) {
          e.findings.push(`namespace-not-imported ${s.name}`);
          e.refused ??= 'namespace-not-imported';
          f.namespaceNotImported++;
        }
      }
      f.crcMismatch.findings += crc;
      if (crc) f.crcMismatch.modules++;
      f.unresolved.findings += unres;
      if (unres) f.unresolved.modules++;
      f.missingCrc.findings += miss;
      if (miss) f.missingCrc.modules++;
      f.fromRefusedModule.findings += viaRefused;
      if (viaRefused) f.fromRefusedModule.modules++;
      if (viaRefused && viaRefused === e.findings.length) f.fromRefusedModule.refusedOnlyThroughDependencies++;
    }
    for (const rule of new Set(e.findings.map((k) => k.split(' ')[0]))) f.modulesWith[rule] = (f.modulesWith[rule] ?? 0) + 1;
    if (e.refused) {
      f.refused++;
      f.refusedByFirstReason[e.refused] = (f.refusedByFirstReason[e.refused] ?? 0) + 1;
    }
    perModule.set(path, e);
    return e;
  };
  for (const path of kos) expectationOf(path);
  f.crcMismatch.distinctSymbols = crcSyms.size;
  for (const row of imageA.values()) {
    if (row.owner === 'vmlinux') continue;
    if (kernelB.get(row.name)?.owner === 'vmlinux') f.exportsDuplicateOfVmlinux.push(`${row.owner}: ${row.name}`);
  }
  return { perModule, figures: f };
}

/** ksymcheck's load findings of one module as `rule symbol`, in its order. */
function ours(m: Report['modules'][number]): string[] {
  return m.findings.filter((x) => x.stage === 'load').map((x) => `${x.rule} ${x.symbol ?? '-'}${x.severity === 'error' ? '' : ` (${x.severity})`}`);
}

const d = READY ? describe : describe.skip;

interface ImageData {
  modulesRoot: string;
  kos: string[];
  raw: Map<string, RawKo>;
  undef: Map<string, UndefinedSymbol[]>;
  kernelB: Map<string, SymversRow>;
  imageA: Map<string, SymversRow>;
  vermagicB: string;
  perModule: Map<string, ModuleExpectation>;
  figures: Figures;
}

/** Raw data of image A and kernel B, read once for both describe blocks. */
let imageData: Promise<ImageData> | undefined;
function loadImage(): Promise<ImageData> {
  imageData ??= (async () => {
    const modulesRoot = join(env.CRC_IMAGE_MODULES!, 'kernel');
    const kos = findKos(modulesRoot);
    const [raw, undef] = await Promise.all([readKos(kos), readUndefined(kos)]);
    const kernelB = readSymvers(join(env.CRC_HEADERS!, 'Module.symvers'));
    const imageA = readSymvers(env.CRC_IMAGE_SYMVERS!);
    const vermagicB = kernelVermagic(env.CRC_HEADERS!);
    const { perModule, figures } = computeExpected(kos, modulesRoot, raw, undef, kernelB, imageA, vermagicB);
    return { modulesRoot, kos, raw, undef, kernelB, imageA, vermagicB, perModule, figures };
  })();
  return imageData;
}

if (!READY) {
  describe('CRC pair', () => {
    test.skip(`skipped: scripts/fetch-kernels recorded CRC_STATUS=${env.CRC_STATUS ?? '(absent: re-run it)'} (see manifest.json crcPair.reason)`, () => {});
  });
}

d(`image ${env.CRC_A} on kernel ${env.CRC_B} (same module_layout ${env.CRC_MODULE_LAYOUT}), stage load`, () => {
  const modulesRoot = join(env.CRC_IMAGE_MODULES ?? '', 'kernel');
  let kos: string[];
  let raw: Map<string, RawKo>;
  let kernelB: Map<string, SymversRow>;
  let imageA: Map<string, SymversRow>;
  let perModule: Map<string, ModuleExpectation>;
  let figures: Figures;
  let r: Report;
  let byPath: Map<string, Report['modules'][number]>;

  beforeAll(async () => {
    ({ kos, raw, kernelB, imageA, perModule, figures } = await loadImage());
    const t0 = Date.now();
    r = await check({ kernel: env.CRC_HEADERS!, modules: [modulesRoot], stage: 'load', missingCrc: 'error', external: false });
    const seconds = (Date.now() - t0) / 1000;
    byPath = new Map(r.modules.map((m) => [m.path, m]));
    const ksymcheckCrc = r.modules.reduce((s, m) => s + m.findings.filter((x) => x.stage === 'load' && x.rule === 'crc-mismatch').length, 0);
    // The figures, for the record (docs/real-kernel-suite.md quotes them).
    console.log(
      JSON.stringify(
        {
          pair: { image: env.CRC_A, headers: env.CRC_B, moduleLayout: env.CRC_MODULE_LAYOUT },
          ...figures,
          unresolved: { ...figures.unresolved, symbols: Object.fromEntries(Object.entries(figures.unresolved.symbols).sort((a, b) => b[1] - a[1])) },
          exportsDuplicateOfVmlinux: figures.exportsDuplicateOfVmlinux.length,
          ksymcheck: {
            seconds,
            fail: r.modules.filter((m) => m.verdict === 'fail').length,
            crcMismatchFindings: ksymcheckCrc,
          },
        },
        null,
        2,
      ),
    );
  });

  test('the pair: same module_layout in both Module.symvers, and some vmlinux CRCs differ', () => {
    expect(imageA.get('module_layout')?.crc).toBe(kernelB.get('module_layout')?.crc);
    const changed = [...kernelB.values()].filter((b) => b.owner === 'vmlinux' && imageA.get(b.name)?.owner === 'vmlinux' && imageA.get(b.name)!.crc !== b.crc);
    expect(changed.length).toBeGreaterThan(0);
  });

  test("raw inputs: thousands of .ko, each with __versions and vermagic, GPL-compatible; A's Module.symvers owners are the image's modules", () => {
    expect(kos.length).toBeGreaterThan(3000);
    const bad = kos.filter((p) => {
      const ko = raw.get(p)!;
      const lic = ko.modinfo.find(([k]) => k === 'license')?.[1];
      return !ko.versions || !ko.modinfo.some(([k]) => k === 'vermagic') || lic === undefined || !GPL_COMPATIBLE.has(lic);
    });
    expect(bad).toEqual([]);
    const files = new Set(kos);
    const owners = new Set([...imageA.values()].filter((x) => x.owner !== 'vmlinux').map((x) => x.owner));
    expect([...owners].filter((o) => !files.has(join(modulesRoot, `${o}.ko`)))).toEqual([]);
  });

  test('the per-symbol path is really exercised (modules get past module_layout and vermagic; CRCs mismatch)', () => {
    expect(figures.pastModuleLayoutAndVermagic).toBeGreaterThan(0);
    expect(figures.crcMismatch.findings).toBeGreaterThan(0);
  });

  test('ksymcheck reads every module', () => {
    expect(r.errors).toEqual([]);
    expect(r.modules.map((m) => m.path).sort()).toEqual([...kos].sort());
  });

  test('per module: the (rule, symbol) load findings equal the raw computation', () => {
    const diffs: string[] = [];
    for (const path of kos) {
      const want = new Set(perModule.get(path)!.findings);
      const got = new Set(ours(byPath.get(path)!));
      const missing = [...want].filter((k) => !got.has(k));
      const extra = [...got].filter((k) => !want.has(k));
      if (missing.length || extra.length)
        diffs.push(`${path.slice(modulesRoot.length + 1)}: missing [${missing.join(', ')}] extra [${extra.join(', ')}]`);
    }
    expect({ modulesDiffering: diffs.length, first: diffs.slice(0, 25) }).toEqual({ modulesDiffering: 0, first: [] });
  });

  // ksymcheck groups findings by rule (module_layout first); within a rule, symbols must come in the
  // loader's (.symtab) order.
  test("per module and rule: ksymcheck lists the symbols in the loader's order", () => {
    const wrong: string[] = [];
    for (const path of kos) {
      const want = perModule.get(path)!.findings;
      const got = ours(byPath.get(path)!);
      for (const rule of new Set(want.map((k) => k.split(' ')[0]))) {
        const w = want.filter((k) => k.startsWith(`${rule} `));
        const g = got.filter((k) => k.startsWith(`${rule} `));
        if (w.join('\n') !== g.join('\n')) wrong.push(`${path}: ${rule}: want ${w.join(', ')}; got ${g.join(', ')}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  test('verdicts: fail exactly for the modules the loader refuses', () => {
    const theirs = kos.filter((p) => perModule.get(p)!.refused !== undefined).sort();
    const mine = r.modules.filter((m) => m.verdict === 'fail').map((m) => m.path).sort();
    const mineSet = new Set(mine);
    const theirSet = new Set(theirs);
    expect({
      count: mine.length,
      missing: theirs.filter((p) => !mineSet.has(p)).slice(0, 20),
      extra: mine.filter((p) => !theirSet.has(p)).slice(0, 20),
    }).toEqual({ count: theirs.length, missing: [], extra: [] });
  });

  test('crc-mismatch evidence: the CRCs ksymcheck quotes are the raw ones', () => {
    const wrong: string[] = [];
    for (const m of r.modules) {
      const ko = raw.get(m.path)!;
      for (const x of m.findings) {
        if (x.stage !== 'load' || x.rule !== 'crc-mismatch' || !x.symbol) continue;
        const mine = ko.versions!.get(x.symbol);
        const hex = (n: number | undefined) => (n === undefined ? undefined : `0x${n.toString(16).padStart(8, '0')}`);
        const provider = kernelB.get(x.symbol)?.owner === 'vmlinux' ? kernelB.get(x.symbol) : (imageA.get(x.symbol) ?? kernelB.get(x.symbol));
        if (x.evidence.crcExpected !== hex(mine) || x.evidence.crcFound !== hex(provider?.crc))
          wrong.push(`${m.path} ${x.symbol}: evidence ${x.evidence.crcExpected}/${x.evidence.crcFound}, raw ${hex(mine)}/${hex(provider?.crc)}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});

/**
 * `missing-crc` cannot happen with unmodified in-tree modules: modpost versions every import it resolves,
 * and Debian's images have no weak undefined symbols. So: copies of real modules of image A that load
 * cleanly on B, with ONE `__versions` entry renamed in place (first name byte → 'X'; the ELF is otherwise
 * untouched), checked the same way. The loader then finds no version for that symbol: Debian's
 * check_version() prints "no symbol version for S" and refuses (a symbol: "Unknown symbol S (err -22)",
 * simplify_symbols goes on; module_layout: check_modstruct_version fails, -ENOEXEC, nothing else).
 * The expected findings are again computed from readelf/nm of the copies.
 */
d(`image ${env.CRC_A} on kernel ${env.CRC_B}: real modules with one __versions entry renamed (missing-crc)`, () => {
  const SYMBOL_COPIES = 24;
  const LAYOUT_COPIES = 4;
  let dir: string;
  let perModule: Map<string, ModuleExpectation>;
  let renamed: Map<string, string>;
  let r: Report;

  /** Offset and size of __versions, from `readelf -S -W`. */
  function versionsSection(path: string): { off: number; size: number } {
    const out = execFileSync('readelf', ['-S', '-W', path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    const m = /\]\s+__versions\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(out);
    if (!m) throw new Error(`${path}: no __versions in readelf -S`);
    return { off: Number.parseInt(m[1], 16), size: Number.parseInt(m[2], 16) };
  }

  function renameEntry(src: string, dst: string, symbol: string): void {
    const buf = readFileSync(src);
    const { off, size } = versionsSection(src);
    for (let e = off; e + 64 <= off + size; e += 64) {
      const end = buf.indexOf(0, e + 8);
      if (buf.toString('latin1', e + 8, end) === symbol) {
        buf[e + 8] = 'X'.charCodeAt(0);
        writeFileSync(dst, buf);
        return;
      }
    }
    throw new Error(`${src}: no __versions entry ${symbol}`);
  }

  beforeAll(async () => {
    const { kos, undef, kernelB, imageA, vermagicB, perModule: clean } = await loadImage();
    // Modules that load cleanly on B and import only from vmlinux (checked alone, nothing else is needed).
    const picks = kos.filter((p) => {
      const syms = undef.get(p)!;
      return clean.get(p)!.findings.length === 0 && syms.length >= 3 && syms.every((x) => kernelB.get(x.name)?.owner === 'vmlinux');
    });
    // spread over the tree, unique file names
    const chosen: string[] = [];
    const names = new Set<string>();
    const step = Math.max(1, Math.floor(picks.length / (SYMBOL_COPIES + LAYOUT_COPIES)));
    for (let i = 0; i < picks.length && chosen.length < SYMBOL_COPIES + LAYOUT_COPIES; i += step) {
      if (names.has(basename(picks[i]))) continue;
      names.add(basename(picks[i]));
      chosen.push(picks[i]);
    }
    dir = mkdtempSync(join(tmpdir(), 'ksymcheck-crc-pair-'));
    renamed = new Map();
    chosen.forEach((src, i) => {
      const syms = undef.get(src)!;
      // symbol copies: vary the position (first, middle, last import); the rest: module_layout
      const symbol = i < SYMBOL_COPIES ? syms[[0, Math.floor(syms.length / 2), syms.length - 1][i % 3]].name : 'module_layout';
      const dst = join(dir, basename(src));
      renameEntry(src, dst, symbol);
      renamed.set(dst, symbol);
    });
    const copies = [...renamed.keys()].sort();
    const [rawC, undefC] = await Promise.all([readKos(copies), readUndefined(copies)]);
    ({ perModule } = computeExpected(copies, dir, rawC, undefC, kernelB, imageA, vermagicB));
    r = await check({ kernel: env.CRC_HEADERS!, modules: [dir], stage: 'load', missingCrc: 'error', external: false });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the raw computation sees exactly the renamed entry as missing', () => {
    expect(renamed.size).toBe(SYMBOL_COPIES + LAYOUT_COPIES);
    for (const [path, symbol] of renamed) expect(perModule.get(path)!.findings).toEqual([`missing-crc ${symbol}`]);
  });

  test('ksymcheck: the same (rule, symbol) load findings, and fail', () => {
    expect(r.errors).toEqual([]);
    const got = Object.fromEntries(r.modules.map((m) => [m.path, { findings: ours(m), verdict: m.verdict }]));
    const want = Object.fromEntries([...perModule].map(([p, e]) => [p, { findings: e.findings, verdict: 'fail' }]));
    expect(got).toEqual(want);
  });
});

// Read once so that a missing file fails loudly at collection time rather than as a skipped suite.
if (READY) readFileSync(env.CRC_IMAGE_SYMVERS!);
