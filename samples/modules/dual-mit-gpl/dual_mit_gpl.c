// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Dual MIT/GPL" module using a GPL-only export (passes)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init dual_mit_gpl_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit dual_mit_gpl_exit(void)
{
}

module_init(dual_mit_gpl_init);
module_exit(dual_mit_gpl_exit);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("ksymcheck sample: dual_mit_gpl");
