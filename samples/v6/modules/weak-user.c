// SPDX-License-Identifier: GPL-2.0
/*
 * weak-user: a WEAK undefined reference to a function the kernel does not
 * export (ksymcheck_optional_hook), called only when it resolved, plus
 * ordinary calls to kfree() and __kmalloc() (through kmalloc()).
 * modpost never reports a weak undefined symbol and does not put it in
 * __versions; the loader leaves it 0.
 */
#include <linux/module.h>
#include <linux/slab.h>

extern void ksymcheck_optional_hook(void *p) __weak;

static void *buf;

static int __init weak_user_init(void)
{
	buf = kmalloc(128, GFP_KERNEL);
	if (ksymcheck_optional_hook)
		ksymcheck_optional_hook(buf);
	return buf ? 0 : -12;
}

static void __exit weak_user_exit(void)
{
	kfree(buf);
}

module_init(weak_user_init);
module_exit(weak_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample weak-user");
