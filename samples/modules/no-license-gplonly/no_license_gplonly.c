// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a module without MODULE_LICENSE() using a GPL-only export (is the GPL check skipped?)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

static int __init no_license_gplonly_init(void)
{
	synchronize_rcu();	/* EXPORT_SYMBOL_GPL in vmlinux */
	return 0;
}

static void __exit no_license_gplonly_exit(void)
{
}

module_init(no_license_gplonly_init);
module_exit(no_license_gplonly_exit);
MODULE_DESCRIPTION("ksymcheck sample: no_license_gplonly");
