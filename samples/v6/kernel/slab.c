// SPDX-License-Identifier: GPL-2.0
/* Stand-in for mm/slab_common.c + mm/slub.c (Linux 6.1): a bump allocator. */
#include <linux/types.h>
#include <linux/slab.h>
#include <linux/export.h>

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

/* kernel/smp.c: a data export */
unsigned int nr_cpu_ids = 1;
EXPORT_SYMBOL(nr_cpu_ids);
