/**
 * The notes a report carries, once per run: what the input could not tell ksymcheck and what was assumed
 * instead (the kernel's version, CONFIG_MODVERSIONS, vermagic, the struct module size, signature
 * enforcement and keys, DWARF for the frames).
 */
import type { SigningOptions } from '../signing/keys.js';
import { findSignerKey, signingTold } from '../rules/module-signature.js';
import type { KernelBuild } from '../kernel/types.js';
import { formatVersion, NEWEST_KNOWN } from '../kernel/version.js';
import type { ModuleFacts } from '../module/types.js';
import { checksStructModuleSize } from '../rules/module-struct-size.js';
import type { Stage } from '../rules/types.js';
import { NO_DWARF_NOTE } from '../report/frames-note.js';

/**
 * What the signature check assumed, said once per run: with signing options given but without the kernel's
 * built-in keys, signed modules whose key is unknown are taken as verifying (the rule reports nothing for
 * them); with none given, on a build whose configuration has CONFIG_MODULE_SIG=y, unsigned modules are
 * taken as loading (enforcement and lockdown assumed off).
 */
export function signingNotes(signing: SigningOptions, modules: readonly ModuleFacts[], kernel: KernelBuild): string[] {
  const out: string[] = [];
  const told = signingTold(signing);
  const unknown = signing.builtinKeys || !told ? 0 : modules.filter((m) => m.signature && !m.signature.problem && !findSignerKey(m, signing.keys)).length;
  if (unknown > 0) {
    out.push(
      `the kernel's built-in keys were not read: ${unknown} signed module(s) whose key is not among the ${signing.keys.length} known are assumed to verify; give --trusted-key with the kernel's vmlinux (its -dbg package) or vmlinuz`,
    );
  }
  // said where the build's configuration shows the loader checks signatures (CONFIG_MODULE_SIG=y)
  const unsigned = kernel.config.get('CONFIG_MODULE_SIG') === 'y' ? modules.filter((m) => m.kind === 'ko' && !m.signature).length : 0;
  if (unsigned > 0 && !told && kernel.config.get('CONFIG_MODULE_SIG_FORCE') !== 'y') {
    out.push(
      `${unsigned} unsigned module(s): signature enforcement and lockdown unknown, assumed off (such a module loads and taints the kernel, E); pass --sig-enforce, --secure-boot or --no-sig-enforce to have them checked`,
    );
  }
  return out;
}

/**
 * Said once per run when modules with references have no DWARF and no debug file was found. The same
 * words whichever modules (their references are the ones without frames), so that the notes of a run's
 * shards merge into one.
 */
export function noDwarfNote(debugDirs?: string[]): string {
  const dirs = (debugDirs?.length ? debugDirs : ['/usr/lib/debug']).join(', ');
  return `${NO_DWARF_NOTE}, nor a separate debug file under ${dirs} (by build ID or path): their references keep function+offset, without frames; pass --debug-dir, or build with debug info`;
}

/** The note a report carries when the build does not tell its version. */
export function versionNote(kernel: KernelBuild): string | undefined {
  if (kernel.version) return undefined;
  return `kernel version unknown for ${kernel.source}: applying the rules of the newest kernel known (${formatVersion(NEWEST_KNOWN)}); pass --kernel-version to choose`;
}

/**
 * The note a report carries when exports have no type (a three-field Module.symvers): modpost of 4.18 read
 * them as export_unknown, never GPL-only, and so does ksymcheck; the note says what that leaves unchecked.
 */
export function exportTypesNote(kernel: KernelBuild): string | undefined {
  const n = kernel.untypedExports;
  if (!n) return undefined;
  return (
    `${n} of the exports of ${kernel.source} have no export type (a Module.symvers of three fields per line, as kernels before 2.6.18 wrote): ` +
    'whether they are GPL-only cannot be told, so no gpl-only finding is made for them (modpost of 5.4 and later refuses such a file)'
  );
}

/** The note a report carries when the loader's struct module size check applies but could not be made. */
export function structModuleNote(kernel: KernelBuild, stages: Stage[]): string | undefined {
  if (!stages.includes('load') || kernel.structModuleSize !== undefined || !checksStructModuleSize(kernel.version ?? NEWEST_KNOWN)) return undefined;
  return `the loader's struct module size check (.gnu.linkonce.this_module) was not made: no vmlinux with BTF defining struct module in ${kernel.source}`;
}

/** The note a report carries when CONFIG_MODVERSIONS was not read from a configuration: what was assumed. */
export function modversionsNote(kernel: KernelBuild): string | undefined {
  // inferred on (CRCs seen) is what a kernel with them always shows: the header says "inferred", no note
  if (kernel.modversionsSource === 'exports' && kernel.modversions === false) {
    return `CONFIG_MODVERSIONS of ${kernel.source} taken as off: no configuration beside it, every export's CRC is 0 and module_layout is not exported (a kernel built without modversions); the loader's CRC checks were not applied`;
  }
  if (kernel.modversions === undefined) {
    return `CONFIG_MODVERSIONS of ${kernel.source} unknown (no configuration, no CRC, module_layout exported without one): assumed on, the loader's CRC checks applied; pass the build or headers directory (its .config) to decide`;
  }
  return undefined;
}

/**
 * The note a report carries when the load stage is checked and the kernel's vermagic string cannot be
 * told (no vmlinux with one, and a config whose architecture part, RANDSTRUCT hash or release is not
 * known): vermagic is then not compared, and the report says so rather than passing it silently.
 */
export function vermagicNote(kernel: KernelBuild, stages: readonly string[]): string | undefined {
  if (kernel.vermagic !== undefined || !stages.includes('load')) return undefined;
  return `vermagic not checked against ${kernel.source}: ${kernel.vermagicUnknown ?? "the kernel's vermagic string cannot be told"}`;
}
