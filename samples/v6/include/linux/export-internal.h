/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * include/linux/export-internal.h (Linux 6.1-era): used only by C files that
 * modpost generates (.vmlinux.export.c, <mod>.mod.c).
 *
 * SYMBOL_CRC(): since 5.19 the CRC of an export is data - a label
 * __crc_<sym> on a 4-byte value in section ___kcrctab[_gpl]+<sym>, which
 * the linker scripts SORT() into __kcrctab[_gpl] parallel to
 * __ksymtab[_gpl] - no longer an absolute symbol.  This is the inline-asm
 * form (f3304ecd7f06, with the later ".balign 4" fix); 5.19/6.0 had a C
 * variable "u32 __section(...) __used __crc_##sym = crc" with the same
 * result.
 */
#ifndef __LINUX_EXPORT_INTERNAL_H__
#define __LINUX_EXPORT_INTERNAL_H__

#include <linux/compiler.h>
#include <linux/types.h>

/*
 * KSYMTAB_FUNC()/KSYMTAB_DATA(): as in 6.12 (6.5+, ddb5cdbafaaa), what modpost
 * writes into <mod>.mod.c for every .export_symbol marker of the module: the
 * __ksymtab_strings name and namespace and the PREL32 struct kernel_symbol
 * in ___ksymtab[_gpl]+<name> (x86_64: KSYM_FUNC(name) is the name itself).
 */
#define __KSYMTAB(name, sym, sec, ns)						\
	asm("	.section \"__ksymtab_strings\",\"aMS\",%progbits,1"	"\n"	\
	    "__kstrtab_" #name ":"					"\n"	\
	    "	.asciz \"" #name "\""					"\n"	\
	    "__kstrtabns_" #name ":"					"\n"	\
	    "	.asciz \"" ns "\""					"\n"	\
	    "	.previous"						"\n"	\
	    "	.section \"___ksymtab" sec "+" #name "\", \"a\""	"\n"	\
	    "	.balign	4"						"\n"	\
	    "__ksymtab_" #name ":"					"\n"	\
	    "	.long	" #sym "- ."					"\n"	\
	    "	.long	__kstrtab_" #name "- ."			"\n"	\
	    "	.long	__kstrtabns_" #name "- ."			"\n"	\
	    "	.previous"						"\n")

#ifndef EXPORT_FLAGS_7_1
#define KSYMTAB_FUNC(name, sec, ns)	__KSYMTAB(name, name, sec, ns)
#define KSYMTAB_DATA(name, sec, ns)	__KSYMTAB(name, name, sec, ns)

#define SYMBOL_CRC(sym, crc, sec)   \
	asm(".section \"___kcrctab" sec "+" #sym "\",\"a\""	"\n" \
	    ".balign 4"						"\n" \
	    "__crc_" #sym ":"					"\n" \
	    ".long " #crc					"\n" \
	    ".previous"						"\n")
#else
/*
 * 7.1+ (as in 7.2.13's include/linux/export-internal.h): one table for every
 * export, ___ksymtab+<name> and ___kcrctab+<sym> without a _gpl variant; the
 * GPL-only flag is a byte of ___kflagstab+<sym> (label __flags_<sym>, bit 0 =
 * KSYM_FLAG_GPL_ONLY) that modpost writes with SYMBOL_FLAGS().
 */
#define KSYMTAB_FUNC(name, ns)	__KSYMTAB(name, name, "", ns)
#define KSYMTAB_DATA(name, ns)	__KSYMTAB(name, name, "", ns)

#define SYMBOL_CRC(sym, crc)					\
	asm("	.section \"___kcrctab+" #sym "\",\"a\""	"\n"	\
	    "	.balign 4"				"\n"	\
	    "__crc_" #sym ":"				"\n"	\
	    "	.long " #crc				"\n"	\
	    "	.previous"				"\n"	\
	)

#define SYMBOL_FLAGS(sym, flags)					\
	asm("	.section \"___kflagstab+" #sym "\",\"a\""	"\n"	\
	    "__flags_" #sym ":"					"\n"	\
	    "	.byte " #flags					"\n"	\
	    "	.previous"					"\n"	\
	)
#endif

#endif /* __LINUX_EXPORT_INTERNAL_H__ */
