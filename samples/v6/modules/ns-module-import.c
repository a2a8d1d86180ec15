// SPDX-License-Identifier: GPL-2.0
/*
 * A module that imports a module: namespace explicitly - what 6.16+ refuses:
 * modpost "explicitly importing namespace ... is not allowed", the loader
 * "module tries to import module namespace" (-EPERM). It uses
 * cr4_update_irqsoff (EXPORT_SYMBOL_GPL_FOR_MODULES(..., "kvm,kvm-*")).
 * MODULE_INFO(import_ns, "...") is what 6.13+'s MODULE_IMPORT_NS("...")
 * expands to (the sample headers carry the 6.1 macro).
 */
#include <linux/module.h>

extern void cr4_update_irqsoff(unsigned long set, unsigned long clear);

static int __init ns_module_import_init(void)
{
	cr4_update_irqsoff(1, 0);
	return 0;
}

static void __exit ns_module_import_exit(void)
{
}

module_init(ns_module_import_init);
module_exit(ns_module_import_exit);
MODULE_INFO(import_ns, "module:kvm,kvm-*");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("explicit import of a module: namespace");
