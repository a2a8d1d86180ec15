/*
 * /init of the real-kernel suite's QEMU guest (scripts/qemu-load.mjs): load the modules of /m/ in name
 * order with finit_module(2), as modprobe loads a module after those it depends on, and report what the
 * kernel said about each, then power off. Output on the console:
 *   KSYMCHECK-LOAD <file> errno=<n> (<name>)     one syscall's result (errno=0: loaded)
 *   KSYMCHECK-KMSG <level>,<text>                each kernel log record printed during that call
 *   KSYMCHECK-END
 * Static: the initramfs holds this file and the modules only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(void)
{
	struct dirent **names;
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int n = scandir("/m", &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		char path[512];
		if (names[i]->d_name[0] == '.') continue;
		snprintf(path, sizeof(path), "/m/%s", names[i]->d_name);
		if (kmsg >= 0) lseek(kmsg, 0, SEEK_END); /* only what this load prints */
		int fd = open(path, O_RDONLY);
		int err = 0;
		if (fd < 0) err = errno;
		else if (syscall(SYS_finit_module, fd, "", 0) != 0) err = errno;
		if (fd >= 0) close(fd);
		printf("KSYMCHECK-LOAD %s errno=%d (%s)\n", names[i]->d_name, err, err ? strerrorname_np(err) : "OK");
		if (kmsg >= 0) kmsg_after(kmsg);
	}
	end();
	return 0;
}
