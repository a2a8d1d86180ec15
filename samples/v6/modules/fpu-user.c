// SPDX-License-Identifier: CDDL-1.0
/*
 * fpu-user: the ZFS story on 6.1.  The module calls the inline
 * kernel_fpu_begin() (asm/fpu/api.h), which calls the EXPORT_SYMBOL_GPL
 * kernel_fpu_begin_mask(), and kernel_fpu_end(), also GPL-only.  Its
 * licence "Dual CDDL/GPL" is not one of the strings include/linux/license.h
 * accepts, so modpost reports both symbols and the loader (module tainted
 * proprietary) does not find them.  irq_fpu_usable() is a plain export.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include <asm/fpu/api.h>

unsigned long fpu_user_checksum;

/* global, as in ZFS: not cloned or moved to .text.unlikely by gcc */
void fletcher_4_simd(const unsigned int *buf, int n)
{
	int i;

	if (!irq_fpu_usable())
		return;
	kernel_fpu_begin();
	for (i = 0; i < n; i++)
		fpu_user_checksum += buf[i];
	kernel_fpu_end();
}

static const unsigned int data[4] = { 1, 2, 3, 4 };

static int __init fpu_user_init(void)
{
	fletcher_4_simd(data, 4);
	pr_info("fpu-user: %lu\n", fpu_user_checksum);
	return 0;
}

static void __exit fpu_user_exit(void)
{
}

module_init(fpu_user_init);
module_exit(fpu_user_exit);
MODULE_LICENSE("Dual CDDL/GPL");
MODULE_DESCRIPTION("ksymcheck sample fpu-user");
