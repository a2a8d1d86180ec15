/**
 * The rule registry and runner.
 *
 * A rule id that applies at both stages (gpl-only, gpl-future, unused-symbol, unresolved,
 * namespace-not-imported) is registered as two Rule objects with the same id, one per stage, because
 * `Rule.stage` is a single Stage in the contract (types.ts).
 */
import { RULE_IDS, type Finding, type Rule, type RuleContext, type RuleId, type Stage } from './types.js';
import type { RuleInfo } from './info.js';
import { importColumns } from '../module/columns.js';
import { gplOnlyBuild, gplOnlyLoad, gplOnlyInfo } from './gpl-only.js';
import { gplFutureBuild, gplFutureLoad, gplFutureInfo } from './gpl-future.js';
import { unusedSymbolBuild, unusedSymbolLoad, unusedSymbolInfo } from './unused-symbol.js';
import { unresolvedBuild, unresolvedLoad, unresolvedInfo } from './unresolved.js';
import { namespaceBuild, namespaceLoad, namespaceInfo } from './namespace-not-imported.js';
import { missingLicense, missingLicenseInfo } from './missing-license.js';
import { duplicateExport, duplicateExportInfo, duplicateExportLoad } from './duplicate-export.js';
import { crcMismatch, crcMismatchInfo } from './crc-mismatch.js';
import { missingCrc, missingCrcInfo, missingCrcSymbols } from './missing-crc.js';
import { vermagicMismatch, vermagicMismatchInfo } from './vermagic-mismatch.js';
import { proprietaryImport, proprietaryImportInfo } from './proprietary-import.js';
import { xzCheck, xzCheckInfo } from './xz-check.js';
import { kmodDecompress, kmodDecompressInfo } from './kmod-decompress.js';
import { moduleNamespaceImportBuild, moduleNamespaceImportInfo, moduleNamespaceImportLoad } from './module-namespace-import.js';
import { missingDescription, missingDescriptionInfo } from './missing-description.js';
import { exportFlags, exportFlagsInfo } from './export-flags.js';
import { extModversions, extModversionsInfo } from './ext-modversions.js';
import { moduleStructSize, moduleStructSizeInfo } from './module-struct-size.js';
import { symbolTooLong, symbolTooLongInfo } from './symbol-too-long.js';
import { elfHeader, elfHeaderInfo } from './elf-header.js';
import { moduleSignature, moduleSignatureInfo } from './module-signature.js';

export const ALL_RULES: Rule[] = [
  gplOnlyBuild,
  gplOnlyLoad,
  gplFutureBuild,
  gplFutureLoad,
  unusedSymbolBuild,
  unusedSymbolLoad,
  unresolvedBuild,
  unresolvedLoad,
  namespaceBuild,
  namespaceLoad,
  missingLicense,
  duplicateExport,
  crcMismatch,
  missingCrc,
  missingCrcSymbols,
  vermagicMismatch,
  proprietaryImport,
  xzCheck,
  kmodDecompress,
  // the ELF checks: struct module size first, then the extended version tables (elf_validity_cache_index())
  moduleStructSize,
  extModversions,
  // find_module_sections() (obsolete sections), check_export_symbol_sections(), then setup_modinfo()
  exportFlags,
  moduleNamespaceImportBuild,
  moduleNamespaceImportLoad,
  missingDescription,
  symbolTooLong,
  elfHeader,
  duplicateExportLoad,
  moduleSignature,
];

/**
 * What each rule id checks, the kernel versions it applies to and how to fix it, in RULE_IDS order:
 * `ksymcheck explain <rule>` and the report formats that describe their rules read it from here.
 */
export const ruleDocs: Readonly<Record<RuleId, RuleInfo>> = Object.fromEntries(
  [
    gplOnlyInfo,
    gplFutureInfo,
    unusedSymbolInfo,
    unresolvedInfo,
    namespaceInfo,
    missingLicenseInfo,
    duplicateExportInfo,
    crcMismatchInfo,
    missingCrcInfo,
    vermagicMismatchInfo,
    proprietaryImportInfo,
    xzCheckInfo,
    kmodDecompressInfo,
    moduleNamespaceImportInfo,
    missingDescriptionInfo,
    exportFlagsInfo,
    extModversionsInfo,
    moduleStructSizeInfo,
    symbolTooLongInfo,
    elfHeaderInfo,
    moduleSignatureInfo,
  ].map((d) => [d.id, d]),
) as Record<RuleId, RuleInfo>;

export { RULE_IDS };

export const STAGE_ORDER: readonly Stage[] = ['build', 'load'];

interface Ranked {
  f: Finding;
  rule: number;
  sym: number;
  seq: number;
}

/** Where a finding sorts within its rule: module_layout first, then .symtab order, then exports, then the rest. */
function symbolKey(ctx: RuleContext, f: Finding): number {
  if (f.symbol === undefined) return Number.POSITIVE_INFINITY;
  const cols = importColumns(ctx.module);
  const i = cols.indexOf(f.symbol);
  if (i >= 0) return i;
  if (f.symbol === 'module_layout') return -1;
  const e = ctx.module.exports.findIndex((x) => x.name === f.symbol);
  if (e >= 0) return cols.length + e;
  return Number.MAX_SAFE_INTEGER;
}

/**
 * The loader's order: 0 = decompression (init_module_from_file(), before load_module()),
 * 0.25 = module_sig_check (load_module()'s first step, before the ELF is read), 0.4 = the ELF header
 * checks, 0.5 = the other ELF checks (struct module size, extended version tables),
 * 1 = check_modstruct_version (module_layout),
 * 2 = check_modinfo (vermagic), 2.5 = find_module_sections() / check_export_symbol_sections() /
 * setup_modinfo() (export flags, module: namespace imports), 3 = symbol resolution (simplify_symbols),
 * 4 = complete_formation (verify_exported_symbols: duplicate exports).
 */
export function loaderStep(f: Finding): number {
  if (f.rule === 'xz-check' || f.rule === 'kmod-decompress') return 0; // decompression (finit_module(), or kmod before it) comes before load_module() reads anything
  if (f.rule === 'module-signature') return 0.25; // module_sig_check(): load_module()'s first step
  if (f.rule === 'elf-header') return 0.4; // then the ELF header (elf_validity_check() / elf_validity_cache_copy())
  if (f.rule === 'module-struct-size' || f.rule === 'ext-modversions') return 0.5;
  if (f.rule === 'export-flags' || f.rule === 'module-namespace-import') return 2.5;
  if (f.rule === 'duplicate-export') return 4;
  if ((f.rule === 'crc-mismatch' || f.rule === 'missing-crc') && f.symbol === 'module_layout') return 1;
  if (f.rule === 'vermagic-mismatch') return 2;
  return 3;
}

const firstLoaderStep = (r: Rule): number => r.firstLoaderStep ?? 3;

/**
 * The load rules, earliest loader step first (ALL_RULES order within a step): once a finding stops the
 * load at some step, a rule whose findings all come later is not run — applyLoadStop() would drop
 * everything it found (for a tree built for another kernel: every module refused at module_layout, and
 * no loader walk made for it).
 */
const LOAD_RULES: ReadonlyArray<{ rule: Rule; index: number }> = ALL_RULES.map((rule, index) => ({ rule, index }))
  .filter((r) => r.rule.stage === 'load')
  .sort((a, b) => firstLoaderStep(a.rule) - firstLoaderStep(b.rule) || a.index - b.index);

/**
 * A finding with `evidence.stopsLoad` ends load_module() (-ENOEXEC) before the later steps run: keep it
 * (the earliest one) and whatever the earlier steps printed, drop the rest of the load stage.
 */
function applyLoadStop(items: Ranked[]): Ranked[] {
  // simplify_symbols() fails when any symbol failed (an error of step 3): the steps after it never run
  if (items.some((it) => it.f.severity === 'error' && loaderStep(it.f) === 3)) items = items.filter((it) => loaderStep(it.f) <= 3);
  let stop: Ranked | undefined;
  for (const it of items) {
    if (it.f.evidence.stopsLoad !== true) continue;
    if (!stop || loaderStep(it.f) < loaderStep(stop.f)) stop = it;
  }
  if (!stop) return items;
  const step = loaderStep(stop.f);
  // what the stopping rule printed before it at the same step stays (export-flags' warnings, then its error)
  const s = stop;
  return items.filter((it) => it === s || loaderStep(it.f) < step || (it.rule === s.rule && it.seq < s.seq && loaderStep(it.f) === step));
}

/**
 * Run every rule of the given stages. Order: stage (build, then load), rule order in ALL_RULES, then
 * the symbol's position among the module's imports (.symtab order); findings without a symbol last.
 */
export function runRules(ctx: RuleContext, stages: Stage[]): Finding[] {
  const out: Finding[] = [];
  for (const stage of STAGE_ORDER) {
    if (!stages.includes(stage)) continue;
    let items: Ranked[] = [];
    let seq = 0;
    if (stage === 'load') {
      let stopStep = Number.POSITIVE_INFINITY;
      for (const { rule, index } of LOAD_RULES) {
        // strictly later only: a finding at the stop's own step may still be the stop applyLoadStop() keeps
        if (firstLoaderStep(rule) > stopStep) continue;
        for (const f of rule.check(ctx)) {
          if (f.stage !== stage) continue;
          items.push({ f, rule: index, sym: symbolKey(ctx, f), seq: seq++ });
          if (f.evidence.stopsLoad === true) stopStep = Math.min(stopStep, loaderStep(f));
        }
      }
    } else {
      ALL_RULES.forEach((rule, ri) => {
        if (rule.stage !== stage) return;
        for (const f of rule.check(ctx)) {
          if (f.stage !== stage) continue;
          items.push({ f, rule: ri, sym: symbolKey(ctx, f), seq: seq++ });
        }
      });
    }
    items.sort((a, b) => a.rule - b.rule || a.sym - b.sym || a.seq - b.seq);
    if (stage === 'load') items = applyLoadStop(items);
    out.push(...items.map((it) => it.f));
  }
  return out;
}

export type { Finding, Rule, RuleContext, RuleId, Stage } from './types.js';
export type { RuleInfo, VersionRow } from './info.js';
