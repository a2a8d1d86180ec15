/**
 * unused-symbol: the module uses an EXPORT_UNUSED_SYMBOL(_GPL) symbol (kernels ≤5.11 with
 * CONFIG_UNUSED_SYMBOLS; removed in 5.12 by 367948220fce).
 *
 * Build: scripts/mod/modpost.c check_exports() → check_for_unused(): any module, GPL or not.
 * Load: kernel/module.c find_symbol()'s per-section check prints three lines when the symbol is found
 * in an UNUSED table (not for a GPL-only UNUSED symbol hidden from a proprietary module).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, modpostBasename } from './shared.js';
import { modpostWalk } from './modpost.js';
import { loaderWalk } from './loader.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const UNUSED_BUILD_MESSAGES: readonly MessageEntry[] = [
  { until: '5.7', severity: 'warning', template: "WARNING: modpost: module %s.ko uses symbol '%s' marked UNUSED" },
  { since: '5.7', until: '5.12', severity: 'warning', template: "WARNING: modpost: module %s.ko uses symbol '%s' marked UNUSED" },
];

export const UNUSED_LOAD_MESSAGES: readonly MessageEntry[] = [
  { until: '5.12', severity: 'warning', template: 'Symbol %s is marked as UNUSED, however this module is using it.' },
];

/** The two lines the loader prints after the first one. */
export const UNUSED_LOAD_FOLLOWUP =
  'This symbol will go away in the future.\n' +
  'Please evaluate if this is the right api to use and if it really is, submit a report to the linux kernel ' +
  'mailing list together with submitting your code for inclusion.';

function hint(sym: string): string {
  return `'${sym}' is exported with EXPORT_UNUSED_SYMBOL and disappears with CONFIG_UNUSED_SYMBOLS in 5.12: stop using it`;
}

function isUnused(type: string | undefined): boolean {
  return type === 'EXPORT_UNUSED_SYMBOL' || type === 'EXPORT_UNUSED_SYMBOL_GPL';
}

function buildCheck(ctx: RuleContext): Finding[] {
  const walk = modpostWalk(ctx);
  const base = modpostBasename(ctx.module);
  const out: Finding[] = [];
  for (let k = 0; k < walk.count; k++) {
    const exp = walk.exportAt(k);
    if (!exp || !isUnused(exp.type)) continue;
    const name = walk.nameAt(k);
    const m = message(UNUSED_BUILD_MESSAGES, ctx.version, base, name);
    if (!m) continue;
    out.push(
      finding(ctx, {
        rule: 'unused-symbol',
        stage: 'build',
        severity: m.severity,
        symbol: name,
        message: m.message,
        hint: hint(name),
        evidence: { exportType: exp.type, owner: exp.owner, modpostPrints: walk.prints(name, 'unused') },
      }),
    );
  }
  return out;
}

function loadCheck(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const s of loaderWalk(ctx).symbols) {
    if (!s.unusedWarning || !s.export) continue;
    const m = message(UNUSED_LOAD_MESSAGES, ctx.version, s.imp.name);
    if (!m) continue;
    out.push(
      finding(ctx, {
        rule: 'unused-symbol',
        stage: 'load',
        severity: m.severity,
        symbol: s.imp.name,
        message: m.message,
        hint: hint(s.imp.name),
        evidence: { exportType: s.export.type, owner: s.export.owner, alsoPrints: UNUSED_LOAD_FOLLOWUP },
      }),
    );
  }
  return out;
}

export const unusedSymbolBuild: Rule = {
  id: 'unused-symbol',
  stage: 'build',
  docs: {
    summary: 'The module uses a symbol exported with EXPORT_UNUSED_SYMBOL(_GPL) (≤5.11).',
    source: 'scripts/mod/modpost.c: check_exports() → check_for_unused()',
  },
  check: buildCheck,
};

export const unusedSymbolLoad: Rule = {
  id: 'unused-symbol',
  stage: 'load',
  docs: {
    summary: 'The loader warns when a module resolves a symbol from an UNUSED export table (≤5.11).',
    source: 'kernel/module.c: find_symbol() → check_symbol()/check_exported_symbol(), syms->unused',
  },
  check: loadCheck,
};

export const unusedSymbolInfo: RuleInfo = {
  id: 'unused-symbol',
  stages: ['build', 'load'],
  summary: 'The module uses a symbol exported with EXPORT_UNUSED_SYMBOL(_GPL) (kernels before 5.12).',
  description:
    'With CONFIG_UNUSED_SYMBOLS, exports nobody in the tree used were kept in UNUSED export tables: modpost ' +
    'and the loader warn when a module uses one, since it is due to go away. The tables were removed in 5.12.',
  source: 'scripts/mod/modpost.c: check_exports() → check_for_unused(); kernel/module.c: find_symbol() → check_symbol()',
  versions: [...rowsOf('build', UNUSED_BUILD_MESSAGES), ...rowsOf('load', UNUSED_LOAD_MESSAGES)],
  fix: 'Stop using the symbol: it is gone in later kernels (and from 5.12 the whole UNUSED mechanism is).',
  docs: rulesDocSection('unused-symbol'),
};

export default [unusedSymbolBuild, unusedSymbolLoad];
