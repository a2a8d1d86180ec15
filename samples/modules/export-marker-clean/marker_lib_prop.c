// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Proprietary" module using only marker_lib's plain export (modpost: passes; a
 * plain export misread as GPL-only would be a false gpl-only finding).
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

extern int marker_lib_plain_fn(int x);

static int __init marker_lib_prop_init(void)
{
	pr_info("marker_lib_prop: %d\n", marker_lib_plain_fn(1));
	return 0;
}

static void __exit marker_lib_prop_exit(void)
{
}

module_init(marker_lib_prop_init);
module_exit(marker_lib_prop_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: marker_lib_prop");
