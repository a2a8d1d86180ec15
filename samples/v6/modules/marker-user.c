// SPDX-License-Identifier: MIT
/*
 * marker-user: a "Proprietary" 6.5+ module (built like export-marker) using
 * export-marker's plain export, its GPL-only one and its GPL-only one in
 * namespace MARKER_NS without MODULE_IMPORT_NS: modpost reports the two
 * GPL-only symbols and the namespace; the plain one is fine.
 */
#include <linux/module.h>

extern int marker_plain_fn(int x);
extern int marker_gpl_fn(int x);
extern int marker_ns_fn(int x);

int marker_user_fn(int x);
int marker_user_fn(int x)
{
	return marker_plain_fn(x) + marker_gpl_fn(x) + marker_ns_fn(x);
}

static int __init marker_user_init(void)
{
	return 0;
}

static void __exit marker_user_exit(void)
{
}

module_init(marker_user_init);
module_exit(marker_user_exit);
MODULE_LICENSE("Proprietary");
