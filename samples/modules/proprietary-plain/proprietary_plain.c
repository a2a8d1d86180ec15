// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a "Proprietary" module using only plain exports (passes)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/delay.h>

static int __init proprietary_plain_init(void)
{
	msleep(1);	/* EXPORT_SYMBOL */
	pr_info("proprietary_plain\n");
	return 0;
}

static void __exit proprietary_plain_exit(void)
{
}

module_init(proprietary_plain_init);
module_exit(proprietary_plain_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("ksymcheck sample: proprietary_plain");
