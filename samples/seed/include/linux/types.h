/* SPDX-License-Identifier: GPL-2.0 */
/* Mock of include/linux/types.h (Linux 4.18): only what the samples use. */
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
typedef long long		loff_t;
typedef unsigned int		gfp_t;
typedef _Bool			bool;

#define true	1
#define false	0
#define NULL	((void *)0)

typedef struct {
	int counter;
} atomic_t;

#define ATOMIC_INIT(i)	{ (i) }

struct list_head {
	struct list_head *next, *prev;
};

typedef __builtin_va_list va_list;
#define va_start(v, l)	__builtin_va_start(v, l)
#define va_end(v)	__builtin_va_end(v)
#define va_arg(v, T)	__builtin_va_arg(v, T)

/* arch/x86/include/asm/atomic.h, reduced */
static __always_inline bool atomic_dec_and_test(atomic_t *v)
{
	unsigned char c;

	asm volatile("lock; decl %0; sete %1"
		     : "+m" (v->counter), "=qm" (c) : : "memory");
	return c != 0;
}

static __always_inline int atomic_sub_return(int i, atomic_t *v)
{
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}

static __always_inline int atomic_read(const atomic_t *v)
{
	return READ_ONCE(v->counter);
}

#endif /* _LINUX_TYPES_H */
