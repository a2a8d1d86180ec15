/**
 * A model of the loader's symbol resolution (kernel/module: simplify_symbols() → resolve_symbol()),
 * walked once per module in .symtab order because its side effects (proprietary taint inherited from
 * another module, `using_gplonly_symbols`) change how later symbols resolve.
 *
 * Per undefined symbol, resolve_symbol() does, in this order (read in 4.4/4.14-era kernel/module.c,
 * 5.8-era kernel/module.c, 6.x kernel/module/main.c):
 *   1. find_symbol(), with `gplok = !(mod->taints & TAINT_PROPRIETARY_MODULE)`: GPL-only tables are
 *      skipped for a tainted module (→ not found, plain "Unknown symbol"). While finding, ≤5.11 prints
 *      the GPL_FUTURE warning (tainted module) and the UNUSED warning.
 *   2. `if (license == GPL_ONLY) mod->using_gplonly_symbols = true;`           (5.9+)
 *   3. inherit_taint(): owner module tainted proprietary → refuse if the importer already uses
 *      GPL-only symbols (fsa.sym = NULL → "Unknown symbol … (err -2)"), else warn and taint the importer
 *      (so every LATER GPL-only lookup fails).                                      (5.9+)
 *   4. check_version() (CONFIG_MODVERSIONS): CRC mismatch → ERR_PTR(-EINVAL).
 *   5. verify_namespace_is_imported()                                             (5.4+)
 * simplify_symbols() then prints `%s: Unknown symbol %s (err %d)` for every failure (not for an
 * unresolved weak symbol, nor — x86, 5.12+ — for `_GLOBAL_OFFSET_TABLE_`) and keeps going.
 */
import type { Export } from '../kernel/types.js';
import { isGplOnly } from '../kernel/types.js';
import type { ModuleFacts } from '../module/types.js';
import { importColumns, versionById } from '../module/columns.js';
import { nameOf } from '../module/names.js';
import type { RuleContext } from './types.js';
import { atLeast, inRange, message, pickValue, type MessageEntry, type Versioned, type VersionRange } from './versioned.js';
import {
  configEnabled,
  ignoreUndefSymbol,
  isSectionBound,
  kernelHasModversions,
  loaderDefinesUndef,
  loaderIgnoresUndef,
  loaderName,
  loaderTaintsProprietary,
  loaderUsesExtendedVersions,
  loaderVersions,
  ownerModule,
  resolveById,
} from './shared.js';
import { rangeText, type VersionRow } from './info.js';

export type ResolveStatus =
  /** `__this_module`, in a `.o` the arch helpers modpost ignores (defined by the final link), ppc64's `.TOC.` (defined by the loader). */
  | 'internal'
  /** Not found and ignored by the loader (x86 `_GLOBAL_OFFSET_TABLE_`, 5.12+). */
  | 'ignored'
  /** Not found, weak: fine. */
  | 'weak-missing'
  /** Not exported anywhere the loader looks (or only by a module of the run the loader refuses: see ownerRefused). */
  | 'missing'
  /** Exported GPL-only, but the module is tainted proprietary at this point: skipped → not found. */
  | 'gpl-hidden'
  /** Found (later steps may still fail it). */
  | 'found';

export interface InheritEvent {
  owner: string;
  /** 'refuse': the importer already used GPL-only symbols; 'warn': taint inherited. */
  action: 'refuse' | 'warn';
}

export interface LoaderSymbol {
  /** The import's name and weakness (its references: ctx.module.imports[index].refs). */
  imp: { name: string; weak: boolean };
  /** Index in ctx.module.imports. */
  index: number;
  status: ResolveStatus;
  export?: Export;
  /** The module was tainted proprietary when this symbol was looked up. */
  taintedAtLookup: boolean;
  /** …because of inherited taint (name of the proprietary module it came from), not its own licence. */
  taintInheritedFrom?: string;
  gplFutureWarning: boolean;
  unusedWarning: boolean;
  inherit?: InheritEvent;
  /**
   * The export is another module's of this run, and the loader refuses that module: it is never loaded,
   * so find_symbol() does not find the symbol (status 'missing' or 'weak-missing').
   */
  ownerRefused?: { owner: string; reason: string };
  crc?: 'ok' | 'mismatch' | 'missing' | 'no-versions' | 'unversioned-export';
  namespace?: 'ok' | 'not-imported' | 'not-imported-allowed';
  /** The symbol fails resolution: the loader prints `Unknown symbol … (err errno)`. */
  failed: boolean;
  errno?: number;
}

export interface LoaderWalk {
  /**
   * The symbols a rule may report on, in .symtab order: every one that is not simply found — failed,
   * warned about, hidden, missing, refused with its owner, a CRC missing or different, a namespace not
   * imported. A symbol that resolves cleanly is left out: the rules only look for these, and a tree's
   * 185,000 clean imports made as many objects for nothing to read.
   */
  symbols: LoaderSymbol[];
}

const NO_IMPORT = { name: '', weak: false };

/** A symbol of the walk kept for the rules: the scratch symbol's fields, one object shape. */
function copyOut(s: LoaderSymbol, imp: LoaderSymbol['imp']): LoaderSymbol {
  return {
    imp,
    index: s.index,
    status: s.status,
    export: s.export,
    taintedAtLookup: s.taintedAtLookup,
    taintInheritedFrom: s.taintInheritedFrom,
    gplFutureWarning: s.gplFutureWarning,
    unusedWarning: s.unusedWarning,
    inherit: s.inherit,
    ownerRefused: s.ownerRefused,
    crc: s.crc,
    namespace: s.namespace,
    failed: s.failed,
    errno: s.errno,
  };
}

/** Is there anything about this symbol a rule could report? (See LoaderWalk.symbols.) */
function reportable(s: LoaderSymbol): boolean {
  return (
    s.status !== 'found' ||
    s.failed ||
    s.gplFutureWarning ||
    s.unusedWarning ||
    s.inherit !== undefined ||
    s.ownerRefused !== undefined ||
    s.crc === 'mismatch' ||
    s.crc === 'missing' ||
    (s.namespace !== undefined && s.namespace !== 'ok')
  );
}

/**
 * The errno `%s: Unknown symbol %s (err %d)` shows for a symbol that is simply not found (NULL): up to
 * 4.18 the loader prints `pr_warn(… (err %li)", PTR_ERR(ksym))` = 0 (4.4/4.14 sources; RHEL 8's 4.18.0
 * source; logs from 4.14, 4.15, 4.16, Kubuntu's 4.18.0-11 and Arch's 4.18.15); 4.19 is the first release
 * read that prints `ret = PTR_ERR(ksym) ?: -ENOENT` = -2 (4.19 source; a Debian 4.19.194 log). 4.17 is
 * inferred (4.16 and 4.18 both print 0); the commit between 4.18 and 4.19 was not found.
 */
export const NOT_FOUND_ERRNO: readonly Versioned<number>[] = [{ until: '4.19', value: 0 }];

export function notFoundErrno(ctx: RuleContext): number {
  return pickValue(NOT_FOUND_ERRNO, ctx.version, -2);
}

export const UNKNOWN_SYMBOL: readonly MessageEntry[] = [{ severity: 'error', template: '%s: Unknown symbol %s (err %d)' }];

/** The loader's line for a failed symbol; `errno` undefined or -2 = not found (version-dependent). */
export function unknownSymbolLine(ctx: RuleContext, symbol: string, errno?: number): string {
  const e = errno === undefined || errno === -2 ? notFoundErrno(ctx) : errno;
  return message(UNKNOWN_SYMBOL, ctx.version, loaderName(ctx.module), symbol, e)!.message;
}

/** `module:` namespaces (6.16+): comma-separated patterns, trailing `*` glob, `-` and `_` alike. */
export function moduleNamespaceMatches(patterns: string, modname: string, foldDashes: boolean): boolean {
  const norm = (s: string) => (foldDashes ? s.replace(/-/g, '_') : s);
  const name = norm(modname);
  for (const raw of patterns.split(',')) {
    if (raw === '') continue;
    const glob = raw.endsWith('*');
    const pat = norm(glob ? raw.slice(0, -1) : raw);
    if (glob ? name.startsWith(pat) : name === pat) return true;
  }
  return false;
}

export const MODULE_NS_PREFIX = 'module:';

/** Kernels with inherit_taint(): 5.9+, and the 5.4.y stable backport (5.4.118, May 2021). */
export const INHERIT_TAINT: readonly VersionRange[] = [{ since: '5.4.118', until: '5.5' }, { since: '5.9' }];

export function hasInheritTaint(ctx: RuleContext): boolean {
  return INHERIT_TAINT.some((r) => inRange(ctx.version, r));
}

export function hasModuleNamespaces(ctx: RuleContext): boolean {
  return atLeast(ctx.version, '6.16');
}

function ownerTaintedProprietary(ctx: RuleContext, owner: ModuleFacts, seen: Set<string>): boolean {
  if (loaderTaintsProprietary(owner)) return true;
  if (!hasInheritTaint(ctx) || seen.has(owner.path)) return false;
  seen.add(owner.path);
  // the owner inherited the taint when it was loaded (inherit_taint, transitively)
  const cols = importColumns(owner);
  for (let i = 0; i < cols.length; i++) {
    const e = resolveById(ctx, cols.ids[i]);
    if (!e) continue;
    const o = ownerModule(ctx, e.owner);
    if (o && o.path !== owner.path && ownerTaintedProprietary(ctx, o, seen)) return true;
  }
  return false;
}

/** Does any module of the run taint proprietary by its own licence? Without one, no owner can be tainted. */
const runHasProprietary = new WeakMap<ReadonlyMap<string, ModuleFacts>, boolean>();

function anyProprietary(modules: ReadonlyMap<string, ModuleFacts>): boolean {
  let hit = runHasProprietary.get(modules);
  if (hit === undefined) {
    hit = false;
    for (const m of modules.values()) if ((hit = loaderTaintsProprietary(m))) break;
    runHasProprietary.set(modules, hit);
  }
  return hit;
}

const cache = new WeakMap<RuleContext, LoaderWalk>();

export function loaderWalk(ctx: RuleContext): LoaderWalk {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const mod = ctx.module;
  const v = ctx.version;
  const hasInherit = hasInheritTaint(ctx);
  const hasNamespaces = atLeast(v, '5.4');
  const hasFutureUnused = !atLeast(v, '5.12');
  const modversions = kernelHasModversions(ctx);
  const forceLoad = configEnabled(ctx, 'CONFIG_MODULE_FORCE_LOAD');
  const allowMissingNs = configEnabled(ctx, 'CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS');
  const versions = loaderVersions(ctx);
  // Debian refuses a missing CRC on the basic path only (its check_version() patch, read in 7.2.13)
  const refuseMissingCrc = ctx.options.missingCrc === 'error' && !loaderUsesExtendedVersions(ctx);

  // Whether an owner is tainted is reachability in the run's import graph (without this module): the
  // same for every symbol of this module, so it is computed once per owner; and only ownerModule()'s
  // modules can be reached, so a run without a proprietary module needs no walk at all.
  const ownerTaintMemo = new Map<string, boolean>();
  const runProprietary = hasInherit && anyProprietary(ctx.modules);
  const ownerTainted = (owner: ModuleFacts): boolean => {
    if (!runProprietary) return false;
    let t = ownerTaintMemo.get(owner.path);
    if (t === undefined) ownerTaintMemo.set(owner.path, (t = ownerTaintedProprietary(ctx, owner, new Set([mod.path]))));
    return t;
  };

  let tainted = loaderTaintsProprietary(mod);
  let inheritedFrom: string | undefined;
  let usingGplOnly = false;
  const symbols: LoaderSymbol[] = [];

  const moduleNamespaces = hasModuleNamespaces(ctx);
  let want: number | undefined;
  // One scratch symbol walked through every import; only a reportable one is copied out (a tree's
  // 185,000 clean imports made as many objects before, to be dropped at once).
  const s: LoaderSymbol = {
    imp: NO_IMPORT,
    index: 0,
    status: 'found',
    export: undefined,
    taintedAtLookup: false,
    taintInheritedFrom: undefined,
    gplFutureWarning: false,
    unusedWarning: false,
    inherit: undefined,
    ownerRefused: undefined,
    crc: undefined,
    namespace: undefined,
    failed: false,
    errno: undefined,
  };
  const resolveSymbol = (s: LoaderSymbol, id: number, weak: boolean): void => {
    const name = nameOf(id);
    // `.o` input: the final .ko link defines __this_module and the ppc/s390 helpers modpost ignores;
    // ppc64's loader defines `.TOC.` itself
    if (
      name === '__this_module' ||
      loaderDefinesUndef(name, mod.machine) ||
      (mod.kind === 'o' && name !== '_GLOBAL_OFFSET_TABLE_' && !isSectionBound(name) && ignoreUndefSymbol(name, mod.machine, v))
    ) {
      s.status = 'internal';
      return;
    }
    let exp = resolveById(ctx, id);
    s.export = exp;
    // exported by another module of the run that is itself refused: never loaded, so not found
    if (exp && exp.owner !== 'vmlinux' && ctx.refusedOwner) {
      const owner = ownerModule(ctx, exp.owner);
      const reason = owner ? ctx.refusedOwner(owner) : undefined;
      if (owner && reason !== undefined) {
        s.ownerRefused = { owner: loaderName(owner), reason };
        exp = undefined;
      }
    }
    const hidden = exp !== undefined && isGplOnly(exp.type) && tainted;
    if (!exp || hidden) {
      if (hidden) s.status = 'gpl-hidden';
      else if (weak) s.status = 'weak-missing';
      else if (loaderIgnoresUndef(name, mod.machine, v)) s.status = 'ignored';
      else s.status = 'missing';
      // a hidden GPL-only symbol that is weak is "not found" too, and weak → no error
      if (hidden && weak) return;
      if (s.status === 'missing' || s.status === 'gpl-hidden') {
        s.failed = true;
        s.errno = -2;
      }
      return;
    }

    // step 1 side effects: ≤5.11 warnings printed by find_symbol's per-section check
    if (hasFutureUnused) {
      if (exp.type === 'EXPORT_SYMBOL_GPL_FUTURE' && tainted) s.gplFutureWarning = true;
      if (exp.type === 'EXPORT_UNUSED_SYMBOL' || exp.type === 'EXPORT_UNUSED_SYMBOL_GPL') s.unusedWarning = true;
    }

    // steps 2 + 3
    if (hasInherit) {
      if (isGplOnly(exp.type)) usingGplOnly = true;
      const owner = runProprietary ? ownerModule(ctx, exp.owner) : undefined;
      if (owner && ownerTainted(owner)) {
        if (usingGplOnly) {
          s.inherit = { owner: loaderName(owner), action: 'refuse' };
          s.failed = true;
          s.errno = -2;
          return;
        }
        if (!tainted) {
          s.inherit = { owner: loaderName(owner), action: 'warn' };
          tainted = true;
          inheritedFrom = loaderName(owner);
        }
      }
    }

    // step 4: check_version()
    if (modversions) {
      if (exp.crc === null) s.crc = 'unversioned-export';
      else if (!versions) {
        s.crc = 'no-versions';
        if (!forceLoad) {
          s.failed = true;
          s.errno = -22;
          return;
        }
      } else if ((want = versionById(versions, id)) !== undefined) {
        if ((want >>> 0) === (exp.crc >>> 0)) s.crc = 'ok';
        else {
          s.crc = 'mismatch';
          s.failed = true;
          s.errno = -22;
          return;
        }
      } else {
        s.crc = 'missing';
        if (refuseMissingCrc) {
          s.failed = true;
          s.errno = -22;
          return;
        }
      }
    }

    // step 5: verify_namespace_is_imported()
    if (hasNamespaces && exp.namespace !== '') {
      // 6.16+: verify_module_namespace() first; a module: namespace that does not match is then checked
      // as any other (import_ns, CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS) — 7.2.13 main.c
      if (moduleNamespaces && exp.namespace.startsWith(MODULE_NS_PREFIX) && moduleNamespaceMatches(exp.namespace.slice(MODULE_NS_PREFIX.length), loaderName(mod), true)) s.namespace = 'ok';
      else if (mod.importNs.includes(exp.namespace)) s.namespace = 'ok';
      else if (allowMissingNs) s.namespace = 'not-imported-allowed';
      else {
        s.namespace = 'not-imported';
        s.failed = true;
        s.errno = -22;
      }
    }
  };
  const cols = importColumns(mod);
  for (let index = 0; index < cols.length; index++) {
    s.index = index;
    s.status = 'found';
    s.export = undefined;
    s.taintedAtLookup = tainted;
    s.taintInheritedFrom = inheritedFrom;
    s.gplFutureWarning = false;
    s.unusedWarning = false;
    s.inherit = undefined;
    s.ownerRefused = undefined;
    s.crc = undefined;
    s.namespace = undefined;
    s.failed = false;
    s.errno = undefined;
    resolveSymbol(s, cols.ids[index], cols.weak(index));
    if (reportable(s)) symbols.push(copyOut(s, { name: cols.name(index), weak: cols.weak(index) }));
  }

  const walk: LoaderWalk = { symbols };
  cache.set(ctx, walk);
  return walk;
}

/** The rows of `ruleDocs` for the loader's "Unknown symbol" line, with its errno per version. */
export function unknownSymbolRows(condition?: string): VersionRow[] {
  return NOT_FOUND_ERRNO.map((e) => e.value)
    .concat(-2)
    .map((errno, i) => ({
      stage: 'load' as const,
      versions: i < NOT_FOUND_ERRNO.length ? rangeText(NOT_FOUND_ERRNO[i]) : `${NOT_FOUND_ERRNO[NOT_FOUND_ERRNO.length - 1].until} and later`,
      ...(condition ? { condition } : {}),
      severity: 'error' as const,
      message: UNKNOWN_SYMBOL[0].template.replace('%d', String(errno)),
    }));
}
