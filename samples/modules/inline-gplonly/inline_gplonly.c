// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a non-GPL module that never names a GPL-only symbol but calls the static inline rcu_read_lock()/rcu_read_unlock() of <linux/rcupdate.h>; with CONFIG_PREEMPT_RCU=y (Debian 6.1) they call __rcu_read_lock()/__rcu_read_unlock(), both EXPORT_SYMBOL_GPL (the modern kin of 4.18's put_page())
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/rcupdate.h>
static int value = 1;

static int __init inline_gplonly_init(void)
{
	int v;

	rcu_read_lock();
	v = READ_ONCE(value);
	rcu_read_unlock();
	pr_info("inline_gplonly: %d\n", v);
	return 0;
}

static void __exit inline_gplonly_exit(void)
{
}

module_init(inline_gplonly_init);
module_exit(inline_gplonly_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: inline_gplonly");
