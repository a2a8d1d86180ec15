/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __ASM_GENERIC_EXPORT_H
#define __ASM_GENERIC_EXPORT_H

/*
 * include/asm-generic/export.h as in Linux 4.18: EXPORT_SYMBOL() for
 * assembly files (x86_64: KSYM_ALIGN 8, __put .quad; KCRC_ALIGN 4 since the
 * 4.10 "modversions: treat symbol CRCs as 32 bit quantities" change).
 * Unlike the C macro, __ksymtab_<sym> is a GLOBAL label here and a
 * __kcrctab_<sym> label exists.  genksyms only versions asm exports that
 * have a prototype in asm/asm-prototypes.h; the others keep their weak,
 * undefined __crc_<sym> and get CRC 0.
 */

#ifndef KSYM_FUNC
#define KSYM_FUNC(x) x
#endif
#ifdef CONFIG_64BIT
#define __put .quad
#ifndef KSYM_ALIGN
#define KSYM_ALIGN 8
#endif
#else
#define __put .long
#ifndef KSYM_ALIGN
#define KSYM_ALIGN 4
#endif
#endif
#ifndef KCRC_ALIGN
#define KCRC_ALIGN 4
#endif

#define KSYM(name) name

/*
 * note on .section use: @progbits vs %progbits nastiness doesn't matter,
 * since we immediately emit into those sections anyway.
 */
.macro ___EXPORT_SYMBOL name,val,sec
#ifdef CONFIG_MODULES
	.globl KSYM(__ksymtab_\name)
	.section ___ksymtab\sec+\name,"a"
	.balign KSYM_ALIGN
KSYM(__ksymtab_\name):
	__put \val, KSYM(__kstrtab_\name)
	.previous
	.section __ksymtab_strings,"a"
KSYM(__kstrtab_\name):
	.asciz "\name"
	.previous
#ifdef CONFIG_MODVERSIONS
	.section ___kcrctab\sec+\name,"a"
	.balign KCRC_ALIGN
KSYM(__kcrctab_\name):
#if defined(CONFIG_MODULE_REL_CRCS)
	.long KSYM(__crc_\name) - .
#else
	.long KSYM(__crc_\name)
#endif
	.weak KSYM(__crc_\name)
	.previous
#endif
#endif
.endm
#undef __put

#define __EXPORT_SYMBOL(sym, val, sec)				\
	___EXPORT_SYMBOL sym, val, sec

#define EXPORT_SYMBOL(name)					\
	__EXPORT_SYMBOL(name, KSYM_FUNC(KSYM(name)),)
#define EXPORT_SYMBOL_GPL(name) 				\
	__EXPORT_SYMBOL(name, KSYM_FUNC(KSYM(name)), _gpl)
#define EXPORT_DATA_SYMBOL(name)				\
	__EXPORT_SYMBOL(name, KSYM(name),)
#define EXPORT_DATA_SYMBOL_GPL(name)				\
	__EXPORT_SYMBOL(name, KSYM(name),_gpl)

#endif
