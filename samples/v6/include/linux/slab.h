/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of include/linux/slab.h (Linux 6.1), reduced: kmalloc() always takes the __kmalloc() path. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>

#define GFP_KERNEL	0xcc0u

void *__kmalloc(size_t size, gfp_t flags);
void kfree(const void *objp);

static __always_inline void *kmalloc(size_t size, gfp_t flags)
{
	return __kmalloc(size, flags);
}

#endif
