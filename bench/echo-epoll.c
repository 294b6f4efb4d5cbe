/* SPDX-License-Identifier: MIT */
/*
 * The benchmark echo server on raw epoll (the reference): see
 * echo-common.h. usage: bench-echo-epoll
 */
#include "echo-common.h"

#include <stdint.h>
#include <sys/epoll.h>


#define MAX_EVENTS 256

static int
serve(int fd)
{
	char buf[ECHO_BUF];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n <= 0)
		return -1;
	return send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

int
main(void)
{
	struct epoll_event ev[MAX_EVENTS], add = { .events = EPOLLIN };
	int lfd = echo_listen_raw(0), ep, n, i, fd;
	long clients = 0, seen = 0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	add.data.fd = lfd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &add) < 0)
		return 1;
	while (seen == 0 || clients > 0) {
		n = epoll_wait(ep, ev, MAX_EVENTS, -1);
		for (i = 0; i < n; i++) {
			fd = ev[i].data.fd;
			if (fd == lfd) {
				fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				add.data.fd = fd;
				if (fd < 0 ||
				    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &add) < 0)
					return 1;
				clients++;
				seen++;
			} else if (serve(fd) < 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				clients--;
			}
		}
	}
	close(ep);
	close(lfd);
	return 0;
}
