/*
 * /init of the QEMU guest that loads modules the way kmod does (scripts/qemu-load.mjs `kmod-load`): the
 * initramfs holds Debian's own kmod (`insmod`, libkmod and the libraries it links or dlopen()s, unpacked
 * from the packages), and this program runs `insmod /m/<file>` for each file of /m/ in name order. Which
 * system call libkmod made — finit_module(fd, "", MODULE_INIT_COMPRESSED_FILE) for a file whose format
 * /sys/module/compression names, init_module() of what libkmod decompressed in user space otherwise, or
 * none — is not guessed from kmod's source: the kernel's own syscall trace events record it, with the
 * flags and the return value. Output on the console:
 *   KSYMCHECK-COMPRESSION <what /sys/module/compression says, or "absent">
 *   KSYMCHECK-KMODVERSION <a line of `kmod --version`>
 *   KSYMCHECK-RUN <file>                          before each insmod
 *   KSYMCHECK-KMOD <line>                         what insmod printed (stdout and stderr)
 *   KSYMCHECK-TRACE <line>                        the syscalls:sys_{enter,exit}_{finit,init}_module records
 *   KSYMCHECK-LOAD <file> exit=<n> errno=<n> (<name>)   insmod's exit status; the errno its message names
 *   KSYMCHECK-KMSG <level>,<text>                 each kernel log record printed meanwhile
 *   KSYMCHECK-END
 * Static, so that it needs nothing of the packaged libc.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"

#define TRACING "/sys/kernel/tracing"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		printf("KSYMCHECK-NOTE cannot open %s: %s\n", path, strerror(errno));
		return;
	}
	if (write(fd, text, strlen(text)) < 0) printf("KSYMCHECK-NOTE cannot write %s: %s\n", path, strerror(errno));
	close(fd);
}

/* Each line of a file (or of a pipe), prefixed; the last line that contains `want` is copied to `found`. */
static void print_lines(int fd, const char *prefix, int skip_comments, const char *want, char *found, size_t found_size)
{
	static char buf[1 << 16];
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) len += n;
	buf[len] = 0;
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next) *next++ = 0;
		if (skip_comments && line[0] == '#') continue;
		printf("%s %s\n", prefix, line);
		if (want && found && strstr(line, want)) snprintf(found, found_size, "%.400s", line);
	}
}

/* The errno insmod's "could not insert module <f>: <text>" names (kmod's tools/insmod.c mod_strerror()). */
static int errno_of(const char *line)
{
	const char *text = strrchr(line, ':');
	if (!text) return -1;
	text += 2;
	if (!strcmp(text, "Invalid module format")) return ENOEXEC;
	if (!strcmp(text, "Unknown symbol in module")) return ENOENT;
	if (!strcmp(text, "Module has wrong symbol version")) return ESRCH;
	if (!strcmp(text, "Invalid parameters")) return EINVAL;
	for (int e = 1; e < 134; e++)
		if (!strcmp(text, strerror(e))) return e;
	return -1;
}

static void run_insmod(const char *path, int *status, char *error, size_t error_size)
{
	int p[2];
	error[0] = 0;
	if (pipe(p) != 0) return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		char *argv[] = { "insmod", (char *)path, NULL };
		char *envp[] = { "PATH=/usr/sbin:/usr/bin", "LC_ALL=C", NULL };
		execve("/usr/sbin/insmod", argv, envp);
		printf("cannot run /usr/sbin/insmod: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	print_lines(p[0], "KSYMCHECK-KMOD", 0, "could not insert module", error, error_size);
	close(p[0]);
	waitpid(pid, status, 0);
}

int main(void)
{
	struct dirent **names;
	static const char *const events[] = { "sys_enter_finit_module", "sys_exit_finit_module", "sys_enter_init_module", "sys_exit_init_module" };
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	if (mount("tracefs", TRACING, "tracefs", 0, NULL) != 0) printf("KSYMCHECK-NOTE tracefs: %s\n", strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);

	char compression[64] = "absent";
	int fd = open("/sys/module/compression", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, compression, sizeof(compression) - 1);
		compression[n > 0 ? n : 0] = 0;
		compression[strcspn(compression, "\n")] = 0;
		close(fd);
	}
	printf("KSYMCHECK-COMPRESSION %s\n", compression);
	{
		int p[2];
		if (pipe(p) == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				dup2(p[1], 1);
				dup2(p[1], 2);
				char *argv[] = { "kmod", "--version", NULL };
				execve("/usr/bin/kmod", argv, (char *[]){ NULL });
				_exit(127);
			}
			close(p[1]);
			print_lines(p[0], "KSYMCHECK-KMODVERSION", 0, NULL, NULL, 0);
			close(p[0]);
			waitpid(pid, NULL, 0);
		}
	}
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), TRACING "/events/syscalls/%s/enable", events[i]);
		write_file(path, "1");
	}

	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int n = scandir("/m", &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		char path[512], error[512];
		int status = 0;
		if (names[i]->d_name[0] == '.') continue;
		snprintf(path, sizeof(path), "/m/%s", names[i]->d_name);
		if (kmsg >= 0) lseek(kmsg, 0, SEEK_END); /* only what this load prints */
		write_file(TRACING "/trace", "");        /* empties the trace buffer */
		printf("KSYMCHECK-RUN %s\n", names[i]->d_name);
		run_insmod(path, &status, error, sizeof(error));
		int trace = open(TRACING "/trace", O_RDONLY);
		if (trace >= 0) {
			print_lines(trace, "KSYMCHECK-TRACE", 1, NULL, NULL, 0);
			close(trace);
		}
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		int err = code == 0 ? 0 : error[0] ? errno_of(error) : -1;
		printf("KSYMCHECK-LOAD %s exit=%d errno=%d (%s)\n", names[i]->d_name, code, err, err == 0 ? "OK" : err > 0 ? strerrorname_np(err) : "?");
		if (kmsg >= 0) kmsg_after(kmsg);
	}
	end();
	return 0;
}
