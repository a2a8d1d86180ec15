# Definitions that let be-module.o link into a static big-endian executable.
	.ifdef BITS64
	.macro PTR v
	.quad	\v
	.endm
	.else
	.macro PTR v
	.long	\v
	.endm
	.endif

	.text
	.globl	_start
	.type	_start, @function
_start:
	larl	%r15, .Lstack_top
	aghi	%r15, -160
	brasl	%r14, be_init
0:	j	0b
	.size	_start, . - _start

	.globl	printk
	.type	printk, @function
printk:
	lhi	%r2, 0
	br	%r14
	.size	printk, . - printk

	.globl	kfree
	.type	kfree, @function
kfree:
	br	%r14
	.size	kfree, . - kfree

	.globl	__put_page
	.type	__put_page, @function
__put_page:
	br	%r14
	.size	__put_page, . - __put_page

	.data
	.globl	ext_data
	.type	ext_data, @object
	.balign	4
ext_data:
	.long	0x0a0b0c0d
	.size	ext_data, 4

	.bss
	.balign	8
	.skip	4096
.Lstack_top:
