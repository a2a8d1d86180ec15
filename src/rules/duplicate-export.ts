/**
 * duplicate-export: the module exports a symbol the kernel (vmlinux or another module) already exports.
 *
 * Build: scripts/mod/modpost.c sym_add_exported().
 *  - ≤5.4: symbols read from Module.symvers were "preloaded" and silently overridden — only a clash
 *    between two modules of the same modpost run was warned about.
 *  - 5.5 (Masahiro Yamada, "modpost: do not set ->preloaded for symbols from Module.symvers", Nov 2019):
 *    warned whatever the source, except that an external (M=) module may override an export of an
 *    in-tree module (tools/testing/nvdimm does); for external modules only a previous export in
 *    vmlinux (or in the module itself) is reported.
 *  - 5.19 ("modpost: make multiple export error"): error().
 *
 * Load: verify_export_symbols() (kernel/module.c, 2.6.16+: "Find duplicate symbols", Ashutosh Naik, Dec
 * 2005), renamed verify_exported_symbols() (kernel/module.c, then kernel/module/main.c from 5.19), called
 * under module_mutex from complete_formation() — after simplify_symbols(), so only a module whose symbols
 * all resolved gets there. For each of the module's export tables in turn (__ksymtab, __ksymtab_gpl, and
 * ≤5.11 __ksymtab_gpl_future, __ksymtab_unused, __ksymtab_unused_gpl), each entry in section order,
 * find_symbol() over vmlinux and the loaded modules (gplok): the first hit prints
 * `%s: exports duplicate symbol %s (owned by %s)` (module_name(NULL) = "kernel") and the load fails with
 * -ENOEXEC. Same text in 2.6.16 (printk KERN_ERR), 4.x–5.x (pr_err, kernel/module.c) and 6.1
 * (kernel/module/main.c) [src]. "Loaded" here: vmlinux, and the modules this one depends on (its imports
 * resolve to them, transitively), which modprobe loads first and the loader does not refuse; a module of
 * the run it does not depend on may load before or after it, so it is not counted.
 */
import type { Export } from '../kernel/types.js';
import type { ModuleExport, ModuleFacts } from '../module/types.js';
import { importColumns } from '../module/columns.js';
import type { Finding, Rule, RuleContext } from './types.js';
import { atLeast, message, type MessageEntry } from './versioned.js';
import {
  finding,
  isVmlinux,
  loaderName,
  modpostBasename,
  modpostModName,
  modpostName,
  ownerBasename,
  ownerModule,
  resolveById,
  sameModuleName,
} from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const EXPORTED_TWICE_MESSAGES: readonly MessageEntry[] = [
  { until: '5.7', severity: 'warning', template: "WARNING: %s: '%s' exported twice. Previous export was in %s%s" },
  { since: '5.7', until: '5.19', severity: 'warning', template: "WARNING: modpost: %s: '%s' exported twice. Previous export was in %s%s" },
  { since: '5.19', severity: 'error', template: "ERROR: modpost: %s: '%s' exported twice. Previous export was in %s%s" },
];

function check(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const self = modpostBasename(ctx.module);
  const preloadedSilently = !atLeast(ctx.version, '5.5');
  // the run's order matters only to kernels before 5.5 (worked out then: a scan per module is quadratic in a tree)
  let order: { runModules: ModuleFacts[]; selfIndex: number } | undefined;
  const runOrder = () => {
    if (!order) {
      const runModules = [...ctx.modules.values()];
      order = { runModules, selfIndex: runModules.findIndex((m) => m === ctx.module || m.path === ctx.module.path) };
    }
    return order;
  };
  for (const e of ctx.module.exports) {
    const prev = ctx.kernel.exports.get(e.name) ?? ctx.resolve(e.name);
    if (!prev) continue;
    if (sameModuleName(ownerBasename(prev.owner), self) || prev.owner === modpostModName(ctx.module)) continue;
    const other = ownerModule(ctx, prev.owner);
    if (preloadedSilently) {
      // only another module of the same run, processed before this one, is "previous" and not preloaded
      if (!other) continue;
      const { runModules, selfIndex } = runOrder();
      const otherIndex = runModules.indexOf(other);
      if (selfIndex >= 0 && otherIndex > selfIndex) continue;
    } else if (ctx.options.external && !isVmlinux(prev.owner)) {
      continue;
    }
    const vmlinux = isVmlinux(prev.owner);
    const m = message(EXPORTED_TWICE_MESSAGES, ctx.version, modpostName(ctx), e.name, prev.owner, vmlinux ? '' : '.ko')!;
    out.push(
      finding(ctx, {
        rule: 'duplicate-export',
        stage: 'build',
        severity: m.severity,
        symbol: e.name,
        message: m.message,
        hint:
          `'${e.name}' is already exported by ${vmlinux ? 'the kernel (vmlinux)' : prev.owner}: rename the module's ` +
          `symbol or drop its EXPORT_SYMBOL`,
        evidence: {
          exportType: e.type,
          previousOwner: prev.owner,
          previousExportType: prev.type,
          modpostPrints: true,
        },
        references: [],
      }),
    );
  }
  return out;
}

export const duplicateExport: Rule = {
  id: 'duplicate-export',
  stage: 'build',
  docs: {
    summary: "The module exports a symbol that vmlinux or another module already exports ('exported twice').",
    source: 'scripts/mod/modpost.c: sym_add_exported()',
  },
  check,
};

export const EXPORTS_DUPLICATE_MESSAGES: readonly MessageEntry[] = [{ since: '2.6.16', severity: 'error', template: '%s: exports duplicate symbol %s (owned by %s)' }];

/** -ENOEXEC: what finit_module() fails with. */
export const EXPORTS_DUPLICATE_ERRNO = -8;

/** The loader's order of a module's export tables (struct module: syms, gpl_syms, gpl_future_syms, unused_syms, unused_gpl_syms). */
const TABLE_ORDER: readonly string[] = ['EXPORT_SYMBOL', 'EXPORT_SYMBOL_GPL', 'EXPORT_SYMBOL_GPL_FUTURE', 'EXPORT_UNUSED_SYMBOL', 'EXPORT_UNUSED_SYMBOL_GPL'];

/**
 * The order verify_exported_symbols() meets the module's exports: before 7.1 table by table (syms, then
 * gpl_syms, …); 7.1+ (one __ksymtab, 55fcb926b6d8; read in 7.2.13) the one table, which the module's
 * linker script sorts by name (SORT(___ksymtab+*)).
 */
function exportWalkOrder(ctx: RuleContext): ModuleExport[] {
  if (atLeast(ctx.version, '7.1')) return [...ctx.module.exports].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return TABLE_ORDER.flatMap((t) => ctx.module.exports.filter((e) => e.type === t));
}

/**
 * The modules of the run this one depends on — its imports resolve to them, and theirs, transitively —
 * that the loader does not refuse: modprobe loads them first, so their exports are the loader's.
 */
function loadedBefore(ctx: RuleContext): Set<ModuleFacts> {
  const out = new Set<ModuleFacts>();
  const queue: ModuleFacts[] = [ctx.module];
  const seen = new Set<ModuleFacts>(queue);
  while (queue.length > 0) {
    const m = queue.shift()!;
    const cols = importColumns(m);
    for (let i = 0; i < cols.length; i++) {
      const e = resolveById(ctx, cols.ids[i]);
      if (!e || isVmlinux(e.owner)) continue;
      const dep = ownerModule(ctx, e.owner);
      if (!dep || seen.has(dep) || dep === m) continue;
      seen.add(dep);
      if (ctx.refusedOwner?.(dep) !== undefined) continue; // never loaded
      out.add(dep);
      queue.push(dep);
    }
  }
  return out;
}

/**
 * The first of `deps` (in their order) that exports each name: one pass over their exports, instead of a
 * scan of every dependency's exports for each of the module's exports.
 */
function firstExporters(deps: Set<ModuleFacts>): Map<string, ModuleFacts> {
  const out = new Map<string, ModuleFacts>();
  for (const d of deps) for (const x of d.exports) if (!out.has(x.name)) out.set(x.name, d);
  return out;
}

/** Who already exports `e` when this module reaches complete_formation(): "kernel", a module's name, or nobody. */
function loadedOwner(ctx: RuleContext, e: ModuleExport, depExporters: () => Map<string, ModuleFacts>, depOwners: () => Set<string>): string | undefined {
  const k: Export | undefined = ctx.kernel.exports.get(e.name);
  if (k && isVmlinux(k.owner)) return 'kernel';
  const d = depExporters().get(e.name);
  if (d) return loaderName(d);
  // a module Module.symvers lists (not of this run), loaded first because this one imports from it
  if (k && !sameModuleName(ownerBasename(k.owner), modpostBasename(ctx.module)) && depOwners().has(k.owner)) return ownerBasename(k.owner).replace(/-/g, '_');
  return undefined;
}

function checkLoad(ctx: RuleContext): Finding[] {
  if (ctx.module.kind === 'o' || ctx.module.exports.length === 0) return [];
  const m0 = message(EXPORTS_DUPLICATE_MESSAGES, ctx.version, '', '', '');
  if (!m0) return [];
  let exporters: Map<string, ModuleFacts> | undefined;
  let owners: Set<string> | undefined;
  const exportersOf = () => (exporters ??= firstExporters(loadedBefore(ctx)));
  const ownersOf = () => {
    if (!owners) {
      owners = new Set();
      const cols = importColumns(ctx.module);
      for (let i = 0; i < cols.length; i++) {
        const e = ctx.kernel.exports.get(cols.name(i));
        if (e && !isVmlinux(e.owner)) owners.add(e.owner);
      }
    }
    return owners;
  };
  const ordered = exportWalkOrder(ctx);
  for (const e of ordered) {
    const owner = loadedOwner(ctx, e, exportersOf, ownersOf);
    if (owner === undefined) continue;
    const m = message(EXPORTS_DUPLICATE_MESSAGES, ctx.version, loaderName(ctx.module), e.name, owner)!;
    return [
      finding(ctx, {
        rule: 'duplicate-export',
        stage: 'load',
        severity: m.severity,
        symbol: e.name,
        message: m.message,
        hint:
          `'${e.name}' is already exported by ${owner === 'kernel' ? 'the kernel (vmlinux)' : `module ${owner}, loaded first`}: the loader ` +
          `refuses the module (finit_module: ENOEXEC); rename the module's symbol or drop its EXPORT_SYMBOL`,
        evidence: { exportType: e.type, previousOwner: owner, errno: EXPORTS_DUPLICATE_ERRNO, stopsLoad: true },
        references: [],
      }),
    ];
  }
  return [];
}

/** The loader's refusal of a module exporting a symbol already exported (complete_formation()). */
export const duplicateExportLoad: Rule = {
  id: 'duplicate-export',
  stage: 'load',
  firstLoaderStep: 4,
  docs: {
    summary: 'The loader refuses a module exporting a symbol that vmlinux or a module loaded before it already exports (ENOEXEC).',
    source: 'kernel/module/main.c: complete_formation() → verify_exported_symbols() (kernel/module.c verify_export_symbols() before)',
  },
  check: checkLoad,
};

export const duplicateExportInfo: RuleInfo = {
  id: 'duplicate-export',
  stages: ['build', 'load'],
  summary: "The module exports a symbol that vmlinux or another module already exports ('exported twice').",
  description:
    'modpost keeps one owner per exported symbol. From 5.5 a second export of the same name warns (for an ' +
    'external module only against vmlinux\'s exports), from 5.19 it is an error; before 5.5 an export read ' +
    'from Module.symvers was silently overridden. At load time the loader refuses a module exporting a symbol ' +
    'the kernel, or a module loaded before it, already exports: verify_exported_symbols() in complete_formation(), ' +
    'ENOEXEC.',
  source: 'scripts/mod/modpost.c: sym_add_exported(); kernel/module/main.c: complete_formation() → verify_exported_symbols() (kernel/module.c before 5.19)',
  versions: [
    ...rowsOf('build', EXPORTED_TWICE_MESSAGES).map((r) => (r.versions === 'before 5.7' ? { ...r, versions: '5.5 to before 5.7' } : r)),
    ...rowsOf('load', EXPORTS_DUPLICATE_MESSAGES),
  ],
  fix: 'Rename the module\'s symbol (or make it static), or drop the export if the kernel already provides it.',
  docs: rulesDocSection('duplicate-export'),
};

export default [duplicateExport, duplicateExportLoad];
