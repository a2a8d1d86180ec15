import type { KernelVersion } from './types.js';

/**
 * The kernel's vermagic string (include/linux/vermagic.h), derived from a build's release and config:
 *   UTS_RELEASE " " [SMP ][preempt |preempt_rt ][mod_unload ][modversions ]MODULE_ARCH_VERMAGIC[RANDSTRUCT_<hash>]
 * Derived only where the arch part is known to be empty (x86_64); elsewhere undefined, and the
 * vermagic rule is then skipped rather than guessed.
 */
export function deriveVermagic(release: string | undefined, config: Map<string, string>, version?: KernelVersion): string | undefined {
  if (!release || config.size === 0) return undefined;
  const on = (k: string) => config.get(k) === 'y';
  if (!on('CONFIG_X86_64')) return undefined;
  if (on('CONFIG_RANDSTRUCT') || on('CONFIG_GCC_PLUGIN_RANDSTRUCT') || on('CONFIG_RANDSTRUCT_FULL') || on('CONFIG_RANDSTRUCT_PERFORMANCE')) return undefined;
  let v = `${release} `;
  if (on('CONFIG_SMP')) v += 'SMP ';
  const preempt = on('CONFIG_PREEMPT_BUILD') || on('CONFIG_PREEMPT');
  // 6.13+ (0b7a66a2c864): PREEMPT_RT is tested first; before, PREEMPT_BUILD was (read in 6.1.192's and
  // 6.12.117's vermagic.h: an rt kernel with both says `preempt`; 7.2.13's: `preempt_rt`). Unknown version: 6.13+.
  const rtFirst = version === undefined || version.major > 6 || (version.major === 6 && version.minor >= 13);
  if (on('CONFIG_PREEMPT_RT') && (rtFirst || !preempt)) v += 'preempt_rt ';
  else if (preempt) v += 'preempt ';
  if (on('CONFIG_MODULE_UNLOAD')) v += 'mod_unload ';
  if (on('CONFIG_MODVERSIONS')) v += 'modversions ';
  return v;
}
