/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of arch/x86/include/asm/tlbflush.h: cr4_update_irqsoff() (arch/x86/kernel/cpu/common.c). */
#ifndef _ASM_X86_TLBFLUSH_H
#define _ASM_X86_TLBFLUSH_H

void cr4_update_irqsoff(unsigned long set, unsigned long clear);

#endif
