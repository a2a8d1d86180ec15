// OpenAFS-like sample module for ksymcheck (not OpenAFS code).
/* Module glue in the style of src/afs/LINUX/osi_module.c. */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>

/*
 * OpenAFS declares its own licence URL, which is not one of the
 * GPL-compatible strings of include/linux/license.h.  The build script
 * compiles the same sources with -DAFS_MODULE_LICENSE='"GPL"' for the
 * control module.
 */
#ifndef AFS_MODULE_LICENSE
#define AFS_MODULE_LICENSE "http://www.openafs.org/dl/license10.html"
#endif

MODULE_AUTHOR("OpenAFS");
MODULE_DESCRIPTION("OpenAFS file system");
MODULE_LICENSE(AFS_MODULE_LICENSE);

extern void afs_linux_put_page(struct page *pp);

struct file_system_type afs_fs_type = {
	.name = "afs",
	.owner = THIS_MODULE,
};

/* set by the cache-probe code (global so the compiler cannot drop the put_page() below) */
struct page *afs_cache_page;
static void *afs_bufs;

static int __init afs_init(void)
{
	afs_bufs = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!afs_bufs)
		return -12;	/* -ENOMEM */

	/* give back the page the cache probe pinned */
	if (afs_cache_page)
		put_page(afs_cache_page);

	printk(KERN_INFO "libafs: OpenAFS file system (%s) loaded\n",
	       afs_fs_type.name);
	return 0;
}

static void __exit afs_cleanup(void)
{
	kfree(afs_bufs);
	printk(KERN_INFO "libafs: unloaded\n");
}

module_init(afs_init);
module_exit(afs_cleanup);
