/**
 * missing-license: the module has no `license=` entry (no MODULE_LICENSE()).
 *
 * Build only: scripts/mod/modpost.c read_symbols(). The `%s` is the object path modpost was given
 * (`<mod>.o`, e.g. `/home/u/foo/foo.o` for an M= build), not the `.ko`.
 *  - ≤5.8: warn() with a second line "see include/linux/module.h for more information"
 *    (≤5.6 the format carried "modpost: ", 5.7+ the prefix did — same text);
 *  - 5.9–5.10: the second line is gone (Masahiro Yamada's June 2020 modpost series);
 *  - 5.11+: error() (and the module then counts as GPL-compatible, so no GPL error on top).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, pickValue, type MessageEntry, type Versioned } from './versioned.js';
import { finding, GPL_COMPATIBLE_LICENSES, modpostObject } from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const MISSING_LICENSE_MESSAGES: readonly MessageEntry[] = [
  { until: '5.7', severity: 'warning', template: 'WARNING: modpost: missing MODULE_LICENSE() in %s' },
  { since: '5.7', until: '5.11', severity: 'warning', template: 'WARNING: modpost: missing MODULE_LICENSE() in %s' },
  { since: '5.11', severity: 'error', template: 'ERROR: modpost: missing MODULE_LICENSE() in %s' },
];

/** The second line older modposts print. */
export const MISSING_LICENSE_SECOND_LINE: readonly Versioned<string | null>[] = [
  { until: '5.9', value: 'see include/linux/module.h for more information' },
];

function check(ctx: RuleContext): Finding[] {
  if (ctx.module.licenses.length > 0) return [];
  const obj = modpostObject(ctx);
  const m = message(MISSING_LICENSE_MESSAGES, ctx.version, obj)!;
  const second = pickValue(MISSING_LICENSE_SECOND_LINE, ctx.version, null);
  const evidence: Record<string, string | boolean | null> = { object: obj, modpostPrints: true };
  if (second !== null) evidence.alsoPrints = second;
  return [
    finding(ctx, {
      rule: 'missing-license',
      stage: 'build',
      severity: m.severity,
      message: m.message,
      hint:
        `add MODULE_LICENSE("…") with one of ${GPL_COMPATIBLE_LICENSES.map((l) => `"${l}"`).join(', ')} ` +
        `(or your real licence — the loader then taints the kernel and hides GPL-only exports)`,
      evidence,
    }),
  ];
}

export const missingLicense: Rule = {
  id: 'missing-license',
  stage: 'build',
  docs: {
    summary: 'No MODULE_LICENSE(): modpost warning ≤5.10, error from 5.11.',
    source: 'scripts/mod/modpost.c: read_symbols()',
  },
  check,
};

export const missingLicenseInfo: RuleInfo = {
  id: 'missing-license',
  stages: ['build'],
  summary: 'The module has no MODULE_LICENSE(): a modpost warning before 5.11, an error from 5.11.',
  description:
    'modpost reads the license= entries of .modinfo; a module without any gets a warning (with a second ' +
    'line pointing to include/linux/module.h before 5.9) and, from 5.11, an error. The loader then treats ' +
    'the module as proprietary: it taints the kernel and hides GPL-only exports.',
  source: 'scripts/mod/modpost.c: read_symbols()',
  versions: rowsOf('build', MISSING_LICENSE_MESSAGES),
  fix: `Add MODULE_LICENSE("…") with the module's real licence; one of ${GPL_COMPATIBLE_LICENSES.map((l) => `"${l}"`).join(', ')} makes it GPL-compatible.`,
  docs: rulesDocSection('missing-license'),
};

export default [missingLicense];
