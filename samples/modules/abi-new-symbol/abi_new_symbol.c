// SPDX-License-Identifier: MIT
/*
 * ksymcheck sample: a GPL module calling __iget(): declared in <linux/fs.h> of both ABIs but exported (EXPORT_SYMBOL) only by the newer 6.1 ABI
 * Never loaded; built only so that modpost (and ksymcheck) can judge it.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/fs.h>
/* not static: the compiler must not prove it NULL and drop the call */
struct inode *abi_new_symbol_node;

static int __init abi_new_symbol_init(void)
{
	if (abi_new_symbol_node)
		__iget(abi_new_symbol_node);
	return 0;
}

static void __exit abi_new_symbol_exit(void)
{
}

module_init(abi_new_symbol_init);
module_exit(abi_new_symbol_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksymcheck sample: abi_new_symbol");
