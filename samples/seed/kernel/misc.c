// SPDX-License-Identifier: GPL-2.0
/*
 * A few more exports of Linux 4.18, so the tables are not trivial: data
 * exports (plain and GPL-only) and GPL-only functions, from
 * kernel/smp.c, kernel/workqueue.c, fs/namespace.c, kernel/rcu/tree.c
 * and kernel/kallsyms.c.
 */
#include <linux/types.h>
#include "export.h"

struct kobject {
	const char *name;
	struct kobject *parent;
};
struct workqueue_struct {
	const char *name;
};

/* kernel/smp.c: data, plain */
unsigned int nr_cpu_ids __read_mostly = 64;
EXPORT_SYMBOL(nr_cpu_ids);

/* kernel/workqueue.c: data (a pointer), plain */
static struct workqueue_struct system_wq_storage = { "events" };
struct workqueue_struct *system_wq __read_mostly = &system_wq_storage;
EXPORT_SYMBOL(system_wq);

/* fs/namespace.c: data (a pointer), GPL-only */
static struct kobject fs_kobj_storage = { "fs", NULL };
struct kobject *fs_kobj = &fs_kobj_storage;
EXPORT_SYMBOL_GPL(fs_kobj);

/* kernel/rcu/tree.c: function, GPL-only */
static unsigned long rcu_gp_seq;
void synchronize_rcu(void)
{
	__atomic_add_fetch(&rcu_gp_seq, 1, __ATOMIC_SEQ_CST);
}
EXPORT_SYMBOL_GPL(synchronize_rcu);

/* kernel/kallsyms.c: function, GPL-only in 4.18 (unexported in 5.7) */
unsigned long kallsyms_lookup_name(const char *name)
{
	(void)name;
	return 0;
}
EXPORT_SYMBOL_GPL(kallsyms_lookup_name);
