// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stand-in for arch/x86/kernel/fpu/core.c (Linux 6.1): since 5.11 the
 * exported entry point is kernel_fpu_begin_mask() (GPL-only, as
 * kernel_fpu_begin() was since 4.2); kernel_fpu_begin() is an inline in
 * asm/fpu/api.h.  irq_fpu_usable() is a plain export.
 */
#include <linux/types.h>
#include <linux/export.h>
#include <asm/fpu/api.h>

static int in_kernel_fpu;
static unsigned int fpu_mask;

bool irq_fpu_usable(void)
{
	return !in_kernel_fpu;
}
EXPORT_SYMBOL(irq_fpu_usable);

void kernel_fpu_begin_mask(unsigned int kfpu_mask)
{
	in_kernel_fpu = 1;
	fpu_mask = kfpu_mask;
	barrier();
}
EXPORT_SYMBOL_GPL(kernel_fpu_begin_mask);

void kernel_fpu_end(void)
{
	barrier();
	in_kernel_fpu = 0;
}
EXPORT_SYMBOL_GPL(kernel_fpu_end);
