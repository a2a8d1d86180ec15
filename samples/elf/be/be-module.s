# Big-endian ELF reader fixture for ksymcheck (s390x = ELF64 MSB, s390 = ELF32 MSB).
# Assembled by scripts/build-samples with s390x-linux-gnu-as:
#   -m64 --defsym BITS64=1   -> samples/build/elf/s390x/be-module.o
#   -m31 -mzarch             -> samples/build/elf/s390/be-module.o
# plus --defsym CRC_<sym>=0x... (the seed kernels' CRC table).
# It is laid out like a pre-link kernel module object: code calling
# undefined kernel functions (PLT32DBL relocations), data with absolute
# pointer relocations, .modinfo strings, a __versions table
# (struct modversion_info: 8+56 bytes on 64-bit, 4+60 on 31-bit, big-endian
# CRCs), a 4.18-style export (___ksymtab+, ___kcrctab+ with weak __crc_,
# __ksymtab_strings) and a .gnu.linkonce.this_module.

	.ifdef BITS64
	.macro PTR v
	.quad	\v
	.endm
	.macro PTRALIGN
	.balign	8
	.endm
	.else
	.macro PTR v
	.long	\v
	.endm
	.macro PTRALIGN
	.balign	4
	.endm
	.endif

	.macro VERSION crc, name
	PTRALIGN
0:	PTR	\crc
	.asciz	"\name"
	.org	0b + 64, 0
	.endm

	.text
	.globl	be_init
	.type	be_init, @function
be_init:
	larl	%r2, .Lmsg
	jg	printk@PLT			# tail call: R_390_PLT32DBL printk
	.size	be_init, . - be_init

	.globl	be_release
	.type	be_release, @function
be_release:
	stmg	%r14, %r15, 112(%r15)
	aghi	%r15, -160
	brasl	%r14, __put_page@PLT		# R_390_PLT32DBL __put_page
	larl	%r2, be_counter			# R_390_PC32DBL be_counter
	brasl	%r14, kfree@PLT
	lmg	%r14, %r15, 272(%r15)
	br	%r14
	.size	be_release, . - be_release

	.type	be_local, @function
be_local:
	larl	%r1, ext_data			# GLOBAL UND data
	l	%r2, 0(%r1)
	br	%r14
	.size	be_local, . - be_local

	.weak	be_weak_hook			# WEAK UND

	.section .rodata.str1.2, "aMS", @progbits, 1
.Lmsg:
	.asciz	"be fixture loaded\n"

	.data
	.globl	be_counter
	.type	be_counter, @object
	.balign	4
be_counter:
	.long	0x01020304			# byte order check: 01 02 03 04 in the file
	.size	be_counter, 4

	.globl	be_ptrs
	.type	be_ptrs, @object
	PTRALIGN
be_ptrs:
	PTR	be_init				# R_390_64 / R_390_32 against defined symbols
	PTR	printk				# ... against an undefined one
	PTR	be_counter + 4			# ... with an addend
	PTR	be_weak_hook
	PTR	be_local
	.size	be_ptrs, . - be_ptrs

	.section .modinfo, "a", @progbits
	.asciz	"license=GPL"
	.asciz	"author=ksymcheck"
	.asciz	"description=big-endian ELF reader fixture"

	# what modpost would add (libafs.mod.c style)
	.asciz	"vermagic=4.18.0 SMP mod_unload modversions "
	.asciz	"name=be_module"
	.asciz	"depends="

	.section __versions, "a", @progbits
	VERSION	CRC_module_layout, "module_layout"
	VERSION	CRC_printk, "printk"
	VERSION	CRC___put_page, "__put_page"
	VERSION	CRC_kfree, "kfree"

	# EXPORT_SYMBOL(be_release), as include/asm-generic/export.h lays it out
	.globl	__ksymtab_be_release
	.section "___ksymtab+be_release", "a"
	PTRALIGN
__ksymtab_be_release:
	PTR	be_release
	PTR	__kstrtab_be_release
	.section __ksymtab_strings, "a"
__kstrtab_be_release:
	.asciz	"be_release"
	.section "___kcrctab+be_release", "a"
	.balign	4
__kcrctab_be_release:
	.long	__crc_be_release
	.weak	__crc_be_release

	.section .gnu.linkonce.this_module, "aw", @progbits
	.globl	__this_module
	.type	__this_module, @object
	PTRALIGN
__this_module:
	.long	0				# state
	PTRALIGN
	PTR	0				# list.next
	PTR	0				# list.prev
	.ascii	"be_module"			# name[MODULE_NAME_LEN]
	.org	__this_module + 64 + 2 * 8, 0
	PTR	be_init				# init
	.org	__this_module + 256, 0
	.size	__this_module, 256
