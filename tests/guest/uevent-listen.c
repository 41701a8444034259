// SPDX-License-Identifier: GPL-2.0
/*
 * Listen to kernel uevents on netlink, as udev does, and print each one
 * that carries KEY=VALUE as "uevent <action@devpath> FIELDS" on stdout,
 * FIELDS being the event's own ACTION=, DEVPATH=, SUBSYSTEM=, DRIVER= and
 * the KEY=VALUE asked for, in that order, each as received and only if
 * the event has it (what a udev rule matches on); exit 0 after COUNT such
 * events, or 1 after TIMEOUT seconds without one. Writes "listening" to
 * stderr once the socket is bound, so that no event can be missed by
 * starting too late. With UEVENT_COPY=FILE in the environment, each
 * "uevent" line also goes to FILE (appended), for the guest to judge
 * while stdout goes to the host.
 *
 * With BARRIER (a KEY=VALUE too), also print "barrier" for each event that
 * carries it, and run until TIMEOUT seconds pass without any event (COUNT
 * is then ignored). A barrier is a synthetic uevent the guest asks for
 * (echo "change UUID KEY=VALUE" > /sys/.../uevent, which the kernel sends
 * as SYNTH_ARG_KEY=VALUE before the write returns): one socket receives
 * the kernel's uevents in the order they were sent, so every uevent sent
 * before the barrier is printed before its "barrier" line. No time window
 * then decides that an event did not come.
 *
 * Usage: uevent-listen KEY=VALUE COUNT TIMEOUT [BARRIER]
 */
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *const fields[] = { "ACTION=", "DEVPATH=", "SUBSYSTEM=", "DRIVER=" };

/* The event's value of KEY ("KEY=" included), or NULL. */
static const char *field(const char *buf, ssize_t len, const char *key)
{
	const char *p;

	for (p = buf + strlen(buf) + 1; p < buf + len; p += strlen(p) + 1)
		if (!strncmp(p, key, strlen(key)))
			return p;
	return NULL;
}

static void print_event(FILE *f, const char *buf, ssize_t len, const char *match)
{
	unsigned int i;

	fprintf(f, "uevent %s", buf);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = field(buf, len, fields[i]);

		if (v)
			fprintf(f, " %s", v);
	}
	fprintf(f, " %s\n", match);
	fflush(f);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char buf[8192];
	int fd, want, seen = 0, timeout_ms;
	FILE *copy = NULL;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s KEY=VALUE COUNT TIMEOUT [BARRIER]\n", argv[0]);
		return 2;
	}
	want = argc == 5 ? -1 : atoi(argv[2]);
	if (getenv("UEVENT_COPY")) {
		copy = fopen(getenv("UEVENT_COPY"), "a");
		if (!copy) {
			perror("uevent-listen: UEVENT_COPY");
			return 2;
		}
	}
	timeout_ms = atoi(argv[3]) * 1000;

	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("uevent-listen: netlink");
		return 2;
	}
	fprintf(stderr, "listening\n");

	while (want < 0 || seen < want) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t len;
		char *p;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return 1;
		len = recv(fd, buf, sizeof(buf) - 1, 0);
		if (len < 0 && errno == ENOBUFS) {
			/* Events were dropped: no count can be trusted. */
			printf("overflow\n");
			fflush(stdout);
			return 3;
		}
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "action@devpath\0KEY=VALUE\0..." */
		for (p = buf + strlen(buf) + 1; p < buf + len; p += strlen(p) + 1) {
			if (!strcmp(p, argv[1])) {
				print_event(stdout, buf, len, argv[1]);
				if (copy)
					print_event(copy, buf, len, argv[1]);
				seen++;
				break;
			}
			if (argc == 5 && !strcmp(p, argv[4])) {
				printf("barrier\n");
				fflush(stdout);
				break;
			}
		}
	}
	return 0;
}
