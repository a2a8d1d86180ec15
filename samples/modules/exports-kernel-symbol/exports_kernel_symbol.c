// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module defining and exporting jiffies_to_msecs, which vmlinux already exports
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/jiffies.h>
unsigned int jiffies_to_msecs(const unsigned long j)
{
	return 0;
}
EXPORT_SYMBOL(jiffies_to_msecs);

static int __init exports_kernel_symbol_init(void)
{
	pr_info("exports_kernel_symbol\n");
	return 0;
}

static void __exit exports_kernel_symbol_exit(void)
{
}

module_init(exports_kernel_symbol_init);
module_exit(exports_kernel_symbol_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: exports_kernel_symbol");
