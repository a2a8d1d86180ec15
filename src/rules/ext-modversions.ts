/**
 * ext-modversions: the extended modversions tables (6.14+) are not as the loader takes them.
 *
 * Load only: kernel/module elf_validity_cache_index_versions() (54ac1ac8edeb, 6.14; read in 7.2.13), part
 * of the ELF checks before module_layout: `__version_ext_crcs` without `__version_ext_names` or the other
 * way round → pr_err("extended version crc+name presence does not match"); fewer NUL-terminated names
 * than CRCs → pr_err("more extended version crcs than names"); both -ENOEXEC (neither string ends in a
 * newline in the source). Loaders before 6.14 do not look at these sections.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding } from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const EXT_PRESENCE: readonly MessageEntry[] = [{ since: '6.14', severity: 'error', template: 'extended version crc+name presence does not match' }];
export const EXT_COUNT: readonly MessageEntry[] = [{ since: '6.14', severity: 'error', template: 'more extended version crcs than names' }];

function check(ctx: RuleContext): Finding[] {
  const problem = ctx.module.loaderSections?.extVersions;
  if (!problem || ctx.module.kind === 'o') return [];
  const m = message(problem === 'presence' ? EXT_PRESENCE : EXT_COUNT, ctx.version);
  if (!m) return [];
  return [
    finding(ctx, {
      rule: 'ext-modversions',
      stage: 'load',
      severity: m.severity,
      message: m.message,
      hint:
        problem === 'presence'
          ? 'the module has one of __version_ext_crcs / __version_ext_names without the other (damaged or hand-edited); rebuild it'
          : '__version_ext_names holds fewer names than __version_ext_crcs holds CRCs (damaged or hand-edited); rebuild it',
      evidence: { problem, errno: -8, stopsLoad: true },
    }),
  ];
}

export const extModversions: Rule = {
  id: 'ext-modversions',
  stage: 'load',
  firstLoaderStep: 0.5,
  docs: { summary: 'The extended modversions sections do not pair up (6.14+ loader, -ENOEXEC).', source: 'kernel/module: elf_validity_cache_index_versions()' },
  check,
};

export const extModversionsInfo: RuleInfo = {
  id: 'ext-modversions',
  stages: ['load'],
  summary: 'The extended modversions tables (__version_ext_crcs/__version_ext_names) do not pair up: the 6.14+ loader refuses the module.',
  description:
    'With CONFIG_EXTENDED_MODVERSIONS modpost writes the CRCs and the NUL-separated names in two sections. ' +
    'The 6.14+ loader checks, before anything else about versions, that both are there and that there is ' +
    'a name for every CRC; otherwise -ENOEXEC. Older loaders ignore both sections.',
  source: 'kernel/module: elf_validity_cache_index_versions()',
  versions: [...rowsOf('load', EXT_PRESENCE, 'one section without the other'), ...rowsOf('load', EXT_COUNT, 'fewer names than CRCs')],
  fix: 'Rebuild the module; do not edit its version sections.',
  docs: rulesDocSection('ext-modversions'),
};

export default [extModversions];
