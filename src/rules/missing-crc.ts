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
import { configEnabled, finding, kernelHasModversions, loaderName, loaderVersions } from './shared.js';
import { loaderWalk, unknownSymbolLine } from './loader.js';
import { moduleLayoutExport } from './crc-mismatch.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './docs.js';

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

function check(ctx: RuleContext): Finding[] {
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

  const debian = ctx.options.missingCrc === 'error';
  const out: Finding[] = [];
  let printed = false;
  const emit = (symbol: string, isLayout: boolean) => {
    const table = ctx.module.versionsFormat === 'extended' ? NO_EXTENDED_SYMBOL_VERSION : NO_SYMBOL_VERSION;
    const m = message(table, ctx.version, name, symbol) ?? message(NO_SYMBOL_VERSION, ctx.version, name, symbol)!;
    const evidence: Record<string, string | number | boolean | null> = {
      versionsTable: true,
      loaderPrints: debian || !printed,
    };
    if (debian) {
      if (isLayout) evidence.stopsLoad = true;
      else evidence.alsoPrints = unknownSymbolLine(ctx, symbol, -22);
    }
    printed = true;
    out.push(
      finding(ctx, {
        rule: 'missing-crc',
        stage: 'load',
        severity: debian ? 'error' : m.severity,
        symbol,
        message: m.message,
        hint: `'${symbol}' has no CRC in the module's __versions table; ${REBUILD}`,
        evidence,
        ...(isLayout ? { references: [] } : {}),
      }),
    );
  };
  if (layout && layout.crc !== null && !versions.has('module_layout')) emit('module_layout', true);
  if (debian && out.length > 0) return out; // check_modstruct_version failed: -ENOEXEC
  for (const s of loaderWalk(ctx).symbols) if (s.crc === 'missing') emit(s.imp.name, false);
  return out;
}

export const missingCrc: Rule = {
  id: 'missing-crc',
  stage: 'load',
  docs: {
    summary: 'A resolved symbol has no CRC in __versions (warn once upstream, refused by Debian), or there is no __versions at all.',
    source: 'kernel/module: check_version(), check_modstruct_version(), try_to_force_load()',
  },
  check,
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
    ...rowsOf('load', NO_SYMBOL_VERSION.map((e) => ({ ...e, severity: 'error' as const })), 'Debian kernels (--missing-crc=error)'),
    ...rowsOf('load', NO_EXTENDED_SYMBOL_VERSION, 'extended modversions'),
    ...rowsOf('load', FORCED_LOAD, 'no __versions, CONFIG_MODULE_FORCE_LOAD=y'),
    ...rowsOf('load', INSMOD_ENOEXEC, 'no __versions (the kernel prints nothing; insmod says this)'),
  ],
  fix: REBUILD.charAt(0).toUpperCase() + REBUILD.slice(1) + '.',
  docs: rulesDocSection('missing-crc'),
};

export default [missingCrc];
