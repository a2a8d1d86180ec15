// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample (7.1+ __kflagstab): exports one plain and one GPL-only function. In the .ko that 7.1+
 * kbuild links, both sit in __ksymtab and the GPL-only flag is the symbol's byte in __kflagstab.
 */
#include <linux/module.h>
#include <linux/init.h>

int kfl_plain_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(kfl_plain_fn);

int kfl_gpl_fn(int x)
{
	return x + 2;
}
EXPORT_SYMBOL_GPL(kfl_gpl_fn);

static int __init kfl_provider_init(void)
{
	return 0;
}

static void __exit kfl_provider_exit(void)
{
}

module_init(kfl_provider_init);
module_exit(kfl_provider_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: kfl_provider");
