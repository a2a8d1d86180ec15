// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module using dma_buf_put() (EXPORT_SYMBOL_NS_GPL in namespace DMA_BUF, vmlinux) without MODULE_IMPORT_NS(DMA_BUF)
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/dma-buf.h>
/* not static: the compiler must not prove it NULL and drop the call */
struct dma_buf *ns_missing_import_buf;

static int __init ns_missing_import_init(void)
{
	if (ns_missing_import_buf)
		dma_buf_put(ns_missing_import_buf);
	return 0;
}

static void __exit ns_missing_import_exit(void)
{
}

module_init(ns_missing_import_init);
module_exit(ns_missing_import_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: ns_missing_import");
