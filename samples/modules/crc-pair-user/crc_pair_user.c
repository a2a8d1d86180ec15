// SPDX-License-Identifier: GPL-2.0
/*
 * ksymcheck sample: a GPL module calling filp_open() and filp_close(), whose CRCs differ between the two
 * Debian 6.1 ABIs of the real-kernel suite's CRC pair (same module_layout, other symbol CRCs): built
 * against one and loaded into the other, the loader refuses it symbol by symbol ("disagrees about
 * version of symbol"). Against its own ABI it is clean.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/err.h>
#include <linux/fs.h>

static int __init crc_pair_user_init(void)
{
	struct file *f = filp_open("/ksymcheck-none", O_RDONLY, 0);

	if (!IS_ERR(f))
		filp_close(f, NULL);
	return 0;
}

static void __exit crc_pair_user_exit(void)
{
}

module_init(crc_pair_user_init);
module_exit(crc_pair_user_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: crc_pair_user");
