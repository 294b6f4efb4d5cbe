/* SPDX-License-Identifier: MIT */
/*
 * The connection layer's accepting: all waiting clients per readiness
 * event up to accept_batch, accepted descriptors non-blocking and
 * close-on-exec, max_conns leaving the rest in the backlog, and a
 * server out of descriptors (in a forked child, so that this process
 * keeps its limit): one ACCEPT_PAUSED, no spinning, the listener kept.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "loop-common.h"
#include "timing.h"

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

/* The descriptor limit that leaves exactly room numbers free: every
 * number below it is open but room of them (valgrind keeps its own
 * above the limit it reports; open ones above ours stay open). */
static long
limit_with_room(long limit, int room)
{
	static bool open_fd[4096];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fd, self = d ? dirfd(d) : -1;
	long k;

	memset(open_fd, 0, sizeof(open_fd));
	while (d && (de = readdir(d))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] != '.' && fd != self && fd < limit &&
		    fd < (int)sizeof(open_fd))
			open_fd[fd] = true;
	}
	if (d)
		closedir(d);
	for (k = 0; k < (long)sizeof(open_fd) && k < limit; k++)
		if (!open_fd[k] && --room == 0)
			return k + 1;
	return -1;
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
	int pauses = 0, j;
	long limit;
	double c0;

	CHILD_CHECK(netkit_loop_new(&loop, NULL) == 0, "loop_new");
	CHILD_CHECK(netkit_loop_listen(loop, lfd, NULL) == 0, "listen");
	CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit");
	limit = limit_with_room((long)rl.rlim_cur, ROOM);
	CHILD_CHECK(limit > 0, "no room for %d descriptors", ROOM);
	rl.rlim_cur = (rlim_t)limit;
	rep->room = ROOM;
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

	/* Valgrind keeps the descriptor limit itself: the kernel's
	 * accept4 succeeds and valgrind closes the new descriptor, so the
	 * waiting clients are dropped instead of waiting. */
	if (nk_under_valgrind())
		NK_SKIP("valgrind emulates RLIMIT_NOFILE (refused accepts "
			"consume the waiting connections)");
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
	if (read(ready[0], &room, sizeof(room)) != sizeof(room)) {
		/* The child gave up before it was ready: its report. */
		ck_assert_int_eq(read(res[0], &rep, sizeof(rep)), sizeof(rep));
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_abort_msg("server: %s", rep.msg);
	}
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
	/* Retries while full are the same pause: no more events. */
	ck_assert_int_eq(rep.pauses_full, 0);
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
	Suite *s = suite_create("loop-accept");

	NK_ADD_TEST(s, accept_batch_bounds_the_opens_of_a_batch);
	NK_ADD_TEST(s, all_waiting_clients_are_accepted_in_one_batch);
	NK_ADD_TEST(s, max_conns_leaves_the_rest_in_the_backlog);
	NK_ADD_TEST(s, out_of_descriptors_pauses_without_spinning);
	return s;
}
