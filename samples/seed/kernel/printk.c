// SPDX-License-Identifier: GPL-2.0
/* Stand-in for kernel/printk/printk.c (Linux 4.18): a tiny ring buffer. */
#include <linux/types.h>
#include <linux/printk.h>
#include "export.h"

#define LOG_BUF_LEN 4096
static char __log_buf[LOG_BUF_LEN] __aligned(8);
static unsigned long log_next;

static void log_store(const char *s)
{
	while (*s) {
		__log_buf[log_next % LOG_BUF_LEN] = *s++;
		log_next++;
	}
}

asmlinkage int vprintk(const char *fmt, va_list args)
{
	unsigned long start = log_next;

	/* No formatting in this sample kernel: store the format string. */
	(void)args;
	log_store(fmt);
	return (int)(log_next - start);
}
EXPORT_SYMBOL(vprintk);

asmlinkage __visible int printk(const char *fmt, ...)
{
	va_list args;
	int r;

	va_start(args, fmt);
	r = vprintk(fmt, args);
	va_end(args);

	return r;
}
EXPORT_SYMBOL(printk);
