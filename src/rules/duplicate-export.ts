/**
 * duplicate-export: the module exports a symbol the kernel (vmlinux or another module) already exports.
 *
 * Build only: scripts/mod/modpost.c sym_add_exported().
 *  - ≤5.4: symbols read from Module.symvers were "preloaded" and silently overridden — only a clash
 *    between two modules of the same modpost run was warned about.
 *  - 5.5 (Masahiro Yamada, "modpost: do not set ->preloaded for symbols from Module.symvers", Nov 2019):
 *    warned whatever the source, except that an external (M=) module may override an export of an
 *    in-tree module (tools/testing/nvdimm does); for external modules only a previous export in
 *    vmlinux (or in the module itself) is reported.
 *  - 5.19 ("modpost: make multiple export error"): error().
 */
import type { ModuleFacts } from '../module/types.js';
import type { Finding, Rule, RuleContext } from './types.js';
import { atLeast, message, type MessageEntry } from './versioned.js';
import {
  finding,
  isVmlinux,
  modpostBasename,
  modpostModName,
  ownerBasename,
  ownerModule,
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
    const m = message(EXPORTED_TWICE_MESSAGES, ctx.version, modpostModName(ctx.module), e.name, prev.owner, vmlinux ? '' : '.ko')!;
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

export const duplicateExportInfo: RuleInfo = {
  id: 'duplicate-export',
  stages: ['build'],
  summary: "The module exports a symbol that vmlinux or another module already exports ('exported twice').",
  description:
    'modpost keeps one owner per exported symbol. From 5.5 a second export of the same name warns (for an ' +
    'external module only against vmlinux\'s exports), from 5.19 it is an error; before 5.5 an export read ' +
    'from Module.symvers was silently overridden. At load time the second module would fail to load.',
  source: 'scripts/mod/modpost.c: sym_add_exported()',
  versions: rowsOf('build', EXPORTED_TWICE_MESSAGES).map((r) => (r.versions === 'before 5.7' ? { ...r, versions: '5.5 to before 5.7' } : r)),
  fix: 'Rename the module\'s symbol (or make it static), or drop the export if the kernel already provides it.',
  docs: rulesDocSection('duplicate-export'),
};

export default [duplicateExport];
