// SPDX-License-Identifier: GPL-2.0
/*
 * Listen to kernel uevents on netlink, as udev does, and print each one
 * that carries KEY=VALUE as "uevent <action@devpath> <KEY=VALUE>" on
 * stdout; exit 0 after COUNT such events, or 1 after TIMEOUT seconds
 * without one. Writes "listening" to stderr once the socket is bound, so
 * that no event can be missed by starting too late.
 *
 * Usage: uevent-listen KEY=VALUE COUNT TIMEOUT
 */
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char buf[8192];
	int fd, want, seen = 0, timeout_ms;

	if (argc != 4) {
		fprintf(stderr, "usage: %s KEY=VALUE COUNT TIMEOUT\n", argv[0]);
		return 2;
	}
	want = atoi(argv[2]);
	timeout_ms = atoi(argv[3]) * 1000;

	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("uevent-listen: netlink");
		return 2;
	}
	fprintf(stderr, "listening\n");

	while (seen < want) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t len;
		char *p;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return 1;
		len = recv(fd, buf, sizeof(buf) - 1, 0);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "action@devpath\0KEY=VALUE\0..." */
		for (p = buf + strlen(buf) + 1; p < buf + len; p += strlen(p) + 1) {
			if (!strcmp(p, argv[1])) {
				printf("uevent %s %s\n", buf, p);
				fflush(stdout);
				seen++;
				break;
			}
		}
	}
	return 0;
}
