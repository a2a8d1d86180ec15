/**
 * The kernel's vermagic string (include/linux/vermagic.h), derived from a build's release and config:
 *   UTS_RELEASE " " [SMP ][preempt |preempt_rt ][mod_unload ][modversions ]MODULE_ARCH_VERMAGIC[RANDSTRUCT_<hash>]
 * Derived only where the arch part is known to be empty (x86_64); elsewhere undefined, and the
 * vermagic rule is then skipped rather than guessed.
 */
export function deriveVermagic(release: string | undefined, config: Map<string, string>): string | undefined {
  if (!release || config.size === 0) return undefined;
  const on = (k: string) => config.get(k) === 'y';
  if (!on('CONFIG_X86_64')) return undefined;
  if (on('CONFIG_RANDSTRUCT') || on('CONFIG_GCC_PLUGIN_RANDSTRUCT') || on('CONFIG_RANDSTRUCT_FULL') || on('CONFIG_RANDSTRUCT_PERFORMANCE')) return undefined;
  let v = `${release} `;
  if (on('CONFIG_SMP')) v += 'SMP ';
  if (on('CONFIG_PREEMPT_RT')) v += 'preempt_rt ';
  else if (on('CONFIG_PREEMPT_BUILD') || on('CONFIG_PREEMPT')) v += 'preempt ';
  if (on('CONFIG_MODULE_UNLOAD')) v += 'mod_unload ';
  if (on('CONFIG_MODVERSIONS')) v += 'modversions ';
  return v;
}
