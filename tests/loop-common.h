/* SPDX-License-Identifier: MIT */
/*
 * What the loop suites share: a loop with one listener on 127.0.0.1 at
 * port 0, plain clients (socket + connect, no netkit), the loop's
 * events one at a time, and the small steps every test repeats
 * (accept one client, read what a client got).
 */
#ifndef NETKIT_TEST_LOOP_COMMON_H
#define NETKIT_TEST_LOOP_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <netkit.h>

#include "helpers.h"
#include "timing.h"

/* A loop under test, its listener, and the batch being read. */
struct lt {
	netkit_loop *loop;
	int lfd;			/* the listener (the loop's) */
	netkit_addr addr;		/* where it listens */
	const netkit_loop_event *ev;	/* the batch */
	int n, i;			/* its length, the next event */
	unsigned count[NETKIT_LOOP_SIGNAL + 1];	/* events seen, by kind */
};

/* The listener's value on OPEN events. */
static int lt_listener_tag;

/* A loop with opts (NULL: defaults) listening on 127.0.0.1:0. */
static inline void
lt_start(struct lt *t, const netkit_loop_opts *opts)
{
	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(netkit_loop_new(&t->loop, opts), 0);
	t->lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(t->lfd, 0);
	ck_assert_int_eq(netkit_local_addr(t->lfd, &t->addr), 0);
	ck_assert_int_eq(netkit_loop_listen(t->loop, t->lfd, &lt_listener_tag),
			 0);
}

static inline void
lt_stop(struct lt *t)
{
	netkit_loop_free(t->loop);
	t->loop = NULL;
}

/* A plain blocking client connected to the listener (the handshake is
 * done by the kernel: it waits in the backlog until the loop accepts). */
static inline int
lt_client_rcvbuf(struct lt *t, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	if (rcvbuf > 0)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					    sizeof(rcvbuf)), 0);
	ck_assert_msg(connect(fd, (const struct sockaddr *)&t->addr,
			      sizeof(struct sockaddr_in)) == 0,
		      "connect: %s", strerror(errno));
	return fd;
}

static inline int
lt_client(struct lt *t)
{
	return lt_client_rcvbuf(t, 0);
}

/* One wait of the loop, ms from now; the batch replaces the last. */
static inline int
lt_wait(struct lt *t, int64_t ms)
{
	int n = netkit_loop_wait(t->loop, &t->ev, netkit_deadline_in(ms));

	ck_assert_msg(n >= 0, "netkit_loop_wait: %s", netkit_errname(n));
	t->n = n;
	t->i = 0;
	return n;
}

/* The next event that is not cancelled, if one comes within ms (not
 * scaled): those left in the batch first, then new waits (at least
 * one; an empty batch before the deadline is waited again). */
static inline bool
lt_poll(struct lt *t, int64_t ms, netkit_loop_event *out)
{
	netkit_deadline dl = netkit_deadline_in(ms < 0 ? 0 : ms);
	bool waited = false;
	int n;

	for (;;) {
		while (t->i < t->n) {
			*out = t->ev[t->i++];
			if (out->kind == 0)
				continue;
			ck_assert_uint_le(out->kind, NETKIT_LOOP_SIGNAL);
			t->count[out->kind]++;
			return true;
		}
		if (waited && netkit_now() >= dl.at)
			return false;
		waited = true;
		n = netkit_loop_wait(t->loop, &t->ev, dl);
		ck_assert_msg(n >= 0, "netkit_loop_wait: %s",
			      netkit_errname(n));
		t->n = n;
		t->i = 0;
	}
}

/* The next event, which must come within ms (scaled). */
static inline netkit_loop_event
lt_next(struct lt *t, int64_t ms)
{
	netkit_loop_event e;

	ck_assert_msg(lt_poll(t, nk_scaled_ms(ms), &e),
		      "no loop event within %lld ms", (long long)ms);
	return e;
}

/* Events until one of kind for conn (NULL: any); the others are
 * counted and dropped. Fails after ms (scaled). */
static inline netkit_loop_event
lt_until(struct lt *t, unsigned kind, const netkit_conn *conn, int64_t ms)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(ms));
	netkit_loop_event e;

	for (;;) {
		ck_assert_msg(lt_poll(t, dl.at - netkit_now(), &e),
			      "no event of kind %u within %lld ms", kind,
			      (long long)ms);
		if (e.kind == kind && (!conn || e.conn == conn))
			return e;
	}
}

/* Connects a client and runs the loop until its OPEN: *out gets the
 * connection. Returns the client's descriptor. */
static inline int
lt_accept_rcvbuf(struct lt *t, netkit_conn **out, int rcvbuf)
{
	int fd = lt_client_rcvbuf(t, rcvbuf);
	netkit_loop_event e = lt_until(t, NETKIT_LOOP_OPEN, NULL, 5000);

	ck_assert_ptr_nonnull(e.conn);
	ck_assert_ptr_eq(e.data, &lt_listener_tag);
	*out = e.conn;
	return fd;
}

static inline int
lt_accept(struct lt *t, netkit_conn **out)
{
	return lt_accept_rcvbuf(t, out, 0);
}

/* Reads exactly len bytes from a client into buf, running the loop
 * between tries (so what is queued keeps leaving); fails after ms. */
static inline void
lt_client_read(struct lt *t, int fd, void *buf, size_t len, int64_t ms)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(ms));
	netkit_loop_event e;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		ck_assert_msg(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
			      "client recv after %zu of %zu bytes: %zd (%s)",
			      got, len, n, n < 0 ? strerror(errno) : "EOF");
		ck_assert_msg(netkit_now() < dl.at,
			      "client got %zu of %zu bytes in time", got, len);
		(void)lt_poll(t, 5, &e);
	}
}

/* Runs the loop for ms, counting what comes (kinds in t->count). */
static inline void
lt_run(struct lt *t, int64_t ms)
{
	netkit_deadline dl = netkit_deadline_in(ms);
	netkit_loop_event e;

	while (netkit_now() < dl.at)
		(void)lt_poll(t, dl.at - netkit_now(), &e);
}

/* Small kernel buffers on a connection's server side, so that output
 * stays queued in the loop instead of in the kernel. */
static inline void
lt_small_sndbuf(netkit_conn *c)
{
	int v = 4096;

	ck_assert_int_eq(setsockopt(netkit_conn_fd(c), SOL_SOCKET, SO_SNDBUF,
				    &v, sizeof(v)), 0);
}

/* F_GETFL of a descriptor. */
static inline int
lt_fl(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	ck_assert_int_ge(fl, 0);
	return fl;
}

#endif /* NETKIT_TEST_LOOP_COMMON_H */
