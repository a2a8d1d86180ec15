/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock of include/linux/module.h + moduleparam.h (Linux 6.1, modular
 * build).  The macros that put strings in .modinfo (license=, import_ns=),
 * module_init()/module_exit() and struct modversion_info are reproduced;
 * struct module is a stand-in whose layout starts like the real one
 * (state, list head, name[MODULE_NAME_LEN]).
 */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/types.h>
#include <linux/stringify.h>
#include <linux/init.h>
#include <linux/export.h>

/* include/linux/moduleparam.h */
#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

#ifdef MODULE
#define __MODULE_INFO_PREFIX /* nothing */
#else
#define __MODULE_INFO_PREFIX KBUILD_MODNAME "."
#endif

#define __MODULE_INFO(tag, name, info)					  \
	static const char __UNIQUE_ID(name)[]				  \
		__used __section(".modinfo") __aligned(1)		  \
		= __MODULE_INFO_PREFIX __stringify(tag) "=" info

#define MODULE_INFO(tag, info) __MODULE_INFO(tag, tag, info)
#define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
/* 5.4 (8651ec01daed); 6.13 made the argument a string literal */
#define MODULE_IMPORT_NS(ns) MODULE_INFO(import_ns, __stringify(ns))

struct modversion_info {
	unsigned long crc;
	char name[MODULE_NAME_LEN];
};

enum module_state {
	MODULE_STATE_LIVE,
	MODULE_STATE_COMING,
	MODULE_STATE_GOING,
	MODULE_STATE_UNFORMED,
};

/* arch/x86/include/asm/module.h: struct mod_arch_specific (ORC tables omitted) */
struct mod_arch_specific {
};
#define MODULE_ARCH_INIT {}

struct module {
	enum module_state state;

	/* Member of list of modules */
	struct list_head list;

	/* Unique handle for this module */
	char name[MODULE_NAME_LEN];

	/* Stand-in for the rest of the real struct module. */
	unsigned long __opaque_head[40];
#ifdef EXPORT_FLAGS_7_1
	/* 7.1+: the exports' flags table (__kflagstab); and a stand-in for the rest of struct module's
	 * growth since 6.x (so that the 7.2 sample's sizeof differs: the loader's size check) */
	const unsigned char *flagstab;
	unsigned long __opaque_7x[8];
#endif

	/* Startup function. */
	int (*init)(void);

	unsigned long __opaque_mid[40];

	struct mod_arch_specific arch;

	unsigned long __opaque_tail[16];

	/* Destruction function. */
	void (*exit)(void);

	atomic_t refcnt;
} __attribute__((__aligned__(64)));

/* 6.1 module_init()/module_exit() for modules: alias init_module/cleanup_module */
#define module_init(initfn)					\
	static inline initcall_t __maybe_unused __inittest(void)	\
	{ return initfn; }					\
	int init_module(void) __copy(initfn)			\
		__attribute__((alias(#initfn)));

#define module_exit(exitfn)					\
	static inline exitcall_t __maybe_unused __exittest(void)	\
	{ return exitfn; }					\
	void cleanup_module(void) __copy(exitfn)		\
		__attribute__((alias(#exitfn)));

extern int init_module(void);
extern void cleanup_module(void);

#endif /* _LINUX_MODULE_H */
