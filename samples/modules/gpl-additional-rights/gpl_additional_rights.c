// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "GPL and additional rights" module using a GPL-only export (passes)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init gpl_additional_rights_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit gpl_additional_rights_exit(void)
{
}

module_init(gpl_additional_rights_init);
module_exit(gpl_additional_rights_exit);
MODULE_LICENSE("GPL and additional rights");
MODULE_DESCRIPTION("ksymcheck sample: gpl_additional_rights");
