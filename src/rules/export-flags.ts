/**
 * export-flags: a module that exports symbols without the 7.1+ flags table, or with the sections that
 * table replaced.
 *
 * Load only, 7.1+ (the __kflagstab series, 55fcb926b6d8 / b4760ff2a5e4; the boundary is inferred from the
 * series' merge, the texts read in 7.2.13's kernel/module/main.c, absent from 6.12.117's):
 *  - find_module_sections(): pr_warn("%s: ignoring obsolete section __ksymtab_gpl\n") and the same for
 *    __kcrctab_gpl — the GPL-only exports of such a module are not exported at all;
 *  - check_export_symbol_sections() (after the vermagic check, before setup_modinfo() and symbol
 *    resolution): a module with __ksymtab entries and no __kflagstab → pr_err("%s: no flags for exported
 *    symbols\n"), -ENOEXEC.
 * Such a module was built for an older kernel; it only gets here past module_layout and vermagic (forced).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, loaderName } from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const NO_FLAGS: readonly MessageEntry[] = [{ since: '7.1', severity: 'error', template: '%s: no flags for exported symbols' }];
export const OBSOLETE_SECTION: readonly MessageEntry[] = [{ since: '7.1', severity: 'warning', template: '%s: ignoring obsolete section %s' }];

const REBUILD = "rebuild the module against this kernel's build tree (7.1+ modpost writes __kflagstab; __ksymtab_gpl is gone)";

function check(ctx: RuleContext): Finding[] {
  const s = ctx.module.loaderSections;
  if (!s || ctx.module.kind === 'o') return [];
  const name = loaderName(ctx.module);
  const out: Finding[] = [];
  for (const [present, section] of [
    [s.ksymtabGpl, '__ksymtab_gpl'],
    [s.kcrctabGpl, '__kcrctab_gpl'],
  ] as const) {
    const m = present ? message(OBSOLETE_SECTION, ctx.version, name, section) : undefined;
    if (m) out.push(finding(ctx, { rule: 'export-flags', stage: 'load', severity: m.severity, message: m.message, hint: `its GPL-only exports are not exported by this kernel; ${REBUILD}`, evidence: { section } }));
  }
  const m = s.ksymtabEntries && !s.kflagstab ? message(NO_FLAGS, ctx.version, name) : undefined;
  if (m) out.push(finding(ctx, { rule: 'export-flags', stage: 'load', severity: m.severity, message: m.message, hint: REBUILD, evidence: { errno: -8, stopsLoad: true } }));
  return out;
}

export const exportFlags: Rule = {
  id: 'export-flags',
  stage: 'load',
  firstLoaderStep: 2.5,
  docs: { summary: 'A module exporting symbols without __kflagstab is refused (7.1+); __ksymtab_gpl/__kcrctab_gpl are ignored.', source: 'kernel/module: find_module_sections(), check_export_symbol_sections()' },
  check,
};

export const exportFlagsInfo: RuleInfo = {
  id: 'export-flags',
  stages: ['load'],
  summary: 'From 7.1 the loader needs the per-export flags table (__kflagstab) of a module that exports symbols.',
  description:
    'Since 7.1 every export sits in __ksymtab and its GPL-only flag in __kflagstab. The loader warns about ' +
    'and ignores the old __ksymtab_gpl/__kcrctab_gpl sections, and refuses (-ENOEXEC) a module that has ' +
    '__ksymtab entries but no __kflagstab: a module built for an older kernel.',
  source: 'kernel/module: find_module_sections(), check_export_symbol_sections()',
  versions: [...rowsOf('load', OBSOLETE_SECTION, '__ksymtab_gpl / __kcrctab_gpl present'), ...rowsOf('load', NO_FLAGS, '__ksymtab entries, no __kflagstab')],
  fix: "Rebuild the module against the kernel's own build tree.",
  docs: rulesDocSection('export-flags'),
};

export default [exportFlags];
