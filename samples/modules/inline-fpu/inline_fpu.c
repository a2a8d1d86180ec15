// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Dual CDDL/GPL" (not GPL-compatible) module calling the static inline kernel_fpu_begin() of <asm/fpu/api.h>, which calls kernel_fpu_begin_mask() (EXPORT_SYMBOL_GPL), and kernel_fpu_end() (EXPORT_SYMBOL_GPL) - the ZFS-on-5.0 story
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <asm/fpu/api.h>

static int __init inline_fpu_init(void)
{
	kernel_fpu_begin();
	kernel_fpu_end();
	return 0;
}

static void __exit inline_fpu_exit(void)
{
}

module_init(inline_fpu_init);
module_exit(inline_fpu_exit);
MODULE_LICENSE("Dual CDDL/GPL");
MODULE_DESCRIPTION("ksymcheck sample: inline_fpu");
