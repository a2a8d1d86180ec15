// SPDX-License-Identifier: GPL-2.0
/*
 * exporter: a module that exports, as a 6.1 .ko carries it: PREL32
 * __ksymtab / __ksymtab_gpl entries with namespace offsets (export.h),
 * __kstrtab_/__kstrtabns_ strings, and the CRCs as data from SYMBOL_CRC()
 * in exporter.mod.c (__kcrctab / __kcrctab_gpl).
 */
#include <linux/module.h>
#include <linux/printk.h>

int exporter_plain_fn(int x)
{
	return x * 2;
}
EXPORT_SYMBOL(exporter_plain_fn);

int exporter_ns_fn(int x)
{
	return x * 3;
}
EXPORT_SYMBOL_NS_GPL(exporter_ns_fn, EXPORTER_NS);

static int __init exporter_init(void)
{
	pr_info("exporter: %d\n", exporter_plain_fn(1) + exporter_ns_fn(1));
	return 0;
}

static void __exit exporter_exit(void)
{
}

module_init(exporter_init);
module_exit(exporter_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample exporter");
