// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a module without MODULE_LICENSE() using only plain exports
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/delay.h>

static int __init no_license_init(void)
{
	msleep(1);
	return 0;
}

static void __exit no_license_exit(void)
{
}

module_init(no_license_init);
module_exit(no_license_exit);
MODULE_DESCRIPTION("ksymcheck sample: no_license");
