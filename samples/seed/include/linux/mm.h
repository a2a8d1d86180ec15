/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock of include/linux/mm.h as it stood in Linux 4.18-rc1 .. 4.18 final
 * after commit e76384884344 ("mm: introduce MEMORY_DEVICE_FS_DAX and
 * CONFIG_DEV_PAGEMAP_OPS").  Only the put_page() path is reproduced, but
 * faithfully: with CONFIG_DEV_PAGEMAP_OPS=y every caller of the *inline*
 * put_page() references the static key devmap_managed_key (through a
 * __jump_table entry) and the function __put_devmap_managed_page(), which
 * is how a module that never names either symbol ends up importing them.
 */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/types.h>
#include <linux/jump_label.h>

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)

/* include/linux/mmzone.h */
enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	__MAX_NR_ZONES
};
#define ZONES_PGSHIFT	(sizeof(unsigned long) * 8 - 3)
#define ZONES_MASK	((1UL << 3) - 1)

/* include/linux/memremap.h */
enum memory_type {
	MEMORY_DEVICE_PRIVATE = 1,
	MEMORY_DEVICE_PUBLIC,
	MEMORY_DEVICE_FS_DAX,
	MEMORY_DEVICE_PCI_P2PDMA,
};

struct page;
struct device;

typedef void (*dev_page_free_t)(struct page *page, void *data);

struct dev_pagemap {
	dev_page_free_t page_free;
	unsigned long res_start, res_end;
	atomic_t *ref;
	struct device *dev;
	void *data;
	enum memory_type type;
};

/* include/linux/mm_types.h, reduced */
struct address_space;

struct page {
	unsigned long flags;
	union {
		struct {	/* Page cache and anonymous pages */
			struct list_head lru;
			struct address_space *mapping;
			unsigned long index;
			unsigned long private;
		};
		struct {	/* Tail pages of compound page */
			unsigned long compound_head;	/* Bit zero is set */
		};
		struct {	/* ZONE_DEVICE pages */
			struct dev_pagemap *pgmap;
			unsigned long hmm_data;
			unsigned long _zd_pad_1;
		};
	};
	atomic_t _mapcount;
	atomic_t _refcount;
};

static inline struct page *compound_head(struct page *page)
{
	unsigned long head = READ_ONCE(page->compound_head);

	if (unlikely(head & 1))
		return (struct page *) (head - 1);
	return page;
}

static inline enum zone_type page_zonenum(const struct page *page)
{
	return (page->flags >> ZONES_PGSHIFT) & ZONES_MASK;
}

static inline bool is_zone_device_page(const struct page *page)
{
	return page_zonenum(page) == ZONE_DEVICE;
}

static inline int page_ref_dec_and_test(struct page *page)
{
	return atomic_dec_and_test(&page->_refcount);
}

static inline int page_ref_dec_return(struct page *page)
{
	return atomic_sub_return(1, &page->_refcount);
}

static inline int put_page_testzero(struct page *page)
{
	return page_ref_dec_and_test(page);
}

void __put_page(struct page *page);

#ifdef CONFIG_DEV_PAGEMAP_OPS
void __put_devmap_managed_page(struct page *page);
DECLARE_STATIC_KEY_FALSE(devmap_managed_key);
static inline bool put_devmap_managed_page(struct page *page)
{
	if (!static_branch_unlikely(&devmap_managed_key))
		return false;
	if (!is_zone_device_page(page))
		return false;
	switch (page->pgmap->type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_PUBLIC:
	case MEMORY_DEVICE_FS_DAX:
		__put_devmap_managed_page(page);
		return true;
	default:
		break;
	}
	return false;
}
#else /* CONFIG_DEV_PAGEMAP_OPS */
static inline bool put_devmap_managed_page(struct page *page)
{
	return false;
}
#endif /* CONFIG_DEV_PAGEMAP_OPS */

static inline void get_page(struct page *page)
{
	page = compound_head(page);
	__atomic_add_fetch(&page->_refcount.counter, 1, __ATOMIC_SEQ_CST);
}

static inline void put_page(struct page *page)
{
	page = compound_head(page);

	/*
	 * For devmap managed pages we need to catch refcount transition from
	 * 2 to 1, when refcount reach one it means the page is free and we
	 * need to inform the device driver through callback. See
	 * include/linux/memremap.h and HMM for details.
	 */
	if (put_devmap_managed_page(page))
		return;

	if (put_page_testzero(page))
		__put_page(page);
}

void *devm_memremap_pages(struct device *dev, struct dev_pagemap *pgmap);

#endif /* _LINUX_MM_H */
