// SPDX-License-Identifier: GPL-2.0
/* Stand-in for mm/slab_common.c + mm/slub.c (Linux 4.18): a bump allocator. */
#include <linux/types.h>
#include <linux/slab.h>
#include "export.h"

struct kmem_cache {
	unsigned int object_size;
	const char *name;
};

static struct kmem_cache kmalloc_8 = { 8, "kmalloc-8" };

/* data export: an array of pointers (mm/slab_common.c) */
struct kmem_cache *kmalloc_caches[KMALLOC_SHIFT_HIGH + 1] __ro_after_init = {
	[3] = &kmalloc_8,
};
EXPORT_SYMBOL(kmalloc_caches);

static char heap[1 << 16] __aligned(64);
static unsigned long heap_next;

void *__kmalloc(size_t size, gfp_t flags)
{
	void *p;

	(void)flags;
	size = (size + 7) & ~7UL;
	if (heap_next + size > sizeof(heap))
		return NULL;
	p = &heap[heap_next];
	heap_next += size;
	return p;
}
EXPORT_SYMBOL(__kmalloc);

void kfree(const void *objp)
{
	/* a bump allocator never frees */
	(void)objp;
}
EXPORT_SYMBOL(kfree);
