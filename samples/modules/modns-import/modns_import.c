// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample (6.16+): a GPL module that imports the namespace of get_task_policy (7.2's vmlinux:
 * EXPORT_SYMBOL_FOR_MODULES(…, "kvm"), namespace module:kvm) explicitly. modpost refuses the import itself
 * (`modns_import: explicitly importing namespace "module:kvm" is not allowed.`), the loader refuses the
 * module with -EPERM before it resolves any symbol.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/mempolicy.h>

/* Not static: the compiler must keep the reference. */
struct mempolicy *(*modns_import_policy)(struct task_struct *p) = get_task_policy;

static int __init modns_import_init(void)
{
	pr_info("modns_import: %p\n", modns_import_policy);
	return 0;
}

static void __exit modns_import_exit(void)
{
}

module_init(modns_import_init);
module_exit(modns_import_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: modns_import");
MODULE_IMPORT_NS("module:kvm");
