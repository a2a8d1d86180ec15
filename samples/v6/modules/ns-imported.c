// SPDX-License-Identifier: GPL-2.0
/*
 * ns-imported: the same calls as ns-missing, plus dma_buf_get(), with
 * MODULE_IMPORT_NS(USB_STORAGE) and MODULE_IMPORT_NS(DMA_BUF)
 * (.modinfo import_ns=USB_STORAGE, import_ns=DMA_BUF): passes.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/dma-buf.h>

struct usb_interface;
typedef struct pm_message {
	int event;
} pm_message_t;
int usb_stor_suspend(struct usb_interface *iface, pm_message_t message);
int usb_stor_resume(struct usb_interface *iface);

struct usb_interface *ns_imported_iface;

int ns_imported_cycle(void)
{
	pm_message_t msg = { 2 };
	int r = usb_stor_suspend(ns_imported_iface, msg);

	return r ? r : usb_stor_resume(ns_imported_iface);
}

static int __init nsi_init(void)
{
	pr_info("ns-imported: %d %p\n", ns_imported_cycle(), dma_buf_get(3));
	return 0;
}

static void __exit nsi_exit(void)
{
}

module_init(nsi_init);
module_exit(nsi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample ns-imported");
MODULE_IMPORT_NS(USB_STORAGE);
MODULE_IMPORT_NS(DMA_BUF);
