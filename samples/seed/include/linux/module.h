/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock of include/linux/module.h + moduleparam.h (Linux 4.18, modular build).
 * The macros that put strings in .modinfo and the __versions entry type are
 * reproduced exactly; struct module is a stand-in of plausible size whose
 * layout starts like the real one (state, list head, name[MODULE_NAME_LEN]).
 */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H

#include <linux/types.h>
#include <linux/stringify.h>
#include <linux/init.h>

/* include/linux/moduleparam.h */
#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

#define __MODULE_INFO(tag, name, info)					  \
static const char __UNIQUE_ID(name)[]					  \
  __used __attribute__((section(".modinfo"), unused, aligned(1)))	  \
  = __stringify(tag) "=" info

#define MODULE_INFO(tag, info) __MODULE_INFO(tag, tag, info)
#define MODULE_LICENSE(_license) MODULE_INFO(license, _license)
#define MODULE_AUTHOR(_author) MODULE_INFO(author, _author)
#define MODULE_DESCRIPTION(_description) MODULE_INFO(description, _description)
#define MODULE_VERSION(_version) MODULE_INFO(version, _version)

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

/* arch/x86/include/asm/module.h: struct mod_arch_specific is empty on x86 */
struct mod_arch_specific {
};
#define MODULE_ARCH_INIT {}

struct module {
	enum module_state state;

	/* Member of list of modules */
	struct list_head list;

	/* Unique handle for this module */
	char name[MODULE_NAME_LEN];

	/* Stand-in for mkobj, modinfo_attrs, version, srcversion, holders_dir,
	 * syms/crcs/num_syms, kp, gpl_syms, ... of the real struct module. */
	unsigned long __opaque_head[40];

	/* Startup function. */
	int (*init)(void);

	unsigned long __opaque_mid[40];

	struct mod_arch_specific arch;

	unsigned long __opaque_tail[16];

	/* Destruction function. */
	void (*exit)(void);

	atomic_t refcnt;
} __attribute__((__aligned__(64)));

/* as in include/linux/export.h (identical redefinition is fine) */
#ifdef MODULE
extern struct module __this_module;
#define THIS_MODULE (&__this_module)
#else
#define THIS_MODULE ((struct module *)0)
#endif

/* 4.18 module_init()/module_exit() for modules: alias init_module/cleanup_module */
#define module_init(initfn)					\
	static inline initcall_t __maybe_unused __inittest(void)	\
	{ return initfn; }					\
	int init_module(void) __attribute__((alias(#initfn)));

#define module_exit(exitfn)					\
	static inline exitcall_t __maybe_unused __exittest(void)	\
	{ return exitfn; }					\
	void cleanup_module(void) __attribute__((alias(#exitfn)));

extern int init_module(void);
extern void cleanup_module(void);

void module_put(struct module *module);

#endif /* _LINUX_MODULE_H */
