// SPDX-License-Identifier: GPL-2.0
/*
 * export-marker: a 6.5+ object (compiled with the 6.12 export.h, see
 * EXPORT_MARKERS_6_12): each EXPORT_SYMBOL*() leaves only a marker
 * __export_symbol_<sym> in section .export_symbol:
 * "<license>\0<namespace>\0" then, 8-aligned, a pointer to the symbol.
 * This is modpost's input (.o); modpost turns the markers into
 * KSYMTAB_FUNC() entries in the .mod.c (scripts/build-samples does it as
 * 6.12's modpost would), so export-marker.ko carries __ksymtab/__ksymtab_gpl
 * entries, __kcrctab CRCs and no .export_symbol (module.lds discards it).
 */
#include <linux/module.h>

/* first: its marker is at offset 0 of .export_symbol (a string there, not "no name") */
int marker_gpl_fn(int x)
{
	return x + 2;
}
EXPORT_SYMBOL_GPL(marker_gpl_fn);

int marker_plain_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(marker_plain_fn);

int marker_ns_fn(int x)
{
	return x + 3;
}
EXPORT_SYMBOL_NS_GPL(marker_ns_fn, MARKER_NS);

static int __init export_marker_init(void)
{
	return 0;
}

static void __exit export_marker_exit(void)
{
}

module_init(export_marker_init);
module_exit(export_marker_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample export-marker");
