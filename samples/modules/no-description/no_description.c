// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample: a GPL module without MODULE_DESCRIPTION(). Since 6.15 modpost warns about it on every
 * build (`WARNING: modpost: missing MODULE_DESCRIPTION() in no_description.o`); the build still passes.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/delay.h>

static int __init no_description_init(void)
{
	msleep(1);
	return 0;
}

static void __exit no_description_exit(void)
{
}

module_init(no_description_init);
module_exit(no_description_exit);
MODULE_LICENSE("GPL");
