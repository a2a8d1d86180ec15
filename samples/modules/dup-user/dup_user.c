// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample: imports dup_base_fn from dup-base and exports dup_shared_fn, which dup-base already
 * exports. Built against dup-base's Module.symvers (KBUILD_EXTRA_SYMBOLS), modpost accepts it — an
 * external module may export what another module does; only a vmlinux export is "exported twice" — but
 * the loader, with dup-base loaded first, refuses it (ENOEXEC). Built alone (the oracle), dup_base_fn
 * is undefined.
 */
#include <linux/module.h>
#include <linux/init.h>

extern int dup_base_fn(int x);

int dup_shared_fn(int x)
{
	return x + 3;
}
EXPORT_SYMBOL(dup_shared_fn);

static int __init dup_user_init(void)
{
	return dup_base_fn(-1);
}

static void __exit dup_user_exit(void)
{
}

module_init(dup_user_init);
module_exit(dup_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: dup_user");
