/* SPDX-License-Identifier: GPL-2.0 */
/* arch/x86/include/asm/asm.h (Linux 4.18), reduced */
#ifndef _ASM_X86_ASM_H
#define _ASM_X86_ASM_H

#ifdef __ASSEMBLY__
# define __ASM_FORM(x)	x
#else
# define __ASM_FORM(x)	" " #x " "
#endif

#ifndef CONFIG_X86_32
/* 64 bit */
# define __ASM_SEL(a, b)	__ASM_FORM(b)
#else
/* 32 bit */
# define __ASM_SEL(a, b)	__ASM_FORM(a)
#endif

#define _ASM_PTR	__ASM_SEL(.long, .quad)
#define _ASM_ALIGN	__ASM_SEL(.balign 4, .balign 8)

#endif
