/*
 * Shared by the guests' /init programs (scripts/qemu/finit.c, kmod-init.c): kmsg_after() prints the kernel
 * log records written since the last read of the non-blocking /dev/kmsg descriptor `fd`, one line each
 *   KSYMCHECK-KMSG <level>,<text>
 * and end() prints KSYMCHECK-END and powers the guest off.
 */
#ifndef KSYMCHECK_GUEST_H
#define KSYMCHECK_GUEST_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <termios.h>
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

static void end(void)
{
	printf("KSYMCHECK-END\n");
	fflush(stdout);
	tcdrain(STDOUT_FILENO); /* every byte out of the serial port before the kernel prints "reboot: Power down" */
	sync();
	reboot(RB_POWER_OFF);
}
#endif
