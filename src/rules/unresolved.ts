/**
 * unresolved: a GLOBAL (non-weak) undefined symbol that nothing exports.
 *
 * Build: scripts/mod/modpost.c check_exports() (≤4.x-era add_versions()): `"%s" [%s.ko] undefined!`,
 * ERROR by default, WARNING with `-w` (KBUILD_MODPOST_WARN=1; and for every external module ≤5.1,
 * whose Makefile.modpost passed `-w` for KBUILD_EXTMOD until 83da1bed in 5.2). ≥5.13 only the first
 * 10 (MAX_UNRESOLVED_REPORTS) are printed, then one `suppressed N …` line. Weak undefined symbols are
 * never reported. The per-arch ignore list (shared.ts) is applied first.
 *
 * Load: kernel/module simplify_symbols(): `%s: Unknown symbol %s (err %d)` for every non-weak
 * undefined symbol the loader cannot find (x86 `_GLOBAL_OFFSET_TABLE_` ignored since 5.12).
 */
import type { KernelVersion } from '../kernel/types.js';
import type { Finding, Rule, RuleContext } from './types.js';
import { message, pick, pickValue, type MessageEntry, type Versioned } from './versioned.js';
import { finding, modpostName } from './shared.js';
import { modpostWalk } from './modpost.js';
import { loaderWalk, notFoundErrno, unknownSymbolLine, unknownSymbolRows } from './loader.js';
import { symbolNote } from './notes.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const UNDEFINED_ERROR: readonly MessageEntry[] = [
  { until: '5.7', severity: 'error', template: 'ERROR: "%s" [%s.ko] undefined!' },
  { since: '5.7', severity: 'error', template: 'ERROR: modpost: "%s" [%s.ko] undefined!' },
];

export const UNDEFINED_WARNING: readonly MessageEntry[] = [
  { until: '5.7', severity: 'warning', template: 'WARNING: "%s" [%s.ko] undefined!' },
  { since: '5.7', severity: 'warning', template: 'WARNING: modpost: "%s" [%s.ko] undefined!' },
];

/** External modules (M=) got `-w` unconditionally before 5.2. */
export const EXTERNAL_UNDEFINED_IS_WARNING: readonly Versioned<boolean>[] = [{ until: '5.2', value: true }];

/** MAX_UNRESOLVED_REPORTS. */
export const UNRESOLVED_REPORT_CAP: readonly Versioned<number | null>[] = [{ since: '5.13', value: 10 }];

export const SUPPRESSED_LINE: readonly MessageEntry[] = [
  {
    since: '5.13',
    severity: 'warning',
    template: 'WARNING: modpost: suppressed %u unresolved symbol warnings because there were too many)',
  },
];

export function unresolvedHint(sym: string, version: KernelVersion): string {
  const note = symbolNote(sym, 'missing', version);
  const base =
    `'${sym}' is not exported by this kernel build; check the config that provides it or pass the providing ` +
    `module's Module.symvers with --extra-symbols`;
  return note ? `${base} (${note})` : base;
}

function buildCheck(ctx: RuleContext): Finding[] {
  const walk = modpostWalk(ctx);
  const v = ctx.version;
  const externalWarn = ctx.options.external && pickValue(EXTERNAL_UNDEFINED_IS_WARNING, v, false);
  const warn = ctx.options.modpostWarn || externalWarn;
  const cap = pickValue(UNRESOLVED_REPORT_CAP, v, null);
  const modName = modpostName(ctx);
  const out: Finding[] = [];
  let count = 0;
  for (let k = 0; k < walk.count; k++) {
    if (walk.exportAt(k) || walk.weakAt(k)) continue;
    const name = walk.nameAt(k);
    const m = message(warn ? UNDEFINED_WARNING : UNDEFINED_ERROR, v, name, modName)!;
    const printed = walk.prints(name, 'undefined') && (cap === null || count < cap);
    count++;
    out.push(
      finding(ctx, {
        rule: 'unresolved',
        stage: 'build',
        severity: m.severity,
        symbol: name,
        message: m.message,
        hint: unresolvedHint(name, v),
        evidence: {
          weak: false,
          modpostPrints: printed,
          downgradedBy: ctx.options.modpostWarn ? 'KBUILD_MODPOST_WARN' : externalWarn ? 'external module (≤5.1)' : null,
        },
      }),
    );
  }
  if (cap !== null && count > cap) {
    const row = pick(SUPPRESSED_LINE, v);
    if (row) {
      const m = message(SUPPRESSED_LINE, v, count - cap)!;
      out.push(
        finding(ctx, {
          rule: 'unresolved',
          stage: 'build',
          severity: m.severity,
          message: m.message,
          evidence: { suppressed: count - cap, modpostPrints: true },
        }),
      );
    }
  }
  return out;
}

function loadCheck(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const s of loaderWalk(ctx).symbols) {
    if (s.status !== 'missing') continue;
    const refused = s.ownerRefused;
    out.push(
      finding(ctx, {
        rule: 'unresolved',
        stage: 'load',
        severity: 'error',
        symbol: s.imp.name,
        message: unknownSymbolLine(ctx, s.imp.name),
        hint: refused
          ? `'${s.imp.name}' comes from module ${refused.owner}, which this kernel refuses (${refused.reason}): it is never loaded, so fix or rebuild ${refused.owner} first`
          : unresolvedHint(s.imp.name, ctx.version),
        evidence: refused
          ? { weak: false, errno: notFoundErrno(ctx), owner: s.export?.owner ?? null, ownerRefused: refused.owner, ownerRefusedBy: refused.reason }
          : { weak: false, errno: notFoundErrno(ctx) },
      }),
    );
  }
  return out;
}

export const unresolvedBuild: Rule = {
  id: 'unresolved',
  stage: 'build',
  docs: {
    summary: 'A non-weak undefined symbol that no export resolves (error; warning with -w / external ≤5.1).',
    source: 'scripts/mod/modpost.c: check_exports() (add_versions() in 4.x), ignore_undef_symbol()',
  },
  check: buildCheck,
};

export const unresolvedLoad: Rule = {
  id: 'unresolved',
  stage: 'load',
  docs: {
    summary: 'The loader cannot resolve a non-weak undefined symbol: "Unknown symbol".',
    source: 'kernel/module: simplify_symbols() → resolve_symbol_wait(), ignore_undef_symbol()',
  },
  check: loadCheck,
};

export const unresolvedInfo: RuleInfo = {
  id: 'unresolved',
  stages: ['build', 'load'],
  summary: 'A global, non-weak undefined symbol that nothing exports.',
  description:
    'modpost resolves each undefined symbol of the module against vmlinux, the kernel\'s modules, ' +
    'KBUILD_EXTRA_SYMBOLS and the other modules of the build; one nothing exports is an error (a warning ' +
    'with KBUILD_MODPOST_WARN=1, and for external modules before 5.2). From 5.13 modpost prints only the ' +
    'first 10. The loader refuses the module with "Unknown symbol", also for a symbol exported by a ' +
    'module it refuses itself. Weak undefined symbols are never reported.',
  source: 'scripts/mod/modpost.c: check_exports() (add_versions() in 4.x), ignore_undef_symbol(); kernel/module: simplify_symbols() → resolve_symbol_wait()',
  versions: [
    ...rowsOf('build', UNDEFINED_ERROR),
    ...rowsOf('build', UNDEFINED_WARNING, 'KBUILD_MODPOST_WARN=1, or an external module before 5.2'),
    ...rowsOf('build', SUPPRESSED_LINE, 'more than 10 unresolved symbols'),
    ...unknownSymbolRows(),
  ],
  fix:
    'Build against the kernel configuration that provides the symbol, or pass the Module.symvers of the ' +
    'module that exports it (--extra-symbols, like KBUILD_EXTRA_SYMBOLS); a symbol the kernel stopped ' +
    'exporting needs the module ported.',
  docs: rulesDocSection('unresolved'),
};

export default [unresolvedBuild, unresolvedLoad];
