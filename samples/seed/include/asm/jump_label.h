/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/include/asm/jump_label.h as in Linux 4.18 (absolute jump
 * entries; relative entries only arrived with 4.20).  Every use of a
 * static key emits a 5-byte NOP plus a __jump_table entry
 * { code, target, key + branch } whose third word is an absolute
 * relocation against the key symbol.
 */
#ifndef _ASM_X86_JUMP_LABEL_H
#define _ASM_X86_JUMP_LABEL_H

#include <linux/stringify.h>
#include <linux/types.h>
#include <asm/asm.h>

#define JUMP_LABEL_NOP_SIZE 5

/* arch/x86/include/asm/nops.h: P6_NOP5_ATOMIC / GENERIC_NOP5_ATOMIC */
#ifdef CONFIG_X86_64
# define STATIC_KEY_INIT_NOP	0x0f,0x1f,0x44,0x00,0
#else
# define STATIC_KEY_INIT_NOP	0x3e,0x8d,0x74,0x26,0x00
#endif

struct static_key;

static __always_inline bool arch_static_branch(struct static_key *key, bool branch)
{
	asm_volatile_goto("1:"
		".byte " __stringify(STATIC_KEY_INIT_NOP) "\n\t"
		".pushsection __jump_table,  \"aw\" \n\t"
		_ASM_ALIGN "\n\t"
		_ASM_PTR "1b, %l[l_yes], %c0 + %c1 \n\t"
		".popsection \n\t"
		: :  "i" (key), "i" (branch) : : l_yes);

	return false;
l_yes:
	return true;
}

static __always_inline bool arch_static_branch_jump(struct static_key *key, bool branch)
{
	asm_volatile_goto("1:"
		".byte 0xe9\n\t .long %l[l_yes] - 2f\n\t"
		"2:\n\t"
		".pushsection __jump_table,  \"aw\" \n\t"
		_ASM_ALIGN "\n\t"
		_ASM_PTR "1b, %l[l_yes], %c0 + %c1 \n\t"
		".popsection \n\t"
		: :  "i" (key), "i" (branch) : : l_yes);

	return false;
l_yes:
	return true;
}

typedef unsigned long jump_label_t;

struct jump_entry {
	jump_label_t code;
	jump_label_t target;
	jump_label_t key;
};

#endif
