/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _LINUX_EXPORT_H
#define _LINUX_EXPORT_H

/*
 * include/linux/export.h as in Linux 6.1 for x86_64
 * (CONFIG_HAVE_ARCH_PREL32_RELOCATIONS=y, no CONFIG_TRIM_UNUSED_KSYMS):
 *
 *  - struct kernel_symbol is three self-relative s32 offsets
 *    { value, name, namespace } (12 bytes);
 *  - the name and the namespace ("" when there is none) go to the mergeable
 *    string section __ksymtab_strings, labelled __kstrtab_<sym> and
 *    __kstrtabns_<sym>;
 *  - there is no CRC here any more: since 5.19 (7b4537199a4a) modpost emits
 *    SYMBOL_CRC() into .vmlinux.export.c / <mod>.mod.c (export-internal.h).
 *
 * Plus, at the end, EXPORT_SYMBOL_GPL_FOR_MODULES() of 6.16 (namespace
 * "module:<patterns>") written against the 6.1 macros, and - only when
 * EXPORT_MARKERS_6_12 is defined - the 6.5+ form of the macros as in 6.12,
 * which emit nothing but a marker in section .export_symbol.
 */

#include <linux/stringify.h>
#include <linux/compiler.h>

#ifdef MODULE
extern struct module __this_module;
#define THIS_MODULE (&__this_module)
#else
#define THIS_MODULE ((struct module *)0)
#endif

#ifndef EXPORT_MARKERS_6_12

#ifdef CONFIG_HAVE_ARCH_PREL32_RELOCATIONS
/*
 * Emit the ksymtab entry as a pair of relative references: this reduces
 * the size by half on 64-bit architectures, and eliminates the need for
 * absolute relocations that require runtime processing on relocatable
 * kernels.
 */
#define __KSYMTAB_ENTRY(sym, sec)					\
	__ADDRESSABLE(sym)						\
	asm("	.section \"___ksymtab" sec "+" #sym "\", \"a\"	\n"	\
	    "	.balign	4					\n"	\
	    "__ksymtab_" #sym ":				\n"	\
	    "	.long	" #sym "- .				\n"	\
	    "	.long	__kstrtab_" #sym "- .			\n"	\
	    "	.long	__kstrtabns_" #sym "- .			\n"	\
	    "	.previous					\n")

struct kernel_symbol {
	int value_offset;
	int name_offset;
	int namespace_offset;
};
#else
#error "the v6 samples model x86_64 with CONFIG_HAVE_ARCH_PREL32_RELOCATIONS"
#endif

/*
 * For every exported symbol, do the following:
 *
 * - Put the name of the symbol and namespace (empty string "" for none) in
 *   __ksymtab_strings.
 * - Place a struct kernel_symbol entry in the __ksymtab section.
 *
 * note on .section use: we specify progbits since usage of the "M" (SHF_MERGE)
 * section flag requires it. Use '%progbits' instead of '@progbits' since the
 * former apparently works on all arches according to the binutils source.
 */
#define ___EXPORT_SYMBOL(sym, sec, ns)						\
	extern typeof(sym) sym;							\
	extern const char __kstrtab_##sym[];					\
	extern const char __kstrtabns_##sym[];					\
	asm("	.section \"__ksymtab_strings\",\"aMS\",%progbits,1	\n"	\
	    "__kstrtab_" #sym ":					\n"	\
	    "	.asciz 	\"" #sym "\"					\n"	\
	    "__kstrtabns_" #sym ":					\n"	\
	    "	.asciz 	\"" ns "\"					\n"	\
	    "	.previous						\n");	\
	__KSYMTAB_ENTRY(sym, sec)

#define __EXPORT_SYMBOL(sym, sec, ns)	___EXPORT_SYMBOL(sym, sec, ns)

#define _EXPORT_SYMBOL(sym, sec)	__EXPORT_SYMBOL(sym, sec, "")

#define EXPORT_SYMBOL(sym)		_EXPORT_SYMBOL(sym, "")
#define EXPORT_SYMBOL_GPL(sym)		_EXPORT_SYMBOL(sym, "_gpl")
#define EXPORT_SYMBOL_NS(sym, ns)	__EXPORT_SYMBOL(sym, "", __stringify(ns))
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	__EXPORT_SYMBOL(sym, "_gpl", __stringify(ns))

/*
 * 6.16 (707f853d7fa3): a GPL export into the namespace "module:<patterns>";
 * only modules whose name matches one of the comma-separated patterns (a
 * trailing '*' globs) may use it.  6.16 spells the licence "GPL" (its
 * macros take a licence, not a section suffix); "_gpl" here is the same
 * thing in the 6.1 macros this sample kernel is built with.
 */
#define EXPORT_SYMBOL_GPL_FOR_MODULES(sym, mods)	__EXPORT_SYMBOL(sym, "_gpl", "module:" mods)

#else /* EXPORT_MARKERS_6_12 */

/*
 * include/linux/export.h as in Linux 6.12 (6.5+, ddb5cdbafaaa "kbuild:
 * generate KSYMTAB entries by modpost"): EXPORT_SYMBOL() only leaves a
 * marker __export_symbol_<sym> in section .export_symbol holding
 * "<license>\0<namespace>\0" then a pointer to the symbol.  modpost reads
 * the markers from the .o and writes KSYMTAB_FUNC()/KSYMTAB_DATA() into
 * <mod>.mod.c; the final link discards .export_symbol.
 */
#define ASM_NL	;

#define __EXPORT_SYMBOL_REF(sym)			\
	.balign 8				ASM_NL	\
	.quad sym

#define ___EXPORT_SYMBOL(sym, license, ns)		\
	.section ".export_symbol","a"		ASM_NL	\
	__export_symbol_##sym:			ASM_NL	\
		.asciz license			ASM_NL	\
		.asciz ns			ASM_NL	\
		__EXPORT_SYMBOL_REF(sym)	ASM_NL	\
	.previous

#define __EXPORT_SYMBOL(sym, license, ns)			\
	extern typeof(sym) sym;					\
	__ADDRESSABLE(sym)					\
	asm(__stringify(___EXPORT_SYMBOL(sym, license, ns)))

#define _EXPORT_SYMBOL(sym, license)	__EXPORT_SYMBOL(sym, license, "")

#define EXPORT_SYMBOL(sym)		_EXPORT_SYMBOL(sym, "")
#define EXPORT_SYMBOL_GPL(sym)		_EXPORT_SYMBOL(sym, "GPL")
#define EXPORT_SYMBOL_NS(sym, ns)	__EXPORT_SYMBOL(sym, "", __stringify(ns))
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	__EXPORT_SYMBOL(sym, "GPL", __stringify(ns))
/* 6.16's form (6.17 renamed it EXPORT_SYMBOL_FOR_MODULES, same bytes): licence "GPL", namespace "module:" mods */
#define EXPORT_SYMBOL_GPL_FOR_MODULES(sym, mods)	__EXPORT_SYMBOL(sym, "GPL", "module:" mods)

#endif /* EXPORT_MARKERS_6_12 */

#endif /* _LINUX_EXPORT_H */
