// OpenAFS-like sample module for ksymcheck (not OpenAFS code).
/*
 * Page-cache helpers in the style of src/afs/LINUX/osi_vnodeops.c.  None of
 * this code names devmap_managed_key or __put_devmap_managed_page: both
 * come in through the inline put_page() of <linux/mm.h> on a kernel with
 * CONFIG_DEV_PAGEMAP_OPS=y, which is exactly how libafs.ko came to use two
 * GPL-only symbols on Linux 4.18-rc.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>

typedef int (*afs_store_fn)(struct inode *ip, struct page *pp,
			    unsigned long offset, unsigned int count);

/* Set by the cache manager at start-up; called through a pointer. */
afs_store_fn afs_store_hook;

/* Drop the reference taken by find_get_page()/grab_cache_page(). */
void afs_linux_put_page(struct page *pp)
{
	put_page(pp);
}

int afs_linux_writepage_sync(struct inode *ip, struct page *pp,
			     unsigned long offset, unsigned int count)
{
	char *buf;
	int code = 0;

	buf = kmalloc(count, GFP_NOFS);
	if (!buf) {
		put_page(pp);
		return -12;	/* -ENOMEM */
	}

	if (afs_store_hook)
		code = afs_store_hook(ip, pp, offset, count);

	kfree(buf);
	put_page(pp);
	if (code)
		printk(KERN_WARNING "afs: writepage_sync failed with %d\n", code);
	return code;
}
