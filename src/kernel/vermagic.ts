import type { KernelVersion } from './types.js';
import { archFromConfig, archVermagic } from './arch.js';
import { configEmpty } from './config.js';

/**
 * The kernel's vermagic string (include/linux/vermagic.h), derived from a build's release and config:
 *   UTS_RELEASE " " [SMP ][preempt |preempt_rt ][mod_unload ][modversions ]MODULE_ARCH_VERMAGIC[RANDSTRUCT_<hash>]
 * The architecture's part comes from src/kernel/arch.ts; where it (or the randstruct hash) cannot be
 * told, undefined — and vermagicUnknownReason() says why, for the report.
 */
export function deriveVermagic(release: string | undefined, config: Map<string, string>, version?: KernelVersion): string | undefined {
  if (!release || configEmpty(config)) return undefined;
  const on = (k: string) => config.get(k) === 'y';
  const arch = archVermagic(config, archFromConfig(config));
  if (!('value' in arch)) return undefined;
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
  return v + arch.value;
}

/** Why deriveVermagic() gives no string for this build (undefined when it gives one). */
export function vermagicUnknownReason(release: string | undefined, config: Map<string, string>): string | undefined {
  if (!release) return 'the kernel release (UTS_RELEASE) is not known';
  if (configEmpty(config)) return 'no kernel configuration (.config or include/config/auto.conf) was found';
  const arch = archVermagic(config, archFromConfig(config));
  if ('unknown' in arch) return arch.unknown;
  if (deriveVermagic(release, config) === undefined) return "the kernel has RANDSTRUCT, whose seed's hash is part of vermagic";
  return undefined;
}
