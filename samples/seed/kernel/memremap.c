// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-in for kernel/memremap.c (Linux 4.18).
 *
 * Built with -DRC5 this is the state of 4.18-rc1 .. rc5 after commit
 * e76384884344 ("mm: introduce MEMORY_DEVICE_FS_DAX and
 * CONFIG_DEV_PAGEMAP_OPS"): the two symbols that the inline put_page()
 * pulls into every module are EXPORT_SYMBOL_GPL.  Without -DRC5 it is
 * 4.18 final, after commit 31c5bda3a656 ("mm: fix exports that
 * inadvertently make put_page() EXPORT_SYMBOL_GPL").
 */
#include <linux/types.h>
#include <linux/mm.h>
#include "export.h"

void *devm_memremap_pages(struct device *dev, struct dev_pagemap *pgmap)
{
	(void)dev;
	return (void *)pgmap->res_start;
}
EXPORT_SYMBOL(devm_memremap_pages);

#ifdef CONFIG_DEV_PAGEMAP_OPS
DEFINE_STATIC_KEY_FALSE(devmap_managed_key);
#ifdef RC5
EXPORT_SYMBOL_GPL(devmap_managed_key);
#else
EXPORT_SYMBOL(devmap_managed_key);
#endif
static atomic_t devmap_enable;

void __put_devmap_managed_page(struct page *page)
{
	int count = page_ref_dec_return(page);

	/*
	 * If refcount is 1 then page is freed and refcount is stable as nobody
	 * holds a reference on the page.
	 */
	if (count == 1) {
		page->mapping = NULL;
		page->pgmap->page_free(page, page->pgmap->data);
	} else if (!count)
		__put_page(page);
}
#ifdef RC5
EXPORT_SYMBOL_GPL(__put_devmap_managed_page);
#else
EXPORT_SYMBOL(__put_devmap_managed_page);
#endif

int devmap_managed_enable_count(void)
{
	return atomic_read(&devmap_enable);
}
#endif /* CONFIG_DEV_PAGEMAP_OPS */
