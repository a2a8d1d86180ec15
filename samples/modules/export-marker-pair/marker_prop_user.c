// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Proprietary" module using marker_provider's plain export and its GPL-only one
 * (modpost: GPL-incompatible module marker_prop_user.ko uses GPL-only symbol 'marker_gpl_fn').
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

extern int marker_plain_fn(int x);
extern int marker_gpl_fn(int x);

static int __init marker_prop_user_init(void)
{
	pr_info("marker_prop_user: %d\n", marker_plain_fn(1) + marker_gpl_fn(2));
	return 0;
}

static void __exit marker_prop_user_exit(void)
{
}

module_init(marker_prop_user_init);
module_exit(marker_prop_user_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: marker_prop_user");
