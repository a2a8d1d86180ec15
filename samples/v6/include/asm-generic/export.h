/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ASM_GENERIC_EXPORT_H
#define __ASM_GENERIC_EXPORT_H

/*
 * include/asm-generic/export.h as in Linux 6.1: EXPORT_SYMBOL() for
 * assembly files.  With CONFIG_HAVE_ARCH_PREL32_RELOCATIONS the entry is
 * the same 12-byte struct kernel_symbol as in C, but the namespace field
 * is a literal 0 (no namespace) and there is no __kstrtabns_<sym> label.
 * The CRC comes from modpost (SYMBOL_CRC in .vmlinux.export.c), as for C.
 */

#ifdef EXPORT_MARKERS_6_12
/*
 * 6.5+ (6.12's include/linux/export.h, used by assembly too): only the
 * .export_symbol marker "<license>\0<namespace>\0" + a pointer; modpost
 * writes the ksymtab entry (the 7.2 sample kernel).
 */
#define EXPORT_SYMBOL(name)				\
	.section ".export_symbol","a"			;	\
	__export_symbol_##name:			;	\
	.asciz ""					;	\
	.asciz ""					;	\
	.balign 8					;	\
	.quad name					;	\
	.previous
#else

#ifndef KSYM_FUNC
#define KSYM_FUNC(x) x
#endif
#ifdef CONFIG_HAVE_ARCH_PREL32_RELOCATIONS
#define KSYM_ALIGN 4
#elif defined(CONFIG_64BIT)
#define KSYM_ALIGN 8
#else
#define KSYM_ALIGN 4
#endif

.macro __put, val, name
#ifdef CONFIG_HAVE_ARCH_PREL32_RELOCATIONS
	.long	\val - ., \name - ., 0
#elif defined(CONFIG_64BIT)
	.quad	\val, \name, 0
#else
	.long	\val, \name, 0
#endif
.endm

/*
 * note on .section use: we specify progbits since usage of the "M" (SHF_MERGE)
 * section flag requires it. Use '%progbits' instead of '@progbits' since the
 * former apparently works on all arches according to the binutils source.
 */

.macro ___EXPORT_SYMBOL name,val,sec
#if defined(CONFIG_MODULES) && !defined(__DISABLE_EXPORTS)
	.section ___ksymtab\sec+\name,"a"
	.balign KSYM_ALIGN
__ksymtab_\name:
	__put \val, __kstrtab_\name
	.previous
	.section __ksymtab_strings,"aMS",%progbits,1
__kstrtab_\name:
	.asciz "\name"
	.previous
#endif
.endm

#define __EXPORT_SYMBOL(sym, val, sec)	___EXPORT_SYMBOL sym, val, sec

#define EXPORT_SYMBOL(name)					\
	__EXPORT_SYMBOL(name, KSYM_FUNC(name),)
#define EXPORT_SYMBOL_GPL(name) 				\
	__EXPORT_SYMBOL(name, KSYM_FUNC(name), _gpl)
#define EXPORT_DATA_SYMBOL(name)				\
	__EXPORT_SYMBOL(name, name,)
#define EXPORT_DATA_SYMBOL_GPL(name)				\
	__EXPORT_SYMBOL(name, name,_gpl)

#endif /* EXPORT_MARKERS_6_12 */
#endif
