// SPDX-License-Identifier: GPL-2.0
/* Stand-in for mm/swap.c (Linux 4.18). */
#include <linux/types.h>
#include <linux/mm.h>
#include "export.h"

static unsigned long nr_freed_pages;

static void __put_single_page(struct page *page)
{
	page->flags = 0;
	nr_freed_pages++;
}

void __put_page(struct page *page)
{
	__put_single_page(page);
}
EXPORT_SYMBOL(__put_page);

/*
 * release_pages() uses the inline put_page() itself, so the kernel image
 * gets its own __jump_table entry for devmap_managed_key.
 */
void release_pages(struct page **pages, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		put_page(pages[i]);
}
EXPORT_SYMBOL(release_pages);
