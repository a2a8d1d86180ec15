/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of include/linux/slab.h (Linux 4.18), reduced: kmalloc() always takes the __kmalloc() path. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>

#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define ___GFP_DIRECT_RECLAIM	0x400000u
#define ___GFP_KSWAPD_RECLAIM	0x2000000u
#define GFP_KERNEL	(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM | ___GFP_IO | ___GFP_FS)
#define GFP_NOFS	(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM | ___GFP_IO)

#define KMALLOC_SHIFT_HIGH	13

struct kmem_cache;
extern struct kmem_cache *kmalloc_caches[KMALLOC_SHIFT_HIGH + 1];

void *__kmalloc(size_t size, gfp_t flags);
void kfree(const void *objp);

static __always_inline void *kmalloc(size_t size, gfp_t flags)
{
	return __kmalloc(size, flags);
}

#endif
