/* SPDX-License-Identifier: MIT */
/*
 * The loop: options, listeners, accepting, and the wait
 * that turns the poller's events into the program's batch.
 *
 * A wait first frees the connections whose CLOSED event the last batch
 * gave, then hands out what happened between waits (connections the
 * program aborted, queues that drained), and settles every connection
 * the program touched: its queue goes out with one send (replies to
 * pipelined requests leave together), and the poller watches what the
 * connection now needs. Only a wait with nothing to hand out sleeps.
 *
 * The program's own descriptors and timers share the poller. The loop
 * tells its own events from theirs by the descriptor table (a
 * descriptor's registration carries the loop's object as its value)
 * and by the addresses of its timer tags, which no program can hold.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop-private.h"
#include "poller-private.h"

#define DEFAULT_INPUT 16384
#define DEFAULT_HIGH 65536
#define DEFAULT_MAX (1024 * 1024)
#define DEFAULT_BATCH 64
#define ACCEPT_RETRY_MS 100
#define MAX_CONN_SIZE (1024 * 1024)
#define MAX_SIGNAL 64

static void uncatch(netkit_loop *l);

/* ---- options ---- */

static int
opts_fill(netkit_loop_opts *o, const netkit_loop_opts *in)
{
	memset(o, 0, sizeof(*o));
	if (in) {
		if (!NETKIT__RESERVED_ZERO(in) || in->idle_ms < 0 ||
		    in->stall_ms < 0 || in->slow_ms < 0 ||
		    in->conn_size > MAX_CONN_SIZE ||
		    (in->poller_flags & ~NETKIT_POLLER_USE_POLL))
			return -EINVAL;
		*o = *in;
	}
	if (!o->input_size)
		o->input_size = DEFAULT_INPUT;
	if (!o->output_high)
		o->output_high = DEFAULT_HIGH;
	if (!o->output_low)
		o->output_low = o->output_high / 4;
	if (!o->output_max)
		o->output_max = o->output_high > DEFAULT_MAX ?
				o->output_high : DEFAULT_MAX;
	if (!o->accept_batch)
		o->accept_batch = DEFAULT_BATCH;
	if (o->output_low >= o->output_high || o->output_max < o->output_high ||
	    o->accept_batch > 4096 || o->input_size > SIZE_MAX / 2)
		return -EINVAL;
	return 0;
}

/* The poller cancelled the event at slot of its batch (the program
 * stopped its timer or removed its descriptor): so is our copy. */
static void
cancelled(void *arg, uint32_t slot)
{
	netkit_loop *l = arg;

	if (l->copies && l->copied[slot])
		l->batch[l->copied[slot] - 1].kind = 0;
}

NETKIT_EXPORT int
netkit_loop_new(netkit_loop **out, const netkit_loop_opts *opts)
{
	netkit_loop *l;
	int rc;

	if (!out)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	rc = opts_fill(&l->o, opts);
	if (rc < 0)
		goto fail;
	/* A batch holds the CLOSED events due before the wait (up to
	 * 2 x POLLER_BATCH), two per poller event, a listener's accepts,
	 * and the signals of one wake-up, which is one poller event but
	 * one SIGNAL per bit of caught. */
	l->cap_batch = 4 * NETKIT__POLLER_BATCH + l->o.accept_batch +
		       8 * sizeof(l->caught);
	l->batch = calloc(l->cap_batch, sizeof(*l->batch));
	rc = -ENOMEM;
	if (!l->batch)
		goto fail;
	rc = netkit_poller_new(&l->poller, l->o.poller_flags);
	if (rc < 0)
		goto fail;
	l->accept_timer.data = &l->tag_accept;
	l->poller->on_cancel = cancelled;
	l->poller->cancel_arg = l;
	*out = l;
	return 0;
fail:
	free(l->batch);
	free(l);
	return rc;
}

NETKIT_EXPORT void
netkit_loop_free(netkit_loop *l)
{
	struct netkit__listener *ls, *next;
	netkit_conn *c;

	if (!l)
		return;
	uncatch(l);
	/* The poller first: it forgets the timers inside connections. */
	netkit_poller_free(l->poller);
	/* Every connection is on the list until freed: live ones, and
	 * those closed or detached (fd -1) whose batch is not over. */
	while ((c = l->conns)) {
		if (c->fd >= 0)
			NK_SYS(close)(c->fd);
		netkit__conn_free(c);
	}
	for (ls = l->listeners; ls; ls = next) {
		next = ls->next;
		NK_SYS(close)(ls->fd);
		free(ls);
	}
	free(l->owner);
	free(l->batch);
	free(l);
}

/* ---- the descriptor table ---- */

static bool
owned(const netkit_loop *l, int fd)
{
	/* One comparison: a negative fd is a large unsigned one. */
	return (unsigned)fd < (unsigned)l->n_owner && l->owner[fd];
}

/* ---- sockets the loop takes ---- */

/* 0 if fd is a stream socket that listens (want true) or not. */
static int
check_stream(int fd, bool listening)
{
	int type = 0, acc = 0;
	socklen_t len = sizeof(type);

	if (fd < 0)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errno == EBADF ? -EBADF : -EINVAL;
	len = sizeof(acc);
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0)
		return -EINVAL;
	if (type != SOCK_STREAM || (acc != 0) != listening)
		return -EINVAL;
	return 0;
}

/* Non-blocking and close-on-exec, as every descriptor of the loop. */
static int
loop_mode(int fd)
{
	int fl = NK_SYS(fcntl)(fd, F_GETFL);

	if (fl < 0 || NK_SYS(fcntl)(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    NK_SYS(fcntl)(fd, F_SETFD, FD_CLOEXEC) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_loop_listen(netkit_loop *l, int fd, void *data)
{
	struct netkit__listener *ls;
	int rc;

	if (!l)
		return -EINVAL;
	if ((rc = check_stream(fd, true)) < 0)
		return rc;
	if (owned(l, fd))
		return -EEXIST;
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->what = LOOP_LISTENER;
	ls->fd = fd;
	ls->data = data;
	rc = netkit__loop_own(l, fd, ls);
	if (rc == 0) {
		rc = netkit_poller_add(l->poller, fd,
				       l->paused ? 0 : NETKIT_POLLER_READ, ls);
		if (rc < 0)
			netkit__loop_disown(l, fd);
	}
	if (rc == 0 && (rc = loop_mode(fd)) < 0) {
		netkit_poller_remove(l->poller, fd);
		netkit__loop_disown(l, fd);
	}
	if (rc < 0) {
		free(ls);
		return rc;
	}
	ls->next = l->listeners;
	l->listeners = ls;
	return 0;
}

NETKIT_EXPORT int
netkit_loop_adopt(netkit_loop *l, int fd, void *data, netkit_conn **out)
{
	struct sockaddr_storage peer;
	socklen_t len;
	netkit_conn *c;
	int rc, fl, fdfl;

	if (!l)
		return -EINVAL;
	if ((rc = check_stream(fd, false)) < 0)
		return rc;
	if (owned(l, fd))
		return -EEXIST;
	/* On failure the descriptor goes back as it came. */
	fl = NK_SYS(fcntl)(fd, F_GETFL);
	fdfl = NK_SYS(fcntl)(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		return netkit__errno();
	rc = loop_mode(fd);
	if (rc == 0) {
		len = sizeof(peer);
		if (NK_SYS(getpeername)(fd, (struct sockaddr *)&peer,
					&len) < 0)
			len = 0;	/* not known: empty */
		rc = netkit__conn_new(l, fd, data,
				      (const struct sockaddr *)&peer, len, &c);
		if (rc == 0) {
			if (out)
				*out = c;
			return 0;
		}
	}
	NK_SYS(fcntl)(fd, F_SETFL, fl);
	NK_SYS(fcntl)(fd, F_SETFD, fdfl);
	return rc;
}

/* ---- accepting ---- */

static void
accept_interest(netkit_loop *l, unsigned events)
{
	struct netkit__listener *ls;

	for (ls = l->listeners; ls; ls = ls->next)
		netkit_poller_modify(l->poller, ls->fd, events, ls);
}

/* Stops accepting: for want of resources (err < 0: retried in a moment
 * and reported once), or at max_conns (err 0: until one ends). */
static void
accept_pause(netkit_loop *l, struct netkit__listener *ls, int err)
{
	if (!l->paused)
		accept_interest(l, 0);
	l->paused = true;
	if (err == 0)
		return;
	if (!l->accept_timer.index)
		netkit_poller_timer_start_in(l->poller, &l->accept_timer,
					     ACCEPT_RETRY_MS, 0);
	if (!l->reported && netkit__loop_push(l, NETKIT_LOOP_ACCEPT_PAUSED,
					      NULL, err)) {
		l->batch[l->n_batch - 1].fd = ls->fd;
		l->reported = true;
	}
}

static void
accept_resume(netkit_loop *l)
{
	l->resume = false;
	if (l->o.max_conns && l->n_conns >= l->o.max_conns)
		return;
	netkit_poller_timer_stop(l->poller, &l->accept_timer);
	l->paused = false;
	accept_interest(l, NETKIT_POLLER_READ);
}

static bool
out_of_resources(int err)
{
	return err == -EMFILE || err == -ENFILE || err == -ENOBUFS ||
	       err == -ENOMEM;
}

/* Takes up to max pending connections from ls. */
static void
accept_some(netkit_loop *l, struct netkit__listener *ls, size_t max)
{
	struct sockaddr_storage peer;
	socklen_t len;
	netkit_conn *c;
	size_t i;
	int fd;

	for (i = 0; i < max; i++) {
		if (l->o.max_conns && l->n_conns >= l->o.max_conns) {
			accept_pause(l, ls, 0);
			return;
		}
		len = sizeof(peer);
		NETKIT__RETRY(fd, NK_SYS(accept4)(ls->fd,
						  (struct sockaddr *)&peer, &len,
						  SOCK_NONBLOCK | SOCK_CLOEXEC));
		if (fd < 0) {
			fd = netkit__errno();
			if (out_of_resources(fd))
				accept_pause(l, ls, fd);
			/* EAGAIN: all taken. Otherwise (ECONNABORTED,
			 * EPROTO, EPERM...) that one failed: the next
			 * readiness event takes the rest. */
			return;
		}
		if (netkit__conn_new(l, fd, ls->data,
				     (const struct sockaddr *)&peer, len,
				     &c) < 0) {
			NK_SYS(close)(fd);
			accept_pause(l, ls, -ENOMEM);
			return;
		}
		l->reported = false;
		netkit__loop_push(l, NETKIT_LOOP_OPEN, c, 0);
	}
}

/* ---- the wait ---- */

/* The program's own descriptor or timer, or a wake-up. */
static void
foreign(netkit_loop *l, const netkit_poller_event *pe)
{
	netkit_loop_event *e;
	unsigned kind = pe->timer ? NETKIT_LOOP_TIMER :
			pe->fd < 0 ? NETKIT_LOOP_WAKE : NETKIT_LOOP_FD;

	if (!netkit__loop_push(l, kind, NULL, 0))
		return;
	e = &l->batch[l->n_batch - 1];
	l->foreign = true;	/* timer and events cleared next wait */
	l->copied[pe - l->poller->events] = (uint16_t)l->n_batch;
	e->data = pe->data;
	e->timer = pe->timer;
	e->fd = pe->fd;
	e->events = kind == NETKIT_LOOP_FD ? pe->events : 0;
}

/* The poller's wake event: netkit_loop_wake(), caught signals, or
 * both (the wake-ups of one wait are one event). */
static void
woken(netkit_loop *l, const netkit_poller_event *pe)
{
	uint64_t sigs = __atomic_exchange_n(&l->caught, 0, __ATOMIC_ACQUIRE);
	int signo;

	if (__atomic_exchange_n(&l->woken, 0, __ATOMIC_ACQUIRE))
		foreign(l, pe);
	for (signo = 1; sigs; signo++, sigs >>= 1) {
		if (!(sigs & 1))
			continue;
		if (netkit__loop_push(l, NETKIT_LOOP_SIGNAL, NULL, 0)) {
			l->batch[l->n_batch - 1].signal = signo;
			l->foreign = true;	/* cleared next wait */
		} else {	/* the batch is full: the next one */
			__atomic_fetch_or(&l->caught, sigs << (signo - 1),
					  __ATOMIC_RELEASE);
			(void)netkit_poller_wake(l->poller);
			return;
		}
	}
}

static void
timer_event(netkit_loop *l, const netkit_poller_event *pe)
{
	netkit_poller_timer *t = pe->timer;

	if (pe->data == &l->tag_accept) {
		netkit__loop_conn_gone(l);
	} else if (pe->data == &l->tag_idle) {
		netkit__conn_timer((netkit_conn *)((char *)t -
			offsetof(netkit_conn, idle)), 0);
	} else if (pe->data == &l->tag_stall) {
		netkit__conn_timer((netkit_conn *)((char *)t -
			offsetof(netkit_conn, stall)), NETKIT_ESTALL);
	} else if (pe->data == &l->tag_slow) {
		netkit__conn_timer((netkit_conn *)((char *)t -
			offsetof(netkit_conn, slow)), NETKIT_ESLOW);
	} else {
		foreign(l, pe);
	}
}

static void
translate(netkit_loop *l, const netkit_poller_event *pe, int n)
{
	unsigned char *obj;
	netkit_conn *c;
	size_t room;
	int i;

	memset(l->copied, 0, (size_t)n * sizeof(l->copied[0]));
	l->copies = true;
	for (i = 0; i < n; i++, pe++) {
		if (pe->events == 0)
			continue;	/* cancelled by the poller */
		if (pe->timer) {
			timer_event(l, pe);
			continue;
		}
		if (pe->fd < 0) {
			woken(l, pe);
			continue;
		}
		obj = owned(l, pe->fd) ? l->owner[pe->fd] : NULL;
		if (!obj || obj != pe->data) {
			foreign(l, pe);
		} else if (*obj == LOOP_LISTENER) {
			/* Room for two events per poller event left. */
			room = l->cap_batch - l->n_batch;
			room = room > 2 * (size_t)(n - i - 1) ?
			       room - 2 * (size_t)(n - i - 1) : 0;
			if (room > l->o.accept_batch)
				room = l->o.accept_batch;
			if (!l->paused)
				accept_some(l, (struct netkit__listener *)obj,
					    room);
		} else {
			c = (netkit_conn *)obj;
			if (pe->events & NETKIT_POLLER_WRITE) {
				/* Settled before the next wait: stop
				 * watching an empty queue. */
				netkit__conn_flush(c);
				netkit__loop_dirty(c);
			}
			if (pe->events & (NETKIT_POLLER_READ |
					  NETKIT_POLLER_ERR | NETKIT_POLLER_HUP))
				netkit__conn_input(c, pe->events);
		}
	}
}

/* Frees what the last batch closed; hands out what is pending; settles
 * what the program touched. */
static void
before_wait(netkit_loop *l)
{
	netkit_conn *c, *list, *old = l->dead;

	/* Settled first: a connection on the dirty list may be one the
	 * last batch closed (settling skips it), and one that ends now
	 * joins a fresh dead list. */
	l->dead = NULL;
	/* One pass over the list as it is: a connection marked again
	 * while settling waits for the next wait. */
	list = l->dirty;
	l->dirty = NULL;
	netkit__conn_settle_list(list);
	while ((c = old)) {
		old = c->later;
		netkit__conn_free(c);
	}
	while ((c = l->pending) &&
	       netkit__loop_push(l, NETKIT_LOOP_CLOSED, c, c->err)) {
		l->pending = c->later;
		c->closed_due = false;
		c->later = l->dead;
		l->dead = c;
	}
	if (l->resume)
		accept_resume(l);
}

/* The slots the program's own events and the signals took in the last
 * batch get back the 0 timer, events and signal the connections'
 * events leave alone. */
static void
clear_foreign(netkit_loop *l)
{
	size_t i;

	for (i = 0; i < l->n_batch; i++) {
		l->batch[i].timer = NULL;
		l->batch[i].events = 0;
		l->batch[i].signal = 0;
	}
	l->foreign = false;
}

NETKIT_EXPORT int
netkit_loop_wait(netkit_loop *l, const netkit_loop_event **events,
		 netkit_deadline deadline)
{
	const netkit_poller_event *pe;
	int n;

	if (!l || !events || !netkit__deadline_ok(deadline.at))
		return -EINVAL;
	if (l->foreign)
		clear_foreign(l);
	l->n_batch = 0;
	l->copies = false;	/* the last batch is over */
	l->collecting = true;
	/* 0 means the deadline passed: poller events that give the
	 * program nothing (a queue moving, input dropped while closing)
	 * wait again. */
	do {
		l->now = netkit_now();
		l->limit = 2 * NETKIT__POLLER_BATCH;
		before_wait(l);
		/* With events in hand, only a look that does not sleep:
		 * what is ready elsewhere must not wait behind them (a
		 * connection that drains at every settle would starve the
		 * others). */
		n = netkit_poller_wait(l->poller, &pe,
				       l->n_batch ? NETKIT_NOW : deadline);
		l->limit = l->cap_batch;
		if (n <= 0)
			break;
		l->now = netkit_now();
		translate(l, pe, n);
	} while (l->n_batch == 0 && !netkit__expired(deadline.at));
	l->collecting = false;
	if (n < 0 && l->n_batch == 0)
		return n;
	*events = l->batch;
	return (int)l->n_batch;
}

NETKIT_EXPORT int
netkit_loop_wake(netkit_loop *l)
{
	if (!l)
		return -EINVAL;
	__atomic_store_n(&l->woken, 1, __ATOMIC_RELEASE);
	return netkit_poller_wake(l->poller);
}

NETKIT_EXPORT netkit_conn *
netkit_loop_next(netkit_loop *l, netkit_conn *after)
{
	netkit_conn *c;

	if (!l)
		return NULL;
	c = after ? after->next : l->conns;
	while (c && c->state != CONN_OPEN && c->state != CONN_CLOSING)
		c = c->next;
	return c;
}

/* ---- signals ---- */

/* The loop catching each signal, read by the handler. */
static netkit_loop *catcher[MAX_SIGNAL + 1];

static void
on_signal(int signo)
{
	int saved = errno;
	netkit_loop *l = __atomic_load_n(&catcher[signo], __ATOMIC_ACQUIRE);

	if (l) {
		__atomic_fetch_or(&l->caught, UINT64_C(1) << (signo - 1),
				  __ATOMIC_RELEASE);
		(void)netkit_poller_wake(l->poller);
	}
	errno = saved;
}

NETKIT_EXPORT int
netkit_loop_catch(netkit_loop *l, int signo)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESTART };
	struct netkit__catch *k;
	netkit_loop *none = NULL;

	if (!l || signo < 1 || signo > MAX_SIGNAL || signo == SIGKILL ||
	    signo == SIGSTOP)
		return -EINVAL;
	if (__atomic_load_n(&catcher[signo], __ATOMIC_ACQUIRE) == l)
		return 0;
	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	if (!__atomic_compare_exchange_n(&catcher[signo], &none, l, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		free(k);
		return -EBUSY;
	}
	sigemptyset(&sa.sa_mask);
	if (NK_SYS(sigaction)(signo, &sa, &k->old) < 0) {
		int rc = netkit__errno();

		__atomic_store_n(&catcher[signo], NULL, __ATOMIC_RELEASE);
		free(k);
		return rc;
	}
	k->signo = signo;
	k->next = l->catching;
	l->catching = k;
	return 0;
}

/* The actions netkit_loop_catch() replaced, back in place. */
static void
uncatch(netkit_loop *l)
{
	struct netkit__catch *k;

	while ((k = l->catching)) {
		l->catching = k->next;
		NK_SYS(sigaction)(k->signo, &k->old, NULL);
		__atomic_store_n(&catcher[k->signo], NULL, __ATOMIC_RELEASE);
		free(k);
	}
}

NETKIT_EXPORT netkit_poller *
netkit_loop_poller(netkit_loop *l)
{
	return l ? l->poller : NULL;
}
