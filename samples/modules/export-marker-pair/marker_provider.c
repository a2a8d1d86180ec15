// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module exporting a plain, a GPL-only and a namespaced GPL-only symbol, for
 * marker_prop_user and marker_ns_user of the same kbuild run. On 6.5+ (6.12) EXPORT_SYMBOL*() leave only
 * __export_symbol_<sym> markers in section .export_symbol of the .o (modpost reads them; the .ko's
 * __ksymtab entries come from the generated .mod.c); on 6.1 the .o carries __ksymtab entries itself.
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>

int marker_plain_fn(int x);
int marker_gpl_fn(int x);
int marker_ns_fn(int x);

int marker_plain_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(marker_plain_fn);

int marker_gpl_fn(int x)
{
	return x + 2;
}
EXPORT_SYMBOL_GPL(marker_gpl_fn);

int marker_ns_fn(int x)
{
	return x + 3;
}
EXPORT_SYMBOL_NS_GPL(marker_ns_fn, KSYMCHECK_MARKER_NS);

static int __init marker_provider_init(void)
{
	return 0;
}

static void __exit marker_provider_exit(void)
{
}

module_init(marker_provider_init);
module_exit(marker_provider_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: marker_provider");
