/**
 * gpl-future: a GPL-incompatible module uses an EXPORT_SYMBOL_GPL_FUTURE symbol (kernels ≤5.11; the
 * export type was removed in 5.12 by f1c3d73e973c).
 *
 * Build: scripts/mod/modpost.c check_for_gpl_usage(), case export_gpl_future → warn().
 * Load: kernel/module find_symbol()'s per-section check prints a warning when the module is tainted
 * proprietary (gplok false) and the symbol sits in the GPL_FUTURE table; the symbol still resolves.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, firstIncompatibleLicense, modpostBasename, modpostGplCompatible } from './shared.js';
import { modpostWalk } from './modpost.js';
import { loaderWalk } from './loader.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

/** ≤5.6 "modpost: " was part of the format, 5.7+ part of the prefix: same text. */
export const GPL_FUTURE_BUILD_MESSAGES: readonly MessageEntry[] = [
  { until: '5.7', severity: 'warning', template: "WARNING: modpost: GPL-incompatible module %s.ko uses future GPL-only symbol '%s'" },
  { since: '5.7', until: '5.12', severity: 'warning', template: "WARNING: modpost: GPL-incompatible module %s.ko uses future GPL-only symbol '%s'" },
];

export const GPL_FUTURE_LOAD_MESSAGES: readonly MessageEntry[] = [
  { until: '5.12', severity: 'warning', template: 'Symbol %s is being used by a non-GPL module, which will not be allowed in the future' },
];

function hint(sym: string): string {
  return `'${sym}' is EXPORT_SYMBOL_GPL_FUTURE: it is meant to become GPL-only, so a GPL-incompatible module should stop using it (or use a GPL-compatible licence)`;
}

function buildCheck(ctx: RuleContext): Finding[] {
  if (modpostGplCompatible(ctx.module)) return [];
  const walk = modpostWalk(ctx);
  const base = modpostBasename(ctx.module);
  const license = firstIncompatibleLicense(ctx.module);
  const out: Finding[] = [];
  for (let k = 0; k < walk.count; k++) {
    const exp = walk.exportAt(k);
    if (exp?.type !== 'EXPORT_SYMBOL_GPL_FUTURE') continue;
    const name = walk.nameAt(k);
    const m = message(GPL_FUTURE_BUILD_MESSAGES, ctx.version, base, name);
    if (!m) continue;
    out.push(
      finding(ctx, {
        rule: 'gpl-future',
        stage: 'build',
        severity: m.severity,
        symbol: name,
        message: m.message,
        hint: hint(name),
        evidence: {
          exportType: exp.type,
          owner: exp.owner,
          license: license ?? null,
          modpostPrints: walk.prints(name, 'gpl'),
        },
      }),
    );
  }
  return out;
}

function loadCheck(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const s of loaderWalk(ctx).symbols) {
    if (!s.gplFutureWarning || !s.export) continue;
    const m = message(GPL_FUTURE_LOAD_MESSAGES, ctx.version, s.imp.name);
    if (!m) continue;
    out.push(
      finding(ctx, {
        rule: 'gpl-future',
        stage: 'load',
        severity: m.severity,
        symbol: s.imp.name,
        message: m.message,
        hint: hint(s.imp.name),
        evidence: {
          exportType: s.export.type,
          owner: s.export.owner,
          license: ctx.module.licenses[0] ?? 'unspecified',
        },
      }),
    );
  }
  return out;
}

export const gplFutureBuild: Rule = {
  id: 'gpl-future',
  stage: 'build',
  docs: {
    summary: 'A GPL-incompatible module uses an EXPORT_SYMBOL_GPL_FUTURE symbol (≤5.11).',
    source: 'scripts/mod/modpost.c: check_exports() → check_for_gpl_usage(), export_gpl_future',
  },
  check: buildCheck,
};

export const gplFutureLoad: Rule = {
  id: 'gpl-future',
  stage: 'load',
  docs: {
    summary: 'The loader warns when a proprietary-tainted module resolves a GPL_FUTURE symbol (≤5.11).',
    source: 'kernel/module.c: find_symbol() → check_symbol()/check_exported_symbol(), WILL_BE_GPL_ONLY',
  },
  check: loadCheck,
};

export const gplFutureInfo: RuleInfo = {
  id: 'gpl-future',
  stages: ['build', 'load'],
  summary: 'A GPL-incompatible module uses an EXPORT_SYMBOL_GPL_FUTURE symbol (kernels before 5.12).',
  description:
    'EXPORT_SYMBOL_GPL_FUTURE marked exports meant to become GPL-only. modpost warns when a module with a ' +
    'GPL-incompatible licence uses one, and the loader warns when a module tainted proprietary resolves ' +
    'one. The export type was removed in 5.12.',
  source: 'scripts/mod/modpost.c: check_for_gpl_usage() (export_gpl_future); kernel/module.c: find_symbol() → check_symbol()',
  versions: [...rowsOf('build', GPL_FUTURE_BUILD_MESSAGES), ...rowsOf('load', GPL_FUTURE_LOAD_MESSAGES)],
  fix: 'Stop using the symbol, or use a GPL-compatible MODULE_LICENSE(): it is meant to become GPL-only.',
  docs: rulesDocSection('gpl-future'),
};

export default [gplFutureBuild, gplFutureLoad];
