// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stand-in for kernel/module/main.c + kernel/module/version.c (Linux 6.1):
 * module_layout, whose genksyms CRC covers struct module and friends (the
 * loader checks it first), and the loader's own copy of VERMAGIC_STRING.
 */
#include <linux/types.h>
#include <linux/module.h>
#include <linux/printk.h>
#define INCLUDE_VERMAGIC
#include <linux/vermagic.h>

struct kernel_param;
struct tracepoint;

/* kernel/module/main.c: compared with each module's vermagic= (same_magic()). */
static const char vermagic[] = VERMAGIC_STRING;

#ifdef CONFIG_MODVERSIONS
/* kernel/module/version.c */
void module_layout(struct module *mod,
		   struct modversion_info *ver,
		   struct kernel_param *kp,
		   struct kernel_symbol *ks,
		   struct tracepoint * const *tp)
{
}
EXPORT_SYMBOL(module_layout);
#endif

void module_subsys_init(void)
{
	printk(KERN_INFO "module loader: %s\n", vermagic);
}
