/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock of the parts of include/linux/compiler*.h (Linux 4.18) that the
 * ksymcheck seed samples need.  Not the real header.
 */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define __used			__attribute__((__used__))
#define __maybe_unused		__attribute__((__unused__))
#define __visible		__attribute__((__externally_visible__))
#define __cold			__attribute__((__cold__))
#define __section(S)		__attribute__((__section__(#S)))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define notrace			__attribute__((__no_instrument_function__))
#define asmlinkage
#define __read_mostly		__section(.data..read_mostly)
#define __ro_after_init		__section(.data..ro_after_init)

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))

/* include/linux/compiler-gcc.h */
#define asm_volatile_goto(x...)	do { asm goto(x); asm (""); } while (0)

#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#endif /* _LINUX_COMPILER_H */
