// SPDX-License-Identifier: GPL-2.0
/*
 * ns-missing: a GPL module that calls usb_stor_suspend(), exported in
 * namespace USB_STORAGE, WITHOUT MODULE_IMPORT_NS(USB_STORAGE).
 * 6.1 modpost: "module ns-missing uses symbol usb_stor_suspend from
 * namespace USB_STORAGE, but does not import it." (error since 5.7);
 * the 6.1 loader refuses it the same way (-EINVAL).
 */
#include <linux/module.h>
#include <linux/printk.h>

/* drivers/usb/storage/usb.h */
struct usb_interface;
typedef struct pm_message {
	int event;
} pm_message_t;
int usb_stor_suspend(struct usb_interface *iface, pm_message_t message);

struct usb_interface *ns_missing_iface;

int ns_missing_suspend(void)
{
	pm_message_t msg = { 2 };

	return usb_stor_suspend(ns_missing_iface, msg);
}

static int __init nsm_init(void)
{
	pr_info("ns-missing: %d\n", ns_missing_suspend());
	return 0;
}

static void __exit nsm_exit(void)
{
}

module_init(nsm_init);
module_exit(nsm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample ns-missing");
