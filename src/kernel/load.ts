/**
 * A kernel build (a build/headers directory, a Module.symvers[.gz], or a vmlinux alone) → KernelBuild.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import { locateKernel, type KernelInputs } from './locate.js';
import { readSymversFile, type SymversFile } from './symvers.js';
import { indexSymversBytes, readSymversIndexed, SymversIndex } from './symvers-index.js';
import { CachedSymvers, readSymversCached } from './symvers-cache.js';
import { deriveVermagic, vermagicUnknownReason } from './vermagic.js';
import { archFromConfig, archFromElf, type KernelArch } from './arch.js';
import { parseKernelVersion } from './version.js';
import { readVmlinux } from './vmlinux.js';
import { configEmpty } from './config.js';
import { ExportIndex, type Export, type KernelBuild, type ModversionsSource, type VersionSource } from './types.js';

export interface LoadKernelOptions {
  /** `--kernel-version`: overrides what the build tells. */
  kernelVersion?: string;
  /** `--extra-symbols`: other modules' Module.symvers files (KBUILD_EXTRA_SYMBOLS). */
  extraSymbols?: string[];
  /**
   * A directory where a Module.symvers's index is kept between runs (symvers-cache.ts: the command line
   * gives the user's cache directory); undefined: the file is read whole every time.
   */
  symversCache?: string;
}

export async function loadKernel(path: string, opts: LoadKernelOptions = {}): Promise<KernelBuild> {
  const inputs = await locateKernel(path);
  // Module.symvers first: in the modern layout an index whose exports are made when looked up
  // (SymversIndex, or its cache's CachedSymvers), else its parsed lines added as before.
  const symvers = inputs.symvers
    ? opts.symversCache !== undefined
      ? readSymversCached(inputs.symvers, opts.symversCache)
      : readSymversIndexed(inputs.symvers)
    : inputs.symversData
      ? indexSymversBytes(inputs.symversData.data, inputs.symversData.name)
      : undefined;
  const index = symvers instanceof SymversIndex || symvers instanceof CachedSymvers ? symvers : undefined;
  const exports = new ExportIndex(index);
  let release = inputs.release;
  let versionSource: VersionSource = inputs.release ? (inputs.releaseSource ?? 'include/config/kernel.release') : 'none';
  let vermagic: string | undefined;
  let machine: number | undefined;
  let structModuleSize: number | undefined = inputs.structModuleSize;
  let arch: KernelArch | undefined;
  let sawCrc = false;
  let untyped = 0;

  const addAll = (list: Iterable<Export>, override: boolean) => {
    for (const e of list) {
      if (e.crc) sawCrc = true;
      if (e.type === '(unknown)') untyped++;
      if (override) exports.set(e);
      else exports.add(e);
    }
  };

  if (symvers && !index) addAll((symvers as SymversFile).exports, false);
  let vmlinuxSections: string[] | undefined;
  if (inputs.vmlinux) {
    let v;
    try {
      v = readVmlinux(inputs.vmlinux, inputs.vmlinuxName);
    } finally {
      inputs.dispose?.();
    }
    vmlinuxSections = v.sections;
    machine = v.machine;
    arch = archFromElf(v.machine, v.elfClass, v.littleEndian);
    vermagic = v.vermagic;
    structModuleSize = v.structModuleSize ?? structModuleSize;
    if (!release && v.release) {
      release = v.release;
      versionSource = 'vmlinux';
    }
    // Module.symvers, when present, is what modpost reads; vmlinux only fills in what it lacks.
    addAll(v.exports, false);
  }
  if (exports.size === 0) throw noExports(path, inputs, vmlinuxSections ?? []);
  for (const extra of opts.extraSymbols ?? []) addAll((await readSymversFile(extra)).exports, false);

  const config = inputs.config ?? new Map<string, string>();
  // Debian's include/config/kernel.release holds the upstream version (6.1.192) while UTS_RELEASE is the
  // `uname -r` form (6.1.0-47-amd64): the version comes from the former, vermagic from the latter.
  let version = parseKernelVersion(inputs.kernelRelease ?? '') ?? (release ? parseKernelVersion(release) : undefined);
  if (opts.kernelVersion) {
    version = parseKernelVersion(opts.kernelVersion);
    // (unparsed, it fell back to the newest rules known, said to come from the option)
    if (!version) throw new RangeError(`kernelVersion ${JSON.stringify(opts.kernelVersion)} is not a kernel version (X.Y[.Z][-rcN], or a release such as 6.1.0-47-amd64)`);
    versionSource = 'option';
  } else if (!version) {
    versionSource = 'none';
  }
  const { modversions, modversionsSource } = modversionsOf(config, () => sawCrc || index?.anyCrc() === true, exports);
  arch ??= archFromConfig(config);
  vermagic ??= deriveVermagic(release, config, version);
  return {
    source: path,
    release,
    version,
    versionSource,
    modversions,
    modversionsSource,
    vermagic,
    config,
    exports,
    machine: machine ?? arch?.machine,
    arch,
    vermagicUnknown: vermagic === undefined ? vermagicUnknownReason(release, config) : undefined,
    ...(structModuleSize !== undefined ? { structModuleSize } : {}),
    ...(untyped > 0 ? { untypedExports: untyped } : {}),
  };
}

/**
 * CONFIG_MODVERSIONS: the configuration says; else the exports tell — a non-zero CRC is only written with
 * it, and a kernel built with it exports module_layout (kernel/module/version.c, built only with
 * CONFIG_MODVERSIONS) with a CRC; Module.symvers of a kernel without it has every CRC 0x00000000 and no
 * module_layout line (Debian 6.18.1+ kernels); else unknown.
 */
function modversionsOf(config: Map<string, string>, sawCrc: () => boolean, exports: ExportIndex): { modversions?: boolean; modversionsSource: ModversionsSource } {
  if (!configEmpty(config)) return { modversions: config.get('CONFIG_MODVERSIONS') === 'y', modversionsSource: 'config' };
  if (sawCrc()) return { modversions: true, modversionsSource: 'exports' };
  if (exports.size > 0 && !exports.has('module_layout')) return { modversions: false, modversionsSource: 'exports' };
  return { modversionsSource: 'unknown' };
}

/** Sections that hold a kernel's export tables (ksymtab.ts reads them); none of them: nothing to index. */
const EXPORT_SECTION = /^(?:__ksymtab|__kcrctab|__kstrtab|\.export_symbol)/;

/**
 * The input error for a kernel from which no export can be read. Checking modules against it would
 * call every import unresolved, a false FAIL for every module: refused, saying what was found and what
 * to pass instead.
 */
function noExports(path: string, inputs: KernelInputs, sections: string[]): InputError {
  const found: string[] = [];
  let instead = "pass the kernel's Module.symvers, or its build or headers directory";
  if (inputs.symvers || inputs.symversData) {
    found.push(
      `${inputs.kind === 'symvers' ? 'this Module.symvers' : 'its Module.symvers'} lists none, where a kernel build's lists thousands ` +
        `(an empty one is what an external module that exports nothing leaves: such a file goes to --extra-symbols)`,
    );
  }
  if (inputs.vmlinux) {
    const shown = sections.length > 12 ? [...sections.slice(0, 12), `… ${sections.length - 12} more`] : sections;
    let what = `${inputs.kind === 'dir' ? 'its vmlinux' : 'this vmlinux'} has no export tables (no __ksymtab*, __kcrctab* or .export_symbol sections; sections: ${shown.join(', ') || 'none'})`;
    if (sections.includes('.BTF') && !sections.some((n) => EXPORT_SECTION.test(n))) {
      what += `: it looks like the BTF-only vmlinux that distribution headers packages ship for BPF programs and resolve_btfids, not the kernel image`;
    }
    found.push(what);
    const beside = join(dirname(inputs.vmlinux), 'Module.symvers');
    if (inputs.kind === 'vmlinux' && existsSync(beside)) instead = `pass the Module.symvers beside it (${beside}) or the vmlinux of the kernel's -dbg package`;
    else instead += ", or the vmlinux of the kernel's -dbg package";
  }
  return new InputError(path, `no exports: ${found.join('; ')}; ${instead}`);
}
