/* SPDX-License-Identifier: GPL-2.0 */
/* include/linux/vermagic.h (Linux 4.18) + the x86 MODULE_ARCH_VERMAGIC of arch/x86/include/asm/module.h */
#include <generated/utsrelease.h>

#ifdef CONFIG_SMP
#define MODULE_VERMAGIC_SMP "SMP "
#else
#define MODULE_VERMAGIC_SMP ""
#endif
#ifdef CONFIG_PREEMPT
#define MODULE_VERMAGIC_PREEMPT "preempt "
#else
#define MODULE_VERMAGIC_PREEMPT ""
#endif
#ifdef CONFIG_MODULE_UNLOAD
#define MODULE_VERMAGIC_MODULE_UNLOAD "mod_unload "
#else
#define MODULE_VERMAGIC_MODULE_UNLOAD ""
#endif
#ifdef CONFIG_MODVERSIONS
#define MODULE_VERMAGIC_MODVERSIONS "modversions "
#else
#define MODULE_VERMAGIC_MODVERSIONS ""
#endif

#ifdef CONFIG_X86_64
/* X86_64 does not define MODULE_PROC_FAMILY */
#define MODULE_PROC_FAMILY ""
#elif defined CONFIG_M686
#define MODULE_PROC_FAMILY "686 "
#else
#define MODULE_PROC_FAMILY "586 "
#endif
#define MODULE_ARCH_VERMAGIC MODULE_PROC_FAMILY

#define MODULE_RANDSTRUCT_PLUGIN

#define VERMAGIC_STRING 						\
	UTS_RELEASE " "							\
	MODULE_VERMAGIC_SMP MODULE_VERMAGIC_PREEMPT 			\
	MODULE_VERMAGIC_MODULE_UNLOAD MODULE_VERMAGIC_MODVERSIONS	\
	MODULE_ARCH_VERMAGIC						\
	MODULE_RANDSTRUCT_PLUGIN
