/* SPDX-License-Identifier: MIT */
/*
 * The benchmark echo server on libuv (uv_read_start(), uv_try_write()
 * with uv_write() for a rest): see echo-common.h. The listener is the
 * common raw one, handed to uv_tcp_open(). usage: bench-echo-uv
 */
#include "echo-common.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>


struct conn {
	uv_tcp_t tcp;
	char buf[ECHO_BUF];
};

struct wreq {
	uv_write_t req;
	char data[];
};

static uv_tcp_t server;
static long clients, seen;

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->buf, sizeof(c->buf));
}

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
	if (--clients == 0 && seen > 0)
		uv_close((uv_handle_t *)&server, NULL);
}

static void
on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct wreq *w;
	uv_buf_t rest;
	int done;

	if (n < 0) {
		uv_close((uv_handle_t *)s, on_closed);
		return;
	}
	if (n == 0)
		return;
	rest = uv_buf_init(b->base, (unsigned)n);
	done = uv_try_write(s, &rest, 1);
	if (done == n)
		return;
	done = done < 0 ? 0 : done;
	if (!(w = malloc(sizeof(*w) + (size_t)(n - done))))
		abort();
	memcpy(w->data, b->base + done, (size_t)(n - done));
	rest = uv_buf_init(w->data, (unsigned)(n - done));
	if (uv_write(&w->req, s, &rest, 1, on_written) < 0)
		abort();
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct conn *c;

	if (status < 0 || !(c = malloc(sizeof(*c))))
		abort();
	uv_tcp_init(l->loop, &c->tcp);
	c->tcp.data = c;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
		abort();
	clients++;
	seen++;
}

int
main(void)
{
	uv_loop_t *loop = uv_default_loop();
	int lfd = echo_listen_raw(SOCK_NONBLOCK);

	if (uv_tcp_init(loop, &server) < 0 || uv_tcp_open(&server, lfd) < 0 ||
	    uv_listen((uv_stream_t *)&server, ECHO_BACKLOG, on_connection) < 0)
		return 1;
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	return 0;
}
