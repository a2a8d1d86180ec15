// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module using a GPL-only export and then prop_exporter_fn() of the proprietary prop_exporter (modpost: fine; loader: refused, TAINT_PROPRIETARY_MODULE inheritance)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
extern int prop_exporter_fn(void);

static int __init gpl_importer_init(void)
{
	synchronize_rcu();	/* GPL-only first ... */
	pr_info("gpl_importer: %d\n", prop_exporter_fn());	/* ... then the proprietary module's export */
	return 0;
}

static void __exit gpl_importer_exit(void)
{
}

module_init(gpl_importer_init);
module_exit(gpl_importer_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: gpl_importer");
