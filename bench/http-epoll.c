/* SPDX-License-Identifier: MIT */
/*
 * The benchmark HTTP server on raw epoll (the reference): see
 * http-common.h. Level-triggered, one recv() per readable client, the
 * replies to what it completed sent with one send() (blocking client
 * descriptors, as the echo servers: a readable socket never blocks a
 * recv(), and a client that waits for its replies always has room for
 * them). usage: bench-http-epoll
 */
#include "http-common.h"

#include <sys/epoll.h>

#define MAX_EVENTS 256

struct conn {
	int fd;
	size_t len;
	char buf[HTTP_BUF];
};

/* Receives once and answers every complete request; -1: close it. */
static int
serve(struct conn *c)
{
	char out[HTTP_BUF];
	const char *reply;
	size_t used = 0, done = 0, n, rlen;
	ssize_t got = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);

	if (got <= 0)
		return -1;
	c->len += (size_t)got;
	while ((n = http_request(c->buf + done, c->len - done, &reply,
				 &rlen)) > 0) {
		if (used + rlen > sizeof(out)) {
			if (send(c->fd, out, used, MSG_NOSIGNAL) != (ssize_t)used)
				return -1;
			used = 0;
		}
		memcpy(out + used, reply, rlen);
		used += rlen;
		done += n;
	}
	if (done == 0 && c->len == sizeof(c->buf))
		return -1;	/* a request longer than the buffer */
	if (done == 0)
		return 0;
	memmove(c->buf, c->buf + done, c->len - done);
	c->len -= done;
	return send(c->fd, out, used, MSG_NOSIGNAL) == (ssize_t)used ? 0 : -1;
}

int
main(void)
{
	struct epoll_event ev[MAX_EVENTS], add = { .events = EPOLLIN };
	int lfd = echo_listen_raw(0), ep, n, i;
	long clients = 0;
	struct conn *c;

	ep = epoll_create1(EPOLL_CLOEXEC);
	add.data.ptr = NULL;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &add) < 0)
		return 1;
	while (http_answered == 0 || clients > 0) {
		n = epoll_wait(ep, ev, MAX_EVENTS, -1);
		for (i = 0; i < n; i++) {
			c = ev[i].data.ptr;
			if (!c) {
				if (!(c = malloc(sizeof(*c))) ||
				    (c->fd = accept4(lfd, NULL, NULL,
						     SOCK_CLOEXEC)) < 0)
					return 1;
				c->len = 0;
				add.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &add) < 0)
					return 1;
				clients++;
			} else if (serve(c) < 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				free(c);
				clients--;
			}
		}
	}
	close(ep);
	close(lfd);
	return 0;
}
