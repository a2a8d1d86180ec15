// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for arch/x86/kernel/fpu/core.c (Linux 4.18): kernel_fpu_begin/end
 * are GPL-only (since 4.2), the __kernel_fpu_begin/end helpers are still
 * plain exports (until 5.0 removed them: the ZFS case).
 */
#include <linux/types.h>
#include "export.h"

static int in_kernel_fpu;

bool irq_fpu_usable(void)
{
	return !in_kernel_fpu;
}
EXPORT_SYMBOL(irq_fpu_usable);

void __kernel_fpu_begin(void)
{
	in_kernel_fpu = 1;
}
EXPORT_SYMBOL(__kernel_fpu_begin);

void __kernel_fpu_end(void)
{
	in_kernel_fpu = 0;
}
EXPORT_SYMBOL(__kernel_fpu_end);

void kernel_fpu_begin(void)
{
	barrier();
	__kernel_fpu_begin();
}
EXPORT_SYMBOL_GPL(kernel_fpu_begin);

void kernel_fpu_end(void)
{
	__kernel_fpu_end();
	barrier();
}
EXPORT_SYMBOL_GPL(kernel_fpu_end);
