/*
 * ELF reader fixture for ksymcheck.  Compiled by scripts/build-samples into
 * samples/build/elf/<arch>/fixture.o (ET_REL), fixture (ET_EXEC, linked with
 * stub.c) and fixture.so (ET_DYN), for x86_64 and i386, so the reader's
 * output can be compared with readelf.  It exercises:
 *   - GLOBAL / LOCAL / WEAK defined symbols, a hidden symbol, a COMMON symbol
 *   - GLOBAL undefined (function and data) and WEAK undefined references
 *   - relocations from .text and from data sections (function-pointer and
 *     data-pointer tables, string pointers)
 *   - .modinfo-style NUL-separated "key=value" strings
 *   - a 4.18-style EXPORT_SYMBOL / EXPORT_SYMBOL_GPL (___ksymtab+<sym>,
 *     ___kcrctab+<sym> with a weak __crc_<sym>, __ksymtab_strings)
 */
#include "export.h"	/* samples/seed/kernel/export.h, with -DCONFIG_MODULES -DCONFIG_MODVERSIONS */

#define __used		__attribute__((__used__))
#define noinline	__attribute__((__noinline__))

/* undefined references */
extern int ext_func(int x);			/* GLOBAL UND function */
extern int ext_data;				/* GLOBAL UND data */
extern int weak_ext(void) __attribute__((weak));	/* WEAK UND */

/* defined data */
int global_counter = 42;			/* GLOBAL, .data */
int common_counter;				/* COMMON (-fcommon) in the .o */
static int local_counter = 7;			/* LOCAL, .data */
static int local_bss;				/* LOCAL, .bss */
const char banner[] = "ksymcheck ELF fixture";	/* GLOBAL, .rodata */
__attribute__((visibility("hidden"))) int hidden_counter = 3;	/* GLOBAL hidden */

static noinline int local_helper(int x)		/* LOCAL FUNC */
{
	local_bss += x;
	return x * 3 + local_counter + local_bss;
}

int global_func(int x)				/* GLOBAL FUNC */
{
	return ext_func(x) + local_helper(x) + ext_data + common_counter;
}

__attribute__((weak)) int weak_func(int x)	/* WEAK FUNC */
{
	return x + (weak_ext ? weak_ext() : 0);
}

__attribute__((visibility("hidden"))) int hidden_func(void)
{
	return hidden_counter + global_counter;
}

/* data sections with relocations */
int (*func_table[])(int) = { ext_func, local_helper, global_func, weak_func };
int *data_ptrs[] = { &global_counter, &ext_data, &local_counter, &common_counter };
const char *const names[] = { banner, "second", "third" };

/* .modinfo-style strings, as MODULE_INFO() lays them out */
static const char __modinfo_license[] __used
	__attribute__((section(".modinfo"), aligned(1))) = "license=GPL v2";
static const char __modinfo_author[] __used
	__attribute__((section(".modinfo"), aligned(1))) = "author=ksymcheck";
static const char __modinfo_description[] __used
	__attribute__((section(".modinfo"), aligned(1))) = "description=ELF reader fixture";

/* 4.18-style exports */
EXPORT_SYMBOL(global_func);
EXPORT_SYMBOL_GPL(global_counter);
