/**
 * vermagic-mismatch: the module's `vermagic=` differs from the kernel's VERMAGIC_STRING.
 *
 * Load only. kernel/module check_modinfo() (after check_modstruct_version, before any symbol):
 * same_magic() skips the first token (the release) when the module has a `__versions` section and the
 * kernel has CONFIG_MODVERSIONS; otherwise the whole strings must match. The extended tables (6.14+) do not
 * count: an extended-only module has its release compared (info->index.vers, read in 7.2.13). Mismatch →
 * pr_err("%s: version magic '%s' should be '%s'") and -ENOEXEC (stops the load). A missing vermagic
 * goes through try_to_force_load(mod, "bad vermagic"): "%s: bad vermagic: kernel tainted." with
 * CONFIG_MODULE_FORCE_LOAD, else -ENOEXEC with nothing printed. Same text 4.4 … 6.x.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { configEnabled, finding, hasBasicVersionsSection, kernelHasModversions, loaderName } from './shared.js';
import { FORCED_LOAD, INSMOD_ENOEXEC } from './missing-crc.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const VERMAGIC_MESSAGES: readonly MessageEntry[] = [
  { severity: 'error', template: "%s: version magic '%s' should be '%s'" },
];

/** same_magic(): drop everything before the first space when the module carries CRCs. */
export function comparableMagic(magic: string, hasCrcs: boolean): string {
  if (!hasCrcs) return magic;
  const i = magic.indexOf(' ');
  return i < 0 ? '' : magic.slice(i);
}

function tokenDiff(mod: string, ker: string): string {
  const a = mod.split(' ').filter(Boolean);
  const b = ker.split(' ').filter(Boolean);
  const onlyMod = a.filter((t) => !b.includes(t));
  const onlyKer = b.filter((t) => !a.includes(t));
  const parts: string[] = [];
  if (onlyMod.length) parts.push(`module has ${onlyMod.map((t) => `'${t}'`).join(' ')}`);
  if (onlyKer.length) parts.push(`kernel has ${onlyKer.map((t) => `'${t}'`).join(' ')}`);
  return parts.length ? parts.join(', ') : 'the token order differs';
}

function check(ctx: RuleContext): Finding[] {
  // a `.o` is modpost's input: vermagic= only comes with <mod>.mod.o at the final link
  if (ctx.module.kind === 'o') return [];
  const name = loaderName(ctx.module);
  const mod = ctx.module.vermagic;
  if (mod === undefined) {
    if (configEnabled(ctx, 'CONFIG_MODULE_FORCE_LOAD')) {
      const m = message(FORCED_LOAD, ctx.version, name, 'bad vermagic')!;
      return [
        finding(ctx, {
          rule: 'vermagic-mismatch',
          stage: 'load',
          severity: m.severity,
          message: m.message,
          hint: 'the module has no vermagic= in .modinfo (was it built by kbuild?); the kernel force-loads it (taint F)',
          evidence: { moduleVermagic: null, kernelVermagic: ctx.kernel.vermagic ?? null, forceLoad: true },
        }),
      ];
    }
    const m = message(INSMOD_ENOEXEC, ctx.version, ctx.module.path)!;
    return [
      finding(ctx, {
        rule: 'vermagic-mismatch',
        stage: 'load',
        severity: m.severity,
        message: m.message,
        hint: 'the module has no vermagic= in .modinfo (was it built by kbuild?); without CONFIG_MODULE_FORCE_LOAD the kernel refuses it silently',
        evidence: {
          moduleVermagic: null,
          kernelVermagic: ctx.kernel.vermagic ?? null,
          forceLoad: false,
          kernelPrints: false,
          stopsLoad: true,
        },
      }),
    ];
  }
  const ker = ctx.kernel.vermagic;
  if (ker === undefined) return [];
  // same_magic(..., info->index.vers): the `__versions` section alone, not the extended tables (6.14+, 7.2.13)
  const hasCrcs = kernelHasModversions(ctx) && hasBasicVersionsSection(ctx.module);
  if (comparableMagic(mod, hasCrcs) === comparableMagic(ker, hasCrcs)) return [];
  const m = message(VERMAGIC_MESSAGES, ctx.version, name, mod, ker)!;
  return [
    finding(ctx, {
      rule: 'vermagic-mismatch',
      stage: 'load',
      severity: m.severity,
      message: m.message,
      hint:
        `rebuild the module against this kernel's build tree (${tokenDiff(comparableMagic(mod, hasCrcs), comparableMagic(ker, hasCrcs))}` +
        `${hasCrcs ? '; the release token is ignored because the module has __versions' : ''})`,
      evidence: { moduleVermagic: mod, kernelVermagic: ker, releaseIgnored: hasCrcs, stopsLoad: true },
    }),
  ];
}

export const vermagicMismatch: Rule = {
  id: 'vermagic-mismatch',
  stage: 'load',
  firstLoaderStep: 2,
  docs: {
    summary: "The module's vermagic differs from the kernel's (release token ignored when the module has __versions).",
    source: 'kernel/module: check_modinfo() → same_magic(), try_to_force_load()',
  },
  check,
};

export const vermagicMismatchInfo: RuleInfo = {
  id: 'vermagic-mismatch',
  stages: ['load'],
  summary: "The module's vermagic string differs from the kernel's.",
  description:
    'The loader compares the module\'s vermagic= (release, SMP, preempt, mod_unload, modversions…) with ' +
    'its own; when the kernel has CONFIG_MODVERSIONS and the module has __versions, the release token is ' +
    'ignored and the CRCs decide instead. A difference stops the load. Without vermagic= the module loads ' +
    'only with CONFIG_MODULE_FORCE_LOAD.',
  source: 'kernel/module: check_modinfo() → same_magic(), try_to_force_load()',
  versions: [
    ...rowsOf('load', VERMAGIC_MESSAGES),
    { stage: 'load', versions: 'all versions', condition: 'no vermagic=, CONFIG_MODULE_FORCE_LOAD=y', severity: 'warning', message: '%s: bad vermagic: kernel tainted.' },
  ],
  fix: "Rebuild the module against this kernel's build tree, with the same configuration (SMP, preemption, modversions).",
  docs: rulesDocSection('vermagic-mismatch'),
};

export default [vermagicMismatch];
