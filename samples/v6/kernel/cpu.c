// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stand-in for arch/x86/kernel/cpu/common.c and a made-up test subsystem:
 *  - cr4_update_irqsoff(): exported only for KVM, 6.16 style
 *    (EXPORT_SYMBOL_GPL_FOR_MODULES(sym, "kvm,kvm-*") = namespace
 *    "module:kvm,kvm-*"); a 6.1 loader sees just an unusual namespace;
 *  - some_plain_ns_fn(): a plain (non-GPL) export in namespace TESTNS.
 */
#include <linux/types.h>
#include <linux/export.h>
#include <asm/tlbflush.h>

static unsigned long cr4_shadow;

void cr4_update_irqsoff(unsigned long set, unsigned long clear)
{
	cr4_shadow = (cr4_shadow & ~clear) | set;
}
EXPORT_SYMBOL_GPL_FOR_MODULES(cr4_update_irqsoff, "kvm,kvm-*");

int some_plain_ns_fn(int x)
{
	return x + (int)cr4_shadow;
}
EXPORT_SYMBOL_NS(some_plain_ns_fn, TESTNS);
