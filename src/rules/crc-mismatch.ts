/**
 * crc-mismatch: the CRC the module recorded in `__versions` for a symbol differs from the kernel's.
 *
 * Load only, CONFIG_MODVERSIONS kernels, modules with a `__versions` (or extended modversions) table.
 * kernel/module check_modstruct_version() checks `module_layout` FIRST (before vermagic and before any
 * symbol); a mismatch there makes load_module() return -ENOEXEC, so that finding stands alone for the
 * load stage (runRules drops every other load finding; see index.ts). Then check_version() runs for
 * every symbol resolve_symbol() found: mismatch → pr_warn("disagrees …"), ERR_PTR(-EINVAL), and
 * simplify_symbols() adds "Unknown symbol … (err -22)". An exporter without CRCs (crc null) is accepted.
 * Message text identical in 4.4 … 6.x (kernel/module.c, kernel/module/version.c).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, hex8, kernelHasModversions, loaderName, loaderVersions } from './shared.js';
import { loaderWalk, unknownSymbolLine } from './loader.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const CRC_MISMATCH_MESSAGES: readonly MessageEntry[] = [
  { severity: 'error', template: '%s: disagrees about version of symbol %s' },
];

export function moduleLayoutExport(ctx: RuleContext) {
  return ctx.resolve('module_layout') ?? ctx.kernel.exports.get('module_layout');
}

function check(ctx: RuleContext): Finding[] {
  const versions = loaderVersions(ctx);
  if (!kernelHasModversions(ctx) || !versions) return [];
  const name = loaderName(ctx.module);
  const layout = moduleLayoutExport(ctx);
  if (layout && layout.crc !== null && versions.has('module_layout')) {
    const mine = versions.get('module_layout')!;
    if (mine >>> 0 !== layout.crc >>> 0) {
      const m = message(CRC_MISMATCH_MESSAGES, ctx.version, name, 'module_layout')!;
      return [
        finding(ctx, {
          rule: 'crc-mismatch',
          stage: 'load',
          severity: m.severity,
          symbol: 'module_layout',
          message: m.message,
          hint:
            'module_layout covers struct module and friends: the module was built for a different kernel build; ' +
            "rebuild it against this kernel's build tree",
          evidence: {
            crcExpected: hex8(mine),
            crcFound: hex8(layout.crc),
            owner: layout.owner,
            stopsLoad: true,
          },
          references: [],
        }),
      ];
    }
  }
  const out: Finding[] = [];
  for (const s of loaderWalk(ctx).symbols) {
    if (s.crc !== 'mismatch' || !s.export || s.export.crc === null) continue;
    const mine = versions.get(s.imp.name)!;
    const m = message(CRC_MISMATCH_MESSAGES, ctx.version, name, s.imp.name)!;
    out.push(
      finding(ctx, {
        rule: 'crc-mismatch',
        stage: 'load',
        severity: m.severity,
        symbol: s.imp.name,
        message: m.message,
        hint:
          `the module was built against a kernel whose '${s.imp.name}' has a different ABI (CRC); rebuild it ` +
          `against this kernel's headers and Module.symvers`,
        evidence: {
          crcExpected: hex8(mine),
          crcFound: hex8(s.export.crc),
          owner: s.export.owner,
          alsoPrints: unknownSymbolLine(ctx, s.imp.name, -22),
        },
      }),
    );
  }
  return out;
}

export const crcMismatch: Rule = {
  id: 'crc-mismatch',
  stage: 'load',
  firstLoaderStep: 1,
  docs: {
    summary: 'A symbol CRC in __versions differs from the kernel\'s (module_layout first: it alone stops the load).',
    source: 'kernel/module: check_modstruct_version(), check_version() (module.c ≤5.18, module/version.c ≥5.19)',
  },
  check,
};

export const crcMismatchInfo: RuleInfo = {
  id: 'crc-mismatch',
  stages: ['load'],
  summary: "A symbol's CRC in the module's __versions differs from the kernel's (CONFIG_MODVERSIONS).",
  description:
    'modpost records in __versions the CRC of every symbol the module resolved at build time. The loader ' +
    'compares module_layout first (a mismatch stops the load before anything else) and then each resolved ' +
    'symbol\'s CRC with the running kernel\'s: a difference means the module was built against other ' +
    'headers, and the symbol is refused.',
  source: 'kernel/module: check_modstruct_version(), check_version() (module.c before 5.19, module/version.c from 5.19)',
  versions: rowsOf('load', CRC_MISMATCH_MESSAGES),
  fix: "Rebuild the module against this kernel's own headers or build tree (its Module.symvers).",
  docs: rulesDocSection('crc-mismatch'),
};

export default [crcMismatch];
