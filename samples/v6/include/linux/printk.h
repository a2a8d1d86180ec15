/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock of include/linux/printk.h (Linux 6.1), reduced.  Since 5.15
 * (33701557aa5c "printk: Userspace format indexing support") printk() is a
 * macro around the exported function _printk(), so every module that
 * prints imports _printk.
 */
#ifndef __KERNEL_PRINTK__
#define __KERNEL_PRINTK__

#include <linux/types.h>

#define KERN_SOH	"\001"
#define KERN_ERR	KERN_SOH "3"
#define KERN_NOTICE	KERN_SOH "5"
#define KERN_INFO	KERN_SOH "6"

asmlinkage __printf(1, 2) __cold int _printk(const char *fmt, ...);

#define printk(fmt, ...)	_printk(fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)	printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(KERN_ERR fmt, ##__VA_ARGS__)

#endif
