/**
 * missing-crc: a symbol the module resolves has no entry in its `__versions` table, or the module has
 * no `__versions` at all, on a CONFIG_MODVERSIONS kernel.
 *
 * Load only. kernel/module check_version():
 *  - symbol absent from the table: upstream "Broken toolchain. Warn once, then let it go" —
 *    pr_warn_once("%s: no symbol version for %s") — "no extended symbol version" for the extended
 *    tables (6.14+) — (once per boot: only the first is printed) and the
 *    symbol is accepted. Debian patches this to warn every time and refuse (`missingCrc: 'error'`;
 *    modelled as ERR_PTR(-EINVAL) → "Unknown symbol … (err -22)").
 *  - no table at all (`versindex == 0`, e.g. a module built without CONFIG_MODVERSIONS):
 *    try_to_force_load(mod, symname). The first call is for `module_layout` from
 *    check_modstruct_version(): with CONFIG_MODULE_FORCE_LOAD it prints "%s: module_layout: kernel
 *    tainted." (once: later calls see TAINT_FORCED_MODULE already set) and the load goes on; without it
 *    it returns -ENOEXEC and the kernel prints nothing — insmod reports "Invalid module format".
 *  - the exporter has no CRC (crc null): accepted, nothing printed.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { configEnabled, finding, kernelHasModversions, loaderName, loaderUsesExtendedVersions, loaderVersions } from './shared.js';
import { loaderWalk, unknownSymbolLine } from './loader.js';
import { moduleLayoutExport } from './crc-mismatch.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const NO_SYMBOL_VERSION: readonly MessageEntry[] = [{ severity: 'warning', template: '%s: no symbol version for %s' }];
/** CONFIG_EXTENDED_MODVERSIONS (`__version_ext_crcs`/`__version_ext_names`, 6.14+): its own text. */
export const NO_EXTENDED_SYMBOL_VERSION: readonly MessageEntry[] = [
  { since: '6.14', severity: 'warning', template: '%s: no extended symbol version for %s' },
];
export const FORCED_LOAD: readonly MessageEntry[] = [{ severity: 'warning', template: '%s: %s: kernel tainted.' }];
/** The kernel prints nothing; this is what kmod's insmod reports for -ENOEXEC. */
export const INSMOD_ENOEXEC: readonly MessageEntry[] = [
  { severity: 'error', template: 'insmod: ERROR: could not insert module %s: Invalid module format' },
];

const REBUILD =
  "rebuild the module against this kernel's build tree with CONFIG_MODVERSIONS (modpost then records a CRC " +
  'for every symbol it resolves in __versions)';

/** The module's own table, as check_modstruct_version() meets it: none at all, or no `module_layout` in it. */
function checkTable(ctx: RuleContext): Finding[] {
  // a `.o` is modpost's input: __versions only comes with <mod>.mod.o at the final link
  if (!kernelHasModversions(ctx) || ctx.module.kind === 'o') return [];
  const name = loaderName(ctx.module);
  const layout = moduleLayoutExport(ctx);
  const versions = loaderVersions(ctx);
  if (!versions) {
    if (layout && layout.crc === null) return [];
    // extended tables alone, on a kernel older than 6.14: its loader does not look at them
    const noTable =
      ctx.module.versionsFormat === 'extended'
        ? 'the module has only extended modversions (__version_ext_crcs/__version_ext_names), which loaders before 6.14 do not read, and no __versions section'
        : 'the module has no __versions section';
    if (configEnabled(ctx, 'CONFIG_MODULE_FORCE_LOAD')) {
      const m = message(FORCED_LOAD, ctx.version, name, 'module_layout')!;
      return [
        finding(ctx, {
          rule: 'missing-crc',
          stage: 'load',
          severity: m.severity,
          symbol: 'module_layout',
          message: m.message,
          hint: `${noTable}, so the kernel force-loads it (taint F); ${REBUILD}`,
          evidence: { versionsTable: false, forceLoad: true },
          references: [],
        }),
      ];
    }
    const m = message(INSMOD_ENOEXEC, ctx.version, ctx.module.path)!;
    return [
      finding(ctx, {
        rule: 'missing-crc',
        stage: 'load',
        severity: m.severity,
        symbol: 'module_layout',
        message: m.message,
        hint: `${noTable} and this kernel has CONFIG_MODVERSIONS without CONFIG_MODULE_FORCE_LOAD; ${REBUILD}`,
        evidence: { versionsTable: false, forceLoad: false, kernelPrints: false, stopsLoad: true },
        references: [],
      }),
    ];
  }
  return layoutMissing(ctx) ? [noVersion(ctx, 'module_layout', true, true)] : [];
}

/** `module_layout` is absent from a table the loader reads (check_modstruct_version() → check_version()). */
function layoutMissing(ctx: RuleContext): boolean {
  const layout = moduleLayoutExport(ctx);
  const versions = loaderVersions(ctx);
  return Boolean(versions && layout && layout.crc !== null && !versions.has('module_layout'));
}

/** One "no symbol version" finding; `first`: the first one the loader meets (upstream prints it alone). */
/** Debian's refusal of a missing CRC: its patch covers the basic `__versions` path only (7.2.13). */
function debianRefuses(ctx: RuleContext): boolean {
  return ctx.options.missingCrc === 'error' && !loaderUsesExtendedVersions(ctx);
}

function noVersion(ctx: RuleContext, symbol: string, isLayout: boolean, first: boolean): Finding {
  const debian = debianRefuses(ctx);
  const name = loaderName(ctx.module);
  const table = ctx.module.versionsFormat === 'extended' ? NO_EXTENDED_SYMBOL_VERSION : NO_SYMBOL_VERSION;
  const m = message(table, ctx.version, name, symbol) ?? message(NO_SYMBOL_VERSION, ctx.version, name, symbol)!;
  const evidence: Record<string, string | number | boolean | null> = {
    versionsTable: true,
    loaderPrints: debian || first,
  };
  if (debian) {
    if (isLayout) evidence.stopsLoad = true;
    else evidence.alsoPrints = unknownSymbolLine(ctx, symbol, -22);
  }
  return finding(ctx, {
    rule: 'missing-crc',
    stage: 'load',
    severity: debian ? 'error' : m.severity,
    symbol,
    message: m.message,
    hint: `'${symbol}' has no CRC in the module's __versions table; ${REBUILD}`,
    evidence,
    ...(isLayout ? { references: [] } : {}),
  });
}

/** The symbols the loader resolves (check_version() for each), after check_modstruct_version(). */
function checkSymbols(ctx: RuleContext): Finding[] {
  if (!kernelHasModversions(ctx) || ctx.module.kind === 'o' || !loaderVersions(ctx)) return [];
  const layoutFirst = layoutMissing(ctx);
  if (layoutFirst && debianRefuses(ctx)) return []; // check_modstruct_version failed: -ENOEXEC
  const out: Finding[] = [];
  for (const s of loaderWalk(ctx).symbols) if (s.crc === 'missing') out.push(noVersion(ctx, s.imp.name, false, !layoutFirst && out.length === 0));
  return out;
}

const docs = {
  summary: 'A resolved symbol has no CRC in __versions (warn once upstream, refused by Debian), or there is no __versions at all.',
  source: 'kernel/module: check_version(), check_modstruct_version(), try_to_force_load()',
};

export const missingCrcInfo: RuleInfo = {
  id: 'missing-crc',
  stages: ['load'],
  summary: 'A resolved symbol has no CRC in __versions, or the module has no __versions at all.',
  description:
    'On a CONFIG_MODVERSIONS kernel the loader expects a CRC for each symbol it resolves. A missing one is a ' +
    'warning printed once per boot upstream, and a refusal on Debian\'s kernels (--missing-crc=error). A ' +
    'module with no __versions at all loads only with CONFIG_MODULE_FORCE_LOAD (tainting the kernel); ' +
    'otherwise the load fails and the kernel prints nothing.',
  source: 'kernel/module: check_version(), check_modstruct_version(), try_to_force_load()',
  versions: [
    ...rowsOf('load', NO_SYMBOL_VERSION),
    ...rowsOf('load', NO_SYMBOL_VERSION.map((e) => ({ ...e, severity: 'error' as const })), 'Debian kernels (--missing-crc=error), the basic __versions table (not the extended one, 6.14+)'),
    ...rowsOf('load', NO_EXTENDED_SYMBOL_VERSION, 'extended modversions'),
    ...rowsOf('load', FORCED_LOAD, 'no __versions, CONFIG_MODULE_FORCE_LOAD=y'),
    ...rowsOf('load', INSMOD_ENOEXEC, 'no __versions (the kernel prints nothing; insmod says this)'),
  ],
  fix: REBUILD.charAt(0).toUpperCase() + REBUILD.slice(1) + '.',
  docs: rulesDocSection('missing-crc'),
};

/**
 * Two rule objects with one id, in the loader's order: the table and `module_layout`
 * (check_modstruct_version(), before vermagic), then every resolved symbol — so that a load stopped at
 * module_layout (by this rule or crc-mismatch) makes no walk of the symbols.
 */
export const missingCrc: Rule = { id: 'missing-crc', stage: 'load', docs, firstLoaderStep: 1, check: checkTable };
export const missingCrcSymbols: Rule = { id: 'missing-crc', stage: 'load', docs, check: checkSymbols };

export default [missingCrc, missingCrcSymbols];
