/**
 * The architecture a kernel build is for, told by its .config (or its vmlinux's ELF header), and the
 * architecture's part of the vermagic string (MODULE_ARCH_VERMAGIC).
 *
 * What the loader compares a module's ELF header with (kernel/module/main.c elf_validity_check() /
 * elf_validity_ehdr() → elf_check_arch(), arch/<arch>/include/asm/elf.h): e_machine on every
 * architecture, plus EI_CLASS on s390 and riscv; the kernel reads the header in its own byte order.
 * Read in Debian's linux-source 6.1.192, 6.12.117 and 7.2.13.
 */
import { EM_386, EM_AARCH64, EM_ARM, EM_MIPS, EM_PPC, EM_PPC64, EM_RISCV, EM_S390, EM_SPARCV9, EM_X86_64 } from '../elf/constants.js';
import { configEmpty } from './config.js';

export interface KernelArch {
  /** The kernel's ARCH= name with the width where it matters: x86_64, i386, arm64, arm, ppc64, ppc, s390, riscv64, riscv32, mips, sparc64. */
  name: string;
  /** e_machine the kernel's elf_check_arch() wants. */
  machine: number;
  elfClass: 32 | 64;
  littleEndian: boolean;
  /** elf_check_arch() compares EI_CLASS too (s390, riscv). */
  checksClass: boolean;
  /** Other e_machine values elf_check_arch() takes (i386: EM_486 = 6; s390: EM_S390_OLD = 0xa390). */
  alsoMachines: readonly number[];
  /** Where the answer came from. */
  source: 'config' | 'vmlinux';
}

const EM_486 = 6;
const EM_S390_OLD = 0xa390;

type Config = ReadonlyMap<string, string>;
const on = (c: Config, k: string) => c.get(k) === 'y';

/** The architecture of a .config; undefined when it names none ksymcheck knows. */
export function archFromConfig(config: Config): KernelArch | undefined {
  if (configEmpty(config)) return undefined;
  const le = !on(config, 'CONFIG_CPU_BIG_ENDIAN');
  const mk = (name: string, machine: number, elfClass: 32 | 64, littleEndian: boolean, checksClass = false, alsoMachines: number[] = []): KernelArch => ({
    name,
    machine,
    elfClass,
    littleEndian,
    checksClass,
    alsoMachines,
    source: 'config',
  });
  if (on(config, 'CONFIG_X86_64')) return mk('x86_64', EM_X86_64, 64, true);
  if (on(config, 'CONFIG_X86_32')) return mk('i386', EM_386, 32, true, false, [EM_486]);
  if (on(config, 'CONFIG_ARM64')) return mk('arm64', EM_AARCH64, 64, le);
  if (on(config, 'CONFIG_ARM')) return mk('arm', EM_ARM, 32, le);
  if (on(config, 'CONFIG_PPC64')) return mk('ppc64', EM_PPC64, 64, on(config, 'CONFIG_CPU_LITTLE_ENDIAN'));
  if (on(config, 'CONFIG_PPC32')) return mk('ppc', EM_PPC, 32, on(config, 'CONFIG_CPU_LITTLE_ENDIAN'));
  if (on(config, 'CONFIG_S390')) return mk('s390', EM_S390, 64, false, true, [EM_S390_OLD]);
  if (on(config, 'CONFIG_RISCV')) return on(config, 'CONFIG_64BIT') ? mk('riscv64', EM_RISCV, 64, true, true) : mk('riscv32', EM_RISCV, 32, true, true);
  if (on(config, 'CONFIG_MIPS')) return mk('mips', EM_MIPS, on(config, 'CONFIG_64BIT') ? 64 : 32, on(config, 'CONFIG_CPU_LITTLE_ENDIAN'));
  if (on(config, 'CONFIG_SPARC64')) return mk('sparc64', EM_SPARCV9, 64, false);
  return undefined;
}

/** The architecture a vmlinux's ELF header names (e_machine, class, byte order). */
export function archFromElf(machine: number, elfClass: 32 | 64, littleEndian: boolean): KernelArch {
  const names: Record<number, string> = {
    [EM_X86_64]: 'x86_64',
    [EM_386]: 'i386',
    [EM_AARCH64]: 'arm64',
    [EM_ARM]: 'arm',
    [EM_PPC64]: 'ppc64',
    [EM_PPC]: 'ppc',
    [EM_S390]: 's390',
    [EM_RISCV]: elfClass === 64 ? 'riscv64' : 'riscv32',
    [EM_MIPS]: 'mips',
    [EM_SPARCV9]: 'sparc64',
  };
  return {
    name: names[machine] ?? `e_machine ${machine}`,
    machine,
    elfClass,
    littleEndian,
    checksClass: machine === EM_S390 || machine === EM_RISCV,
    alsoMachines: machine === EM_386 ? [EM_486] : machine === EM_S390 ? [EM_S390_OLD] : [],
    source: 'vmlinux',
  };
}

/**
 * x86 32-bit MODULE_PROC_FAMILY (arch/x86/include/asm/vermagic.h, 6.1.192; 7.2.13 dropped the
 * 486/586/CORE2… rows, whose options no longer exist there), first match wins.
 */
const X86_32_FAMILY: ReadonlyArray<readonly [string, string]> = [
  ['CONFIG_M486SX', '486SX '],
  ['CONFIG_M486', '486 '],
  ['CONFIG_M586', '586 '],
  ['CONFIG_M586TSC', '586TSC '],
  ['CONFIG_M586MMX', '586MMX '],
  ['CONFIG_MCORE2', 'CORE2 '],
  ['CONFIG_MATOM', 'ATOM '],
  ['CONFIG_M686', '686 '],
  ['CONFIG_MPENTIUMII', 'PENTIUMII '],
  ['CONFIG_MPENTIUMIII', 'PENTIUMIII '],
  ['CONFIG_MPENTIUMM', 'PENTIUMM '],
  ['CONFIG_MPENTIUM4', 'PENTIUM4 '],
  ['CONFIG_MK6', 'K6 '],
  ['CONFIG_MK7', 'K7 '],
  ['CONFIG_MK8', 'K8 '],
  ['CONFIG_MELAN', 'ELAN '],
  ['CONFIG_MCRUSOE', 'CRUSOE '],
  ['CONFIG_MEFFICEON', 'EFFICEON '],
  ['CONFIG_MWINCHIPC6', 'WINCHIPC6 '],
  ['CONFIG_MWINCHIP3D', 'WINCHIP3D '],
  ['CONFIG_MCYRIXIII', 'CYRIXIII '],
  ['CONFIG_MVIAC3_2', 'VIAC3-2 '],
  ['CONFIG_MVIAC7', 'VIAC7 '],
  ['CONFIG_MGEODEGX1', 'GEODEGX1 '],
  ['CONFIG_MGEODE_LX', 'GEODE '],
];

/**
 * arm's __LINUX_ARM_ARCH__ (arch/arm/Makefile, 6.1.192): `arch-$(CONFIG_CPU_32vN) = …` lines in this
 * order, each overriding the one before, so the last enabled one (the oldest architecture) wins. The
 * CPU_32v6K line sits inside `ifeq ($(CONFIG_CPU_32v6),y)`: alone (Debian's armmp: 32v6K and 32v7) it
 * changes nothing, so it is not in the table.
 */
const ARM_ARCH: ReadonlyArray<readonly [string, number]> = [
  ['CONFIG_CPU_32v7M', 7],
  ['CONFIG_CPU_32v7', 7],
  ['CONFIG_CPU_32v6', 6],
  ['CONFIG_CPU_32v5', 5],
  ['CONFIG_CPU_32v4T', 4],
  ['CONFIG_CPU_32v4', 4],
  ['CONFIG_CPU_32v3', 3],
];

export type ArchVermagic = { value: string } | { unknown: string };

/**
 * MODULE_ARCH_VERMAGIC (arch/<arch>/include/asm/vermagic.h, else asm-generic's ""), as read in 6.1.192,
 * 6.12.117 and 7.2.13:
 *   x86_64 ""; i386 MODULE_PROC_FAMILY ("686 " for Debian's 686-pae); arm64 "aarch64" (no trailing
 *   space); arm "ARMv<N> " ["thumb2 "] ["p2v8 "]; powerpc ["patchable-function-entry " (6.12+, with
 *   CONFIG_ARCH_USING_PATCHABLE_FUNCTION_ENTRY) | "mprofile-kernel "] ["relocatable "]; s390 "";
 *   riscv "riscv" (no trailing space).
 * `unknown` with the reason where the architecture's part cannot be told from the config.
 */
export function archVermagic(config: Config, arch: KernelArch | undefined): ArchVermagic {
  if (!arch) return { unknown: 'the kernel configuration names no architecture ksymcheck knows' };
  switch (arch.name) {
    case 'x86_64':
    case 's390':
      return { value: '' };
    case 'i386': {
      const row = X86_32_FAMILY.find(([k]) => on(config, k));
      return row ? { value: row[1] } : { unknown: 'no processor family (CONFIG_M686, …) in the i386 configuration' };
    }
    case 'arm64':
      return { value: 'aarch64' };
    case 'riscv64':
    case 'riscv32':
      return { value: 'riscv' };
    case 'arm': {
      let n: number | undefined;
      for (const [k, v] of ARM_ARCH) if (on(config, k)) n = v;
      if (n === undefined) return { unknown: 'no CONFIG_CPU_32v* in the arm configuration' };
      return { value: `ARMv${n} ${on(config, 'CONFIG_THUMB2_KERNEL') ? 'thumb2 ' : ''}${on(config, 'CONFIG_ARM_PATCH_PHYS_VIRT') ? 'p2v8 ' : ''}` };
    }
    case 'ppc64':
    case 'ppc': {
      const ftrace = on(config, 'CONFIG_ARCH_USING_PATCHABLE_FUNCTION_ENTRY')
        ? 'patchable-function-entry '
        : on(config, 'CONFIG_MPROFILE_KERNEL')
          ? 'mprofile-kernel '
          : '';
      return { value: `${ftrace}${on(config, 'CONFIG_RELOCATABLE') ? 'relocatable ' : ''}` };
    }
    default:
      return { unknown: `the vermagic part of ${arch.name} (MODULE_ARCH_VERMAGIC) is not known to ksymcheck` };
  }
}
