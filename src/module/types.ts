/**
 * A module seen as facts: what modpost and the loader read from a `.ko` (or a `<mod>.o` prelink object).
 */
import type { ExportType } from '../kernel/types.js';
import type { Frame } from '../dwarf/where.js';
import type { ModuleSignature } from '../signing/signature.js';

/** One place in the module that references a symbol (a relocation against it). */
export interface Reference {
  /** The section the relocation applies to (`.text`, `__jump_table`, `.init.text`, …), not the `.rela*` name. */
  section: string;
  /** The function (or object) symbol whose range holds the reference, when one does. */
  function?: string;
  /** Offset from the start of `function` when set, else from the start of `section`. */
  offset: number;
  /**
   * Where the bytes the relocation patches are in the ELF file (of a compressed module: in the
   * decompressed image); absent for a section without file bytes (SHT_NOBITS) or whose header puts them
   * past the end of the file.
   */
  fileOffset?: number;
  /**
   * From the module's DWARF (or its separate debug file), when a report asks for them: the inline chain
   * at the code site, innermost first — the innermost (inlined) function with the line in it, then each
   * caller with the line of its call, out to the module's own function (eu-addr2line -i -f). For a table
   * entry (`__jump_table`), the frames of the code site the entry records.
   */
  frames?: Frame[];
}

export interface Import {
  name: string;
  /** STB_WEAK undefined symbol: never reported as unresolved. */
  weak: boolean;
  /** Every relocation against the symbol, in file order. Empty when nothing references it (e.g. only in .symtab). */
  refs: Reference[];
}

/** A symbol the module itself exports (its own __ksymtab*, or `.export_symbol` in 6.5+ objects). */
export interface ModuleExport {
  name: string;
  type: ExportType;
  namespace: string;
  /** CRC if the module carries one (__crc_<sym>), else null. */
  crc: number | null;
}

/** The sections the loader's structural checks read, as the module file has them. */
export interface LoaderSections {
  /** Size of `.gnu.linkonce.this_module` (the module's struct module), when the section has file bytes. */
  thisModuleSize?: number;
  /** `__ksymtab` holds entries (the loader's mod->num_syms > 0). */
  ksymtabEntries: boolean;
  /** An allocated `__kflagstab` (7.1+ modules). */
  kflagstab: boolean;
  /** Allocated `__ksymtab_gpl` / `__kcrctab_gpl` (modules built for kernels before 7.1). */
  ksymtabGpl: boolean;
  kcrctabGpl: boolean;
  /**
   * What is wrong with the extended modversions tables (6.14+), as elf_validity_cache_index_versions()
   * sees it: one of the two sections without the other, or fewer names than CRCs.
   */
  extVersions?: 'presence' | 'count';
}

export interface ModuleFacts {
  /** The path as given on the command line. */
  path: string;
  /** Module name: `.modinfo name=` if present, else the file basename without `.ko`/`.o` (modpost's view). */
  name: string;
  /** `.ko` = linked module; `.o` = modpost's input object. */
  kind: 'ko' | 'o';
  /** ELF e_machine (EM_X86_64 = 62, …) and class, for per-arch rules. */
  machine: number;
  elfClass: 32 | 64;
  /**
   * The rest of the ELF header the loader checks first (rule elf-header), as the module's own byte
   * order reads it. Absent on facts not made from a file.
   */
  elfHeader?: { type: number; littleEndian: boolean; shentsize: number; flags: number };
  /** All `.modinfo` entries in order (keys may repeat). */
  modinfo: Array<{ key: string; value: string }>;
  /** Every `license=` value, in order. */
  licenses: string[];
  /** Every `import_ns=` value. */
  importNs: string[];
  /** `depends=` split on commas; undefined when there is no depends= entry. */
  depends?: string[];
  vermagic?: string;
  /** `intree=Y` present. */
  intree: boolean;
  /**
   * `__versions` (or extended modversions) as name → CRC; undefined when the module has no such section
   * (then the loader takes the "no versions" path).
   */
  versions?: Map<string, number>;
  /** Which modversions table the module carries. */
  versionsFormat?: 'basic' | 'extended';
  /**
   * With extended modversions: the `__versions` table the module also carries (CONFIG_BASIC_MODVERSIONS),
   * else undefined. Loaders before 6.14 know only this one (see rules/shared.ts loaderVersions()).
   */
  basicVersions?: Map<string, number>;
  /** The file was compressed (`.ko.gz`, `.ko.xz`, `.ko.zst`, told by its magic bytes); absent for a plain ELF file. */
  compression?: 'gzip' | 'xz' | 'zstd';
  /**
   * For xz: the integrity check its stream header names (xz's default is crc64; the kernel's own XZ
   * decoder takes only crc32 and none, see rule xz-check).
   */
  xzCheck?: 'none' | 'crc32' | 'crc64' | 'sha256' | 'reserved';
  /**
   * For zstd: the Frame_Content_Size its first frame records, or null when it records none (zstd writing
   * to a pipe); kmod 34's user-space decoder needs it (rule kmod-decompress).
   */
  zstdContentSize?: number | null;
  /**
   * What the loader's section checks look at (kernel/module: elf_validity_cache_index_mod(),
   * elf_validity_cache_index_versions(), find_module_sections(), check_export_symbol_sections());
   * absent when not read (facts made by hand).
   */
  loaderSections?: LoaderSections;
  /**
   * The signature appended to the module (`~Module signature appended~`), as the loader reads it before
   * anything else; undefined when there is none (an unsigned module). Only for a `.ko`.
   */
  signature?: ModuleSignature;
  /** GLOBAL/WEAK undefined symbols (before any ignore list), with their references. */
  imports: Import[];
  exports: ModuleExport[];
}
