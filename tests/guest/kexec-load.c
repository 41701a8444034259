// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: ask the kernel to load a (dummy) kexec image with
 * kexec_load(2), then unload it. The image is never executed: this only
 * shows whether the kernel accepts a load at all. Exit status 0 if the load
 * was accepted, otherwise 1, with the errno's name and text on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <sys/syscall.h>

static char page[4096] __attribute__((aligned(4096)));

int main(void)
{
	struct kexec_segment seg = {
		.buf = page,
		.bufsz = sizeof(page),
		.mem = (void *)0x1000000,	/* 16 MiB: guest RAM */
		.memsz = sizeof(page),
	};
	long ret;

	ret = syscall(SYS_kexec_load, 0x1000000UL, 1UL, &seg, KEXEC_ARCH_DEFAULT);
	if (ret) {
		int e = errno;

		printf("kexec_load: %s (%s)\n", e == EOPNOTSUPP ? "EOPNOTSUPP" :
		       e == EPERM ? "EPERM" : e == ENOSYS ? "ENOSYS" : "other",
		       strerror(e));
		return 1;
	}
	printf("kexec_load: loaded\n");
	syscall(SYS_kexec_load, 0UL, 0UL, NULL, KEXEC_ARCH_DEFAULT);
	return 0;
}
