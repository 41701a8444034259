// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: ask the kernel to load a (dummy) kexec image with
 * kexec_load(2), then unload it. The image is never executed: this only
 * shows whether the kernel accepts a load at all. Exit status 0 if the load
 * was accepted, otherwise 1, with the errno's name and text on stdout.
 *
 * "kexec-load crash" loads it as a crash kernel (KEXEC_ON_CRASH), into the
 * "Crash kernel" region of /proc/iomem (crashkernel= on the command line).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <sys/syscall.h>

static char page[4096] __attribute__((aligned(4096)));

/* The start of the "Crash kernel" region, or 0 if there is none. */
static unsigned long crash_region(void)
{
	unsigned long start = 0, end;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, ": Crash kernel") &&
		    sscanf(line, " %lx-%lx", &start, &end) == 2)
			break;
	fclose(f);
	return start;
}

int main(int argc, char **argv)
{
	int crash = argc > 1 && !strcmp(argv[1], "crash");
	unsigned long flags = KEXEC_ARCH_DEFAULT | (crash ? KEXEC_ON_CRASH : 0);
	unsigned long mem = 0x1000000;	/* 16 MiB: guest RAM */
	struct kexec_segment seg = {
		.buf = page,
		.bufsz = sizeof(page),
		.memsz = sizeof(page),
	};
	long ret;

	if (crash) {
		mem = crash_region();
		if (!mem) {
			printf("kexec_load: no \"Crash kernel\" region in /proc/iomem\n");
			return 1;
		}
	}
	seg.mem = (void *)mem;
	ret = syscall(SYS_kexec_load, mem, 1UL, &seg, flags);
	if (ret) {
		int e = errno;

		printf("kexec_load%s: %s (%s)\n", crash ? " (crash)" : "",
		       e == EOPNOTSUPP ? "EOPNOTSUPP" : e == EPERM ? "EPERM" :
		       e == ENOSYS ? "ENOSYS" : "other", strerror(e));
		return 1;
	}
	printf("kexec_load%s: loaded at %#lx\n", crash ? " (crash)" : "", mem);
	syscall(SYS_kexec_load, 0UL, 0UL, NULL, flags);
	return 0;
}
