/*
 * A module as kbuild compiles one for each architecture Debian builds (scripts/build-samples-arch):
 * a licence and vermagic in .modinfo (what <mod>.mod.c adds), one import from the kernel (_printk),
 * a global the code reaches through the TOC on ppc64 (so ELFv2 code refers to `.TOC.`), and, on
 * ppc64, calls to the register save/restore helpers gcc -Os emits out of line (_savegpr1_*, _restfpr_*:
 * modpost ignores them from 6.1.165 / 7.0, arch/powerpc/lib/crtsavres.S defines them at the final link).
 */
#define MODINFO(tag, value) \
	static const char __modinfo_##tag[] __attribute__((section(".modinfo"), used, aligned(1))) = #tag "=" value

MODINFO(license, "GPL");
MODINFO(vermagic, VERMAGIC);
MODINFO(name, "hello");

extern int _printk(const char *fmt, ...);

int hello_count;

int init_module(void)
{
	hello_count++;
	return _printk("hello %d\n", hello_count);
}

#ifdef SAVE_RESTORE_HELPERS
/* (in a .o only: the final .ko link adds arch/powerpc/lib/crtsavres.o, which defines them) */
void hello_helpers(void)
{
	__asm__ volatile("bl _savegpr1_14\n\tnop\n\tbl _restfpr_20\n\tnop" ::: "memory");
}
#endif
