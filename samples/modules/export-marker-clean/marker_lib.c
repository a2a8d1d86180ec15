// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module exporting a plain, a GPL-only, a namespaced plain and a namespaced GPL-only
 * symbol (a function and a variable), used correctly by marker_lib_prop and marker_lib_ns of the same kbuild
 * run (modpost: passes, three .ko). On 6.5+ (6.12) the .o carries only .export_symbol markers and the .ko
 * the __ksymtab/__ksymtab_gpl entries and CRCs of the generated marker_lib.mod.c; the Module.symvers modpost
 * writes lists all four.
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

int marker_lib_plain_fn(int x);
int marker_lib_gpl_fn(int x);
int marker_lib_ns_fn(int x);

int marker_lib_plain_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(marker_lib_plain_fn);

int marker_lib_gpl_fn(int x)
{
	return x + 2;
}
EXPORT_SYMBOL_GPL(marker_lib_gpl_fn);

int marker_lib_ns_fn(int x)
{
	return x + 3;
}
EXPORT_SYMBOL_NS_GPL(marker_lib_ns_fn, KSYMCHECK_LIB_NS);

int marker_lib_ns_counter;
EXPORT_SYMBOL_NS(marker_lib_ns_counter, KSYMCHECK_LIB_NS);

static int __init marker_lib_init(void)
{
	return 0;
}

static void __exit marker_lib_exit(void)
{
}

module_init(marker_lib_init);
module_exit(marker_lib_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: marker_lib");
