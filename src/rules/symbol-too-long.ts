/**
 * symbol-too-long: modpost cannot record an imported symbol in `__versions` because its name does not fit
 * `struct modversion_info` (MODULE_NAME_LEN = 64 - sizeof(unsigned long): 56 on 64-bit, 60 on 32-bit).
 *
 * Build only: scripts/mod/modpost.c add_versions() (read in 6.1.192, 6.12.117, 7.2.13), with modversions:
 * for the resolved symbols in order, the first whose name is MODULE_NAME_LEN or longer →
 * error("too long symbol \"%s\" [%s.ko]\n", s->name, mod->name) and the loop stops (`break`). 6.14+
 * (extended modversions) skips such a name instead when CONFIG_EXTENDED_MODVERSIONS is set (it goes to
 * the extended tables only), and writes no `__versions` at all without CONFIG_BASIC_MODVERSIONS. Releases
 * before 6.1 were not read for this rule.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { atLeast, message, type MessageEntry } from './versioned.js';
import { configEnabled, finding, kernelHasModversions, modpostImportIndices, modpostName, resolveById } from './shared.js';
import { importColumns } from '../module/columns.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';
import { configEmpty } from '../kernel/config.js';

export const TOO_LONG_SYMBOL: readonly MessageEntry[] = [{ since: '6.1', severity: 'error', template: 'ERROR: modpost: too long symbol "%s" [%s.ko]' }];

function check(ctx: RuleContext): Finding[] {
  if (!kernelHasModversions(ctx)) return [];
  if (atLeast(ctx.version, '6.14')) {
    // 6.14+: only a basic-only build (BASIC=y, EXTENDED=n) has the error; without a configuration it is unknown
    if (configEmpty(ctx.kernel.config)) return [];
    if (!configEnabled(ctx, 'CONFIG_BASIC_MODVERSIONS') || configEnabled(ctx, 'CONFIG_EXTENDED_MODVERSIONS')) return [];
  }
  const limit = 64 - (ctx.module.elfClass === 64 ? 8 : 4);
  const cols = importColumns(ctx.module);
  for (const i of modpostImportIndices(ctx, cols)) {
    const name = cols.name(i);
    if (name.length < limit) continue;
    const exp = resolveById(ctx, cols.ids[i]);
    if (!exp || exp.crc === null) continue;
    const m = message(TOO_LONG_SYMBOL, ctx.version, name, modpostName(ctx));
    if (!m) return [];
    return [
      finding(ctx, {
        rule: 'symbol-too-long',
        stage: 'build',
        severity: m.severity,
        symbol: name,
        message: m.message,
        hint: `the name is ${name.length} characters, __versions holds at most ${limit - 1}; this kernel's modversions cannot version it (6.14+ kernels with CONFIG_EXTENDED_MODVERSIONS can)`,
        evidence: { length: name.length, limit: limit - 1, owner: exp.owner },
      }),
    ];
  }
  return [];
}

export const symbolTooLong: Rule = {
  id: 'symbol-too-long',
  stage: 'build',
  docs: { summary: 'An imported symbol name too long for __versions (basic modversions only).', source: 'scripts/mod/modpost.c: add_versions()' },
  check,
};

export const symbolTooLongInfo: RuleInfo = {
  id: 'symbol-too-long',
  stages: ['build'],
  summary: 'With basic modversions, modpost cannot version an imported symbol whose name is 56 characters or longer (64-bit).',
  description:
    'struct modversion_info has 64 - sizeof(long) bytes for a name. modpost stops writing __versions at the ' +
    'first resolved symbol that does not fit, with an error. From 6.14, with CONFIG_EXTENDED_MODVERSIONS the ' +
    'name goes to the extended tables instead (Rust symbols are long: RUST selects it).',
  source: 'scripts/mod/modpost.c: add_versions()',
  versions: rowsOf('build', TOO_LONG_SYMBOL, 'CONFIG_MODVERSIONS; from 6.14 only without CONFIG_EXTENDED_MODVERSIONS'),
  fix: 'Build against a kernel with CONFIG_EXTENDED_MODVERSIONS (6.14+), or avoid using that symbol.',
  docs: rulesDocSection('symbol-too-long'),
};

export default [symbolTooLong];
