/*
 * /init of the real-kernel suite's QEMU guest (scripts/qemu-load): load one module with finit_module(2)
 * and report what the kernel said, then power off. Output on the console, between markers:
 *   KSYMCHECK-LOAD <path> errno=<n> (<name>)     the syscall's result (errno=0: loaded)
 *   KSYMCHECK-KMSG <level>,<text>                each kernel log record printed during the call
 *   KSYMCHECK-END
 * Static, no libc services beyond the syscalls: the initramfs holds this file and the module only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

static void kmsg_after(int fd)
{
	char rec[8192];
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE) continue; /* overwritten records: go on */
			break;                        /* EAGAIN: nothing more */
		}
		rec[n] = 0;
		/* "<prefix>,<seq>,<usec>,<flags>;<text>\n": the syslog prefix holds facility*8+level */
		char *semi = strchr(rec, ';');
		char *nl = semi ? strchr(semi, '\n') : NULL;
		if (!semi) continue;
		if (nl) *nl = 0;
		printf("KSYMCHECK-KMSG %d,%s\n", atoi(rec) & 7, semi + 1);
	}
}

int main(void)
{
	const char *path = "/module.ko";
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg >= 0) lseek(kmsg, 0, SEEK_END); /* only what the load prints */
	int fd = open(path, O_RDONLY);
	int err = 0;
	if (fd < 0) err = errno;
	else if (syscall(SYS_finit_module, fd, "", 0) != 0) err = errno;
	printf("KSYMCHECK-LOAD %s errno=%d (%s)\n", path, err, err ? strerrorname_np(err) : "OK");
	if (kmsg >= 0) kmsg_after(kmsg);
	printf("KSYMCHECK-END\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
