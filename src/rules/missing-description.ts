/**
 * missing-description: the module has no `description=` entry (no MODULE_DESCRIPTION()).
 *
 * Build only: scripts/mod/modpost.c read_symbols(), warn("missing MODULE_DESCRIPTION() in %s\n", modname)
 * (`modname` = the object path modpost was given, as for MODULE_LICENSE()):
 *  - 6.12.117 (read): only with `-W` (extra_warn: `make W=1`); not in 6.1.192 (read). The release that
 *    brought it (between them) is not pinned from a release's source: the W=1 row is given from 6.12.
 *  - 6.15+: for every module (6c6c1fc09de3 "modpost: require a MODULE_DESCRIPTION()", Kbuild updates for
 *    6.15, downgraded from error() to warn() at 6.15-rc1: the boundary is inferred from those mails; read
 *    unconditional in 7.2.13).
 * Whether a build ran with W=1 cannot be read from its outputs: the W=1 row applies only when the caller
 * says so (CheckOptions.extraWarn, `--extra-warn`).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, modpostObject } from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

/** Unconditional. */
export const MISSING_DESCRIPTION: readonly MessageEntry[] = [{ since: '6.15', severity: 'warning', template: 'WARNING: modpost: missing MODULE_DESCRIPTION() in %s' }];
/** With W=1 (modpost -W) only. */
export const MISSING_DESCRIPTION_W1: readonly MessageEntry[] = [
  { since: '6.12', until: '6.15', severity: 'warning', template: 'WARNING: modpost: missing MODULE_DESCRIPTION() in %s' },
];

function check(ctx: RuleContext): Finding[] {
  if (ctx.module.modinfo.some((e) => e.key === 'description')) return [];
  const obj = modpostObject(ctx);
  const m = message(MISSING_DESCRIPTION, ctx.version, obj) ?? (ctx.options.extraWarn ? message(MISSING_DESCRIPTION_W1, ctx.version, obj) : undefined);
  if (!m) return [];
  return [
    finding(ctx, {
      rule: 'missing-description',
      stage: 'build',
      severity: m.severity,
      message: m.message,
      hint: 'add MODULE_DESCRIPTION("…") to the module source (a warning: the build still succeeds)',
      evidence: { object: obj, modpostPrints: true },
    }),
  ];
}

export const missingDescription: Rule = {
  id: 'missing-description',
  stage: 'build',
  docs: { summary: 'No MODULE_DESCRIPTION(): a modpost warning (6.15+; with W=1 before).', source: 'scripts/mod/modpost.c: read_symbols()' },
  check,
};

export const missingDescriptionInfo: RuleInfo = {
  id: 'missing-description',
  stages: ['build'],
  summary: 'The module has no MODULE_DESCRIPTION(): a modpost warning for every module from 6.15, with W=1 only before.',
  description:
    'modpost warns about a module without a description= entry in .modinfo. 6.12 prints it only for ' +
    '`make W=1` (modpost -W), which a build\'s outputs do not record: ksymcheck reports it there only with ' +
    '--extra-warn. From 6.15 every module without one gets it. The build still succeeds.',
  source: 'scripts/mod/modpost.c: read_symbols()',
  versions: [...rowsOf('build', MISSING_DESCRIPTION_W1, 'W=1 (--extra-warn)'), ...rowsOf('build', MISSING_DESCRIPTION)],
  fix: 'Add MODULE_DESCRIPTION("…") to the module.',
  docs: rulesDocSection('missing-description'),
};

export default [missingDescription];
