// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module using a GPL-only export (passes)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init gpl_uses_gplonly_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit gpl_uses_gplonly_exit(void)
{
}

module_init(gpl_uses_gplonly_init);
module_exit(gpl_uses_gplonly_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: gpl_uses_gplonly");
