// SPDX-License-Identifier: GPL-2.0-only
/* Stand-in for drivers/dma-buf/dma-buf.c (Linux 6.1): exports in namespace DMA_BUF (since 5.16). */
#include <linux/types.h>
#include <linux/export.h>
#include <linux/dma-buf.h>

static struct dma_buf the_buf = { 4096, NULL };

struct dma_buf *dma_buf_get(int fd)
{
	return fd == 3 ? &the_buf : NULL;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_get, DMA_BUF);

void dma_buf_put(struct dma_buf *dmabuf)
{
	dmabuf->priv = NULL;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_put, DMA_BUF);
