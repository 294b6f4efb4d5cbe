/* SPDX-License-Identifier: MIT */
/*
 * The connection layer at its edges: idle and stall timeouts and the
 * graceful close's deadline (never early; lateness is a retried
 * measurement), a client that pipelines without reading beside clients
 * that must still be answered, accepting in batches and up to
 * max_conns, and a server out of descriptors (in a forked child, so
 * this process keeps its limit).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "loop-common.h"
#include "timing.h"

/* Runs the loop until ms from now or c's CLOSED (then true, *e and
 * *end, nk_clock_ms(), filled). */
static bool
closed_within(struct lt *t, netkit_conn *c, int64_t ms, netkit_loop_event *e,
	      double *end)
{
	netkit_deadline dl = netkit_deadline_in(ms);

	while (netkit_now() < dl.at) {
		if (!lt_poll(t, dl.at - netkit_now(), e))
			continue;
		if (e->kind == NETKIT_LOOP_CLOSED && e->conn == c) {
			*end = nk_clock_ms();
			return true;
		}
	}
	return false;
}

/* Three lines 60 ms apart keep a connection with idle_ms 150 open;
 * then CLOSED NETKIT_EIDLE, not before 150 ms after the last one. */
NK_ON_TIME_TEST(idle_connection_closes_with_eidle_never_early)
{
	netkit_loop_opts o = { .idle_ms = 150 };
	netkit_deadline dl = netkit_deadline_in(o.idle_ms);
	netkit_loop_event e;
	double t0 = nk_clock_ms(), end;
	netkit_conn *c;
	struct lt t;
	int cl, j;

	lt_start(&t, &o);
	cl = lt_accept(&t, &c);
	for (j = 0; j < 3; j++) {
		if (closed_within(&t, c, 60, &e, &end)) {
			/* Only a stalled machine gets here: early fails. */
			nk_assert_on_time("idle close", t0, dl, end);
			nk_late("idle close during the keep-alive lines");
			goto out;
		}
		dl = netkit_deadline_in(o.idle_ms);
		t0 = nk_clock_ms();
		ck_assert_int_eq(send(cl, "x\n", 2, 0), 2);
	}
	ck_assert(closed_within(&t, c, nk_scaled_ms(5000), &e, &end));
	ck_assert_int_eq(e.err, NETKIT_EIDLE);
	nk_assert_on_time("idle close", t0, dl, end);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], 1);
out:
	close(cl);
	lt_stop(&t);
}

/* A big queue to a client that never reads, stall_ms 200: CLOSED
 * NETKIT_ESTALL, never before 200 ms after the queue last moved (seen
 * as netkit_conn_queued() going down during a wait). */
NK_ON_TIME_TEST(stalled_output_closes_with_estall_never_early)
{
	netkit_loop_opts o = { .stall_ms = 200, .output_max = 4 << 20 };
	static char chunk[1 << 20];
	netkit_deadline dl, moved, cand;
	netkit_loop_event e;
	double t0, t_moved, end = 0;
	bool closed = false;
	netkit_conn *c;
	size_t before;
	struct lt t;
	int cl;

	lt_start(&t, &o);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	moved = netkit_deadline_in(o.stall_ms);
	t_moved = nk_clock_ms();
	dl = netkit_deadline_in(nk_scaled_ms(5000));
	while (!closed && netkit_now() < dl.at) {
		/* Taken before the wait: if the queue moves during it, it
		 * moved after this. */
		before = netkit_conn_queued(c);
		cand = netkit_deadline_in(o.stall_ms);
		t0 = nk_clock_ms();
		e.kind = 0;
		(void)lt_poll(&t, 10, &e);
		if (e.kind == NETKIT_LOOP_CLOSED && e.conn == c) {
			end = nk_clock_ms();
			closed = true;
		} else if (netkit_conn_queued(c) < before) {
			moved = cand;
			t_moved = t0;
		}
	}
	ck_assert_msg(closed, "no CLOSED for a stalled connection");
	ck_assert_int_eq(e.err, NETKIT_ESTALL);
	nk_assert_on_time("stall close", t_moved, moved, end);
	close(cl);
	lt_stop(&t);
}

/* netkit_conn_close() on a stalled queue: CLOSED -ETIMEDOUT, not
 * before the deadline. */
NK_ON_TIME_TEST(close_deadline_with_output_unsent_is_etimedout)
{
	static char chunk[1 << 20];
	netkit_loop_event e;
	netkit_deadline dl;
	netkit_conn *c;
	struct lt t;
	double t0, end;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept_rcvbuf(&t, &c, 4096);
	lt_small_sndbuf(c);
	ck_assert_int_eq(netkit_conn_write(c, chunk, sizeof(chunk)),
			 NETKIT_CONN_HIGH);
	lt_run(&t, 20);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(200);
	ck_assert_int_eq(netkit_conn_close(c, dl), 0);
	ck_assert(closed_within(&t, c, nk_scaled_ms(5000), &e, &end));
	ck_assert_int_eq(e.err, -ETIMEDOUT);
	nk_assert_on_time("close deadline", t0, dl, end);
	close(cl);
	lt_stop(&t);
}

/* Output all sent, but the peer never ends: CLOSED err 0 at the
 * deadline, not before (the close waits for the peer's end until it). */
NK_ON_TIME_TEST(close_waits_for_the_peer_until_the_deadline)
{
	netkit_loop_event e;
	netkit_deadline dl;
	netkit_conn *c;
	struct lt t;
	double t0, end;
	char got[8];
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_write(c, "bye\n", 4), 0);
	t0 = nk_clock_ms();
	dl = netkit_deadline_in(200);
	ck_assert_int_eq(netkit_conn_close(c, dl), 0);
	ck_assert(closed_within(&t, c, nk_scaled_ms(5000), &e, &end));
	ck_assert_int_eq(e.err, 0);
	nk_assert_on_time("close without the peer's end", t0, dl, end);
	ck_assert_int_eq(recv(cl, got, sizeof(got), 0), 4);
	close(cl);
	lt_stop(&t);
}

/* ---- one client pipelines without reading ---- */

#define N_GOOD 3
#define ROUNDS 20

struct peer {
	int fd;			/* the client */
	netkit_conn *c;		/* its connection */
	bool paused;		/* its handler saw NETKIT_CONN_HIGH */
	unsigned highs;
	/* good clients: the round trip under way */
	int done;
	bool waiting;
	double sent_at, worst;
	char want[32], got[32];
	size_t have;
};

static int
local_port(int fd)
{
	netkit_addr a;

	ck_assert_int_eq(netkit_local_addr(fd, &a), 0);
	return netkit_addr_port(&a);
}

/* An echo handler that honours the marks: lines back until HIGH. */
static void
echo(struct peer *p, const netkit_loop_opts *o)
{
	char line[2048];
	ssize_t n;
	int r;

	while (!p->paused &&
	       (n = netkit_reader_read_line(netkit_conn_reader(p->c), line,
					    sizeof(line), NETKIT_NOW)) > 0) {
		r = netkit_conn_write(p->c, line, (size_t)n);
		ck_assert_int_ge(r, 0);
		ck_assert_uint_le(netkit_conn_queued(p->c), o->output_max);
		if (r == NETKIT_CONN_HIGH) {
			p->paused = true;
			p->highs++;
		}
	}
}

static void
good_turn(struct peer *g, int k)
{
	ssize_t n;

	if (!g->waiting) {
		snprintf(g->want, sizeof(g->want), "ping %d %d\n", k, g->done);
		ck_assert_int_eq(send(g->fd, g->want, strlen(g->want), 0),
				 (ssize_t)strlen(g->want));
		g->sent_at = nk_clock_ms();
		g->waiting = true;
		g->have = 0;
		return;
	}
	n = recv(g->fd, g->got + g->have, strlen(g->want) - g->have,
		 MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	ck_assert_int_gt(n, 0);
	g->have += (size_t)n;
	if (g->have < strlen(g->want))
		return;
	ck_assert_int_eq(memcmp(g->got, g->want, g->have), 0);
	if (nk_clock_ms() - g->sent_at > g->worst)
		g->worst = nk_clock_ms() - g->sent_at;
	g->waiting = false;
	g->done++;
}

static struct peer *
peer_of(struct peer *p, int n, netkit_conn *c)
{
	int port = 0, k;
	netkit_addr a;

	for (k = 0; k < n; k++)
		if (p[k].c == c)
			return &p[k];
	ck_assert_int_eq(netkit_peer_addr(netkit_conn_fd(c), &a), 0);
	port = netkit_addr_port(&a);
	for (k = 0; k < n; k++)
		if (local_port(p[k].fd) == port) {
			p[k].c = c;
			return &p[k];
		}
	ck_abort_msg("connection of no client");
	return NULL;
}

/* The bad client (peer[0]) sends up to 5 MiB of 1000-byte lines and
 * never reads; the echo handler stops at HIGH. Each good client still
 * gets all its answers; the worst round trip above 100 ms is a late
 * figure, retried. */
NK_ON_TIME_TEST(pipelining_client_that_never_reads_slows_only_itself)
{
	netkit_loop_opts o = { .output_high = 65536, .output_max = 1 << 20 };
	struct peer p[1 + N_GOOD];
	static char bad[65000];
	size_t bad_sent = 0, cap = nk_slow_runner() ? 1 << 20 : 5 << 20;
	netkit_deadline dl;
	netkit_loop_event e;
	struct peer *q;
	int k, all;
	double worst = 0;
	struct lt t;
	ssize_t n;

	memset(p, 0, sizeof(p));
	for (k = 0; k < (int)sizeof(bad); k++)
		bad[k] = k % 1000 == 999 ? '\n' : 'B';
	lt_start(&t, &o);
	p[0].fd = lt_client_rcvbuf(&t, 4096);
	for (k = 1; k <= N_GOOD; k++)
		p[k].fd = lt_client(&t);
	dl = netkit_deadline_in(nk_scaled_ms(15000));
	do {
		ck_assert_msg(netkit_now() < dl.at, "good clients starved");
		if (bad_sent < cap) {
			n = send(p[0].fd, bad, sizeof(bad), MSG_DONTWAIT);
			if (n > 0)
				bad_sent += (size_t)n;
		}
		/* The good clients start once the bad one is held. */
		for (k = 1; k <= N_GOOD; k++)
			if (p[k].c && p[k].done < ROUNDS && p[0].highs)
				good_turn(&p[k], k);
		if (lt_poll(&t, 1, &e) && e.conn) {
			q = peer_of(p, 1 + N_GOOD, e.conn);
			if (e.kind == NETKIT_LOOP_OPEN && q == &p[0])
				lt_small_sndbuf(e.conn);
			ck_assert_uint_ne(e.kind, NETKIT_LOOP_CLOSED);
			if (e.kind == NETKIT_LOOP_DRAINED)
				q->paused = false;
			echo(q, &o);
		}
		for (all = 1, k = 1; k <= N_GOOD; k++)
			all &= p[k].done == ROUNDS;
	} while (!all);
	ck_assert_msg(p[0].highs >= 1, "the bad client never filled its "
		      "queue (%zu bytes sent)", bad_sent);
	ck_assert_uint_le(netkit_conn_queued(p[0].c), o.output_max);
	for (k = 1; k <= N_GOOD; k++)
		if (p[k].worst > worst)
			worst = p[k].worst;
	if (worst > 100.0 * nk_time_scale())
		nk_late("worst round trip %.1f ms beside the pipelining client",
			worst);
	for (k = 0; k <= N_GOOD; k++)
		close(p[k].fd);
	lt_stop(&t);
}

/* ---- accepting ---- */

/* Connections waiting in a listener's accept queue (TCP_INFO). */
static unsigned
backlog_of(int lfd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	ck_assert_int_eq(getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	return ti.tcpi_unacked;
}

static void
await_backlog(int lfd, unsigned n)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(5000));
	struct timespec nap = { 0, 1000 * 1000 };

	while (backlog_of(lfd) < n) {
		ck_assert_msg(netkit_now() < dl.at, "%u of %u in the backlog",
			      backlog_of(lfd), n);
		nanosleep(&nap, NULL);
	}
}

/* Counts a batch's OPEN events; checks each accepted descriptor is
 * non-blocking and close-on-exec. */
static int
opens_in_batch(struct lt *t, int n)
{
	int k, opens = 0, fd;

	for (k = 0; k < n; k++) {
		if (t->ev[k].kind != NETKIT_LOOP_OPEN)
			continue;
		opens++;
		fd = netkit_conn_fd(t->ev[k].conn);
		ck_assert_int_eq(t->ev[k].fd, fd);
		ck_assert(lt_fl(fd) & O_NONBLOCK);
		ck_assert(nk_is_cloexec(fd));
	}
	t->i = n;
	return opens;
}

/* accept_batch 4, 20 waiting: 4 in the first batch, never more than 4
 * in one, all 20 in the end. */
START_TEST(accept_batch_bounds_the_opens_of_a_batch)
{
	netkit_loop_opts o = { .accept_batch = 4 };
	int cl[20], j, n, opens, total = 0;
	struct lt t;

	lt_start(&t, &o);
	for (j = 0; j < 20; j++)
		cl[j] = lt_client(&t);
	await_backlog(t.lfd, 20);
	n = lt_wait(&t, 5000);
	ck_assert_int_eq(opens_in_batch(&t, n), 4);
	total = 4;
	while (total < 20) {
		n = lt_wait(&t, nk_scaled_ms(5000));
		ck_assert_int_gt(n, 0);
		opens = opens_in_batch(&t, n);
		ck_assert_int_le(opens, 4);
		total += opens;
	}
	ck_assert_int_eq(total, 20);
	for (j = 0; j < 20; j++)
		close(cl[j]);
	lt_stop(&t);
}
END_TEST

/* The default batch takes every one of 50 waiting clients at once. */
START_TEST(all_waiting_clients_are_accepted_in_one_batch)
{
	int cl[50], j, n;
	struct lt t;

	lt_start(&t, NULL);
	for (j = 0; j < 50; j++)
		cl[j] = lt_client(&t);
	await_backlog(t.lfd, 50);
	n = lt_wait(&t, 5000);
	ck_assert_int_eq(opens_in_batch(&t, n), 50);
	ck_assert_uint_eq(backlog_of(t.lfd), 0);
	for (j = 0; j < 50; j++)
		close(cl[j]);
	lt_stop(&t);
}
END_TEST

/* max_conns 2: two accepted, two wait in the backlog (no event); each
 * connection that ends lets one more in. */
START_TEST(max_conns_leaves_the_rest_in_the_backlog)
{
	netkit_loop_opts o = { .max_conns = 2 };
	netkit_conn *c[4];
	netkit_loop_event e;
	int cl[4], j;
	struct lt t;

	lt_start(&t, &o);
	for (j = 0; j < 4; j++)
		cl[j] = lt_client(&t);
	await_backlog(t.lfd, 4);
	for (j = 0; j < 2; j++)
		c[j] = lt_until(&t, NETKIT_LOOP_OPEN, NULL, 5000).conn;
	lt_run(&t, 200);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_OPEN], 2);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_ACCEPT_PAUSED], 0);
	ck_assert_uint_eq(backlog_of(t.lfd), 2);
	for (j = 2; j < 4; j++) {
		ck_assert_int_eq(netkit_conn_abort(c[j - 2], false), 0);
		e = lt_next(&t, 5000);
		ck_assert_uint_eq(e.kind, NETKIT_LOOP_CLOSED);
		c[j] = lt_until(&t, NETKIT_LOOP_OPEN, NULL, 1000).conn;
		lt_run(&t, 50);
		ck_assert_uint_eq(t.count[NETKIT_LOOP_OPEN], (unsigned)j + 1);
	}
	ck_assert_uint_eq(backlog_of(t.lfd), 0);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_ACCEPT_PAUSED], 0);
	for (j = 0; j < 4; j++)
		close(cl[j]);
	lt_stop(&t);
}
END_TEST

/* ---- out of descriptors (a forked child is the server) ---- */

#define ROOM 3		/* connections that fit under the child's limit */
#define EXTRA 5		/* clients beyond them */
#define CPU_TRIES 3

/* What the child reports; msg empty when all went well. */
struct emfile_report {
	int room;		/* connections that fit */
	int opens;		/* OPEN events in all */
	int pauses_filling;	/* ACCEPT_PAUSED until the first was full */
	int pauses_full;	/* ACCEPT_PAUSED during the measured second */
	int bad_err;		/* an ACCEPT_PAUSED err not -EMFILE, or 0 */
	int tries;
	double cpu_ms[CPU_TRIES];
	char msg[200];
};

/* Highest open descriptor and how many are open. */
static void
fd_census(int *highest, int *open_n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, self = d ? dirfd(d) : -1;

	*highest = -1;
	*open_n = 0;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == self)
			continue;
		(*open_n)++;
		if (fd > *highest)
			*highest = fd;
	}
	if (d)
		closedir(d);
}

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

#define CHILD_CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			snprintf(rep->msg, sizeof(rep->msg), __VA_ARGS__); \
			return; \
		} \
	} while (0)

/* One event of the child's loop: OPEN gets "hi\n" written and is kept
 * in conns; ACCEPT_PAUSED is counted into *pauses. */
static int
child_event(const netkit_loop_event *e, int lfd, struct emfile_report *rep,
	    netkit_conn **conns, int *pauses)
{
	if (e->kind == NETKIT_LOOP_OPEN) {
		if (rep->opens < ROOM + 2)
			conns[rep->opens] = e->conn;
		rep->opens++;
		return netkit_conn_write(e->conn, "hi\n", 3);
	}
	if (e->kind == NETKIT_LOOP_ACCEPT_PAUSED) {
		(*pauses)++;
		if (e->err != -EMFILE || e->fd != lfd)
			rep->bad_err = e->err ? e->err : -1;
	}
	return 0;
}

/* Runs the loop for ms, or (until_opens > 0) until that many OPEN and
 * at least one ACCEPT_PAUSED; false on an error. */
static bool
child_run(netkit_loop *loop, int lfd, struct emfile_report *rep,
	  netkit_conn **conns, int *pauses, int64_t ms, int until_opens)
{
	netkit_deadline dl = netkit_deadline_in(ms);
	const netkit_loop_event *ev;
	int n, k;

	while (netkit_now() < dl.at && (until_opens == 0 ||
					rep->opens < until_opens ||
					*pauses == 0)) {
		n = netkit_loop_wait(loop, &ev, dl);
		if (n < 0)
			return false;
		for (k = 0; k < n; k++)
			if (child_event(&ev[k], lfd, rep, conns, pauses) < 0)
				return false;
	}
	return true;
}

static void
emfile_server(int lfd, int ready, struct emfile_report *rep)
{
	netkit_conn *conns[ROOM + 2];
	struct rlimit rl;
	netkit_loop *loop;
	int highest, open_n, pauses = 0, j;
	double c0;

	CHILD_CHECK(netkit_loop_new(&loop, NULL) == 0, "loop_new");
	CHILD_CHECK(netkit_loop_listen(loop, lfd, NULL) == 0, "listen");
	fd_census(&highest, &open_n);
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit");
	rl.rlim_cur = (rlim_t)highest + 1 + ROOM;
	rep->room = (int)rl.rlim_cur - open_n;
	CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit: %s",
		    strerror(errno));
	CHILD_CHECK(write(ready, &rep->room, sizeof(int)) == sizeof(int),
		    "ready");
	/* Filling up: every connection that fits, then one pause. */
	CHILD_CHECK(child_run(loop, lfd, rep, conns, &pauses,
			      nk_scaled_ms(5000), rep->room), "filling");
	CHILD_CHECK(rep->opens == rep->room, "%d of %d accepted", rep->opens,
		    rep->room);
	rep->pauses_filling = pauses;
	/* Full: about no CPU for a second (measured up to three times). */
	for (j = 0; j < CPU_TRIES; j++) {
		pauses = 0;
		c0 = cpu_ms();
		CHILD_CHECK(child_run(loop, lfd, rep, conns, &pauses, 1000, 0),
			    "full");
		rep->cpu_ms[j] = cpu_ms() - c0;
		rep->pauses_full += pauses;
		rep->tries = j + 1;
		if (rep->cpu_ms[j] <= 100.0 * nk_time_scale())
			break;
	}
	CHILD_CHECK(rep->opens == rep->room, "accepted while full");
	/* Two connections end: two waiting clients get in and are served. */
	CHILD_CHECK(netkit_conn_abort(conns[0], false) == 0, "abort");
	CHILD_CHECK(netkit_conn_abort(conns[1], false) == 0, "abort");
	pauses = 0;	/* full again after two: a pause of its own */
	CHILD_CHECK(child_run(loop, lfd, rep, conns, &pauses,
			      nk_scaled_ms(5000), rep->room + 2), "refilling");
	CHILD_CHECK(rep->opens == rep->room + 2, "%d accepted after two ended",
		    rep->opens - rep->room);
	(void)child_run(loop, lfd, rep, conns, &pauses, 100, 0);
	netkit_loop_free(loop);
}

/* A server whose descriptor limit leaves room for ROOM connections,
 * with ROOM + EXTRA clients: it pauses (ACCEPT_PAUSED -EMFILE, once),
 * burns (almost) no CPU while full, keeps its listener, and accepts
 * and serves two waiting clients when two connections end. */
START_TEST(out_of_descriptors_pauses_without_spinning)
{
	struct emfile_report rep;
	int lfd, ready[2], res[2], cl[ROOM + EXTRA + 64], n_cl, room = 0;
	int j, served = 0, status;
	netkit_addr addr;
	char got[4];
	pid_t pid;

	memset(&rep, 0, sizeof(rep));
	lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(netkit_local_addr(lfd, &addr), 0);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(res, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		close(res[0]);
		emfile_server(lfd, ready[1], &rep);
		_exit(write(res[1], &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
	}
	close(lfd);
	close(ready[1]);
	close(res[1]);
	ck_assert(nk_readable(ready[0], (int)nk_scaled_ms(10000)));
	ck_assert_int_eq(read(ready[0], &room, sizeof(room)), sizeof(room));
	ck_assert_int_ge(room, ROOM);
	n_cl = room + EXTRA;
	ck_assert_int_le(n_cl, (int)N_ELEMS(cl));
	for (j = 0; j < n_cl; j++) {
		cl[j] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(cl[j], 0);
		ck_assert_int_eq(connect(cl[j], (struct sockaddr *)&addr,
					 sizeof(struct sockaddr_in)), 0);
	}
	ck_assert(nk_readable(res[0], (int)nk_scaled_ms(25000)));
	ck_assert_int_eq(read(res[0], &rep, sizeof(rep)), sizeof(rep));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(rep.msg[0] == 0, "server: %s", rep.msg);
	ck_assert_int_eq(rep.bad_err, 0);
	ck_assert_int_eq(rep.pauses_filling, 1);
	/* A retry every 100 ms at most while full, not a spin. */
	ck_assert_int_le(rep.pauses_full, rep.tries * 11);
	if (rep.cpu_ms[rep.tries - 1] > 100.0 * nk_time_scale())
		ck_abort_msg("CPU while full: %.1f, %.1f, %.1f ms per second",
			     rep.cpu_ms[0], rep.cpu_ms[1], rep.cpu_ms[2]);
	/* The served clients got "hi\n"; the others were reset when the
	 * server ended with them in its backlog. */
	for (j = 0; j < n_cl; j++) {
		if (nk_readable(cl[j], (int)nk_scaled_ms(2000)) &&
		    recv(cl[j], got, 3, MSG_WAITALL) == 3 &&
		    memcmp(got, "hi\n", 3) == 0)
			served++;
		close(cl[j]);
	}
	ck_assert_int_eq(served, room + 2);
	close(ready[0]);
	close(res[0]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-edge");

	NK_ADD_TEST(s, idle_connection_closes_with_eidle_never_early);
	NK_ADD_TEST(s, stalled_output_closes_with_estall_never_early);
	NK_ADD_TEST(s, close_deadline_with_output_unsent_is_etimedout);
	NK_ADD_TEST(s, close_waits_for_the_peer_until_the_deadline);
	NK_ADD_TEST(s, pipelining_client_that_never_reads_slows_only_itself);
	NK_ADD_TEST(s, accept_batch_bounds_the_opens_of_a_batch);
	NK_ADD_TEST(s, all_waiting_clients_are_accepted_in_one_batch);
	NK_ADD_TEST(s, max_conns_leaves_the_rest_in_the_backlog);
	NK_ADD_TEST(s, out_of_descriptors_pauses_without_spinning);
	return s;
}
