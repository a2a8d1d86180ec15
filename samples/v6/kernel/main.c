// SPDX-License-Identifier: GPL-2.0-only
/* Stand-in for init/main.c + init/version.c (Linux 6.1). */
#include <linux/types.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <generated/utsrelease.h>

void module_subsys_init(void);

/* init/version.c: the banner ksymcheck reads the release from when it is given a vmlinux alone. */
const char linux_banner[] =
	"Linux version " UTS_RELEASE " (ksymcheck@samples) (gcc) #1 SMP PREEMPT_DYNAMIC\n";

asmlinkage __visible void start_kernel(void)
{
	void *p;

	printk(KERN_NOTICE "%s", linux_banner);
	p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	module_subsys_init();
}
