/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mock of arch/x86/include/asm/fpu/api.h (Linux 6.1).  Since 5.11
 * (e45122893a98 "x86/fpu: Add kernel_fpu_begin_mask() to selectively
 * initialize state") kernel_fpu_begin() is a static inline around the
 * EXPORT_SYMBOL_GPL kernel_fpu_begin_mask(): a module that calls
 * kernel_fpu_begin() imports kernel_fpu_begin_mask (the ZFS story).
 */
#ifndef _ASM_X86_FPU_API_H
#define _ASM_X86_FPU_API_H

#include <linux/types.h>

/* Kernel FPU states to initialize in kernel_fpu_begin_mask() */
#define KFPU_387	_BITUL(0)	/* 387 state will be initialized */
#define KFPU_MXCSR	_BITUL(1)	/* MXCSR will be initialized */

extern void kernel_fpu_begin_mask(unsigned int kfpu_mask);
extern void kernel_fpu_end(void);
extern bool irq_fpu_usable(void);

static inline void kernel_fpu_begin(void)
{
#ifdef CONFIG_X86_64
	/*
	 * Any 64-bit code that uses 387 instructions must explicitly request
	 * KFPU_387.
	 */
	kernel_fpu_begin_mask(KFPU_MXCSR);
#else
	/*
	 * 32-bit kernel code may use 387 operations as well as SSE2, etc,
	 * as long as it checks that the CPU has the required capability.
	 */
	kernel_fpu_begin_mask(KFPU_387 | KFPU_MXCSR);
#endif
}

#endif /* _ASM_X86_FPU_API_H */
