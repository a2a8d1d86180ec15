// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module importing namespace KSYMCHECK_LIB_NS and using all of marker_lib's exports
 * (modpost: passes).
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

extern int marker_lib_plain_fn(int x);
extern int marker_lib_gpl_fn(int x);
extern int marker_lib_ns_fn(int x);
extern int marker_lib_ns_counter;

static int __init marker_lib_ns_init(void)
{
	marker_lib_ns_counter++;
	pr_info("marker_lib_ns: %d\n", marker_lib_plain_fn(1) + marker_lib_gpl_fn(2) + marker_lib_ns_fn(3));
	return 0;
}

static void __exit marker_lib_ns_exit(void)
{
}

module_init(marker_lib_ns_init);
module_exit(marker_lib_ns_exit);
MODULE_IMPORT_NS(KSYMCHECK_LIB_NS);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: marker_lib_ns");
