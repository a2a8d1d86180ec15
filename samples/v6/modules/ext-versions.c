// SPDX-License-Identifier: GPL-2.0
/*
 * ext-versions: built against the 6.16 sample kernel as modpost does with
 * CONFIG_EXTENDED_MODVERSIONS=y and CONFIG_BASIC_MODVERSIONS=n (6.14+):
 * its .mod.c carries __version_ext_crcs (u32[]) and __version_ext_names
 * (NUL-separated) and no __versions.  One import has a 67-character name,
 * which a basic __versions entry (55 characters + NUL) cannot hold.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>

int _RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper(int x);

static void *buf;

static int __init ext_versions_init(void)
{
	buf = kmalloc(32, GFP_KERNEL);
	pr_info("ext-versions: %d\n", _RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper(1));
	return 0;
}

static void __exit ext_versions_exit(void)
{
	kfree(buf);
}

module_init(ext_versions_init);
module_exit(ext_versions_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample ext-versions");
