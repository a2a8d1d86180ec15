// SPDX-License-Identifier: GPL-2.0
/* Stand-in for kernel/module.c (Linux 4.18): the exports modules always see. */
#include <linux/types.h>
#include <linux/module.h>
#include "export.h"

struct kernel_param;
struct tracepoint;

#ifdef CONFIG_MODVERSIONS
/* Generate the signature for all relevant module structures here.
 * If these change, we don't want to try to parse the module. */
void module_layout(struct module *mod,
		   struct modversion_info *ver,
		   struct kernel_param *kp,
		   struct kernel_symbol *ks,
		   struct tracepoint * const *tp)
{
}
EXPORT_SYMBOL(module_layout);
#endif

void module_put(struct module *module)
{
	if (module)
		__atomic_sub_fetch(&module->refcnt.counter, 1, __ATOMIC_SEQ_CST);
}
EXPORT_SYMBOL(module_put);

void *__symbol_get(const char *symbol)
{
	(void)symbol;
	return NULL;
}
EXPORT_SYMBOL_GPL(__symbol_get);
