/* SPDX-License-Identifier: MIT */
/*
 * The benchmark HTTP server on libevent (evconnlistener, one bufferevent
 * per client): see http-common.h. A request is found in the input
 * buffer with evbuffer_search(), its reply queued with
 * bufferevent_write(). usage: bench-http-event
 */
#include "http-common.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

static struct event_base *base;
static long clients;

static void
drop(struct bufferevent *bev)
{
	bufferevent_free(bev);
	if (--clients == 0 && http_answered > 0)
		event_base_loopexit(base, NULL);
}

static void
on_readable(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end;
	const char *reply;
	char head[6];
	size_t len;

	(void)arg;
	for (;;) {
		end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (end.pos < 0)
			break;
		http_answered++;
		if (evbuffer_copyout(in, head, sizeof(head)) ==
		    (ev_ssize_t)sizeof(head) &&
		    memcmp(head, "GET / ", sizeof(head)) == 0) {
			reply = http_hello;
			len = sizeof(http_hello) - 1;
		} else {
			reply = http_missing;
			len = sizeof(http_missing) - 1;
		}
		evbuffer_drain(in, (size_t)end.pos + 4);
		if (bufferevent_write(bev, reply, len) < 0) {
			drop(bev);
			return;
		}
	}
	if (evbuffer_get_length(in) >= HTTP_BUF)
		drop(bev);	/* a request longer than the others' buffers */
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		drop(bev);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
	  int salen, void *arg)
{
	struct bufferevent *bev;

	(void)l, (void)sa, (void)salen, (void)arg;
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev || bufferevent_enable(bev, EV_READ | EV_WRITE) < 0)
		abort();
	bufferevent_setcb(bev, on_readable, NULL, on_event, NULL);
	clients++;
}

int
main(void)
{
	struct evconnlistener *l;
	int lfd = echo_listen_raw(SOCK_NONBLOCK);

	if (!(base = event_base_new()))
		return 1;
	/* backlog 0: the socket is listening already. */
	l = evconnlistener_new(base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE, 0,
			       lfd);
	if (!l)
		return 1;
	event_base_dispatch(base);
	evconnlistener_free(l);
	event_base_free(base);
	return 0;
}
