/* SPDX-License-Identifier: MIT */
/*
 * The benchmark HTTP server on libuv (uv_listen(), uv_read_start(),
 * uv_try_write() with uv_write() for a rest): see http-common.h. The
 * listener is the common raw one, handed to uv_tcp_open().
 * usage: bench-http-uv
 */
#include "http-common.h"

#include <stdlib.h>
#include <uv.h>

struct conn {
	uv_tcp_t tcp;
	size_t len;
	char buf[HTTP_BUF];
};

struct wreq {
	uv_write_t req;
	char data[];
};

static uv_tcp_t server;
static long clients;

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->buf + c->len, (unsigned)(sizeof(c->buf) - c->len));
}

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
	if (--clients == 0 && http_answered > 0)
		uv_close((uv_handle_t *)&server, NULL);
}

static void
on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

/* Sends out[0..n): what the socket takes now, a copy of the rest later. */
static void
reply(uv_stream_t *s, const char *out, size_t n)
{
	uv_buf_t b = uv_buf_init((char *)out, (unsigned)n);
	int done = uv_try_write(s, &b, 1);
	struct wreq *w;

	if (done == (int)n)
		return;
	done = done < 0 ? 0 : done;
	if (!(w = malloc(sizeof(*w) + n - (size_t)done)))
		abort();
	memcpy(w->data, out + done, n - (size_t)done);
	b = uv_buf_init(w->data, (unsigned)(n - (size_t)done));
	if (uv_write(&w->req, s, &b, 1, on_written) < 0)
		abort();
}

static void
on_read(uv_stream_t *s, ssize_t got, const uv_buf_t *b)
{
	struct conn *c = s->data;
	char out[HTTP_BUF];
	const char *r;
	size_t used = 0, done = 0, n, rlen;

	(void)b;
	if (got < 0) {	/* the end, an error, or UV_ENOBUFS: buffer full */
		uv_close((uv_handle_t *)s, on_closed);
		return;
	}
	c->len += (size_t)got;
	while ((n = http_request(c->buf + done, c->len - done, &r,
				 &rlen)) > 0) {
		if (used + rlen > sizeof(out)) {
			reply(s, out, used);
			used = 0;
		}
		memcpy(out + used, r, rlen);
		used += rlen;
		done += n;
	}
	if (done == 0)
		return;
	memmove(c->buf, c->buf + done, c->len - done);
	c->len -= done;
	reply(s, out, used);
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct conn *c;

	if (status < 0 || !(c = malloc(sizeof(*c))))
		abort();
	uv_tcp_init(l->loop, &c->tcp);
	c->tcp.data = c;
	c->len = 0;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
		abort();
	clients++;
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
