/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for arch/x86/kernel/head_64.S, ftrace_64.S, lib/retpoline.S,
 * lib/memcpy_64.S, lib/memset_64.S and lib/hweight.S (Linux 4.18).
 * The exports here use the assembler EXPORT_SYMBOL of
 * include/asm-generic/export.h.  genksyms versions an asm export only if
 * asm/asm-prototypes.h declares it; __sw_hweight32 is deliberately left
 * unversioned (its __crc_ stays weak-undefined, CRC 0), as happened for
 * asm exports without a prototype.
 */
#include "asm-export.h"

	.section .head.text, "ax"
	.globl startup_64
	.type startup_64, @function
startup_64:
	leaq	init_stack_end(%rip), %rsp
	call	start_kernel
1:	hlt
	jmp	1b
	.size startup_64, . - startup_64

	.text
/* arch/x86/kernel/ftrace_64.S: function_hook == __fentry__ with CC_USING_FENTRY */
	.globl __fentry__
	.type __fentry__, @function
__fentry__:
	retq
	.size __fentry__, . - __fentry__
EXPORT_SYMBOL(__fentry__)

/* arch/x86/lib/retpoline.S: GENERATE_THUNK(_ASM_AX) */
	.globl __x86_indirect_thunk_rax
	.type __x86_indirect_thunk_rax, @function
__x86_indirect_thunk_rax:
	call	.Ldo_rop
.Lspec_trap:
	pause
	lfence
	jmp	.Lspec_trap
.Ldo_rop:
	mov	%rax, (%rsp)
	ret
	.size __x86_indirect_thunk_rax, . - __x86_indirect_thunk_rax
EXPORT_SYMBOL(__x86_indirect_thunk_rax)

/* arch/x86/lib/memcpy_64.S */
	.globl memcpy
	.type memcpy, @function
memcpy:
	movq	%rdi, %rax
	movq	%rdx, %rcx
	rep movsb
	ret
	.size memcpy, . - memcpy
EXPORT_SYMBOL(memcpy)

/* arch/x86/lib/memset_64.S */
	.globl memset
	.type memset, @function
memset:
	movq	%rdi, %r9
	movl	%esi, %eax
	movq	%rdx, %rcx
	rep stosb
	movq	%r9, %rax
	ret
	.size memset, . - memset
EXPORT_SYMBOL(memset)

/* arch/x86/lib/hweight.S: no prototype for genksyms -> no CRC */
	.globl __sw_hweight32
	.type __sw_hweight32, @function
__sw_hweight32:
	movl	%edi, %eax
	popcntl	%eax, %eax
	ret
	.size __sw_hweight32, . - __sw_hweight32
EXPORT_SYMBOL(__sw_hweight32)

	.section .bss..page_aligned, "aw", @nobits
	.balign 4096
init_stack:
	.skip 16384
init_stack_end:

	.section .note.GNU-stack, "", @progbits
