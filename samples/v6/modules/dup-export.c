// SPDX-License-Identifier: GPL-2.0
/*
 * dup-export: a module exporting symbols vmlinux already exports — what a
 * driver that bundles its own copy of a kernel helper does.  modpost ≥5.19
 * reports "exported twice" (an error), and the loader refuses the module in
 * complete_formation(): verify_exported_symbols() walks __ksymtab, then
 * __ksymtab_gpl, and prints the first hit:
 *   dup_export: exports duplicate symbol irq_fpu_usable (owned by kernel)
 * finit_module() fails with ENOEXEC.  dma_buf_put sorts first by name but sits
 * in __ksymtab_gpl, so it is not the one printed; dup_export_own is the
 * module's own.
 */
#include <linux/module.h>
#include <linux/types.h>

int dup_export_own(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(dup_export_own);

bool irq_fpu_usable(void)
{
	return false;
}
EXPORT_SYMBOL(irq_fpu_usable);

void dma_buf_put(void *buf)
{
}
EXPORT_SYMBOL_GPL(dma_buf_put);

static int __init dup_export_init(void)
{
	return dup_export_own(0) - 1;
}

static void __exit dup_export_exit(void)
{
}

module_init(dup_export_init);
module_exit(dup_export_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample dup-export");
