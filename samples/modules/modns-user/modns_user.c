// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample (6.16+): a GPL module using perf_guest_get_msrs, which 7.2's vmlinux exports with
 * EXPORT_SYMBOL_FOR_MODULES(…, "kvm,kvm-amd,kvm-intel") (Module.symvers namespace
 * module:kvm,kvm-amd,kvm-intel). modns_user is not on the list, so modpost prints the ordinary namespace
 * line with the whole namespace, and the loader refuses it with -EINVAL.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/perf_event.h>

/* Not static: the compiler must keep the reference. */
struct perf_guest_switch_msr *(*modns_user_get_msrs)(int *nr, void *data) = perf_guest_get_msrs;

static int __init modns_user_init(void)
{
	pr_info("modns_user: %p\n", modns_user_get_msrs);
	return 0;
}

static void __exit modns_user_exit(void)
{
}

module_init(modns_user_init);
module_exit(modns_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: modns_user");
