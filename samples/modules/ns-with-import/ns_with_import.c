// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module using dma_buf_put() (namespace DMA_BUF) with MODULE_IMPORT_NS(DMA_BUF) (passes)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/dma-buf.h>
/* not static: the compiler must not prove it NULL and drop the call */
struct dma_buf *ns_with_import_buf;

static int __init ns_with_import_init(void)
{
	if (ns_with_import_buf)
		dma_buf_put(ns_with_import_buf);
	return 0;
}

static void __exit ns_with_import_exit(void)
{
}

module_init(ns_with_import_init);
module_exit(ns_with_import_exit);
MODULE_IMPORT_NS(DMA_BUF);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: ns_with_import");
