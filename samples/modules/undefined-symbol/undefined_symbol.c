// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module calling a function nobody exports (unresolved)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
extern void ksymcheck_no_such_symbol(void);

static int __init undefined_symbol_init(void)
{
	ksymcheck_no_such_symbol();
	return 0;
}

static void __exit undefined_symbol_exit(void)
{
}

module_init(undefined_symbol_init);
module_exit(undefined_symbol_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: undefined_symbol");
