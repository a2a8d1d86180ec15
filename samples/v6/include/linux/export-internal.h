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

#define SYMBOL_CRC(sym, crc, sec)   \
	asm(".section \"___kcrctab" sec "+" #sym "\",\"a\""	"\n" \
	    ".balign 4"						"\n" \
	    "__crc_" #sym ":"					"\n" \
	    ".long " #crc					"\n" \
	    ".previous"						"\n")

#endif /* __LINUX_EXPORT_INTERNAL_H__ */
