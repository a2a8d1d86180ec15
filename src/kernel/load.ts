/**
 * A kernel build (a build/headers directory, a Module.symvers[.gz], or a vmlinux alone) → KernelBuild.
 */
import { locateKernel } from './locate.js';
import { readSymversFile } from './symvers.js';
import { deriveVermagic } from './vermagic.js';
import { parseKernelVersion } from './version.js';
import { readVmlinux } from './vmlinux.js';
import { ExportIndex, type Export, type KernelBuild, type VersionSource } from './types.js';

export interface LoadKernelOptions {
  /** `--kernel-version`: overrides what the build tells. */
  kernelVersion?: string;
  /** `--extra-symbols`: other modules' Module.symvers files (KBUILD_EXTRA_SYMBOLS). */
  extraSymbols?: string[];
}

export async function loadKernel(path: string, opts: LoadKernelOptions = {}): Promise<KernelBuild> {
  const inputs = await locateKernel(path);
  const exports = new ExportIndex();
  let release = inputs.release;
  let versionSource: VersionSource = inputs.release ? (inputs.releaseSource ?? 'include/config/kernel.release') : 'none';
  let vermagic: string | undefined;
  let machine: number | undefined;
  let sawCrc = false;

  const addAll = (list: Iterable<Export>, override: boolean) => {
    for (const e of list) {
      if (e.crc) sawCrc = true;
      if (override) exports.set(e);
      else exports.add(e);
    }
  };

  if (inputs.symvers) addAll((await readSymversFile(inputs.symvers)).exports, false);
  if (inputs.vmlinux) {
    const v = readVmlinux(inputs.vmlinux);
    machine = v.machine;
    vermagic = v.vermagic;
    if (!release && v.release) {
      release = v.release;
      versionSource = 'vmlinux';
    }
    // Module.symvers, when present, is what modpost reads; vmlinux only fills in what it lacks.
    addAll(v.exports, false);
  }
  for (const extra of opts.extraSymbols ?? []) addAll((await readSymversFile(extra)).exports, false);

  const config = inputs.config ?? new Map<string, string>();
  // Debian's include/config/kernel.release holds the upstream version (6.1.192) while UTS_RELEASE is the
  // `uname -r` form (6.1.0-47-amd64): the version comes from the former, vermagic from the latter.
  let version = parseKernelVersion(inputs.kernelRelease ?? '') ?? (release ? parseKernelVersion(release) : undefined);
  if (opts.kernelVersion) {
    version = parseKernelVersion(opts.kernelVersion);
    versionSource = 'option';
  } else if (!version) {
    versionSource = 'none';
  }
  const modversions = config.size > 0 ? config.get('CONFIG_MODVERSIONS') === 'y' : sawCrc ? true : undefined;
  return {
    source: path,
    release,
    version,
    versionSource,
    modversions,
    vermagic: vermagic ?? deriveVermagic(release, config),
    config,
    exports,
    machine,
  };
}
