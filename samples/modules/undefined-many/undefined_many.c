// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module calling 12 functions nobody exports (does modpost report them all?)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
extern void ksymcheck_missing_01(void);
extern void ksymcheck_missing_02(void);
extern void ksymcheck_missing_03(void);
extern void ksymcheck_missing_04(void);
extern void ksymcheck_missing_05(void);
extern void ksymcheck_missing_06(void);
extern void ksymcheck_missing_07(void);
extern void ksymcheck_missing_08(void);
extern void ksymcheck_missing_09(void);
extern void ksymcheck_missing_10(void);
extern void ksymcheck_missing_11(void);
extern void ksymcheck_missing_12(void);

static int __init undefined_many_init(void)
{
	ksymcheck_missing_01();
	ksymcheck_missing_02();
	ksymcheck_missing_03();
	ksymcheck_missing_04();
	ksymcheck_missing_05();
	ksymcheck_missing_06();
	ksymcheck_missing_07();
	ksymcheck_missing_08();
	ksymcheck_missing_09();
	ksymcheck_missing_10();
	ksymcheck_missing_11();
	ksymcheck_missing_12();
	return 0;
}

static void __exit undefined_many_exit(void)
{
}

module_init(undefined_many_init);
module_exit(undefined_many_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: undefined_many");
