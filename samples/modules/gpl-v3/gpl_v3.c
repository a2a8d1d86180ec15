// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "GPL v3" module (not in license.h's list) using a GPL-only export
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init gpl_v3_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit gpl_v3_exit(void)
{
}

module_init(gpl_v3_init);
module_exit(gpl_v3_exit);
MODULE_LICENSE("GPL v3");
MODULE_DESCRIPTION("ksymcheck sample: gpl_v3");
