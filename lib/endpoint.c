/* SPDX-License-Identifier: MIT */
/*
 * One-call endpoints: netkit_create_connection() (Happy Eyeballs,
 * RFC 8305, on a synchronous call) and netkit_create_server().
 *
 * The race runs on one thread with one poll() per wait: every attempt
 * in flight is a non-blocking socket with a connect() under way, and
 * poll() waits for any of them, for at most the time until the next
 * attempt is due or the deadline. Nothing is abandoned early: an
 * attempt ends only when it connects, fails, another one wins, or the
 * deadline passes.
 *
 * A stage (struct netkit__stage: the TLS handshake of
 * netkit_tls_create_connection()) moves the finish line: a connected
 * attempt goes on with the stage's non-blocking steps in the same
 * poll(), and only one whose stage is done wins.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netkit-private.h"

#define CONNECT_FLAGS (NETKIT_CONNECT_NODELAY | NETKIT_CONNECT_KEEPALIVE)
#define SERVER_FLAGS \
	(NETKIT_SERVER_NO_REUSEADDR | NETKIT_SERVER_REUSEPORT | \
	 NETKIT_SERVER_DUALSTACK)

/* An attempt in flight; its socket is the pollfd of the same index. */
struct flight {
	const netkit_addr *addr;
	size_t idx;		/* its number in start order */
	int64_t start;
	bool connected;		/* in the stage, if there is one */
	void *state;		/* the stage's, or NULL */
};

struct race {
	const netkit_addr *addrs;
	size_t n;
	const netkit_connect_opts *o;	/* never NULL: zeroed for defaults */
	netkit_connect_report *report;	/* NULL: none wanted */
	struct netkit__stage *stage;	/* NULL: the race ends at connect */
	int64_t deadline;
	int64_t delay;
	int want;		/* the only family tried, or AF_UNSPEC */
	int fam[2];		/* the first family, then the other */
	size_t cur[2];		/* where to look next for each family */
	int turn;		/* index into fam of the family due next */
	const netkit_addr *next; /* the next address to try, or NULL */
	struct pollfd *pfd;	/* the sockets in flight, in start order */
	struct flight *fl;
	int n_fl;
	int max_fl;
	size_t started;		/* attempts made so far */
	int64_t last_start;	/* when the attempt started last began */
	bool last_failed;	/* ... and whether it has failed since */
	int first_err;		/* the first attempt's error, or 0 */
	int answered_err;	/* the first error that shows a host answered */
	int stage_err;		/* the first error of a stage */
};

static bool
family_ok(int family)
{
	return family == AF_UNSPEC || family == AF_INET || family == AF_INET6;
}

static bool
connect_opts_ok(const netkit_connect_opts *o)
{
	if (!o)
		return true;
	if (!family_ok(o->family) || (o->flags & ~CONNECT_FLAGS) ||
	    o->attempt_delay < 0 || o->max_in_flight < 0 ||
	    !NETKIT__RESERVED_ZERO(o))
		return false;
	if (o->source && (!netkit__addr_valid(o->source) ||
	    (o->family != AF_UNSPEC &&
	     netkit_addr_family(o->source) != o->family)))
		return false;
	return true;
}

static bool
expired(const struct race *r)
{
	return r->deadline != NETKIT__NEVER && netkit_now() >= r->deadline;
}

/* The next address of family fam[t] that may be tried, or NULL. */
static const netkit_addr *
scan(struct race *r, int t)
{
	const netkit_addr *a;

	while (r->cur[t] < r->n) {
		a = &r->addrs[r->cur[t]++];
		if (netkit_addr_family(a) == r->fam[t] &&
		    (r->want == AF_UNSPEC || r->want == r->fam[t]))
			return a;
	}
	return NULL;
}

/* RFC 8305 §4 with a First Address Family Count of 1: the families take
 * turns; when one runs out, the rest of the other follows in order. */
static const netkit_addr *
next_addr(struct race *r)
{
	const netkit_addr *a;
	int k, t;

	for (k = 0; k < 2; k++) {
		t = (r->turn + k) % 2;
		a = scan(r, t);
		if (a) {
			r->turn = 1 - t;
			return a;
		}
	}
	return NULL;
}

/* Sets up the race; the report's counters are valid whatever it
 * returns. */
static int
race_init(struct race *r, const netkit_addr *addrs, size_t n,
	  int64_t deadline, const netkit_connect_opts *o,
	  netkit_connect_report *report, struct netkit__stage *stage)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->stage = stage;
	r->addrs = addrs;
	r->n = n;
	r->o = o;
	r->report = report;
	r->deadline = deadline;
	r->delay = o->attempt_delay ? o->attempt_delay :
		   NETKIT_CONNECT_DELAY_DEFAULT;
	r->want = o->family ? o->family :
		  o->source ? netkit_addr_family(o->source) : AF_UNSPEC;
	for (i = 0; i < n && !r->fam[0]; i++)
		if (r->want == AF_UNSPEC ||
		    netkit_addr_family(&addrs[i]) == r->want)
			r->fam[0] = netkit_addr_family(&addrs[i]);
	if (!r->fam[0])
		return -EAFNOSUPPORT;
	r->fam[1] = r->fam[0] == AF_INET ? AF_INET6 : AF_INET;
	r->next = next_addr(r);
	r->max_fl = o->max_in_flight ? o->max_in_flight :
		    NETKIT_CONNECT_IN_FLIGHT_DEFAULT;
	if ((size_t)r->max_fl > n)
		r->max_fl = (int)n;
	r->pfd = calloc((size_t)r->max_fl, sizeof(*r->pfd));
	r->fl = calloc((size_t)r->max_fl, sizeof(*r->fl));
	return r->pfd && r->fl ? 0 : -ENOMEM;
}

/* Writes attempt idx into the caller's report, if it has room. */
static void
record(const struct race *r, const struct flight *f, int result)
{
	netkit_attempt *e;

	if (!r->report || !r->report->attempts || f->idx >= r->report->len)
		return;
	e = &r->report->attempts[f->idx];
	memset(e, 0, sizeof(*e));
	e->addr = *f->addr;
	e->start = f->start;
	e->end = netkit_now();
	e->result = result;
}

static void
note_failure(struct race *r, const struct flight *f, int err)
{
	record(r, f, err);
	if (!r->first_err)
		r->first_err = err;
	if (!r->answered_err && (err == -ECONNREFUSED || err == -ECONNRESET))
		r->answered_err = err;
	if (f->idx + 1 == r->started)
		r->last_failed = true;
}

/* A non-blocking socket, bound to the source if given, passed to the
 * hook if given, with a connect() to a under way (or already done); or
 * a negative code, with nothing open. */
static int
open_attempt(const netkit_addr *a, const netkit_connect_opts *o)
{
	int fd, rc = 0;

	fd = netkit_socket(netkit_addr_family(a), SOCK_STREAM | SOCK_NONBLOCK,
			   0);
	if (fd < 0)
		return fd;
	if (o->source)
		rc = netkit_bind(fd, o->source);
	if (rc == 0 && o->hook)
		rc = netkit__hook_result(o->hook(fd, a, o->hook_arg));
	/* EINTR: the handshake goes on in the kernel, as EINPROGRESS. */
	if (rc == 0 && NK_SYS(connect)(fd, (const struct sockaddr *)&a->ss,
				       a->len) < 0 &&
	    errno != EINPROGRESS && errno != EINTR)
		rc = netkit__errno();
	if (rc < 0) {
		netkit_close(fd);
		return rc;
	}
	return fd;
}

/* Starts the next attempt. One connected at once is left in flight:
 * the next poll() reports it writable at once, and it wins there. */
static void
start_attempt(struct race *r)
{
	struct flight f = { .addr = r->next, .idx = r->started++ };
	int fd;

	f.start = netkit_now();
	r->next = next_addr(r);
	r->last_start = f.start;
	r->last_failed = false;
	fd = open_attempt(f.addr, r->o);
	if (fd < 0) {
		note_failure(r, &f, fd);
		return;
	}
	r->pfd[r->n_fl].fd = fd;
	r->pfd[r->n_fl].events = POLLOUT;
	r->pfd[r->n_fl].revents = 0;
	r->fl[r->n_fl++] = f;
}

/* Another attempt may start now: a slot is free and an address left,
 * and nothing is in flight, or (before the deadline) the attempt
 * started last has failed or the delay since its start has passed. */
static bool
can_start(const struct race *r)
{
	if (!r->next || r->n_fl >= r->max_fl)
		return false;
	if (r->n_fl == 0)
		return true;
	if (expired(r))
		return false;
	return r->last_failed || netkit_now() >= r->last_start + r->delay;
}

/* poll()'s timeout: until the deadline, or the next attempt's start if
 * one is due earlier. */
static int
wait_ms(const struct race *r)
{
	int ms = netkit__poll_timeout(r->deadline);
	int64_t left;

	if (!r->next || r->n_fl >= r->max_fl || ms == 0)
		return ms;
	left = r->last_start + r->delay - netkit_now();
	if (left < 0)
		left = 0;
	if (left > INT_MAX)
		left = INT_MAX;
	return ms < 0 || left < ms ? (int)left : ms;
}

/* Closes attempt i's socket and frees its stage's state. */
static void
close_attempt(struct race *r, int i)
{
	netkit_close(r->pfd[i].fd);
	if (r->fl[i].state)
		r->stage->drop(r->fl[i].state);
}

static void
drop(struct race *r, int i)
{
	int k;

	for (k = i; k + 1 < r->n_fl; k++) {
		r->pfd[k] = r->pfd[k + 1];
		r->fl[k] = r->fl[k + 1];
	}
	r->n_fl--;
}

/* Closes every attempt still in flight; the report says -ECANCELED. */
static void
cancel_all(struct race *r)
{
	int i;

	for (i = 0; i < r->n_fl; i++) {
		close_attempt(r, i);
		record(r, &r->fl[i], -ECANCELED);
	}
	r->n_fl = 0;
}

/* Attempt i's socket is ready: its connect's outcome, then its stage's
 * step: 0 when it is done, -EAGAIN while the stage waits (for the
 * events it set), or the attempt's error. */
static int
advance(struct race *r, int i)
{
	struct flight *f = &r->fl[i];
	int err;

	if (!f->connected) {
		err = netkit__connect_result(r->pfd[i].fd, r->pfd[i].revents);
		if (err < 0 || !r->stage)
			return err;
		f->connected = true;
	}
	err = r->stage->step(r->stage->arg, r->pfd[i].fd, &f->state,
			     &r->pfd[i].events);
	if (err < 0 && err != -EAGAIN && !r->stage_err)
		r->stage_err = err;
	return err;
}

/* After poll(): the index of the earliest-started attempt that is done
 * (connected, and through its stage), or -1; the ones that failed are
 * closed and noted. */
static int
collect(struct race *r)
{
	int i = 0, err;

	while (i < r->n_fl) {
		if (!r->pfd[i].revents) {
			i++;
			continue;
		}
		err = advance(r, i);
		if (err == 0)
			return i;
		if (err == -EAGAIN) {
			i++;
			continue;
		}
		note_failure(r, &r->fl[i], err);
		close_attempt(r, i);
		drop(r, i);
	}
	return -1;
}

/* The winner becomes a plain blocking socket with the caller's options. */
static int
finish_socket(int fd, int flags)
{
	int rc = netkit__set_blocking(fd);

	if (rc < 0)
		return rc;
	if (flags & NETKIT_CONNECT_NODELAY)
		rc = netkit_set_nodelay(fd, true);
	if (rc == 0 && (flags & NETKIT_CONNECT_KEEPALIVE))
		rc = netkit_set_keepalive(fd,
					  &(netkit_keepalive){ .on = true });
	return rc;
}

/* Attempt i won: every other one is closed; the winner is returned. */
static int
finish_win(struct race *r, int i)
{
	struct flight f = r->fl[i];
	int fd = r->pfd[i].fd, rc;

	drop(r, i);
	cancel_all(r);
	rc = finish_socket(fd, r->o->flags);
	record(r, &f, rc);
	if (rc < 0) {
		netkit_close(fd);
		if (f.state)
			r->stage->drop(f.state);
		return rc;
	}
	if (r->stage)
		r->stage->won = f.state;
	return fd;
}

/* All attempts failed before the deadline: the rule of the header (a
 * stage's error, such as a refused certificate, first). */
static int
best_error(const struct race *r)
{
	if (r->stage_err)
		return r->stage_err;
	if (r->answered_err)
		return r->answered_err;
	return r->first_err ? r->first_err : -EIO;
}

static int
race_run(struct race *r)
{
	int rc, i;

	for (;;) {
		while (can_start(r))
			start_attempt(r);
		if (r->n_fl == 0)
			return best_error(r);
		rc = NK_SYS(poll)(r->pfd, (nfds_t)r->n_fl, wait_ms(r));
		if (rc < 0 && errno != EINTR) {
			rc = netkit__errno();
			cancel_all(r);
			return rc;
		}
		if (rc > 0 && (i = collect(r)) >= 0)
			return finish_win(r, i);
		/* Checked after a poll(), so that an attempt that connected
		 * just before the deadline is still seen. */
		if (r->n_fl > 0 && expired(r)) {
			cancel_all(r);
			return -ETIMEDOUT;
		}
	}
}

static bool
report_ok(const netkit_connect_report *rep)
{
	return !rep || !(rep->len > 0 && !rep->attempts);
}

int
netkit__connect_addrs(const netkit_addr *addrs, size_t n,
		      const netkit_connect_opts *opts,
		      netkit_connect_report *report, netkit_deadline dl)
{
	return netkit__connect_staged(addrs, n, opts, report, dl, NULL);
}

int
netkit__connect_staged(const netkit_addr *addrs, size_t n,
		       const netkit_connect_opts *opts,
		       netkit_connect_report *report, netkit_deadline dl,
		       struct netkit__stage *stage)
{
	static const netkit_connect_opts defaults;
	struct race r;
	size_t i;
	int rc;

	if (!addrs || n == 0 || !netkit__deadline_ok(dl.at) ||
	    !connect_opts_ok(opts) || !report_ok(report))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!netkit__addr_valid(&addrs[i]))
			return -EINVAL;
	rc = race_init(&r, addrs, n, dl.at, opts ? opts : &defaults, report,
		       stage);
	if (rc == 0)
		rc = race_run(&r);
	if (report)
		report->count = r.started;
	free(r.pfd);
	free(r.fl);
	return rc;
}

NETKIT_EXPORT int
netkit_create_connection(const char *host, const char *service,
			 const netkit_connect_opts *opts,
			 netkit_connect_report *report, netkit_deadline dl)
{
	return netkit__create_staged(host, service, opts, report, dl, NULL);
}

int
netkit__create_staged(const char *host, const char *service,
		      const netkit_connect_opts *opts,
		      netkit_connect_report *report, netkit_deadline dl,
		      struct netkit__stage *stage)
{
	netkit_addrinfo_hints hints = { .type = SOCK_STREAM };
	netkit_addrinfo *list = NULL, *ai;
	netkit_addr *addrs;
	size_t n = 0;
	int rc;

	if (!host || !service || !netkit__deadline_ok(dl.at) ||
	    !connect_opts_ok(opts) || !report_ok(report))
		return -EINVAL;
	hints.family = opts ? opts->family : 0;
	rc = netkit_getaddrinfo_until(host, service, &hints, &list, dl);
	if (rc < 0)
		goto out;
	addrs = calloc((size_t)rc, sizeof(*addrs));
	if (!addrs) {
		rc = -ENOMEM;
		goto out;
	}
	for (ai = list; ai; ai = ai->next)
		addrs[n++] = ai->addr;
	rc = netkit__connect_staged(addrs, n, opts, report, dl, stage);
	free(addrs);
	netkit_addrinfo_free(list);
	return rc;
out:
	/* Nothing was attempted; bad arguments leave the report alone. */
	if (report && rc != -EINVAL)
		report->count = 0;
	netkit_addrinfo_free(list);
	return rc;
}

static bool
server_opts_ok(const netkit_server_opts *o)
{
	return family_ok(o->family) && !(o->flags & ~SERVER_FLAGS) &&
	       o->backlog >= 0 && NETKIT__RESERVED_ZERO(o) &&
	       !((o->flags & NETKIT_SERVER_DUALSTACK) && o->family == AF_INET);
}

/* The socket options of netkit_create_server(), before bind(). */
static int
server_sockopts(int fd, int family, int flags)
{
	int rc = 0;

	if (!(flags & NETKIT_SERVER_NO_REUSEADDR))
		rc = netkit_set_reuseaddr(fd, true);
	if (rc == 0 && (flags & NETKIT_SERVER_REUSEPORT))
		rc = netkit_set_reuseport(fd, true);
	/* Never the system's default (net.ipv6.bindv6only): always said. */
	if (rc == 0 && family == AF_INET6)
		rc = netkit_set_v6only(fd,
				       !(flags & NETKIT_SERVER_DUALSTACK));
	return rc;
}

static int
listen_on(const netkit_addr *a, const netkit_server_opts *o)
{
	int fd, rc;

	fd = netkit_socket(netkit_addr_family(a), SOCK_STREAM, 0);
	if (fd < 0)
		return fd;
	rc = server_sockopts(fd, netkit_addr_family(a), o->flags);
	if (rc == 0 && o->hook)
		rc = netkit__hook_result(o->hook(fd, a, o->hook_arg));
	if (rc == 0)
		rc = netkit_bind(fd, a);
	if (rc == 0)
		rc = netkit_listen(fd, o->backlog ? o->backlog :
				   NETKIT_SERVER_BACKLOG_DEFAULT);
	if (rc < 0) {
		netkit_close(fd);
		return rc;
	}
	return fd;
}

NETKIT_EXPORT int
netkit_create_server(const char *host, const char *service,
		     const netkit_server_opts *opts, netkit_deadline dl)
{
	static const netkit_server_opts defaults;
	netkit_addrinfo_hints hints = { .type = SOCK_STREAM,
					.flags = NETKIT_AI_PASSIVE };
	netkit_addrinfo *list = NULL;
	int rc;

	if (!opts)
		opts = &defaults;
	if (!service || !server_opts_ok(opts) || !netkit__deadline_ok(dl.at))
		return -EINVAL;
	hints.family = opts->flags & NETKIT_SERVER_DUALSTACK ? AF_INET6 :
		       opts->family;
	if (!host) {
		host = hints.family == AF_INET6 ? "::" : "0.0.0.0";
		hints.flags |= NETKIT_AI_NUMERICHOST;
	}
	rc = netkit_getaddrinfo_until(host, service, &hints, &list, dl);
	if (rc < 0)
		return rc;
	rc = listen_on(&list->addr, opts);
	netkit_addrinfo_free(list);
	return rc;
}
