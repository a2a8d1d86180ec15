/**
 * gpl-only: a GPL-incompatible module uses an EXPORT_SYMBOL_GPL (or EXPORT_UNUSED_SYMBOL_GPL) symbol.
 *
 * Build: scripts/mod/modpost.c check_exports() → check_for_gpl_usage(). modpost tests EVERY `license=`
 * entry. ≤5.10 it is fatal(): modpost prints the first hit in its walk (reverse .symtab order, see
 * modpost.ts) and exits; all hits are reported here with `evidence.modpostPrints` telling which one
 * the build log shows. ≥5.11 each hit is an error() and all are printed.
 *
 * Load: kernel/module resolve_symbol() → find_symbol() skips the GPL-only tables for a module tainted
 * proprietary (first `license=` entry not GPL-compatible, or taint inherited from a proprietary module
 * it imports from, 5.9+), so the loader only says "Unknown symbol".
 */
import type { Export, KernelVersion } from '../kernel/types.js';
import { isGplOnly } from '../kernel/types.js';
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import {
  finding,
  firstIncompatibleLicense,
  GPL_COMPATIBLE_LICENSES,
  loaderGplCompatible,
  looksLikeGplAttempt,
  modpostBasename,
  modpostGplCompatible,
} from './shared.js';
import { modpostWalk } from './modpost.js';
import { loaderWalk, notFoundErrno, unknownSymbolLine, unknownSymbolRows } from './loader.js';
import { symbolNote } from './notes.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

/**
 * ≤5.6 the format string itself began with "modpost: " and fatal() added "FATAL: "; 5.7 moved the
 * "modpost: " into modpost_log() — the printed text is the same. 5.11 made it error().
 */
export const GPL_ONLY_MESSAGES: readonly MessageEntry[] = [
  { until: '5.7', severity: 'error', template: "FATAL: modpost: GPL-incompatible module %s.ko uses GPL-only symbol '%s'" },
  { since: '5.7', until: '5.11', severity: 'error', template: "FATAL: modpost: GPL-incompatible module %s.ko uses GPL-only symbol '%s'" },
  { since: '5.11', severity: 'error', template: "ERROR: modpost: GPL-incompatible module %s.ko uses GPL-only symbol '%s'" },
];

/** EXPORT_UNUSED_SYMBOL_GPL existed until 5.11 (removed in 5.12 with CONFIG_UNUSED_SYMBOLS). */
export const GPL_ONLY_UNUSED_MESSAGES: readonly MessageEntry[] = [
  { until: '5.11', severity: 'error', template: "FATAL: modpost: GPL-incompatible module %s.ko uses GPL-only symbol marked UNUSED '%s'" },
  { since: '5.11', until: '5.12', severity: 'error', template: "ERROR: modpost: GPL-incompatible module %s.ko uses GPL-only symbol marked UNUSED '%s'" },
];

const LIST = GPL_COMPATIBLE_LICENSES.map((l) => `"${l}"`).join(', ');

function symbolAdvice(sym: string, version: KernelVersion): string {
  return symbolNote(sym, 'gpl', version) ?? `use a non-GPL alternative, or target a kernel where '${sym}' is EXPORT_SYMBOL`;
}

export function gplHint(sym: string, exp: Export, license: string | undefined, allLicenses: string[], version: KernelVersion): string {
  if (license !== undefined && looksLikeGplAttempt(license)) {
    return `licence "${license}" is not one of the strings the kernel accepts as GPL-compatible (include/linux/license.h): use one of ${LIST}`;
  }
  if (license === undefined) {
    return `the module declares no MODULE_LICENSE(), which the loader treats as proprietary; declare one of ${LIST} to use '${sym}'`;
  }
  const others = allLicenses.length > 1 && license !== allLicenses[0]
    ? ` (modpost checks every MODULE_LICENSE() entry, not only the first "${allLicenses[0]}")`
    : '';
  return `'${sym}' is ${exp.type} and the module's licence "${license}" is not GPL-compatible${others}; ${symbolAdvice(sym, version)}`;
}

function buildCheck(ctx: RuleContext): Finding[] {
  if (modpostGplCompatible(ctx.module)) return [];
  const walk = modpostWalk(ctx);
  const license = firstIncompatibleLicense(ctx.module);
  const base = modpostBasename(ctx.module);
  const out: Finding[] = [];
  for (let k = 0; k < walk.count; k++) {
    const exp = walk.exportAt(k);
    if (!exp || !isGplOnly(exp.type)) continue;
    const name = walk.nameAt(k);
    const table = exp.type === 'EXPORT_UNUSED_SYMBOL_GPL' ? GPL_ONLY_UNUSED_MESSAGES : GPL_ONLY_MESSAGES;
    const m = message(table, ctx.version, base, name) ?? message(GPL_ONLY_MESSAGES, ctx.version, base, name)!;
    out.push(
      finding(ctx, {
        rule: 'gpl-only',
        stage: 'build',
        severity: m.severity,
        symbol: name,
        message: m.message,
        hint: gplHint(name, exp, license, ctx.module.licenses, ctx.version),
        evidence: {
          exportType: exp.type,
          owner: exp.owner,
          namespace: exp.namespace,
          license: license ?? null,
          firstLicense: ctx.module.licenses[0] ?? null,
          modpostPrints: walk.prints(name, 'gpl'),
        },
      }),
    );
  }
  return out;
}

function loadCheck(ctx: RuleContext): Finding[] {
  const walk = loaderWalk(ctx);
  const out: Finding[] = [];
  const first = ctx.module.licenses[0];
  for (const s of walk.symbols) {
    if (s.status !== 'gpl-hidden' || !s.failed || !s.export) continue;
    let hint: string;
    if (s.taintInheritedFrom !== undefined && loaderGplCompatible(ctx.module)) {
      hint =
        `the module inherited the proprietary taint from module ${s.taintInheritedFrom} while resolving an earlier ` +
        `symbol, so the loader no longer searches GPL-only exports; stop importing from ${s.taintInheritedFrom} or ` +
        `resolve the GPL-only symbols first`;
    } else {
      hint = gplHint(s.imp.name, s.export, first, ctx.module.licenses.slice(0, 1), ctx.version);
    }
    const ev: Record<string, string | number | boolean | null> = {
      exportType: s.export.type,
      owner: s.export.owner,
      namespace: s.export.namespace,
      license: first ?? 'unspecified',
      firstLicense: first ?? null,
      errno: notFoundErrno(ctx),
    };
    if (s.taintInheritedFrom !== undefined) ev.taintInheritedFrom = s.taintInheritedFrom;
    out.push(
      finding(ctx, {
        rule: 'gpl-only',
        stage: 'load',
        severity: 'error',
        symbol: s.imp.name,
        message: unknownSymbolLine(ctx, s.imp.name),
        hint,
        evidence: ev,
      }),
    );
  }
  return out;
}

export const gplOnlyBuild: Rule = {
  id: 'gpl-only',
  stage: 'build',
  docs: {
    summary: 'A GPL-incompatible module uses a GPL-only export (modpost checks every MODULE_LICENSE entry).',
    source: 'scripts/mod/modpost.c: check_exports() → check_for_gpl_usage(); read_symbols() for the licence test',
  },
  check: buildCheck,
};

export const gplOnlyLoad: Rule = {
  id: 'gpl-only',
  stage: 'load',
  docs: {
    summary: 'The loader hides GPL-only exports from a module tainted proprietary (first MODULE_LICENSE entry).',
    source: 'kernel/module (main.c ≥5.19, module.c before): resolve_symbol() → find_symbol() with gplok',
  },
  check: loadCheck,
};

export const gplOnlyInfo: RuleInfo = {
  id: 'gpl-only',
  stages: ['build', 'load'],
  summary: 'A GPL-incompatible module uses a GPL-only export (EXPORT_SYMBOL_GPL).',
  description:
    'At build time modpost tests every MODULE_LICENSE() entry of the module: if any is not one of the ' +
    `strings the kernel accepts as GPL-compatible (${LIST}), each EXPORT_SYMBOL_GPL symbol the module uses ` +
    'is an error (up to 5.10 modpost stops at the first one it meets). At load time the loader looks at ' +
    'the first licence only: a module tainted proprietary does not see GPL-only exports at all, so each ' +
    'one is an "Unknown symbol".',
  source: 'scripts/mod/modpost.c: check_exports() → check_for_gpl_usage(), read_symbols(); kernel/module: resolve_symbol() → find_symbol() with gplok',
  versions: [
    ...rowsOf('build', GPL_ONLY_MESSAGES),
    ...rowsOf('build', GPL_ONLY_UNUSED_MESSAGES, 'EXPORT_UNUSED_SYMBOL_GPL'),
    ...unknownSymbolRows('first licence GPL-incompatible'),
  ],
  fix:
    `Use a GPL-compatible MODULE_LICENSE() (exactly one of ${LIST}) if the module's licence allows it; ` +
    'otherwise stop using the GPL-only symbol (a non-GPL alternative), or target a kernel where it is EXPORT_SYMBOL.',
  docs: rulesDocSection('gpl-only'),
};

export default [gplOnlyBuild, gplOnlyLoad];
