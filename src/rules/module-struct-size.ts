/**
 * module-struct-size: the module's `.gnu.linkonce.this_module` (its struct module, written by modpost into
 * <mod>.mod.c) is not the size of the kernel's struct module — it was built against other headers.
 *
 * Load only: kernel/module elf_validity_cache_index_mod() (7.2.13; elf_validity_cache_copy() in 6.12.117):
 * `shdr->sh_size != sizeof(struct module)` → pr_err("module %s: .gnu.linkonce.this_module section size
 * must match the kernel's built struct module size at run time\n", info->name ?: "(missing .modinfo
 * section or name field)"), -ENOEXEC, among the ELF checks before module_layout and vermagic. Read in
 * 6.12.117 and 7.2.13, absent from 6.1.192; the release between that brought it is not pinned from a
 * release's source, so the rule applies from 6.12.
 *
 * The kernel's sizeof(struct module) comes from its BTF (`struct module` in .BTF of a vmlinux, the
 * BTF-only one of a headers package too: src/kernel/btf.ts). Unknown → no finding, and the report's notes
 * say the check was not made.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, pick, type MessageEntry } from './versioned.js';
import { finding } from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';
import type { KernelVersion } from '../kernel/types.js';

export const STRUCT_MODULE_SIZE: readonly MessageEntry[] = [
  { since: '6.12', severity: 'error', template: "module %s: .gnu.linkonce.this_module section size must match the kernel's built struct module size at run time" },
];

/** Does the loader of this version make the check? */
export function checksStructModuleSize(v: KernelVersion): boolean {
  return pick(STRUCT_MODULE_SIZE, v) !== undefined;
}

function check(ctx: RuleContext): Finding[] {
  const want = ctx.kernel.structModuleSize;
  const got = ctx.module.loaderSections?.thisModuleSize;
  if (want === undefined || got === undefined || got === want || ctx.module.kind === 'o') return [];
  // info->name: .modinfo name=, else the kernel's stand-in
  const name = ctx.module.modinfo.find((e) => e.key === 'name')?.value ?? '(missing .modinfo section or name field)';
  const m = message(STRUCT_MODULE_SIZE, ctx.version, name);
  if (!m) return [];
  return [
    finding(ctx, {
      rule: 'module-struct-size',
      stage: 'load',
      severity: m.severity,
      message: m.message,
      hint: `the module's struct module is ${got} bytes, the kernel's ${want}: it was built against another kernel's headers; rebuild it against this kernel's build tree`,
      evidence: { moduleSize: got, kernelSize: want, errno: -8, stopsLoad: true },
    }),
  ];
}

export const moduleStructSize: Rule = {
  id: 'module-struct-size',
  stage: 'load',
  firstLoaderStep: 0.5,
  docs: { summary: ".gnu.linkonce.this_module is not the size of the kernel's struct module (-ENOEXEC).", source: 'kernel/module: elf_validity_cache_index_mod()' },
  check,
};

export const moduleStructSizeInfo: RuleInfo = {
  id: 'module-struct-size',
  stages: ['load'],
  summary: "The module's struct module (.gnu.linkonce.this_module) differs in size from the kernel's: refused before vermagic.",
  description:
    'modpost writes the module\'s struct module into <mod>.mod.c with the headers it was built against. The ' +
    'loader compares that section\'s size with its own sizeof(struct module) among its first ELF checks and ' +
    'refuses a mismatch (-ENOEXEC) before module_layout and vermagic. ksymcheck reads the kernel\'s size from ' +
    'its BTF (the vmlinux of a build or headers directory); without BTF the check is not made (a note says so).',
  source: 'kernel/module: elf_validity_cache_index_mod() (elf_validity_cache_copy() before 6.13)',
  versions: rowsOf('load', STRUCT_MODULE_SIZE),
  fix: "Rebuild the module against the kernel's own build tree.",
  docs: rulesDocSection('module-struct-size'),
};

export default [moduleStructSize];
