// SPDX-License-Identifier: GPL-2.0-only
/* Stand-in for kernel/printk/printk.c (Linux 6.1): _printk() into a tiny ring buffer. */
#include <linux/types.h>
#include <linux/printk.h>
#include <linux/export.h>

#define LOG_BUF_LEN 4096
static char __log_buf[LOG_BUF_LEN] __aligned(8);
static unsigned long log_next;

asmlinkage __visible int _printk(const char *fmt, ...)
{
	unsigned long start = log_next;

	/* No formatting in this sample kernel: store the format string. */
	while (*fmt) {
		__log_buf[log_next % LOG_BUF_LEN] = *fmt++;
		log_next++;
	}
	return (int)(log_next - start);
}
EXPORT_SYMBOL(_printk);
