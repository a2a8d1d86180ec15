// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-ish.c, linked as module kvm-amd (kbuild: obj-m := kvm-amd.o,
 * kvm-amd-y := kvm-ish.o): uses cr4_update_irqsoff(), which the sample
 * kernels export as EXPORT_SYMBOL_GPL_FOR_MODULES(..., "kvm,kvm-*").
 * 6.16: "kvm-amd" matches "kvm-*" (modpost) and "kvm_amd" matches it with
 * '-' and '_' alike (loader): allowed.  6.1: "module:kvm,kvm-*" is just a
 * namespace the module does not import.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include <asm/tlbflush.h>

#define X86_CR4_VMXE	(1UL << 13)

static int __init svm_init(void)
{
	cr4_update_irqsoff(X86_CR4_VMXE, 0);
	pr_info("kvm-amd: ready\n");
	return 0;
}

static void __exit svm_exit(void)
{
	cr4_update_irqsoff(0, X86_CR4_VMXE);
}

module_init(svm_init);
module_exit(svm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample kvm-ish");
