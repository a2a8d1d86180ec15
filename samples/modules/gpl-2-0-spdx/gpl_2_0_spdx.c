// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "GPL-2.0" module (SPDX spelling, not in license.h's list) using a GPL-only export
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init gpl_2_0_spdx_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit gpl_2_0_spdx_exit(void)
{
}

module_init(gpl_2_0_spdx_init);
module_exit(gpl_2_0_spdx_exit);
MODULE_LICENSE("GPL-2.0");
MODULE_DESCRIPTION("ksymcheck sample: gpl_2_0_spdx");
