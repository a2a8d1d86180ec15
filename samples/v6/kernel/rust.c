// SPDX-License-Identifier: GPL-2.0
/*
 * An export whose name is too long for a basic __versions entry (at most
 * 55 characters + NUL in struct modversion_info): the kind of (Rust v0
 * mangled) name that CONFIG_EXTENDED_MODVERSIONS (6.14) was made for.
 */
#include <linux/types.h>
#include <linux/export.h>

int _RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper(int x)
{
	return x + 1;
}
EXPORT_SYMBOL_GPL(_RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper);
