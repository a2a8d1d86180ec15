/**
 * elf-header: the loader's checks of the module's ELF header, the first thing load_module() does with
 * the (decompressed) file — before module_layout, vermagic or any symbol. A module built for another
 * architecture, class or byte order is refused here with -ENOEXEC.
 *
 * kernel/module/main.c elf_validity_check() (6.1.192) / elf_validity_ehdr() + elf_validity_cache_sechdrs()
 * (6.12.117, 7.2.13), in this order, each a pr_err() and -ENOEXEC:
 *   e_type != ET_REL               "Invalid ELF header type: %u != %u"
 *   !elf_check_arch(hdr)           "Invalid architecture in ELF header: %u"      (e_machine)
 *   !module_elf_check_arch(hdr)    "Invalid module architecture in ELF header: %u" (6.12.117 and 7.2.13;
 *                                  not in 6.1.192: ppc64's ELF ABI level, e_flags & 3, v2 or not)
 *   e_shentsize != sizeof(Elf_Shdr) "Invalid ELF section header size"
 * The header is read in the kernel's own byte order: a big-endian module's e_type (1) reads as 256 on
 * a little-endian kernel. elf_check_arch() (arch/<arch>/include/asm/elf.h) compares e_machine, on s390
 * and riscv EI_CLASS too; i386 also takes EM_486 and s390 EM_S390_OLD. arm's also looks at e_entry and
 * the EABI flags (arch/arm/kernel/elf.c): not modelled (a module is ET_REL with e_entry 0).
 * The messages came with 8b1185a4427b ("module: change to print useful messages from
 * elf_validity_check()", 5.16); before, the checks returned -ENOEXEC silently and insmod said only
 * "Invalid module format" (stable series got the messages in 2022 backports: not read).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, inRange, type MessageEntry } from './versioned.js';
import { EM_PPC64, finding } from './shared.js';
import { INSMOD_ENOEXEC } from './missing-crc.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

const SINCE_MESSAGES = '5.16';

export const ELF_TYPE_MESSAGES: readonly MessageEntry[] = [{ since: SINCE_MESSAGES, severity: 'error', template: 'Invalid ELF header type: %u != %u' }];
export const ELF_ARCH_MESSAGES: readonly MessageEntry[] = [{ since: SINCE_MESSAGES, severity: 'error', template: 'Invalid architecture in ELF header: %u' }];
export const ELF_MODULE_ARCH_MESSAGES: readonly MessageEntry[] = [{ since: '6.12', severity: 'error', template: 'Invalid module architecture in ELF header: %u' }];
export const ELF_SHENTSIZE_MESSAGES: readonly MessageEntry[] = [{ since: SINCE_MESSAGES, severity: 'error', template: 'Invalid ELF section header size' }];

const ET_REL = 1;
const swap16 = (n: number) => ((n & 0xff) << 8) | ((n >> 8) & 0xff);
const swap32 = (n: number) => (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;

function check(ctx: RuleContext): Finding[] {
  // a `.o` is modpost's input, never given to the loader
  if (ctx.module.kind === 'o') return [];
  const k = ctx.kernel.arch;
  const h = ctx.module.elfHeader;
  if (!k || !h) return [];
  const swapped = h.littleEndian !== k.littleEndian;
  const type = swapped ? swap16(h.type) : h.type;
  const machine = swapped ? swap16(ctx.module.machine) : ctx.module.machine;
  const shentsize = swapped ? swap16(h.shentsize) : h.shentsize;
  const flags = swapped ? swap32(h.flags) : h.flags;
  const moduleIs = `${ctx.module.elfClass}-bit ${h.littleEndian ? 'little' : 'big'}-endian, e_machine ${ctx.module.machine}`;
  const kernelIs = `${k.name}: ${k.elfClass}-bit ${k.littleEndian ? 'little' : 'big'}-endian, e_machine ${k.machine}`;
  const refuse = (table: readonly MessageEntry[], check: string, args: Array<string | number>, hint: string): Finding[] => {
    const m = message(table, ctx.version, ...args) ?? message(INSMOD_ENOEXEC, ctx.version, ctx.module.path)!;
    return [
      finding(ctx, {
        rule: 'elf-header',
        stage: 'load',
        severity: m.severity,
        message: m.message,
        hint,
        evidence: { check, module: moduleIs, kernel: kernelIs, kernelPrints: inRange(ctx.version, { since: SINCE_MESSAGES }), errno: -8, stopsLoad: true },
        references: [],
      }),
    ];
  };
  const rebuild = `rebuild the module for ${k.name} (ARCH=, CROSS_COMPILE=) against this kernel's build tree`;
  if (type !== ET_REL) return refuse(ELF_TYPE_MESSAGES, 'e_type', [type, ET_REL], swapped ? `the module is ${h.littleEndian ? 'little' : 'big'}-endian and the kernel reads its header in its own byte order: ${rebuild}` : 'a module is a relocatable object (ET_REL): load the .ko kbuild links, not an executable or shared object');
  const archOk = (machine === k.machine || k.alsoMachines.includes(machine)) && (!k.checksClass || ctx.module.elfClass === k.elfClass);
  if (!archOk) return refuse(ELF_ARCH_MESSAGES, 'e_machine', [machine], `the module is for another architecture (${moduleIs}); the kernel is ${kernelIs}: ${rebuild}`);
  if (k.machine === EM_PPC64) {
    // arch/powerpc/kernel/module_64.c module_elf_check_arch(): ELF ABI v2 kernels (every little-endian one) take level 2 only
    const v2 = ctx.kernel.config.get('CONFIG_PPC64_ELF_ABI_V2') === 'y' || k.littleEndian;
    const level = flags & 3;
    if (v2 ? level !== 2 : level >= 2) {
      const entry = message(ELF_MODULE_ARCH_MESSAGES, ctx.version, String(machine));
      if (entry) return refuse(ELF_MODULE_ARCH_MESSAGES, 'module_elf_check_arch', [machine], `the module's ELF ABI level is ${level} (e_flags & 3), the kernel's ${v2 ? 'ELFv2 (2)' : 'ELFv1 (0 or 1)'}: ${rebuild}`);
    }
  }
  const want = k.elfClass === 64 ? 64 : 40;
  if (shentsize !== want) return refuse(ELF_SHENTSIZE_MESSAGES, 'e_shentsize', [], `e_shentsize is ${shentsize}, the kernel's sizeof(Elf_Shdr) is ${want} (a ${ctx.module.elfClass}-bit module for a ${k.elfClass}-bit kernel): ${rebuild}`);
  return [];
}

export const elfHeader: Rule = {
  id: 'elf-header',
  stage: 'load',
  firstLoaderStep: 0.4,
  docs: {
    summary: "The module's ELF header is not one this kernel's loader takes (type, architecture, class, byte order): -ENOEXEC before anything else.",
    source: 'kernel/module/main.c: elf_validity_check() / elf_validity_ehdr(); arch/<arch>/include/asm/elf.h: elf_check_arch(); arch/powerpc/kernel/module_64.c: module_elf_check_arch()',
  },
  check,
};

export const elfHeaderInfo: RuleInfo = {
  id: 'elf-header',
  stages: ['load'],
  summary: 'A module for another architecture (e_machine, class, byte order) or not a relocatable object: refused before anything else.',
  description:
    "load_module() first checks the ELF header, read in the kernel's own byte order: e_type must be ET_REL, " +
    "e_machine the kernel's (elf_check_arch(): also EI_CLASS on s390 and riscv), on ppc64 the ELF ABI level " +
    "the kernel's (6.12+ as read), and e_shentsize the kernel's section header size. A failure is -ENOEXEC, " +
    'before module_layout, vermagic and every symbol: a module built for another architecture gets this, ' +
    "not a CRC mismatch. The kernel's architecture is read from its vmlinux's ELF header, else from its .config.",
  source: 'kernel/module/main.c: elf_validity_check() / elf_validity_ehdr(); arch/<arch>/include/asm/elf.h: elf_check_arch(); arch/powerpc/kernel/module_64.c: module_elf_check_arch()',
  versions: [
    ...rowsOf('load', ELF_TYPE_MESSAGES, 'e_type is not ET_REL (1), as the kernel reads it'),
    ...rowsOf('load', ELF_ARCH_MESSAGES, "e_machine (or, on s390/riscv, the class) is not the kernel's"),
    ...rowsOf('load', ELF_MODULE_ARCH_MESSAGES, "ppc64: the module's ELF ABI level (e_flags & 3) is not the kernel's"),
    ...rowsOf('load', ELF_SHENTSIZE_MESSAGES, "e_shentsize is not the kernel's sizeof(Elf_Shdr)"),
    { stage: 'load', versions: 'before 5.16', condition: 'any of the above (the kernel prints nothing)', severity: 'error', message: INSMOD_ENOEXEC[0].template },
  ],
  fix: "Build the module for the kernel's architecture (ARCH=, CROSS_COMPILE=) against its build tree.",
  docs: rulesDocSection('elf-header'),
};

export default [elfHeader];
