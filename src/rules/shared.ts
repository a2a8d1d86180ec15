/**
 * Helpers shared by the rules: licence tests, the names modpost and the loader print, the per-arch
 * list of undefined symbols modpost ignores, and small formatting helpers.
 */
import { EM_386, EM_PPC, EM_PPC64, EM_S390, EM_SPARC, EM_SPARCV9, EM_X86_64 } from '../elf/constants.js';
import type { Export, KernelVersion } from '../kernel/types.js';
import type { ModuleFacts, Reference } from '../module/types.js';
import { importColumns, versionsOf, type ImportColumns, type VersionLookup } from '../module/columns.js';
import { nameOf } from '../module/names.js';
import type { EvidenceValue, Finding, RuleContext, RuleId, Severity, Stage } from './types.js';
import { atLeast, inRange, type VersionRange } from './versioned.js';

// ---------------------------------------------------------------------------------------------
// Licences (include/linux/license.h, unchanged 4.18 … 6.17)

/** The exact, case-sensitive strings `license_is_gpl_compatible()` accepts. */
export const GPL_COMPATIBLE_LICENSES: readonly string[] = [
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
];

export function isGplCompatible(license: string): boolean {
  return GPL_COMPATIBLE_LICENSES.includes(license);
}

/**
 * modpost's view (read_symbols): every `license=` entry is tested and one incompatible entry makes the
 * module GPL-incompatible. With no entry at all the module counts as compatible: ≤5.10
 * `mod->gpl_compatible` stays -1 (only `== 0` triggers the check), ≥5.11 `is_gpl_compatible` defaults
 * to true because the missing licence is already an error of its own.
 */
export function modpostGplCompatible(facts: ModuleFacts): boolean {
  return facts.licenses.every(isGplCompatible);
}

/** The first licence entry modpost rejects, if any. */
export function firstIncompatibleLicense(facts: ModuleFacts): string | undefined {
  return facts.licenses.find((l) => !isGplCompatible(l));
}

/**
 * The loader tests only the first `license=` entry (get_modinfo); none → "unspecified" → proprietary.
 */
export function loaderGplCompatible(facts: ModuleFacts): boolean {
  const first = facts.licenses[0];
  return first !== undefined && isGplCompatible(first);
}

/** Modules the loader taints proprietary whatever they claim (module_license_offenders[]). */
export const LICENSE_OFFENDERS: readonly string[] = ['driverloader', 'lve'];

/** TAINT_PROPRIETARY_MODULE set on the module itself when it is loaded (before symbol resolution). */
export function loaderTaintsProprietary(facts: ModuleFacts): boolean {
  return !loaderGplCompatible(facts) || LICENSE_OFFENDERS.includes(loaderName(facts));
}

/** Does the string look like an attempt at a GPL licence (so the hint can say "not on the list")? */
export function looksLikeGplAttempt(license: string): boolean {
  return /gpl/i.test(license) && !isGplCompatible(license);
}

// ---------------------------------------------------------------------------------------------
// Names

const MODULE_SUFFIX = /\.(ko|o)(\.(xz|gz|zst|bz2|lz4))?$/;

/**
 * modpost's `mod->name`: the object path without `.o` (the build path, e.g. `drivers/foo/bar` or, for
 * M= builds, `/abs/dir/bar`). We only have the path the user gave, so that stands in for it.
 * Printed in `"%s" [%s.ko] undefined!` and `exported twice`.
 */
export function modpostModName(facts: ModuleFacts): string {
  return facts.path.replace(MODULE_SUFFIX, '');
}

/** The basename modpost prints in the GPL, UNUSED and namespace messages (`strrchr(mod->name, '/')`). */
export function modpostBasename(facts: ModuleFacts): string {
  const n = modpostModName(facts);
  const i = n.lastIndexOf('/');
  return i >= 0 ? n.slice(i + 1) : n;
}

/** The object path modpost was given (`<mod>.o`), printed by `missing MODULE_LICENSE() in %s`. */
export function modpostObjectPath(facts: ModuleFacts): string {
  return `${modpostModName(facts)}.o`;
}

/**
 * modpost's `mod->name` for this kernel version: from 6.13 (13b25489b6f8 "kbuild: change working directory
 * to external module directory with M="), an external module's path is relative to the M= directory —
 * `foo` for a module at its top, where before it was `/abs/dir/foo`. ksymcheck takes the module's own
 * directory as the M= directory (a module in a subdirectory of it would print `sub/foo`); in-tree builds
 * (`external: false`) keep the path as given. Inferred from 7.2.13's Makefile.modpost (`-T modules.order`,
 * run in the module directory) and Makefile.build, not from a build log.
 */
export function modpostName(ctx: RuleContext): string {
  return ctx.options.external && atLeast(ctx.version, '6.13') ? modpostBasename(ctx.module) : modpostModName(ctx.module);
}

/** `modpostName()` + `.o`: the object `missing MODULE_LICENSE()` / `MODULE_DESCRIPTION()` name. */
export function modpostObject(ctx: RuleContext): string {
  return `${modpostName(ctx)}.o`;
}

/** The loader's `mod->name` (KBUILD_MODNAME: `-` already turned into `_`). */
export function loaderName(facts: ModuleFacts): string {
  return facts.name.replace(/-/g, '_');
}

/** Module names compare with `-` and `_` alike (the loader's mod_strncmp, kbuild's name-fix). */
export function sameModuleName(a: string, b: string): boolean {
  return a.replace(/-/g, '_') === b.replace(/-/g, '_');
}

/** `vmlinux`, or the basename of a Module.symvers owner path (`drivers/scsi/scsi_mod` → `scsi_mod`). */
export function ownerBasename(owner: string): string {
  const i = owner.lastIndexOf('/');
  return (i >= 0 ? owner.slice(i + 1) : owner).replace(MODULE_SUFFIX, '');
}

/** Is the owner vmlinux (by basename)? Through ownerKey()'s memo: a tree asks for every import's owner. */
export function isVmlinux(owner: string): boolean {
  return owner === 'vmlinux' || ownerKey(owner) === 'vmlinux'; // 'vmlinux' has no '-' to fold
}

/**
 * The run's modules by `-`/`_`-folded name and modpost basename, in ctx.modules order (built once per
 * run: a linear scan per lookup made a 4,000-module tree quadratic).
 */
const runNameIndex = new WeakMap<ReadonlyMap<string, ModuleFacts>, Map<string, ModuleFacts[]>>();

function modulesByName(modules: ReadonlyMap<string, ModuleFacts>): Map<string, ModuleFacts[]> {
  let index = runNameIndex.get(modules);
  if (index) return index;
  index = new Map();
  for (const m of modules.values()) {
    const a = m.name.replace(/-/g, '_');
    const b = modpostBasename(m).replace(/-/g, '_');
    for (const key of a === b ? [a] : [a, b]) {
      const list = index.get(key);
      if (list) list.push(m);
      else index.set(key, [m]);
    }
  }
  runNameIndex.set(modules, index);
  return index;
}

/** Owner strings → folded basename: a tree asks for the same few thousand owners 40,000 times. */
const ownerKeys = new Map<string, string>();

function ownerKey(owner: string): string {
  let key = ownerKeys.get(owner);
  if (key === undefined) {
    key = ownerBasename(owner).replace(/-/g, '_');
    if (ownerKeys.size < 1 << 16) ownerKeys.set(owner, key);
  }
  return key;
}

/** The other module of this run that owns an export, if it is one of them. */
export function ownerModule(ctx: RuleContext, owner: string): ModuleFacts | undefined {
  if (owner === 'vmlinux') return undefined;
  const key = ownerKey(owner);
  if (key === 'vmlinux') return undefined;
  const list = modulesByName(ctx.modules).get(key);
  if (!list) return undefined;
  for (const m of list) if (m !== ctx.module && m.path !== ctx.module.path) return m;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// modpost's ignore_undef_symbol() (scripts/mod/modpost.c)

// e_machine values (data shared with the ELF layer's constants).
export { EM_386, EM_PPC, EM_PPC64, EM_S390, EM_SPARC, EM_SPARCV9, EM_X86_64 };

interface IgnoreRule extends VersionRange {
  /** undefined = every architecture. */
  machine?: number;
  exact?: string;
  prefix?: string;
}

/**
 * Read in 4.17-era, 5.10, 6.1 and 6.12 sources plus the patches that changed it, and again in Debian's
 * linux-source 6.1.192, 6.12.117 and 7.2.13 (scripts/mod/modpost.c ignore_undef_symbol()): those three
 * have every row below (7.2.13 adds `__start_`/`__stop_`, another branch's change) except s390's
 * expoline thunks, which 6.1.192 has and 6.12.117 and 7.2.13 do not. There is no row for arm, arm64,
 * riscv, mips or x86 in any of them (no register-save helpers: those architectures' compilers call
 * none), and `_mcount`/`__fentry__` are not special to modpost (they are exported by the kernel);
 * sparc's only special cases (STT_SPARC_REGISTER symbols, `.name` → `_Name`) are in handle_symbol(),
 * not here.
 *
 * The ppc64 `_restgpr1_`/`_savegpr1_`/`_restfpr_`/`_savefpr_` prefixes came with 3cd9763ce4ad ("modpost:
 * Amend ppc64 save/restfpr symnames for -Os build", 7.0) and went to the stable series: Debian's 6.1
 * changelog lists it under upstream 6.1.165 and 6.1.192's modpost.c has it; 6.12.117's has it too (the
 * 6.12.y release that brought it was not read, so 6.12.117 is the bound written). Other series
 * before 7.0 are taken as without it (not read).
 */
const PPC64_SAVE_RESTORE_1: readonly VersionRange[] = [{ since: '6.1.165', until: '6.2' }, { since: '6.12.117', until: '6.13' }, { since: '7.0' }];

export const MODPOST_IGNORED_UNDEFS: readonly IgnoreRule[] = [
  { exact: '__this_module' },
  { exact: '_GLOBAL_OFFSET_TABLE_' },
  { machine: EM_PPC, prefix: '_restgpr_' },
  { machine: EM_PPC, prefix: '_savegpr_' },
  { machine: EM_PPC, prefix: '_rest32gpr_' },
  { machine: EM_PPC, prefix: '_save32gpr_' },
  { machine: EM_PPC, prefix: '_restvr_' },
  { machine: EM_PPC, prefix: '_savevr_' },
  { machine: EM_PPC64, prefix: '_restgpr0_' },
  { machine: EM_PPC64, prefix: '_savegpr0_' },
  ...['_restgpr1_', '_savegpr1_', '_restfpr_', '_savefpr_'].flatMap((prefix) => PPC64_SAVE_RESTORE_1.map((r) => ({ machine: EM_PPC64, prefix, ...r }))),
  { machine: EM_PPC64, prefix: '_restvr_' },
  { machine: EM_PPC64, prefix: '_savevr_' },
  { machine: EM_PPC64, exact: '.TOC.' },
  // expoline thunks: in 6.1.192, not in 6.12.117; introduction with the s390 spectre work (4.16 era)
  // and removal (6.2) taken from memory, not read.
  { machine: EM_S390, prefix: '__s390_indirect_jump_r', since: '4.16', until: '6.2' },
  // section bounds (4109043bff31 "modpost: Ignore unresolved section bounds symbols"): read in 7.2.13,
  // absent from 6.12.117; 6.19 is inferred from the commit's date, not read in a 6.19 tree
  { prefix: '__start_', since: '6.19' },
  { prefix: '__stop_', since: '6.19' },
];

/**
 * `__start_<sec>` / `__stop_<sec>`: modpost ignores them (6.19+) but nothing defines them in a `.ko` — the
 * loader still looks them up (its own ignore list is unchanged in 7.2.13).
 */
export function isSectionBound(name: string): boolean {
  return name.startsWith('__start_') || name.startsWith('__stop_');
}

/** The ignore rules that apply to one machine and version (asked once per symbol: worked out once). */
const applicableIgnores = new WeakMap<KernelVersion, Map<number, readonly IgnoreRule[]>>();

function ignoresFor(machine: number, version: KernelVersion): readonly IgnoreRule[] {
  let byMachine = applicableIgnores.get(version);
  if (!byMachine) applicableIgnores.set(version, (byMachine = new Map()));
  let list = byMachine.get(machine);
  if (!list) byMachine.set(machine, (list = MODPOST_IGNORED_UNDEFS.filter((r) => (r.machine === undefined || r.machine === machine) && inRange(version, r))));
  return list;
}

/**
 * ignoreUndefSymbol() by name id, remembered per ignore list (a machine and version): 0 not asked yet,
 * 1 kept, 2 ignored. A tree asks for the same few thousand names 185,000 times.
 */
const ignoredByList = new WeakMap<readonly IgnoreRule[], { marks: Uint8Array }>();

function ignoredIds(machine: number, version: KernelVersion): { list: readonly IgnoreRule[]; memo: { marks: Uint8Array } } {
  const list = ignoresFor(machine, version);
  let memo = ignoredByList.get(list);
  if (!memo) ignoredByList.set(list, (memo = { marks: new Uint8Array(0) }));
  return { list, memo };
}

function ignoredId(ignored: { list: readonly IgnoreRule[]; memo: { marks: Uint8Array } }, id: number): boolean {
  let marks = ignored.memo.marks;
  if (id >= marks.length) {
    const grown = new Uint8Array(Math.max(id + 1, marks.length * 2, 1024));
    grown.set(marks);
    ignored.memo.marks = marks = grown;
  }
  let m = marks[id];
  if (m === 0) {
    const name = nameOf(id);
    m = marks[id] = ignored.list.some((r) => (r.exact !== undefined ? name === r.exact : name.startsWith(r.prefix!))) ? 2 : 1;
  }
  return m === 2;
}

/** Does modpost skip this undefined symbol (never reported, never resolved, never GPL-checked)? */
export function ignoreUndefSymbol(name: string, machine: number, version: KernelVersion): boolean {
  return ignoresFor(machine, version).some((r) => (r.exact !== undefined ? name === r.exact : name.startsWith(r.prefix!)));
}

/**
 * Undefined symbols the architecture's loader defines itself before symbol resolution: ppc64's
 * module_frob_arch_sections() → dedotify() gives `.TOC.` SHN_ABS (and the value of the module's own
 * TOC later) — arch/powerpc/kernel/module_64.c, read in 6.1.192, 6.12.117 and 7.2.13. So it is never
 * an unknown symbol at load, whatever modpost made of it.
 */
export function loaderDefinesUndef(name: string, machine: number): boolean {
  return machine === EM_PPC64 && name === '.TOC.';
}

/**
 * The loader's own ignore_undef_symbol() (kernel/module): x86 ignores an unresolved
 * `_GLOBAL_OFFSET_TABLE_` since 5.12 (ebfac7b778fa, backported to 4.14.y … 5.10.y stable in 2021).
 */
export function loaderIgnoresUndef(name: string, machine: number, version: KernelVersion): boolean {
  return (
    (machine === EM_386 || machine === EM_X86_64) && name === '_GLOBAL_OFFSET_TABLE_' && atLeast(version, '5.12')
  );
}

// ---------------------------------------------------------------------------------------------
// Formatting and findings

/** `0x%08x`, lower-case, as Module.symvers and the kernel print CRCs. */
export function hex8(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

export function refsOf(facts: ModuleFacts, symbol: string): Reference[] {
  // not an import (module_layout is only in __versions): no Import objects made to find that out
  if (importColumns(facts).indexOf(symbol) < 0) return [];
  return facts.imports.find((i) => i.name === symbol)?.refs ?? [];
}

/**
 * A finding's references are worked out when something reads them (the text report, the JSON report),
 * not when a rule makes the finding: a module's references come from reading its file again, and the
 * load findings after a stop (module_layout, vermagic) are made and then dropped. In a tree refused at
 * module_layout that was every module with another load finding read twice, for nothing shown.
 */
function deferReferences(out: Finding, facts: ModuleFacts, symbol: string): void {
  Object.defineProperty(out, 'references', {
    get(): Reference[] {
      const refs = refsOf(facts, symbol);
      Object.defineProperty(out, 'references', { value: refs, writable: true, enumerable: true, configurable: true });
      return refs;
    },
    set(v: Reference[]) {
      Object.defineProperty(out, 'references', { value: v, writable: true, enumerable: true, configurable: true });
    },
    enumerable: true,
    configurable: true,
  });
}

export interface FindingInit {
  rule: RuleId;
  stage: Stage;
  severity: Severity;
  symbol?: string;
  message: string;
  hint?: string;
  evidence?: Record<string, EvidenceValue>;
  references?: Reference[];
}

export function finding(ctx: RuleContext, f: FindingInit): Finding {
  const out: Finding = {
    rule: f.rule,
    stage: f.stage,
    severity: f.severity,
    message: f.message,
    evidence: f.evidence ?? {},
    references: f.references ?? [],
  };
  if (f.references === undefined && f.symbol !== undefined) deferReferences(out, ctx.module, f.symbol);
  if (f.symbol !== undefined) out.symbol = f.symbol;
  if (f.hint !== undefined) out.hint = f.hint;
  return out;
}

/** The export an import resolves to, by the name id its columns hold (ctx.resolveId, else by name). */
export function resolveById(ctx: RuleContext, id: number): Export | undefined {
  return ctx.resolveId ? ctx.resolveId(id) : ctx.resolve(nameOf(id));
}

/** Positions in the module's import columns of the imports modpost does not skip (ignore list), in .symtab order. */
export function modpostImportIndices(ctx: RuleContext, cols: ImportColumns = importColumns(ctx.module)): Int32Array {
  const ignored = ignoredIds(ctx.module.machine, ctx.version);
  const out = new Int32Array(cols.length);
  let n = 0;
  for (let i = 0; i < cols.length; i++) if (!ignoredId(ignored, cols.ids[i])) out[n++] = i;
  return n === out.length ? out : out.subarray(0, n);
}


/** `CONFIG_FOO=y` in the kernel's .config. */
export function configEnabled(ctx: RuleContext, option: string): boolean {
  const v = ctx.kernel.config.get(option);
  return v === 'y';
}

/** The kernel has CONFIG_MODVERSIONS (unknown counts as yes, as the brief's contract says). */
export function kernelHasModversions(ctx: RuleContext): boolean {
  return ctx.kernel.modversions !== false;
}

/**
 * The modversions table this kernel's loader reads from the module. Extended modversions
 * (`__version_ext_crcs`/`__version_ext_names`) exist since 6.14 (CONFIG_EXTENDED_MODVERSIONS); an older
 * loader looks only for `__versions`, so a module with extended tables alone has no versions for it
 * (check_version(): versindex == 0 → try_to_force_load()).
 */
export function loaderVersions(ctx: RuleContext): VersionLookup | undefined {
  const m = ctx.module;
  const tables = versionsOf(m);
  if (m.versionsFormat === 'extended' && !atLeast(ctx.version, '6.14')) return tables ? tables.basicLookup() : m.basicVersions;
  return tables ? tables.versionsLookup() : m.versions;
}

/**
 * The loader reads the extended tables (6.14+ and the module has them): check_version()'s extended path,
 * upstream's pr_warn_once + accept for a missing CRC, which Debian's patch (read in 7.2.13) leaves alone —
 * its refusal covers the basic `__versions` path only.
 */
export function loaderUsesExtendedVersions(ctx: RuleContext): boolean {
  return ctx.module.versionsFormat === 'extended' && atLeast(ctx.version, '6.14');
}

/**
 * The module has a `__versions` section (info->index.vers): what same_magic() keys its release skip on,
 * whatever table check_version() reads (7.2.13's check_modinfo()). An extended-only module has none.
 */
export function hasBasicVersionsSection(facts: ModuleFacts): boolean {
  const tables = versionsOf(facts);
  if (tables) return (facts.versionsFormat === 'extended' ? tables.basicLookup() : tables.versionsLookup()) !== undefined;
  return facts.versionsFormat === 'extended' ? facts.basicVersions !== undefined : facts.versions !== undefined;
}
