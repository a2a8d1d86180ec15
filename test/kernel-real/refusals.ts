/**
 * The loader's verdicts on a kernel image's in-tree modules loaded into ANOTHER ABI's kernel, computed from
 * raw data only (readelf's `__versions` and `.modinfo` of every module, env.ts; the Module.symvers files),
 * and the tests comparing ksymcheck's report with them — shared by in-tree.test.ts (Debian 12's 6.1) and
 * trixie-other-abi.test.ts (Debian 13's 6.12). The loader's order: module_layout first
 * (check_modstruct_version: a mismatch stops the load, nothing else is printed), then vermagic
 * (check_modinfo; with __versions the release token is ignored, a mismatch stops the load), then every
 * imported symbol (simplify_symbols goes on after a failure: each absent one → "Unknown symbol", each CRC
 * that differs → "disagrees about version"). Scenario: the whole image's module set on the other kernel (what
 * ksymcheck models when given the directory): a vmlinux symbol resolves to the other kernel's CRC; a symbol
 * exported by a module of the image resolves to that module (the image's own Module.symvers' CRC); else an
 * in-tree module of the other kernel's.
 */
import type { Report } from '../../src/index.js';
import type { RawKo, SymversRow } from './env.js';

/** vermagic without the release token (what the loader compares when the module has __versions). */
export function vermagicTail(v: string | undefined): string | undefined {
  return v?.trim().split(/\s+/).slice(1).join(' ');
}

export interface Expected {
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

export function expectedRefusals(
  paths: string[],
  raw: Map<string, RawKo>,
  old: Map<string, SymversRow>,
  image: Map<string, SymversRow>,
  oldVermagicTail: string | undefined,
): Expected {
  if (oldVermagicTail === undefined) throw new Error('no vermagic for the other ABI (oracle .ko missing?)');
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
  for (const path of paths) {
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

export function countBy<T>(xs: Iterable<T>, f: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
  return out;
}

/** The figures, for the record (docs/real-kernel-suite.md quotes them). */
export function refusalFigures(paths: string[], expected: Expected): Record<string, unknown> {
  return {
    modules: paths.length,
    withoutVersions: expected.noVersions.length,
    vermagicMismatch: expected.vermagicMismatch.length,
    passModuleLayoutAndVermagic: expected.reachSymbols.size,
    refusedByOtherAbi: expected.refused.size,
    firstReason: countBy(expected.refused.values(), (r) => r.split(' ').slice(0, r.startsWith('crc module_layout') ? 2 : 1).join(' ')),
    modulesWithSymbolCrcMismatch: expected.crcMismatch.size,
    symbolCrcMismatches: [...expected.crcMismatch.values()].reduce((s, x) => s + x.length, 0),
    modulesWithUnknownSymbol: expected.unknown.size,
    unknownSymbols: countBy([...expected.unknown.values()].flat(), (s) => s),
  };
}

/**
 * The tests of ksymcheck's stage-load report on the other ABI's kernel against `expected()`: the same
 * modules refused, the same module_layout mismatches, exactly one error where the loader stops early, and
 * every failing symbol of the modules that get past module_layout and vermagic.
 */
export function otherAbiLoadTests(report: () => Report, expected: () => Expected): void {
  test("ksymcheck refuses exactly the modules the other ABI's loader refuses", () => {
    const r = report();
    const e = expected();
    expect(r.errors).toEqual([]);
    const ours = r.modules.filter((m) => m.verdict === 'fail').map((m) => m.path).sort();
    const theirs = [...e.refused.keys()].sort();
    const missing = theirs.filter((p) => !ours.includes(p));
    const extra = ours.filter((p) => !e.refused.has(p));
    expect({ count: ours.length, missing: missing.slice(0, 20), extra: extra.slice(0, 20) }).toEqual({
      count: theirs.length,
      missing: [],
      extra: [],
    });
  });

  test('module_layout: the same modules get a crc-mismatch error on it', () => {
    const ours = report()
      .modules.filter((m) => m.findings.some((f) => f.rule === 'crc-mismatch' && f.symbol === 'module_layout' && f.severity === 'error'))
      .map((m) => m.path)
      .sort();
    const theirs = [...expected().refused].filter(([, why]) => why === 'crc module_layout').map(([p]) => p).sort();
    expect(ours.length).toBe(theirs.length);
    expect(ours).toEqual(theirs);
  });

  // The loader stops at module_layout or vermagic and prints nothing else; ksymcheck does the same.
  test('a module refused by module_layout or vermagic gets exactly that one load error', () => {
    const byPath = new Map(report().modules.map((m) => [m.path, m]));
    const stopped = [...expected().refused].filter(([, why]) => why === 'crc module_layout' || why === 'vermagic');
    const wrong: string[] = [];
    for (const [path, why] of stopped) {
      const errs = (byPath.get(path)?.findings ?? []).filter((f) => f.stage === 'load' && f.severity === 'error');
      const want = why === 'vermagic' ? 'vermagic-mismatch -' : 'crc-mismatch module_layout';
      const got = errs.map((f) => `${f.rule} ${f.symbol ?? '-'}`);
      if (got.length !== 1 || got[0] !== want) wrong.push(`${path}: want [${want}], got [${got.join(', ')}]`);
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  // Past module_layout and vermagic, simplify_symbols reports every failing symbol. With ABIs whose
  // module_layout differs no module gets there, so this is vacuous for such a pair; crc-pair.test.ts
  // exercises it on a 6.1 ABI pair sharing module_layout (fetch-kernels picks it).
  test('modules that pass module_layout and vermagic: every CRC mismatch and unknown symbol', () => {
    const e = expected();
    const ours = report()
      .modules.filter((m) => e.reachSymbols.has(m.path))
      .flatMap((m) =>
        m.findings
          .filter((f) => f.stage === 'load' && f.severity === 'error' && (f.rule === 'crc-mismatch' || f.rule === 'unresolved'))
          .map((f) => `${m.path} ${f.rule} ${f.symbol}`),
      )
      .sort();
    const theirs = [...e.reachSymbols]
      .flatMap((p) => [
        ...(e.crcMismatch.get(p) ?? []).map((s) => `${p} crc-mismatch ${s}`),
        ...(e.unknown.get(p) ?? []).map((s) => `${p} unresolved ${s}`),
      ])
      .sort();
    const mine = new Set(ours);
    const exp = new Set(theirs);
    expect({ missing: theirs.filter((x) => !mine.has(x)).slice(0, 20), extra: ours.filter((x) => !exp.has(x)).slice(0, 20) }).toEqual({
      missing: [],
      extra: [],
    });
  });
}
