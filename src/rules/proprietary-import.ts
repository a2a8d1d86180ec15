/**
 * proprietary-import: the module imports symbols from a module that is tainted proprietary.
 *
 * Load only, 5.9+ (262e6ae7081d "modules: inherit TAINT_PROPRIETARY_MODULE"; backported to stable,
 * e.g. 5.4.118 — also 4.4.y/4.9.y/4.14.y/4.19.y, patch levels not pinned, so only 5.4.118+ is modelled).
 * kernel/module resolve_symbol() → inherit_taint(), per symbol in .symtab order:
 *  - the importer already resolved a GPL-only symbol (`using_gplonly_symbols`) → pr_err and the symbol
 *    is refused (fsa.sym = NULL → "Unknown symbol … (err -2)");
 *  - else, if the importer is not tainted yet → pr_warn("… inheriting taint.") and it becomes tainted:
 *    every GPL-only symbol it resolves AFTER this one is then hidden (see gpl-only, load stage).
 * Only GPL-only symbols resolved BEFORE the proprietary one count: the order is .symtab order.
 * 5.19 (Lecopzer Chen, "module: show disallowed symbol name for inherit_taint()") added the symbol name.
 * The owner's taint is its first licence (or a module_license_offenders name), or taint it inherited
 * itself when it was loaded — modelled only for owners given in the same run (ctx.modules).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { inRange, message, type MessageEntry, type VersionRange } from './versioned.js';
import { finding, loaderName } from './shared.js';
import { loaderWalk, unknownSymbolLine } from './loader.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const PROPRIETARY_REFUSE: readonly MessageEntry[] = [
  { since: '5.4.118', until: '5.5', severity: 'error', template: '%s: module using GPL-only symbols uses symbols from proprietary module %s.' },
  { since: '5.9', until: '5.19', severity: 'error', template: '%s: module using GPL-only symbols uses symbols from proprietary module %s.' },
  { since: '5.19', severity: 'error', template: '%s: module using GPL-only symbols uses symbols %s from proprietary module %s.' },
];

export const PROPRIETARY_INHERIT: readonly MessageEntry[] = [
  { since: '5.4.118', until: '5.5', severity: 'warning', template: '%s: module uses symbols from proprietary module %s, inheriting taint.' },
  { since: '5.9', until: '5.19', severity: 'warning', template: '%s: module uses symbols from proprietary module %s, inheriting taint.' },
  { since: '5.19', severity: 'warning', template: '%s: module uses symbols %s from proprietary module %s, inheriting taint.' },
];

/** Versions whose message carries the symbol name. */
const WITH_SYMBOL: VersionRange = { since: '5.19' };

function check(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const name = loaderName(ctx.module);
  const withSym = inRange(ctx.version, WITH_SYMBOL);
  for (const s of loaderWalk(ctx).symbols) {
    if (!s.inherit || !s.export) continue;
    const refuse = s.inherit.action === 'refuse';
    const table = refuse ? PROPRIETARY_REFUSE : PROPRIETARY_INHERIT;
    const args = withSym ? [name, s.imp.name, s.inherit.owner] : [name, s.inherit.owner];
    const m = message(table, ctx.version, ...args);
    if (!m) continue;
    const evidence: Record<string, string | number | boolean | null> = {
      proprietaryModule: s.inherit.owner,
      owner: s.export.owner,
      exportType: s.export.type,
      usesGplOnlySymbols: refuse,
    };
    if (refuse) evidence.alsoPrints = unknownSymbolLine(ctx, s.imp.name, -2);
    out.push(
      finding(ctx, {
        rule: 'proprietary-import',
        stage: 'load',
        severity: m.severity,
        symbol: s.imp.name,
        message: m.message,
        hint: refuse
          ? `the module uses GPL-only symbols and symbols of proprietary module ${s.inherit.owner}; the loader refuses ` +
            `the mix — drop the dependency on ${s.inherit.owner} or on the GPL-only symbols`
          : `the module becomes tainted proprietary because of ${s.inherit.owner}: GPL-only symbols it resolves after ` +
            `'${s.imp.name}' (.symtab order) are no longer found`,
        evidence,
      }),
    );
  }
  return out;
}

export const proprietaryImport: Rule = {
  id: 'proprietary-import',
  stage: 'load',
  docs: {
    summary: 'The module imports from a proprietary-tainted module: refused if it already used GPL-only symbols, else it inherits the taint (5.9+).',
    source: 'kernel/module: resolve_symbol() → inherit_taint()',
  },
  check,
};

export const proprietaryImportInfo: RuleInfo = {
  id: 'proprietary-import',
  stages: ['load'],
  summary: 'The module imports from a proprietary-tainted module: refused if it already used GPL-only symbols, else it inherits the taint.',
  description:
    'Since 5.9 (and 5.4.118) the loader passes the proprietary taint on: a module resolving a symbol ' +
    'exported by a module tainted proprietary is refused if it has already used GPL-only symbols, and is ' +
    'otherwise tainted itself, so GPL-only symbols it resolves later are hidden from it.',
  source: 'kernel/module: resolve_symbol() → inherit_taint()',
  versions: [...rowsOf('load', PROPRIETARY_REFUSE, 'already used GPL-only symbols'), ...rowsOf('load', PROPRIETARY_INHERIT)],
  fix: 'Do not mix a GPL-only-symbol user with symbols of a proprietary module: give the exporting module a GPL-compatible licence, or stop importing from it.',
  docs: rulesDocSection('proprietary-import'),
};

export default [proprietaryImport];
