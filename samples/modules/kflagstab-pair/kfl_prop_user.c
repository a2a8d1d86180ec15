// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample (7.1+ __kflagstab): a "Proprietary" module using kfl_provider's plain export and its
 * GPL-only one, both modules built in one kbuild run (modpost: GPL-incompatible module kfl_prop_user.ko
 * uses GPL-only symbol 'kfl_gpl_fn'; the loader: Unknown symbol kfl_gpl_fn).
 */
#include <linux/module.h>
#include <linux/init.h>

extern int kfl_plain_fn(int x);
extern int kfl_gpl_fn(int x);

static int __init kfl_prop_user_init(void)
{
	pr_info("kfl_prop_user: %d\n", kfl_plain_fn(1) + kfl_gpl_fn(2));
	return 0;
}

static void __exit kfl_prop_user_exit(void)
{
}

module_init(kfl_prop_user_init);
module_exit(kfl_prop_user_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: kfl_prop_user");
