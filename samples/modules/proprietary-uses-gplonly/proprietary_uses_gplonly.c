// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Proprietary" module using a GPL-only export (gpl-only error)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init proprietary_uses_gplonly_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit proprietary_uses_gplonly_exit(void)
{
}

module_init(proprietary_uses_gplonly_init);
module_exit(proprietary_uses_gplonly_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: proprietary_uses_gplonly");
