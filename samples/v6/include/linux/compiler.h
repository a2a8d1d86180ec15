/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mock of the parts of include/linux/compiler*.h (Linux 6.1) that the
 * ksymcheck v6 samples need.  Not the real header.
 */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define __used			__attribute__((__used__))
#define __maybe_unused		__attribute__((__unused__))
#define __visible		__attribute__((__externally_visible__))
#define __cold			__attribute__((__cold__))
#define __weak			__attribute__((__weak__))
#define __copy(symbol)		__attribute__((__copy__(symbol)))
/* 6.x: __section() takes a string (33def8498fdd, 5.10) */
#define __section(section)	__attribute__((__section__(section)))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define notrace			__attribute__((__no_instrument_function__))
#define asmlinkage
#define __initdata		__section(".init.data")

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))

#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

/*
 * include/linux/compiler.h (6.1): force the compiler to emit 'sym' as a
 * symbol, so that a reference to it from asm (the ksymtab entry) resolves.
 * The .discard.addressable section is dropped at the final link.
 */
#define ___ADDRESSABLE(sym, __attrs)					\
	static void * __used __attrs					\
		__UNIQUE_ID(__PASTE(__addressable_,sym)) = (void *)&sym;
#define __ADDRESSABLE(sym) \
	___ADDRESSABLE(sym, __section(".discard.addressable"))

#endif /* _LINUX_COMPILER_H */
