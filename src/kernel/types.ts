/**
 * The kernel side of the model: a kernel build seen as an index of exports.
 * Nouns follow the kernel's own vocabulary (include/linux/export.h, scripts/mod/modpost.c).
 */
import type { KernelArch } from './arch.js';

/** The fourth column of Module.symvers (`export_str()` in modpost.c). */
export type ExportType =
  | 'EXPORT_SYMBOL'
  | 'EXPORT_SYMBOL_GPL'
  | 'EXPORT_SYMBOL_GPL_FUTURE'
  | 'EXPORT_UNUSED_SYMBOL'
  | 'EXPORT_UNUSED_SYMBOL_GPL'
  | '(unknown)';

export const EXPORT_TYPES: readonly ExportType[] = [
  'EXPORT_SYMBOL',
  'EXPORT_SYMBOL_GPL',
  'EXPORT_SYMBOL_GPL_FUTURE',
  'EXPORT_UNUSED_SYMBOL',
  'EXPORT_UNUSED_SYMBOL_GPL',
  '(unknown)',
];

/** True for the export types a GPL-incompatible module may not use. */
export function isGplOnly(type: ExportType): boolean {
  return type === 'EXPORT_SYMBOL_GPL' || type === 'EXPORT_UNUSED_SYMBOL_GPL';
}

/** Where a fact came from: a file and, for text inputs, a 1-based line. */
export interface Origin {
  file: string;
  line?: number;
}

/** One exported symbol of a kernel build (a line of Module.symvers, or a __ksymtab entry). */
export interface Export {
  name: string;
  type: ExportType;
  /** Symbol namespace; '' when the symbol has none. 6.16+: `module:<patterns>` for EXPORT_SYMBOL_FOR_MODULES. */
  namespace: string;
  /** The CRC (genksyms), a 32-bit unsigned number; null when the source records none. 0 means "no CRC generated". */
  crc: number | null;
  /** `vmlinux`, or the module path without `.ko` as modpost writes it (e.g. `drivers/scsi/scsi_mod`). */
  owner: string;
  origin: Origin;
}

/** A parsed kernel version; `rc` is set for -rc releases (4.18-rc5 → {4,18,0,rc:5}). */
export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
  rc?: number;
  /** The text it was parsed from (a release string such as `6.1.0-47-amd64`). */
  raw: string;
}

export type VersionSource =
  | 'option'
  | 'include/config/kernel.release'
  | 'include/generated/utsrelease.h'
  | 'vmlinux'
  | 'Module.symvers path'
  | 'none';

export type ModversionsSource = 'config' | 'exports' | 'unknown';

/** A kernel build, as far as the rules need it. */
export interface KernelBuild {
  /** The path the user named (directory, Module.symvers[.gz] or vmlinux). */
  source: string;
  /** Kernel release string (`uname -r` form) when known. */
  release?: string;
  /** The version whose rules apply; undefined → newest rules (the caller says so once). */
  version?: KernelVersion;
  versionSource: VersionSource;
  /** CONFIG_MODVERSIONS, from .config / auto.conf, else from CRCs; undefined if nothing tells. */
  modversions?: boolean;
  /**
   * Where `modversions` came from: the configuration; the exports (a non-zero CRC: on; every CRC zero or
   * absent and no module_layout export: off — what Module.symvers of a CONFIG_MODVERSIONS=n kernel holds);
   * or nothing (unknown: the rules then take it as on, and the report says so).
   */
  modversionsSource?: ModversionsSource;
  /** The kernel's vermagic string (UTS_RELEASE + tokens) when it can be derived. */
  vermagic?: string;
  /** .config / auto.conf values (CONFIG_FOO → "y", "m", "\"string\"" unquoted). */
  config: Map<string, string>;
  /** Exports of vmlinux and in-tree modules (Module.symvers), plus --extra-symbols. */
  exports: ExportIndex;
  /**
   * sizeof(struct module) of this kernel, from the BTF of its vmlinux, when there is one: what the loader
   * compares `.gnu.linkonce.this_module`'s size with (rule module-struct-size).
   */
  structModuleSize?: number;
  /**
   * How many exports have no export type (`(unknown)`): a Module.symvers of three fields per line, as
   * kernels before 2.6.18 wrote. Whether they are GPL-only cannot be told (notes.ts says so).
   */
  untypedExports?: number;
  /** ELF e_machine of vmlinux when known (for the per-arch ignore list). */
  machine?: number;
  /** The architecture the kernel is for (vmlinux's ELF header, else .config); undefined if neither tells. */
  arch?: KernelArch;
  /** When `vermagic` is undefined: why it could not be told (the report says vermagic was not checked). */
  vermagicUnknown?: string;
}

/** Exports read lazily (a SymversIndex): look-ups, their count, and all of them in order when asked. */
export interface ExportSource {
  get(name: string): Export | undefined;
  has(name: string): boolean;
  readonly size: number;
  values(): IterableIterator<Export>;
  /** values()'s names, where the source can give them without making the exports. */
  names?(): IterableIterator<string>;
}

/** name → Export. The first definition wins; later duplicates are remembered for the duplicate-export rule. */
export class ExportIndex {
  private readonly byName = new Map<string, Export>();
  /** Exports that came first, read only where looked up (loadKernel's Module.symvers); undefined: all in byName. */
  private readonly base: ExportSource | undefined;
  /** set() of a name the base has: the export that replaces the base's, in its place. */
  private replaced: Map<string, Export> | undefined;

  /** An index whose first exports are `base`'s, as if each had been add()ed first, in its order. */
  constructor(base?: ExportSource) {
    this.base = base;
  }

  add(exp: Export): Export | undefined {
    const prev = this.get(exp.name);
    if (prev) return prev;
    this.byName.set(exp.name, exp);
    return undefined;
  }

  /** Replace or add (used when a later input must override, as modpost does for in-tree module exports). */
  set(exp: Export): void {
    if (this.base?.has(exp.name)) (this.replaced ??= new Map()).set(exp.name, exp);
    else this.byName.set(exp.name, exp);
  }

  get(name: string): Export | undefined {
    const b = this.base?.get(name);
    if (b) return this.replaced?.get(name) ?? b;
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.base?.has(name) === true || this.byName.has(name);
  }

  get size(): number {
    return (this.base?.size ?? 0) + this.byName.size;
  }

  values(): IterableIterator<Export> {
    return this.base ? this.all(this.base) : this.byName.values();
  }

  /** values()'s names (a lazily read base's without making its exports). */
  *names(): IterableIterator<string> {
    if (this.base?.names) yield* this.base.names();
    else if (this.base) for (const e of this.base.values()) yield e.name;
    yield* this.byName.keys();
  }

  private *all(base: ExportSource): IterableIterator<Export> {
    const replaced = this.replaced;
    for (const e of base.values()) yield replaced?.get(e.name) ?? e;
    yield* this.byName.values();
  }
}
