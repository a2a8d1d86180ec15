/**
 * src/kernel/arch.ts: the architecture a .config names and its MODULE_ARCH_VERMAGIC, per the arch
 * headers of 6.1.192 / 6.12.117 / 7.2.13; and the elf-header rule's ppc64 ELF ABI check (6.12+), which the
 * cross compilers of samples/arch cannot produce (no ELFv1 little-endian ppc64 gcc).
 */
import { archFromConfig, archVermagic } from '../../src/kernel/arch.js';
import { deriveVermagic, vermagicUnknownReason } from '../../src/kernel/vermagic.js';
import { elfHeader } from '../../src/rules/elf-header.js';
import { ctx, kernel, mod } from '../rules/helpers.js';

const cfg = (s: string) => new Map(s.trim().split(/\s+/).map((kv) => kv.split('=') as [string, string]));

describe('archVermagic', () => {
  test.each([
    ['CONFIG_X86_64=y', 'x86_64', ''],
    ['CONFIG_X86_32=y CONFIG_M686=y', 'i386', '686 '],
    ['CONFIG_X86_32=y CONFIG_MPENTIUM4=y', 'i386', 'PENTIUM4 '],
    ['CONFIG_ARM64=y', 'arm64', 'aarch64'],
    ['CONFIG_ARM=y CONFIG_CPU_32v7=y CONFIG_ARM_PATCH_PHYS_VIRT=y', 'arm', 'ARMv7 p2v8 '],
    // Debian's armmp: 32v6K counts only with 32v6 (arch/arm/Makefile's ifeq); found by the real-kernel suite
    ['CONFIG_ARM=y CONFIG_CPU_32v6K=y CONFIG_CPU_32v7=y CONFIG_ARM_PATCH_PHYS_VIRT=y', 'arm', 'ARMv7 p2v8 '],
    // a multi-platform v6+v7 kernel: arch/arm/Makefile's later (older) line wins
    ['CONFIG_ARM=y CONFIG_CPU_32v7=y CONFIG_CPU_32v6=y CONFIG_THUMB2_KERNEL=y', 'arm', 'ARMv6 thumb2 '],
    ['CONFIG_PPC64=y CONFIG_CPU_LITTLE_ENDIAN=y CONFIG_MPROFILE_KERNEL=y CONFIG_RELOCATABLE=y', 'ppc64', 'mprofile-kernel relocatable '],
    ['CONFIG_PPC64=y CONFIG_CPU_LITTLE_ENDIAN=y CONFIG_ARCH_USING_PATCHABLE_FUNCTION_ENTRY=y CONFIG_MPROFILE_KERNEL=y', 'ppc64', 'patchable-function-entry '],
    ['CONFIG_S390=y CONFIG_64BIT=y', 's390', ''],
    ['CONFIG_RISCV=y CONFIG_64BIT=y', 'riscv64', 'riscv'],
  ])('%s → %s %j', (config, name, value) => {
    const c = cfg(config);
    const arch = archFromConfig(c);
    expect(arch?.name).toBe(name);
    expect(archVermagic(c, arch)).toEqual({ value });
  });

  test('unknown parts say why, and vermagic is then not derived', () => {
    const mips = cfg('CONFIG_MIPS=y CONFIG_SMP=y');
    expect(deriveVermagic('6.1.0-1-mips', mips)).toBeUndefined();
    expect(vermagicUnknownReason('6.1.0-1-mips', mips)).toBe('the vermagic part of mips (MODULE_ARCH_VERMAGIC) is not known to ksymcheck');
    expect(vermagicUnknownReason('6.1.0-1-686', cfg('CONFIG_X86_32=y'))).toBe('no processor family (CONFIG_M686, …) in the i386 configuration');
    expect(vermagicUnknownReason('6.1.0-1-amd64', cfg('CONFIG_X86_64=y CONFIG_RANDSTRUCT_FULL=y'))).toBe("the kernel has RANDSTRUCT, whose seed's hash is part of vermagic");
    expect(vermagicUnknownReason('6.1.0-1-arm64', cfg('CONFIG_ARM64=y CONFIG_SMP=y'))).toBeUndefined();
    expect(deriveVermagic('6.1.0-1-arm64', cfg('CONFIG_ARM64=y CONFIG_SMP=y CONFIG_MODULE_UNLOAD=y CONFIG_MODVERSIONS=y'))).toBe('6.1.0-1-arm64 SMP mod_unload modversions aarch64');
  });
});

describe('elf-header: ppc64 module_elf_check_arch() (ELF ABI level, 6.12+)', () => {
  const ppc64le = archFromConfig(cfg('CONFIG_PPC64=y CONFIG_CPU_LITTLE_ENDIAN=y'))!;
  const m = (flags: number) => mod({ machine: 21, elfHeader: { type: 1, littleEndian: true, shentsize: 64, flags } });
  test('an ELFv1 module (e_flags & 3 = 1) on an ELFv2 kernel: refused from 6.12, not checked on 6.1', () => {
    const k12 = kernel('6.12.0', { arch: ppc64le });
    expect(elfHeader.check(ctx({ module: m(1), kernel: k12 })).map((f) => f.message)).toEqual(['Invalid module architecture in ELF header: 21']);
    expect(elfHeader.check(ctx({ module: m(2), kernel: k12 }))).toEqual([]);
    expect(elfHeader.check(ctx({ module: m(1), kernel: kernel('6.1.0', { arch: ppc64le }) }))).toEqual([]);
  });
  test('e_shentsize of another class: "Invalid ELF section header size"', () => {
    const x86 = archFromConfig(cfg('CONFIG_X86_64=y'))!;
    const x32 = mod({ machine: 62, elfClass: 32, elfHeader: { type: 1, littleEndian: true, shentsize: 40, flags: 0 } });
    expect(elfHeader.check(ctx({ module: x32, kernel: kernel('6.1.0', { arch: x86 }) })).map((f) => [f.message, f.evidence.check])).toEqual([['Invalid ELF section header size', 'e_shentsize']]);
  });
});
