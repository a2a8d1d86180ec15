// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module with a WEAK reference to a symbol nobody exports (never reported)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
extern void ksymcheck_weak_missing(void) __attribute__((weak));

static int __init weak_undefined_init(void)
{
	if (ksymcheck_weak_missing)
		ksymcheck_weak_missing();
	return 0;
}

static void __exit weak_undefined_exit(void)
{
}

module_init(weak_undefined_init);
module_exit(weak_undefined_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: weak_undefined");
