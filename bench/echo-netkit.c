/* SPDX-License-Identifier: MIT */
/*
 * The benchmark echo server on the netkit poller (epoll backend) with
 * netkit_accept(), netkit_recv() and netkit_send(): see echo-common.h.
 * usage: bench-echo-netkit
 */
#include "echo-common.h"

#include <netkit.h>
#include <stdint.h>

/* buf is main's, one for the loop: whether the compiler inlines a
 * function with a 4 KiB frame of its own depends on the caller's frame,
 * and a call that is not inlined costs that frame's set-up per request,
 * which would be counted as the poller's. */
static int
serve(int fd, char *buf)
{
	ssize_t n = netkit_recv(fd, buf, ECHO_BUF);

	if (n <= 0)
		return -1;
	return netkit_send(fd, buf, (size_t)n) == n ? 0 : -1;
}

static int
listen_netkit(void)
{
	netkit_addr a;
	int fd;

	if (netkit_addr_from_ip(&a, "127.0.0.1", 0) < 0 ||
	    (fd = netkit_socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    netkit_bind(fd, &a) < 0 || netkit_listen(fd, ECHO_BACKLOG) < 0 ||
	    netkit_local_addr(fd, &a) < 0)
		exit(1);
	printf("port %d\n", netkit_addr_port(&a));
	fflush(stdout);
	alarm(ECHO_MAX_SECONDS);
	return fd;
}

int
main(void)
{
	const netkit_poller_event *ev, *e, *end;
	char buf[ECHO_BUF];
	netkit_poller *p;
	int lfd = listen_netkit(), n, fd;
	long clients = 0, seen = 0;

	if (netkit_poller_new(&p, 0) < 0 ||
	    netkit_poller_add(p, lfd, NETKIT_POLLER_READ, NULL) < 0)
		return 1;
	while (seen == 0 || clients > 0) {
		n = netkit_poller_wait(p, &ev, NETKIT_FOREVER);
		/* e in a register: ev's address was taken, so every call
		 * in the loop would make the compiler read ev again. */
		for (e = ev, end = ev + (n > 0 ? n : 0); e < end; e++) {
			fd = e->fd;
			if (e->events == 0)
				continue;
			if (fd == lfd) {
				if ((fd = netkit_accept(lfd, NULL)) < 0 ||
				    netkit_poller_add(p, fd, NETKIT_POLLER_READ,
						      NULL) < 0)
					return 1;
				clients++;
				seen++;
			} else if (serve(fd, buf) < 0) {
				netkit_poller_remove(p, fd);
				netkit_close(fd);
				clients--;
			}
		}
	}
	netkit_poller_free(p);
	netkit_close(lfd);
	return 0;
}
