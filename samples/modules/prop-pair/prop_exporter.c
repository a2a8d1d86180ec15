// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Proprietary" module exporting prop_exporter_fn() (built in ONE kbuild run with gpl_importer)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
int prop_exporter_fn(void)
{
	return 42;
}
EXPORT_SYMBOL(prop_exporter_fn);

static int __init prop_exporter_init(void)
{
	pr_info("prop_exporter\n");
	return 0;
}

static void __exit prop_exporter_exit(void)
{
}

module_init(prop_exporter_init);
module_exit(prop_exporter_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: prop_exporter");
