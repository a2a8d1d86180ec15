/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of a sliver of include/linux/fs.h (Linux 4.18). */
#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/types.h>

struct module;
struct page;
struct file;
struct inode;

struct address_space_operations {
	int (*writepage)(struct page *page, void *wbc);
	int (*readpage)(struct file *file, struct page *page);
};

struct file_system_type {
	const char *name;
	int fs_flags;
	struct module *owner;
	struct file_system_type *next;
};

#endif
