// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module using marker_provider's marker_ns_fn (namespace KSYMCHECK_MARKER_NS)
 * without MODULE_IMPORT_NS (modpost: ... uses symbol marker_ns_fn from namespace KSYMCHECK_MARKER_NS, but
 * does not import it.).
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

extern int marker_ns_fn(int x);

static int __init marker_ns_user_init(void)
{
	pr_info("marker_ns_user: %d\n", marker_ns_fn(3));
	return 0;
}

static void __exit marker_ns_user_exit(void)
{
}

module_init(marker_ns_user_init);
module_exit(marker_ns_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: marker_ns_user");
