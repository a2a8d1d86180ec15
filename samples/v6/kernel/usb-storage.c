// SPDX-License-Identifier: GPL-2.0+
/*
 * Stand-in for drivers/usb/storage/usb.c, built in (CONFIG_USB_STORAGE=y):
 * its exports live in the namespace USB_STORAGE (since 5.4, 6a9b7b4c7ebd),
 * so the ums-* drivers say MODULE_IMPORT_NS(USB_STORAGE).
 */
#include <linux/types.h>
#include <linux/export.h>

struct usb_interface {
	int suspended;
};

typedef struct pm_message {
	int event;
} pm_message_t;

int usb_stor_suspend(struct usb_interface *iface, pm_message_t message)
{
	iface->suspended = message.event;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(usb_stor_suspend, USB_STORAGE);

int usb_stor_resume(struct usb_interface *iface)
{
	iface->suspended = 0;
	return 0;
}
EXPORT_SYMBOL_NS_GPL(usb_stor_resume, USB_STORAGE);
