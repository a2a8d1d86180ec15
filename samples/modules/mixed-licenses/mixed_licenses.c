// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a module with two MODULE_LICENSE() lines, "GPL" then "Proprietary", using a GPL-only export (modpost tests every entry, the loader only the first)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init mixed_licenses_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit mixed_licenses_exit(void)
{
}

module_init(mixed_licenses_init);
module_exit(mixed_licenses_exit);
MODULE_LICENSE("GPL");
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: mixed_licenses");
