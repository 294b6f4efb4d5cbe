/* SPDX-License-Identifier: MIT */
/*
 * The benchmark echo server on libevent (one persistent EV_READ event
 * per client, recv() and send() in its callback): see echo-common.h.
 * usage: bench-echo-event
 */
#include "echo-common.h"

#include <event2/event.h>
#include <stdlib.h>


struct conn {
	struct event *ev;
	int fd;
};

static struct event *listener;
static long clients, seen;

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char buf[ECHO_BUF];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	(void)what;
	if (n > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n)
		return;
	event_free(c->ev);
	close(c->fd);
	free(c);
	if (--clients == 0 && seen > 0)
		event_del(listener);
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct event_base *base = arg;
	struct conn *c = malloc(sizeof(*c));

	(void)what;
	if (!c || (c->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		abort();
	c->ev = event_new(base, c->fd, EV_READ | EV_PERSIST, on_readable, c);
	if (!c->ev || event_add(c->ev, NULL) < 0)
		abort();
	clients++;
	seen++;
}

int
main(void)
{
	struct event_base *base = event_base_new();
	int lfd = echo_listen_raw(0);

	if (!base)
		return 1;
	listener = event_new(base, lfd, EV_READ | EV_PERSIST, on_accept, base);
	if (!listener || event_add(listener, NULL) < 0)
		return 1;
	event_base_dispatch(base);
	event_free(listener);
	event_base_free(base);
	close(lfd);
	return 0;
}
