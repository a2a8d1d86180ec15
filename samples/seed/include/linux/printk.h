/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of include/linux/printk.h (Linux 4.18), reduced. */
#ifndef __KERNEL_PRINTK__
#define __KERNEL_PRINTK__

#include <linux/types.h>

#define KERN_SOH	"\001"
#define KERN_ERR	KERN_SOH "3"
#define KERN_WARNING	KERN_SOH "4"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"
#define KERN_DEBUG	KERN_SOH "7"

asmlinkage __printf(1, 0) int vprintk(const char *fmt, va_list args);
asmlinkage __printf(1, 2) __cold int printk(const char *fmt, ...);

#define pr_info(fmt, ...)	printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(KERN_WARNING fmt, ##__VA_ARGS__)

#endif
