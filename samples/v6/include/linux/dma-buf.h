/* SPDX-License-Identifier: GPL-2.0-only */
/* Mock of include/linux/dma-buf.h (Linux 6.1): dma_buf_get() is EXPORT_SYMBOL_NS_GPL(..., DMA_BUF) since 5.16. */
#ifndef __DMA_BUF_H__
#define __DMA_BUF_H__

struct dma_buf {
	unsigned long size;
	void *priv;
};

struct dma_buf *dma_buf_get(int fd);

#endif
