// SPDX-License-Identifier: GPL-2.0-only
/*
 * vbox.c, linked as module vboxdrv (obj-m := vboxdrv.o, vboxdrv-y :=
 * vbox.o): uses cr4_update_irqsoff() too, but "vboxdrv" matches neither
 * "kvm" nor "kvm-*": refused by 6.16's modpost and loader.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include <asm/tlbflush.h>

#define X86_CR4_VMXE	(1UL << 13)

static int __init vboxdrv_init(void)
{
	cr4_update_irqsoff(X86_CR4_VMXE, 0);
	pr_info("vboxdrv: ready\n");
	return 0;
}

static void __exit vboxdrv_exit(void)
{
	cr4_update_irqsoff(0, X86_CR4_VMXE);
}

module_init(vboxdrv_init);
module_exit(vboxdrv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample vbox");
