/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of include/linux/init.h (Linux 6.1), module case only. */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H

#include <linux/compiler.h>

#define __init		__section(".init.text") __cold notrace
#define __exit		__section(".exit.text") __used __cold notrace

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

#endif
