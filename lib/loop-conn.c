/* SPDX-License-Identifier: MIT */
/*
 * A connection of the loop: its input (a reader the loop fills, one
 * receive per readiness event), its bounded output queue, its timers
 * and its end.
 *
 * The queue is one buffer, grown by doubling up to output_max and
 * never per message; a queue that empties gives its memory back when
 * it grew past twice the high mark, so a burst does not pin it, while a
 * connection that keeps cycling between the marks keeps its buffer
 * (no allocation per cycle). What the
 * poller watches follows from the state, in one place (interest()),
 * applied when the loop settles the connection before it waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop-private.h"

static size_t
queued(const netkit_conn *c)
{
	return c->out.end - c->out.start;
}

static void tls_ready(netkit_conn *c);

/* A connection for fd: 0 and *out; -EEXIST if the program watches fd on
 * the loop's poller; else -ENOMEM (the poller's ENOSPC, out of epoll
 * watches, is out of resources as much). */
int
netkit__conn_new(netkit_loop *l, int fd, void *data,
		 const struct sockaddr *peer, socklen_t len, netkit_conn **out)
{
	/* The input buffer is not zeroed: 16 KiB of memset per accept
	 * would cost more than its requests. The program's storage
	 * follows it, aligned (opts_fill() bounds both sizes). */
	size_t in = netkit__loop_round(l->o.input_size);
	/* malloc() aligns to max_align_t; the rest of a line is spare. */
	size_t spare = NETKIT__CONN_ALIGN - _Alignof(max_align_t);
	unsigned char *block = malloc(spare + sizeof(netkit_conn) + in +
				      l->o.conn_size);
	netkit_conn *c;
	int rc;

	if (!block)
		return -ENOMEM;
	c = (netkit_conn *)(block + (-(uintptr_t)block &
				     (NETKIT__CONN_ALIGN - 1)));
	memset(c, 0, sizeof(*c));
	c->block = block;
	if (l->o.conn_size) {
		c->storage = (unsigned char *)c->inbuf + in;
		memset(c->storage, 0, l->o.conn_size);
	}
	c->what = LOOP_CONN;
	if (len > 0)	/* else it stays empty */
		(void)netkit_addr_from_sockaddr(&c->peer, peer, len);
	c->fd = fd;
	c->data = data;
	c->loop = l;
	c->interest = NETKIT_POLLER_READ;
	c->out.buf = c->outbuf;
	c->out.cap = sizeof(c->outbuf);
	netkit__reader_fed_init(&c->in, c->inbuf, l->o.input_size);
	if (netkit__loop_own(l, fd, c) < 0) {
		free(block);
		return -ENOMEM;
	}
	rc = netkit_poller_add(l->poller, fd, c->interest, c);
	if (rc < 0) {
		netkit__loop_disown(l, fd);
		free(block);
		return rc == -EEXIST ? rc : -ENOMEM;
	}
	c->idle.data = &l->tag_idle;
	c->stall.data = &l->tag_stall;
	c->slow.data = &l->tag_slow;
	if (l->o.idle_ms)
		netkit_poller_timer_start(l->poller, &c->idle,
			netkit_deadline_at(netkit_now() + l->o.idle_ms), 0);
	c->prev = l->conns_tail;
	if (c->prev)
		c->prev->next = c;
	else
		l->conns = c;
	l->conns_tail = c;
	l->n_conns++;
	*out = c;
	return 0;
}

void
netkit__conn_free(netkit_conn *c)
{
	netkit_loop *l = c->loop;

	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->conns_tail = c->prev;
	netkit_tls_free(c->tls);	/* the loop freed with c open */
	if (c->out.buf != c->outbuf)
		free(c->out.buf);
	free(c->block);
}

/* Out of the poller and the table, timers stopped, no longer live
 * (it stays on the list until freed). */
static void
unhook(netkit_conn *c)
{
	netkit_loop *l = c->loop;

	netkit_poller_remove(l->poller, c->fd);
	netkit__loop_disown(l, c->fd);
	netkit_poller_timer_stop(l->poller, &c->idle);
	netkit_poller_timer_stop(l->poller, &c->stall);
	netkit_poller_timer_stop(l->poller, &c->slow);
	l->n_conns--;
	netkit__loop_conn_gone(l);
}

/* The end: the descriptor closed, the CLOSED event given in the batch
 * being built, or at the next wait. */
void
netkit__conn_finish(netkit_conn *c, int err)
{
	netkit_loop *l = c->loop;

	unhook(c);
	netkit_tls_free(c->tls);	/* no close_notify: an end, or abort */
	c->tls = NULL;
	c->is_tls = false;
	NK_SYS(close)(c->fd);
	c->fd = -1;
	c->out.start = c->out.end = 0;	/* gone with the descriptor */
	c->state = CONN_DONE;
	c->err = err;
	if (l->collecting && netkit__loop_push(l, NETKIT_LOOP_CLOSED, c, err)) {
		c->later = l->dead;
		l->dead = c;
		return;
	}
	if (!l->collecting)
		netkit__loop_cancel(l, c);
	c->closed_due = true;
	c->later = l->pending;
	l->pending = c;
}

static bool
live(const netkit_conn *c)
{
	return c->state == CONN_OPEN || c->state == CONN_CLOSING;
}

/* ---- input ---- */

/* Why a socket that reported an error or hang-up failed. */
static int
sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return netkit__errno();
	return err > 0 ? -err : -ECONNRESET;
}

/* Closing: the peer's bytes are read and dropped until its end. */
static void
discard(netkit_conn *c)
{
	char sink[4096];
	ssize_t n;

	NETKIT__RETRY(n, NK_SYS(recv)(c->fd, sink, sizeof(sink),
				      MSG_DONTWAIT));
	if (n < 0 && errno != EAGAIN) {
		netkit__conn_finish(c, c->shut ? 0 : netkit__errno());
	} else if (n == 0) {
		/* Done once our own end has gone out too (settling
		 * sends it after the queue). */
		c->in.eof = true;
		if (c->shut)
			netkit__conn_finish(c, 0);
	}
}

void
netkit__conn_readable(netkit_conn *c, unsigned events)
{
	netkit_loop *l = c->loop;
	ssize_t n;

	if (NETKIT__UNLIKELY(c->state != CONN_OPEN)) {
		/* Closing: TLS until close_notify went, then the rest is
		 * dropped unread. */
		if (c->state == CONN_CLOSING && c->tls)
			tls_ready(c);
		else if (c->state == CONN_CLOSING)
			discard(c);
		return;
	}
	if (NETKIT__UNLIKELY(c->in.eof || netkit__reader_full(&c->in))) {
		/* Not reading: only an error or hang-up, which the
		 * poller reports whatever it watches, brings us here. */
		if (events & (NETKIT_POLLER_ERR | NETKIT_POLLER_HUP))
			netkit__conn_finish(c, sock_error(c->fd));
		return;
	}
	if (c->tls) {
		tls_ready(c);
		return;
	}
	n = netkit__reader_feed(&c->in, c->fd);
	if (NETKIT__UNLIKELY(n < 0)) {
		if (n != -EAGAIN)
			netkit__conn_finish(c, (int)n);
		return;
	}
	if (l->o.idle_ms && n > 0)
		netkit_poller_timer_defer(l->poller, &c->idle,
			netkit_deadline_at(l->now + l->o.idle_ms));
	netkit__loop_push(l, NETKIT_LOOP_INPUT, c, 0);
	netkit__loop_dirty(c);
}

/* ---- output ---- */

/* The queue is at the low mark after the high one: DRAINED, or (the
 * batch full) the connection is looked at again at the next wait. */
static NETKIT__NOINLINE void
tell_drained(netkit_conn *c)
{
	netkit_loop *l = c->loop;

	if (queued(c) > l->o.output_low)
		return;
	if (c->slow.index)
		netkit_poller_timer_stop(l->poller, &c->slow);
	if (c->state != CONN_OPEN)
		c->high = false;	/* closing: no one to tell */
	else if (netkit__loop_push(l, NETKIT_LOOP_DRAINED, c, 0))
		c->high = false;
	else
		netkit__loop_dirty(c);
}

/* Only a connection above the high mark has anything to tell. */
static inline void
drained(netkit_conn *c)
{
	if (NETKIT__UNLIKELY(c->high))
		tell_drained(c);
}

/* One send of the whole queue, which is not empty: its result. */
static inline ssize_t
send_queue(netkit_conn *c)
{
	ssize_t sent;

	NETKIT__RETRY(sent, NK_SYS(send)(c->fd, c->out.buf + c->out.start,
					 queued(c),
					 MSG_DONTWAIT | MSG_NOSIGNAL));
	return sent;
}

/* After a send of the queue (sent: its result, errno as it left it):
 * progress restarts the stall time. */
static NETKIT__NOINLINE void
sent_some(netkit_conn *c, ssize_t sent)
{
	netkit_loop *l = c->loop;

	if (NETKIT__UNLIKELY(sent < 0) && errno != EAGAIN) {
		netkit__conn_finish(c, netkit__errno());
		return;
	}
	if (NETKIT__LIKELY(sent > 0)) {
		c->out.start += (size_t)sent;
		/* Sending is not idling: a long answer to a quiet client
		 * keeps its connection. */
		if (l->o.idle_ms && c->state == CONN_OPEN)
			netkit_poller_timer_defer(l->poller, &c->idle,
				netkit_deadline_at(l->now + l->o.idle_ms));
		if (queued(c) == 0) {
			c->out.start = c->out.end = 0;
			/* (Only a heap queue: with a high mark below
			 * half the inline room, the connection's own
			 * buffer is "past twice" it too.) */
			if (c->out.buf != c->outbuf &&
			    c->out.cap > 2 * l->o.output_high) {
				free(c->out.buf);
				c->out.buf = c->outbuf;
				c->out.cap = sizeof(c->outbuf);
			}
			if (c->stall.index)
				netkit_poller_timer_stop(l->poller, &c->stall);
		} else if (l->o.stall_ms && c->stall.index) {
			netkit_poller_timer_defer(l->poller, &c->stall,
				netkit_deadline_at(l->now + l->o.stall_ms));
		}
	}
	if (queued(c) > 0 && l->o.stall_ms && !c->stall.index)
		netkit_poller_timer_start(l->poller, &c->stall,
			netkit_deadline_at(l->now + l->o.stall_ms), 0);
	drained(c);
}

/* ---- TLS (netkit_conn_start_tls()) ----
 *
 * A TLS connection reads and writes through netkit_tls_recv() and
 * netkit_tls_send() with NETKIT_NOW, on the same queue and reader. What
 * the poller watches adds what the last call that would block waits
 * for (a read may need to write, a write to read), and any readiness
 * tries the handshake, then the queue, then the reader: a wasted try
 * answers -EAGAIN and costs one system call, on a path TLS already
 * makes slow. */

/* The handshake's next step; true once it is done. */
static bool
tls_handshake(netkit_conn *c)
{
	int rc = netkit_tls_handshake(c->tls, NETKIT_NOW);

	if (rc == -EAGAIN) {
		c->tls_want = netkit_tls_wants(c->tls);
		netkit__loop_dirty(c);
		return false;
	}
	if (rc < 0) {	/* the certificate's refusal, an alert... */
		netkit__conn_finish(c, rc);
		return false;
	}
	c->hs = false;
	c->tls_want = 0;
	/* The handshake's deadline ran on the stall timer, idle until
	 * now: it is the queue's again. */
	netkit_poller_timer_stop(c->loop->poller, &c->stall);
	netkit__loop_dirty(c);	/* what was queued can go now */
	return true;
}

/* One TLS send of the queue (not empty), as send_queue() and
 * sent_some() do for a plain one. */
static void
tls_flush(netkit_conn *c)
{
	ssize_t n = netkit_tls_send(c->tls, c->out.buf + c->out.start,
				    queued(c), NETKIT_NOW);

	if (n == -EAGAIN) {
		c->tls_want = netkit_tls_wants(c->tls);
		errno = EAGAIN;
	} else if (n < 0) {
		netkit__conn_finish(c, (int)n);
		return;
	} else {
		c->tls_want = 0;
	}
	sent_some(c, n);
}

/* One TLS read into the reader, which has room, and its INPUT event.
 * OpenSSL reads a record at a time, so what it decrypted past the
 * reader's room stays in it with no readiness to say so: tls_more
 * has settling read again once the program made room. */
static void
tls_feed(netkit_conn *c)
{
	netkit_loop *l = c->loop;
	unsigned char *at;
	size_t room = netkit__reader_room(&c->in, &at);
	ssize_t n = netkit_tls_recv(c->tls, at, room, NETKIT_NOW);

	c->tls_more = false;
	if (n == -EAGAIN) {
		c->tls_want = netkit_tls_wants(c->tls);
		return;
	}
	if (n < 0) {	/* NETKIT_ETLS_TRUNCATED: closed without
			 * close_notify */
		netkit__conn_finish(c, (int)n);
		return;
	}
	c->tls_want = 0;
	c->tls_more = (size_t)n == room;
	netkit__reader_put(&c->in, (size_t)n);
	if (l->o.idle_ms && n > 0)
		netkit_poller_timer_defer(l->poller, &c->idle,
			netkit_deadline_at(l->now + l->o.idle_ms));
	netkit__loop_push(l, NETKIT_LOOP_INPUT, c, 0);
	netkit__loop_dirty(c);
}

/* Any readiness of a TLS connection. */
static void
tls_ready(netkit_conn *c)
{
	if (c->hs && !tls_handshake(c))
		return;
	if (queued(c) > 0) {
		tls_flush(c);
		if (!live(c))
			return;
	}
	if (c->state == CONN_OPEN && !c->in.eof &&
	    !netkit__reader_full(&c->in))
		tls_feed(c);
}

/* Closing, the queue sent: close_notify (one try: the kernel just took
 * the last of the queue, so it has room), then the TLS state goes. */
static void
tls_end(netkit_conn *c)
{
	if (!c->hs)
		(void)netkit_tls_close(c->tls, NETKIT_NOW);
	else
		netkit_tls_free(c->tls);
	c->tls = NULL;
	c->is_tls = false;
	c->tls_want = 0;
}

/* One send of the queue, if there is one to send. */
static void
flush(netkit_conn *c)
{
	if (!live(c) || queued(c) == 0)
		return;
	if (NETKIT__UNLIKELY(c->is_tls)) {
		if (!c->hs)
			tls_flush(c);
		return;
	}
	sent_some(c, send_queue(c));
}

/* The descriptor is writable. */
void
netkit__conn_flush(netkit_conn *c)
{
	if (NETKIT__UNLIKELY(c->is_tls) && live(c))
		tls_ready(c);
	else
		flush(c);
}

/* Room for len more bytes at the end of the queue, when there is not
 * already (out of line: the common write fits). */
static NETKIT__NOINLINE int
reserve(netkit_conn *c, size_t len)
{
	struct netkit__outq *q = &c->out;
	size_t n = q->end - q->start, cap;
	unsigned char *buf;

	if (q->start > 0) {
		memmove(q->buf, q->buf + q->start, n);
		q->start = 0;
		q->end = n;
		if (q->cap - n >= len)
			return 0;
	}
	cap = q->cap < 4096 ? 4096 : q->cap;
	while (cap < n + len)
		cap *= 2;
	if (cap > c->loop->o.output_max)
		cap = c->loop->o.output_max;
	if (q->buf == c->outbuf) {	/* from its own memory to the heap */
		if (!(buf = malloc(cap)))
			return -ENOMEM;
		memcpy(buf, q->buf, n);
	} else if (!(buf = realloc(q->buf, cap))) {
		return -ENOMEM;
	}
	q->buf = buf;
	q->cap = cap;
	return 0;
}

/* netkit_conn_write(), any case. */
static NETKIT__NOINLINE int
write_any(netkit_conn *c, const void *buf, size_t len)
{
	struct netkit__outq *q;
	const netkit_loop_opts *o;

	if (!c || (!buf && len))
		return -EINVAL;
	if (c->state != CONN_OPEN)
		return -EPIPE;
	q = &c->out;
	o = &c->loop->o;
	if (len > o->output_max - queued(c))
		return -ENOBUFS;
	if (len) {
		if (q->cap - q->end < len && reserve(c, len) < 0)
			return -ENOMEM;
		memcpy(q->buf + q->end, buf, len);
		q->end += len;
		netkit__loop_dirty(c);
	}
	if (queued(c) > o->output_high) {
		c->high = true;
		/* Slow from the write that passed the mark until the
		 * queue is at the low one. */
		if (o->slow_ms && !c->slow.index)
			netkit_poller_timer_start(c->loop->poller, &c->slow,
				netkit_deadline_in(o->slow_ms), 0);
	}
	return c->high ? NETKIT_CONN_HIGH : 0;
}

NETKIT_EXPORT int
netkit_conn_write(netkit_conn *c, const void *buf, size_t len)
{
	struct netkit__outq *q;
	size_t n, high;
	unsigned char *dst;

	/* Once per request: bytes to an open connection below the high
	 * mark that stays below it (no slow timer to start), and fit the
	 * buffer as it is. */
	if (NETKIT__UNLIKELY(!c || !buf || !len || c->state != CONN_OPEN ||
			     c->high))
		return write_any(c, buf, len);
	q = &c->out;
	n = q->end - q->start;
	high = c->loop->o.output_high;
	if (NETKIT__UNLIKELY(n > high || len > high - n ||
			     len > q->cap - q->end))
		return write_any(c, buf, len);
	dst = q->buf + q->end;
	q->end += len;
	netkit__loop_dirty(c);
	memcpy(dst, buf, len);
	return 0;
}

NETKIT_EXPORT size_t
netkit_conn_queued(const netkit_conn *c)
{
	return c ? queued(c) : 0;
}

/* ---- settling: what the poller watches ---- */

static unsigned
interest(const netkit_conn *c)
{
	unsigned ev = queued(c) > 0 ? NETKIT_POLLER_WRITE : 0;

	if (NETKIT__UNLIKELY(c->is_tls)) {
		/* The handshake waits for what it said; the queue waits
		 * for the handshake. */
		if (c->hs)
			return c->tls_want ? c->tls_want : NETKIT_POLLER_READ;
		ev |= c->tls_want;
	}
	if (c->state == CONN_CLOSING)
		return ev | (c->shut ? NETKIT_POLLER_READ : 0);
	if (!c->in.eof && !c->high && !netkit__reader_full(&c->in))
		ev |= NETKIT_POLLER_READ;
	return ev;
}

/* Settling after the send (if any): the end of a closing connection,
 * and what the poller watches. */
static NETKIT__NOINLINE void
settle_rest(netkit_conn *c)
{
	netkit_loop *l = c->loop;
	unsigned want;

	drained(c);	/* one the last full batch had no room for */
	if (c->state == CONN_CLOSING && queued(c) == 0 && !c->shut) {
		if (c->tls)
			tls_end(c);
		NK_SYS(shutdown)(c->fd, SHUT_WR);
		c->shut = true;
		if (c->in.eof) {
			netkit__conn_finish(c, 0);
			return;
		}
	}
	/* Decrypted input left in OpenSSL, and room for it now. */
	if (c->is_tls && c->tls_more && c->state == CONN_OPEN &&
	    !netkit__reader_full(&c->in)) {
		tls_feed(c);
		if (!live(c))
			return;
	}
	want = interest(c);
	if (want != c->interest &&
	    netkit_poller_modify(l->poller, c->fd, want, c) == 0)
		c->interest = want;
	/* A full reader is not watched, and the program may empty it
	 * between any two waits, not only in this connection's events
	 * (a chat room reads a held sender once a slow reader drained):
	 * look again at the next wait, to receive once there is room. */
	if (c->state == CONN_OPEN && netkit__reader_full(&c->in))
		netkit__loop_dirty(c);
}

/* Settling, any connection. */
static NETKIT__NOINLINE void
settle(netkit_conn *c)
{
	if (!live(c))
		return;
	/* A queue the poller does not watch yet: the kernel may take it
	 * all now, with no wait for writability. */
	if (queued(c) > 0 && !(c->interest & NETKIT_POLLER_WRITE)) {
		flush(c);
		if (!live(c))
			return;
	}
	/* The common case, an open connection watched for input only
	 * that still wants just that (its queue went whole, its reader
	 * has room, nothing to tell), stays as it is. */
	if (NETKIT__LIKELY(c->state == CONN_OPEN &&
			   c->interest == NETKIT_POLLER_READ &&
			   interest(c) == NETKIT_POLLER_READ && !c->tls_more))
		return;
	settle_rest(c);
}

static inline void
settle_one(netkit_conn *c)
{
	netkit_loop *l = c->loop;
	ssize_t sent;

	/* Once per request: an open connection watched for input only
	 * that goes on wanting just that (below the high mark, reading),
	 * and whose queue, if any, goes whole with no timer to move and
	 * no buffer to give back, stays as it is. Anything else settles
	 * the long way (after the send, if one was made). */
	if (NETKIT__UNLIKELY(c->state != CONN_OPEN ||
			     c->interest != NETKIT_POLLER_READ || c->high ||
			     c->in.eof || netkit__reader_full(&c->in) ||
			     c->is_tls)) {
		settle(c);
		return;
	}
	if (queued(c) == 0)
		return;
	sent = send_queue(c);
	/* (Without stall_ms, only a TLS handshake runs the stall timer,
	 * and TLS does not come here: no need to read it.) */
	if (NETKIT__LIKELY((size_t)sent == queued(c) && !l->o.idle_ms &&
			   (!l->o.stall_ms || !c->stall.index) &&
			   c->out.cap <= 2 * l->o.output_high)) {
		c->out.start = c->out.end = 0;
		return;
	}
	sent_some(c, sent);
	if (live(c))
		settle_rest(c);
}

/* One pass over the dirty list as it was taken: a connection marked
 * again while settling waits for the next wait. Here rather than in
 * the loop's wait, so that settling is inline. */
void
netkit__conn_settle_list(netkit_conn *list)
{
	netkit_conn *c;

	while ((c = list)) {
		list = c->dirty_next;
		c->dirty = false;
		settle_one(c);
	}
}

/* ---- timers ---- */

/* err: NETKIT_ESTALL or NETKIT_ESLOW for those timers, 0 for idle. */
void
netkit__conn_timer(netkit_conn *c, int err)
{
	if (!live(c))
		return;
	if (err == NETKIT_ESTALL && c->hs)	/* start_tls()'s deadline */
		err = -ETIMEDOUT;
	if (err)
		netkit__conn_finish(c, err);
	else if (c->state == CONN_CLOSING)
		netkit__conn_finish(c, queued(c) > 0 || !c->shut ?
				    -ETIMEDOUT : 0);
	else
		netkit__conn_finish(c, NETKIT_EIDLE);
}

/* ---- the program's calls ---- */

NETKIT_EXPORT int
netkit_conn_fd(const netkit_conn *c)
{
	return c && live(c) ? c->fd : -1;
}

NETKIT_EXPORT netkit_reader *
netkit_conn_reader(netkit_conn *c)
{
	return c ? &c->in : NULL;
}

NETKIT_EXPORT const netkit_addr *
netkit_conn_peer(const netkit_conn *c)
{
	return c ? &c->peer : NULL;
}

NETKIT_EXPORT void *
netkit_conn_storage(netkit_conn *c)
{
	return c ? c->storage : NULL;
}

NETKIT_EXPORT int
netkit_conn_set_data(netkit_conn *c, void *data)
{
	if (!c)
		return -EINVAL;
	c->data = data;
	return 0;
}

NETKIT_EXPORT int
netkit_conn_close(netkit_conn *c, netkit_deadline deadline)
{
	netkit_loop *l;

	if (!c || !netkit__deadline_ok(deadline.at))
		return -EINVAL;
	if (c->state != CONN_OPEN)
		return -EPIPE;
	l = c->loop;
	c->state = CONN_CLOSING;
	netkit_poller_timer_stop(l->poller, &c->idle);
	if (deadline.at != NETKIT__NEVER)
		netkit_poller_timer_start(l->poller, &c->idle, deadline, 0);
	netkit__loop_dirty(c);
	return 0;
}

NETKIT_EXPORT int
netkit_conn_abort(netkit_conn *c, bool reset)
{
	struct linger lg = { 1, 0 };

	if (!c)
		return -EINVAL;
	if (!live(c))
		return -EPIPE;
	if (reset)
		NK_SYS(setsockopt)(c->fd, SOL_SOCKET, SO_LINGER, &lg,
				   sizeof(lg));
	netkit__conn_finish(c, -ECONNABORTED);
	return 0;
}

NETKIT_EXPORT int
netkit_conn_detach(netkit_conn *c, void *rest, size_t cap, size_t *rest_len)
{
	netkit_loop *l;
	const void *data;
	size_t n;
	int fl, fd;

	if (!c)
		return -EINVAL;
	if (c->state != CONN_OPEN)
		return -EPIPE;
	if (queued(c) > 0 || c->tls)
		return -EBUSY;
	n = netkit_reader_buffered(&c->in, &data);
	if (n > cap || (n > 0 && !rest))
		return -ENOBUFS;
	fd = c->fd;
	fl = NK_SYS(fcntl)(fd, F_GETFL);
	if (fl < 0 || NK_SYS(fcntl)(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return netkit__errno();
	if (n > 0)
		memcpy(rest, data, n);
	if (rest_len)
		*rest_len = n;
	l = c->loop;
	unhook(c);
	netkit__loop_cancel(l, c);
	c->fd = -1;
	c->state = CONN_DETACHED;
	c->later = l->dead;
	l->dead = c;
	return fd;
}

NETKIT_EXPORT int
netkit_conn_start_tls(netkit_conn *c, netkit_tls_ctx *ctx,
		      const char *server_name, netkit_deadline deadline)
{
	netkit_tls *t = NULL;
	int role, rc;

	if (!c || !ctx || !netkit__deadline_ok(deadline.at))
		return -EINVAL;
	role = netkit__tls_ctx_role(ctx);
	if (role < 0)
		return role;
	if (role == NETKIT_TLS_SERVER && server_name)
		return -EINVAL;
	if (c->state != CONN_OPEN)
		return -EPIPE;
	/* Bytes before TLS would be sent or read as plain text. */
	if (c->tls || queued(c) > 0 || c->in.end > c->in.start || c->in.eof)
		return -EBUSY;
	rc = netkit__tls_open_moving(&t, ctx, c->fd, server_name);
	/* A handshake that failed at its first step (what the peer had
	 * sent already was not TLS) ends the connection, as a later step
	 * would; only what made nothing is the caller's to handle. */
	if (rc == -EINVAL || rc == -ENOMEM || rc == -ENOTSUP)
		return rc;
	if (rc < 0 && rc != -EAGAIN) {
		netkit__conn_finish(c, rc);
		return 0;
	}
	c->tls = t;
	c->is_tls = true;
	c->hs = rc == -EAGAIN;
	c->tls_want = c->hs ? netkit_tls_wants(t) : 0;
	/* Nothing can be sent before the handshake ends, so the stall
	 * timer is free to be its deadline. */
	if (c->hs && deadline.at != NETKIT__NEVER)
		netkit_poller_timer_start(c->loop->poller, &c->stall,
					  deadline, 0);
	netkit__loop_dirty(c);
	return 0;
}
