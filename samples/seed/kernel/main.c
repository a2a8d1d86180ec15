// SPDX-License-Identifier: GPL-2.0
/* Stand-in for init/main.c: start_kernel() touches a few subsystems. */
#include <linux/types.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <generated/utsrelease.h>

void release_pages(struct page **pages, int nr);
void synchronize_rcu(void);

/* init/version.c: the banner ksymcheck reads the release from when it is given a vmlinux alone. */
const char linux_banner[] =
	"Linux version " UTS_RELEASE " (ksymcheck@samples) (gcc) #1 SMP\n";

static struct page boot_page = { .flags = 0, ._refcount = { 2 } };

asmlinkage __visible void start_kernel(void)
{
	struct page *pages[1] = { &boot_page };
	void *p;

	printk(KERN_NOTICE "%s", linux_banner);
	p = kmalloc(64, GFP_KERNEL);
	kfree(p);
	release_pages(pages, 1);
	synchronize_rcu();
}
