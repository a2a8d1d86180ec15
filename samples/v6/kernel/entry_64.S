/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for arch/x86/kernel/head_64.S, arch/x86/kernel/ftrace_64.S and
 * arch/x86/lib/retpoline.S (Linux 6.1).  __fentry__ and __x86_return_thunk
 * are exported from assembly with include/asm-generic/export.h: their
 * ksymtab entries have namespace_offset 0 and no __kstrtabns_ label.
 * (genksyms versions them through asm/asm-prototypes.h, so they have CRCs.)
 */
#include <asm-generic/export.h>

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
/* arch/x86/kernel/ftrace_64.S (CONFIG_DYNAMIC_FTRACE): SYM_FUNC_START(__fentry__) RET */
	.globl __fentry__
	.type __fentry__, @function
__fentry__:
	ret
	int3
	.size __fentry__, . - __fentry__
EXPORT_SYMBOL(__fentry__)

/* arch/x86/lib/retpoline.S (CONFIG_RETHUNK): the default return thunk */
	.balign 64
	.globl __x86_return_thunk
	.type __x86_return_thunk, @function
__x86_return_thunk:
	ret
	int3
	.size __x86_return_thunk, . - __x86_return_thunk
EXPORT_SYMBOL(__x86_return_thunk)

	.section .bss..page_aligned, "aw", @nobits
	.balign 4096
init_stack:
	.skip 16384
init_stack_end:

	.section .note.GNU-stack, "", @progbits
