// SPDX-License-Identifier: GPL-2.0
/*
 * Print COUNT bytes from getrandom(2) as one line of hex on stdout.
 *
 * With --reseed, first force the kernel to reseed its CRNG from the input
 * pool (ioctl RNDRESEEDCRNG on /dev/urandom; needs CAP_SYS_ADMIN). The
 * clone tests do that just before a snapshot, so that the time-based
 * reseed cannot fall between the snapshot and the draws of its clones.
 *
 * Usage: getrandom [--reseed] COUNT   (COUNT may be 0: reseed only)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_COUNT 4096

static int reseed(void)
{
	int fd, ret;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("getrandom: /dev/urandom");
		return -1;
	}
	ret = ioctl(fd, RNDRESEEDCRNG);
	if (ret < 0)
		perror("getrandom: RNDRESEEDCRNG");
	close(fd);
	return ret;
}

static int draw(unsigned char *buf, size_t count)
{
	size_t got = 0;

	while (got < count) {
		ssize_t n = getrandom(buf + got, count - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("getrandom: getrandom(2)");
			return -1;
		}
		got += n;
	}
	return 0;
}

static void bad_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--reseed] COUNT (0 to %d)\n", prog, MAX_COUNT);
	exit(2);
}

int main(int argc, char **argv)
{
	static unsigned char buf[MAX_COUNT];
	int do_reseed = 0, arg = 1;
	long count, i;
	char *end;

	if (arg < argc && !strcmp(argv[arg], "--reseed")) {
		do_reseed = 1;
		arg++;
	}
	if (arg + 1 != argc)
		bad_usage(argv[0]);
	count = strtol(argv[arg], &end, 10);
	if (*argv[arg] == '\0' || *end != '\0' || count < 0 || count > MAX_COUNT)
		bad_usage(argv[0]);

	if (do_reseed && reseed() < 0)
		return 1;
	if (!count)
		return 0;
	if (draw(buf, count) < 0)
		return 1;
	for (i = 0; i < count; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return fflush(stdout) ? 1 : 0;
}
