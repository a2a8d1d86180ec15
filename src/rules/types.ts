/**
 * A rule is a module with an id, docs and a pure check: facts + index → findings (ESLint's shape).
 */
import type { Export, KernelBuild, KernelVersion } from '../kernel/types.js';
import type { ModuleFacts, Reference } from '../module/types.js';
import type { SigningOptions } from '../signing/keys.js';

export type { SigningOptions };

/** The stable rule ids (the JSON report's `rule` field); the report schema takes them from here. */
export const RULE_IDS = [
  'gpl-only',
  'gpl-future',
  'unused-symbol',
  'unresolved',
  'namespace-not-imported',
  'missing-license',
  'duplicate-export',
  'crc-mismatch',
  'missing-crc',
  'vermagic-mismatch',
  'proprietary-import',
  'xz-check',
  'kmod-decompress',
  'module-namespace-import',
  'missing-description',
  'export-flags',
  'ext-modversions',
  'module-struct-size',
  'symbol-too-long',
  'elf-header',
  'module-signature',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export type Stage = 'build' | 'load';
export type Severity = 'error' | 'warning';

/** Evidence values are plain JSON scalars so that every formatter can print them without knowing the rule. */
export type EvidenceValue = string | number | boolean | null;

export interface Finding {
  rule: RuleId;
  stage: Stage;
  severity: Severity;
  /** The symbol the finding is about, when there is one. */
  symbol?: string;
  /** The exact line modpost / the loader prints for this kernel version. */
  message: string;
  /** One line on how to fix it, where there is one. */
  hint?: string;
  /** Export type, owner, namespace, CRCs expected/found, … */
  evidence: Record<string, EvidenceValue>;
  /** Every place in the module that references `symbol`. */
  references: Reference[];
}

export interface CheckOptions {
  /** KBUILD_MODPOST_WARN=1: unresolved symbols become warnings (GPL and namespace errors stay). */
  modpostWarn: boolean;
  /** A symbol absent from __versions: mainline warns and loads; Debian's kernels refuse. */
  missingCrc: 'warn' | 'error';
  /** The module is built out of tree (M=): ≤5.1 undefined symbols are warnings. Default true. */
  external: boolean;
  /**
   * What `kmod --version` says of the kmod that loads the modules (`kmod version 34.2` and the feature line
   * `+ZSTD +XZ -ZLIB +OPENSSL`, either or both): its version and which formats it can decompress in user
   * space (rule kmod-decompress). Undefined: unknown.
   */
  kmod?: string;
  /**
   * The build ran with W=1 (modpost -W, `extra_warn`): the warnings modpost prints only then (6.12–6.14's
   * missing MODULE_DESCRIPTION()). A build's outputs do not record it; default false.
   */
  extraWarn?: boolean;
  /** The keys and enforcement the signature check (rule module-signature) goes by; absent: none known. */
  signing?: SigningOptions;
}


/** Everything a rule may look at. Rules never read files. */
export interface RuleContext {
  module: ModuleFacts;
  kernel: KernelBuild;
  /** The version whose behaviour applies (kernel.version, or the newest known when undefined). */
  version: KernelVersion;
  /**
   * Resolve an imported symbol as modpost's find_symbol() does: the kernel's exports, --extra-symbols,
   * and the exports of the other modules given in the same run.
   */
  resolve(name: string): Export | undefined;
  /**
   * resolve() by the name's id in the run's name table (module/names.ts), which the modules' import
   * columns hold: what check() offers, so that the walks need no look-up by string. Absent: resolve().
   */
  resolveId?(id: number): Export | undefined;
  /** Other modules in the same run, by module name (for proprietary-import). */
  modules: ReadonlyMap<string, ModuleFacts>;
  options: CheckOptions;
  /**
   * Does the loader refuse this other module of the run? Then it is never loaded, and the symbols it
   * exports are unknown to modules that import them. Returns the first line the loader prints for it,
   * or undefined when it loads (or while it is being decided: a dependency cycle). Absent: every module
   * of the run is taken as loaded.
   */
  refusedOwner?(owner: ModuleFacts): string | undefined;
}

export interface RuleDocs {
  summary: string;
  /** The kernel source this rule mirrors (file and function). */
  source: string;
}

export interface Rule {
  id: RuleId;
  stage: Stage;
  docs: RuleDocs;
  /**
   * Load rules: the earliest step of load_module() a finding of this rule can come from — 0 decompression,
   * 0.25 module_sig_check (the appended signature: load_module()'s first step, before the ELF is read),
   * 0.4 the ELF header checks, 0.5 the other ELF checks (elf_validity_cache_copy(): struct module size,
   * extended modversions tables), 1 check_modstruct_version (module_layout), 2 check_modinfo (vermagic),
   * 2.5 find_module_sections(), check_export_symbol_sections() and setup_modinfo() (export flags, module:
   * imports), 3 symbol resolution (the default), 4 complete_formation (duplicate exports). The runner skips
   * a rule whose findings would all come after a step that stopped the load.
   */
  firstLoaderStep?: 0 | 0.25 | 0.4 | 0.5 | 1 | 2 | 2.5 | 3 | 4;
  check(ctx: RuleContext): Finding[];
}
