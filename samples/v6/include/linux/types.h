/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of include/linux/types.h (Linux 6.1): only what the v6 samples use. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <linux/compiler.h>

typedef unsigned char		u8;
typedef unsigned short		u16;
typedef unsigned int		u32;
typedef unsigned long long	u64;
typedef signed int		s32;
typedef signed long long	s64;
typedef unsigned long		size_t;
typedef long			ssize_t;
typedef unsigned int		gfp_t;
typedef _Bool			bool;

#define true	1
#define false	0
#define NULL	((void *)0)

typedef struct {
	int counter;
} atomic_t;

struct list_head {
	struct list_head *next, *prev;
};

typedef __builtin_va_list va_list;
#define va_start(v, l)	__builtin_va_start(v, l)
#define va_end(v)	__builtin_va_end(v)

/* include/vdso/const.h */
#define _BITUL(x)	(1UL << (x))

#endif /* _LINUX_TYPES_H */
