// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample: a module exporting dup_base_fn, and dup_shared_fn, which dup-user exports too.
 * Loaded before dup-user (dup-user imports dup_base_fn), it owns dup_shared_fn, and the loader refuses
 * dup-user: "dup_user: exports duplicate symbol dup_shared_fn (owned by dup_base)".
 */
#include <linux/module.h>
#include <linux/init.h>

int dup_base_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(dup_base_fn);

int dup_shared_fn(int x)
{
	return x + 2;
}
EXPORT_SYMBOL(dup_shared_fn);

static int __init dup_base_init(void)
{
	return 0;
}

static void __exit dup_base_exit(void)
{
}

module_init(dup_base_init);
module_exit(dup_base_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: dup_base");
