/* SPDX-License-Identifier: MIT */
/*
 * The connection layer's insides, shared by loop.c (the loop: accept,
 * wait, events) and loop-conn.c (a connection: its queue, its reads,
 * its end).
 */
#ifndef NETKIT_LOOP_PRIVATE_H
#define NETKIT_LOOP_PRIVATE_H

#include <signal.h>
#include <stddef.h>

#include "netkit-private.h"
#include "poller-private.h"

/* What an entry of the loop's descriptor table is. */
enum { LOOP_LISTENER = 1, LOOP_CONN };

/* A connection's life: open, closing gracefully, over (descriptor
 * closed, CLOSED event due or given), or taken out by detach. */
enum { CONN_OPEN, CONN_CLOSING, CONN_DONE, CONN_DETACHED };

struct netkit__listener {
	unsigned char what;		/* LOOP_LISTENER */
	int fd;
	void *data;
	struct netkit__listener *next;
};

/* The output queue: bytes buf[start, end) wait to be sent. */
struct netkit__outq {
	unsigned char *buf;
	size_t start, end, cap;
};

/* Bytes of output a connection queues in its own memory before the
 * queue moves to the heap. */
#define NETKIT__OUT_INLINE 512

struct netkit_conn {
	/* What a request touches comes first, in two cache lines (the
	 * structure starts at a line, NETKIT__CONN_ALIGN): the first
	 * line holds the connection's state and most of its queue; the
	 * second the queue's end and the reader's working part (offset
	 * 72 to 128). A loop serving a thousand connections in turn
	 * meets each of them cold, three times per request (its event,
	 * the program, the settling), and every line touched is a
	 * cache miss. */
	unsigned char what;		/* LOOP_CONN */
	unsigned char state;		/* CONN_* */
	bool high;			/* above the high mark, no DRAINED yet */
	bool dirty;			/* on the loop's dirty list */
	bool shut;			/* closing: SHUT_WR sent */
	bool closed_due;		/* on the pending list: CLOSED to give */
	bool hs;			/* TLS: the handshake is under way */
	bool tls_more;			/* TLS: the last read filled the
					 * reader, so OpenSSL may hold more */
	unsigned char interest;		/* what the poller watches now */
	bool is_tls;			/* tls != NULL, here for the hot path:
					 * tls itself is in a cold line */
	int fd;
	netkit_loop *loop;
	struct netkit_conn *dirty_next;		/* the dirty list */
	void *data;
	struct netkit__outq out;
	netkit_reader in;
	/* The rest. */
	void *block;			/* what malloc() gave, to free */
	netkit_tls *tls;		/* netkit_conn_start_tls(), or NULL */
	int err;			/* CONN_DONE: why */
	unsigned tls_want;		/* TLS: what its last -EAGAIN awaits */
	void *storage;			/* the program's, or NULL */
	/* Every connection, oldest first, until it is freed: a walk
	 * (netkit_loop_next()) may hold one that ended. */
	struct netkit_conn *prev, *next;
	struct netkit_conn *later;		/* pending or dead list */
	/* Idle (or, closing, the close deadline), stall and slow
	 * timers. */
	netkit_poller_timer idle, stall, slow;
	netkit_addr peer;		/* as accept() gave it */
	/* The queue's first buffer: a small answer is queued and sent
	 * from the connection's own memory, on the page its header and
	 * input share, with no allocation (see NETKIT__OUT_INLINE). */
	unsigned char outbuf[NETKIT__OUT_INLINE];
	max_align_t inbuf[];
};

/* Where a connection starts: a cache line. */
#define NETKIT__CONN_ALIGN 64
_Static_assert(offsetof(struct netkit_conn, in) +
	       offsetof(netkit_reader, scanned) + sizeof(size_t) <=
	       2 * NETKIT__CONN_ALIGN, "a request's fields in two lines");

struct netkit_loop {
	netkit_poller *poller;
	netkit_loop_opts o;
	struct netkit__listener *listeners;
	/* The descriptor table: owner[fd] is the listener or connection
	 * that fd belongs to, NULL for the program's own. */
	unsigned char **owner;
	int n_owner;
	struct netkit_conn *conns, *conns_tail;	/* all, oldest first */
	unsigned n_conns;			/* live (open, closing) */
	struct netkit_conn *dirty;		/* to look at before waiting */
	struct netkit_conn *pending;		/* CLOSED due next wait */
	struct netkit_conn *dead;		/* freed next wait */
	/* paused: the listeners are not watched; resume: try them again
	 * at the next settle (a connection ended, or accept_timer fired
	 * after a failure); reported: ACCEPT_PAUSED given since the last
	 * accept that worked. */
	bool paused, reported, resume;
	netkit_poller_timer accept_timer;
	/* True while the loop builds a batch: a connection ending then
	 * gets its CLOSED event in it, else in the next one. */
	bool collecting;
	int64_t now;				/* the clock, read per wait */
	/* The batch. */
	netkit_loop_event *batch;
	size_t n_batch, cap_batch;
	/* How far pushes may fill it now: the events made before the
	 * poll leave room for two per poller event and a listener's
	 * batch (translate()). */
	size_t limit;
	/* For the poller's batch: the index + 1 in ours of the event
	 * each of its slots became, for the program's own (0: none), so
	 * that cancelling one in the poller cancels ours. */
	uint16_t copied[NETKIT__POLLER_BATCH];
	bool copies;	/* copied[] is the batch being handed out */
	/* The batch holds the program's own events or signals, whose
	 * timer, events and signal fields the next wait clears
	 * (netkit__loop_push()). */
	bool foreign;
	/* Timer data tags: the loop's timers carry these addresses, the
	 * program's cannot. */
	char tag_idle, tag_stall, tag_slow, tag_accept;
	/* Signals: bit signo - 1 of caught is set by the handler,
	 * woken by netkit_loop_wake(); both read at the poller's wake
	 * event. catching lists the actions to put back. */
	uint64_t caught;
	int woken;
	struct netkit__catch *catching;
};

struct netkit__catch {
	int signo;
	struct sigaction old;
	struct netkit__catch *next;
};

/* Bytes rounded up to whole max_align_t: where storage follows. */
static inline size_t
netkit__loop_round(size_t n)
{
	return (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	       sizeof(max_align_t);
}

/* loop-core.c */
int netkit__loop_own(netkit_loop *l, int fd, void *obj);
void netkit__loop_disown(netkit_loop *l, int fd);
void netkit__loop_cancel(netkit_loop *l, const netkit_conn *c);
void netkit__loop_conn_gone(netkit_loop *l);

/* Adds an event to the batch being built; false when it is full.
 * Inline, one push per request: the fields are written, not the event
 * cleared first, and timer, events, signal and reserved_ not at all:
 * they are 0 in every slot (calloc()) but those of the program's own
 * events and of signals, which the next wait clears. */
static inline bool
netkit__loop_push(netkit_loop *l, unsigned kind, netkit_conn *c, int err)
{
	netkit_loop_event *e;
	size_t i = l->n_batch;

	if (NETKIT__UNLIKELY(i >= l->limit))
		return false;
	l->n_batch = i + 1;
	e = &l->batch[i];
	e->kind = kind;
	e->err = err;
	e->conn = c;
	if (c) {
		e->data = c->data;
		e->fd = c->fd;
	} else {
		e->data = NULL;
		e->fd = -1;
	}
	return true;
}

/* Puts c on the dirty list, to be settled before the next wait. */
static inline void
netkit__loop_dirty(netkit_conn *c)
{
	netkit_loop *l;

	if (c->dirty)
		return;
	l = c->loop;
	c->dirty = true;
	c->dirty_next = l->dirty;
	l->dirty = c;
}

/* loop-conn.c */
int netkit__conn_new(netkit_loop *l, int fd, void *data,
		     const struct sockaddr *peer, socklen_t len,
		     netkit_conn **out);
void netkit__conn_free(netkit_conn *c);
void netkit__conn_readable(netkit_conn *c, unsigned events);
void netkit__conn_flush(netkit_conn *c);
void netkit__conn_settle_list(netkit_conn *list);
void netkit__conn_timer(netkit_conn *c, int err);
void netkit__conn_finish(netkit_conn *c, int err);

/* netkit__conn_readable()'s common case, inline in the wait (once per
 * request): an open connection with room in its reader and no idle
 * timer to push back receives, and its INPUT event goes in the batch.
 * Anything else takes the full path. */
static inline void
netkit__conn_input(netkit_conn *c, unsigned events)
{
	netkit_loop *l = c->loop;
	ssize_t n;

	if (NETKIT__UNLIKELY(c->state != CONN_OPEN || c->in.eof ||
			     netkit__reader_full(&c->in) || l->o.idle_ms ||
			     c->tls)) {
		netkit__conn_readable(c, events);
		return;
	}
	n = netkit__reader_feed(&c->in, c->fd);
	if (NETKIT__UNLIKELY(n < 0)) {
		if (n != -EAGAIN)
			netkit__conn_finish(c, (int)n);
		return;
	}
	netkit__loop_push(l, NETKIT_LOOP_INPUT, c, 0);
	netkit__loop_dirty(c);
}

#endif /* NETKIT_LOOP_PRIVATE_H */
