/* SPDX-License-Identifier: MIT */
/*
 * The descriptor layer's promises (issue 13): a deadline of 0 (or one
 * long past) costs exactly one attempt; a call that can never succeed
 * on a kind of descriptor says so at once; "poll says ready, the call
 * says EAGAIN" neither spins nor outlives the deadline; and progress
 * never extends a deadline.
 *
 * System calls are counted through the seam (fault.h): installed with
 * no rule, every wrapper only counts. "One attempt" is one data call
 * (whichever the library picks: send, sendto, sendmsg...) and no poll.
 * A call that, broken, would never return runs under nk_run_guarded(),
 * so that the test fails with a message instead of hanging.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "timing.h"

#define MSG "hello\n"
#define MSG_LEN ((ssize_t)(sizeof(MSG) - 1))
/* How long a call that should answer within its deadline is given
 * before the test frees it and fails. */
#define GUARD_MS 3000
/* More system calls than this in 300 ms is a spin. */
#define MAX_CALLS 100

/* A result for messages: a number or an error name. */
static const char *
res(ssize_t rc, char *buf, size_t len)
{
	if (rc < 0)
		return netkit_errname((int)rc);
	snprintf(buf, len, "%zd", rc);
	return buf;
}

/* ---- Deadline 0: exactly one attempt ---- */

enum kind { TCP, UDP, UNIX_STREAM, UNIX_DGRAM };

/* The two ends of a call's connection. UNIX_DGRAM: peer is a receiver
 * bound to a path in dir, fd a sender connected to it (so that poll
 * sees the receiver's queue), to the receiver's address. */
struct ends {
	int fd;
	int peer;
	char dir[32];
	netkit_addr to;
};

/* The receiver's path in e->dir. */
static void
dgram_path(const struct ends *e, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/r", e->dir);
}

static void
open_unix_dgram(struct ends *e, bool connect_it)
{
	struct sockaddr_un sun;

	strcpy(e->dir, "/tmp/nk-fd-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	dgram_path(e, &sun);
	e->peer = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	e->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(e->peer, 0);
	ck_assert_int_ge(e->fd, 0);
	ck_assert_int_eq(bind(e->peer, (struct sockaddr *)&sun, sizeof(sun)),
			 0);
	if (connect_it)
		ck_assert_int_eq(connect(e->fd, (struct sockaddr *)&sun,
					 sizeof(sun)), 0);
	ck_assert_int_eq(netkit_addr_from_path(&e->to, sun.sun_path), 0);
}

static void
open_ends(enum kind kind, struct ends *e)
{
	netkit_addr a, b;
	int sv[2];

	memset(e, 0, sizeof(*e));
	switch (kind) {
	case TCP:
		nk_tcp_pair(AF_INET, &e->fd, &e->peer);
		break;
	case UDP:
		e->fd = nk_udp(AF_INET, &a);
		e->peer = nk_udp(AF_INET, &b);
		ck_assert_int_eq(netkit_connect(e->peer, &a), 0);
		break;
	case UNIX_STREAM:
		ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
		e->fd = sv[0];
		e->peer = sv[1];
		break;
	case UNIX_DGRAM:
		open_unix_dgram(e, true);
		break;
	}
}

static void
close_ends(struct ends *e)
{
	struct sockaddr_un sun;

	close(e->fd);
	close(e->peer);
	if (e->dir[0]) {
		dgram_path(e, &sun);
		unlink(sun.sun_path);
		rmdir(e->dir);
	}
}

/* Datagrams of one byte until the receiver's queue refuses one. */
static void
stuff_dgrams(int fd)
{
	int k;

	for (k = 0; k < 100000; k++) {
		if (send(fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
			continue;
		ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK,
			      "stuffing datagrams: %s", strerror(errno));
		return;
	}
	ck_abort_msg("the datagram queue never filled");
}

/* Fills fd's way to its peer until a send is refused, and stays so:
 * TCP frees room while ACKs come in, so it is stuffed again until a
 * send is refused after 50 ms without room. */
static void
stuff(enum kind kind, int fd)
{
	uint64_t off = 0;
	int k;

	if (kind == UNIX_DGRAM) {
		stuff_dgrams(fd);
		return;
	}
	for (k = 0; k < 100; k++) {
		(void)nk_wait_fd(fd, POLLOUT, 50);
		if (nk_stream_stuff(fd, &off) == 0)
			return;
	}
	ck_abort_msg("the socket never stayed full");
}

/* Reads what peer holds until fd has room (at most 10 s). */
static void
make_room(int fd, int peer)
{
	char *buf = malloc(65536);
	double end = nk_clock_ms() + 10000;
	int k;

	ck_assert_ptr_nonnull(buf);
	while (!(nk_wait_fd(fd, POLLOUT, 10) & POLLOUT)) {
		ck_assert_msg(nk_clock_ms() < end, "no room after 10 s");
		for (k = 0; k < 10000; k++)
			if (recv(peer, buf, 65536, MSG_DONTWAIT) <= 0)
				break;
	}
	free(buf);
}

static void
give_data(int fd, int peer)
{
	ck_assert_int_eq(send(peer, MSG, MSG_LEN, MSG_NOSIGNAL), MSG_LEN);
	ck_assert(nk_wait_fd(fd, POLLIN, 5000) & POLLIN);
}

static ssize_t
do_recv_until(struct ends *e, netkit_deadline dl)
{
	char buf[64];

	return netkit_recv_until(e->fd, buf, sizeof(buf), dl);
}

static ssize_t
do_send_until(struct ends *e, netkit_deadline dl)
{
	return netkit_send_until(e->fd, MSG, MSG_LEN, dl);
}

static ssize_t
do_recvfrom_until(struct ends *e, netkit_deadline dl)
{
	netkit_addr from;
	char buf[64];

	return netkit_recvfrom_until(e->fd, buf, sizeof(buf), &from, dl);
}

static ssize_t
do_sendto_until(struct ends *e, netkit_deadline dl)
{
	return netkit_sendto_until(e->fd, MSG, MSG_LEN, &e->to, dl);
}

static ssize_t
do_recv_datagram(struct ends *e, netkit_deadline dl)
{
	netkit_datagram_info info;
	netkit_addr from;
	char buf[64];

	return netkit_recv_datagram(e->fd, buf, sizeof(buf), &from, &info,
				    dl);
}

static ssize_t
do_send_datagram(struct ends *e, netkit_deadline dl)
{
	return netkit_send_datagram(e->fd, MSG, MSG_LEN, NULL, dl);
}

static ssize_t
do_recv_fds_until(struct ends *e, netkit_deadline dl)
{
	int fds[4];
	size_t n = 0;
	char buf[64];

	return netkit_recv_fds(e->fd, buf, sizeof(buf), fds, 4, &n, dl);
}

static ssize_t
do_send_fds_until(struct ends *e, netkit_deadline dl)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ssize_t rc;

	ck_assert_int_ge(null, 0);
	rc = netkit_send_fds(e->fd, MSG, MSG_LEN, &null, 1, dl);
	close(null);
	return rc;
}

static ssize_t
do_recv_exact_until(struct ends *e, netkit_deadline dl)
{
	char buf[MSG_LEN];
	size_t got;

	return netkit_recv_exact_until(e->fd, buf, sizeof(buf), &got, dl);
}

static ssize_t
do_send_all_until(struct ends *e, netkit_deadline dl)
{
	size_t sent;

	return netkit_send_all_until(e->fd, MSG, MSG_LEN, &sent, dl);
}

static ssize_t
do_read_line(struct ends *e, netkit_deadline dl)
{
	char buf[256], line[64];
	netkit_reader r;

	ck_assert_int_eq(netkit_reader_init(&r, e->fd, buf, sizeof(buf)), 0);
	return netkit_reader_read_line(&r, line, sizeof(line), dl);
}

static const struct attempt {
	const char *what;
	enum kind kind;
	bool sends;
	ssize_t (*call)(struct ends *e, netkit_deadline dl);
} attempts[] = {
	{ "recv_until", TCP, false, do_recv_until },
	{ "send_until", TCP, true, do_send_until },
	{ "recvfrom_until", UDP, false, do_recvfrom_until },
	{ "sendto_until", UNIX_DGRAM, true, do_sendto_until },
	{ "recv_datagram", UDP, false, do_recv_datagram },
	{ "send_datagram", UNIX_DGRAM, true, do_send_datagram },
	{ "recv_fds_until", UNIX_STREAM, false, do_recv_fds_until },
	{ "send_fds_until", UNIX_STREAM, true, do_send_fds_until },
	{ "recv_exact_until", TCP, false, do_recv_exact_until },
	{ "send_all_until", TCP, true, do_send_all_until },
	{ "reader_read_line", TCP, false, do_read_line },
};

/* Makes the call under the counters; false, with what went wrong in
 * msg, unless it answered want after one data call and no poll. */
static bool
one_attempt_ok(const struct attempt *a, struct ends *e, netkit_deadline dl,
	       ssize_t want, char *msg, size_t len)
{
	unsigned long data, waits;
	char x[24], y[24];
	ssize_t rc;

	nk_fault_install(0);
	rc = a->call(e, dl);
	data = nk_fault_seen_data();
	waits = nk_fault_seen_waits();
	nk_fault_reset();
	if (rc == want && data == 1 && waits == 0)
		return true;
	snprintf(msg, len, "%s, deadline %lld, %s: answered %s (want %s) "
		 "after %lu data call(s) and %lu poll(s) (want 1 and 0)",
		 a->what, (long long)dl.at, want < 0 ? "would block" : "ready",
		 res(rc, x, sizeof(x)), res(want, y, sizeof(y)), data, waits);
	return false;
}

/* One row of attempts[] per run (_i): deadline 0 and a deadline long
 * past (1 ms after boot) on a socket where the call would block, then
 * deadline 0 where it can complete. The ends are closed (and a Unix
 * socket's file removed) before the verdict. */
START_TEST(deadline_zero_is_one_attempt)
{
	const struct attempt *a = &attempts[_i];
	char msg[256] = "";
	struct ends e;
	const char *moved;
	bool ok = false;
	int k;

	open_ends(a->kind, &e);
	/* A full socket whose buffers reopen anyway (late ACKs on a busy
	 * machine: the one attempt then moves bytes) is stuffed again;
	 * a call that waits or tries twice fails at once. */
	for (k = 0; k < 5; k++) {
		if (a->sends)
			stuff(a->kind, e.fd);
		ok = one_attempt_ok(a, &e, NETKIT_NOW, -ETIMEDOUT, msg,
				    sizeof(msg)) &&
		     one_attempt_ok(a, &e, netkit_deadline_at(1), -ETIMEDOUT,
				    msg, sizeof(msg));
		moved = strstr(msg, "answered ");
		if (ok || !a->sends || !moved || moved[9] < '1' ||
		    moved[9] > '9' ||
		    !strstr(msg, "after 1 data call(s) and 0 poll(s)"))
			break;
	}
	if (ok && a->sends)
		make_room(e.fd, e.peer);
	else if (ok)
		give_data(e.fd, e.peer);
	ok = ok && one_attempt_ok(a, &e, NETKIT_NOW, MSG_LEN, msg, sizeof(msg));
	close_ends(&e);
	ck_assert_msg(ok, "%s", msg);
}
END_TEST

/* accept_until(l, NULL, dl) under the counters; the new connection is
 * closed. */
static int
counted_accept(int l, netkit_deadline dl, unsigned long *accepts,
	       unsigned long *waits)
{
	int conn;

	nk_fault_install(0);
	conn = netkit_accept_until(l, NULL, dl);
	*accepts = nk_fault_seen(NK_FAULT_ACCEPT4);
	*waits = nk_fault_seen_waits();
	nk_fault_reset();
	if (conn >= 0)
		close(conn);
	return conn;
}

static int
connect_to(const netkit_addr *a, int l)
{
	int c = netkit_socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(netkit_connect(c, a), 0);
	ck_assert(nk_wait_fd(l, POLLIN, 5000) & POLLIN);
	return c;
}

START_TEST(accept_until_deadline_zero_is_one_accept)
{
	static const int64_t dls[] = { 0, 1 };
	unsigned long acc, waits;
	netkit_addr a;
	int l, c, rc;
	size_t k;

	l = nk_listen(AF_INET, &a);
	/* Non-blocking, nothing waiting: one accept4, no poll. */
	nk_set_nonblocking(l, true);
	for (k = 0; k < N_ELEMS(dls); k++) {
		rc = counted_accept(l, netkit_deadline_at(dls[k]), &acc, &waits);
		ck_assert_msg(rc == -ETIMEDOUT && acc == 1 && waits == 0,
			      "non-blocking listener, deadline %lld, nothing "
			      "waiting: %s after %lu accept4 and %lu poll(s) "
			      "(want ETIMEDOUT after 1 and 0)",
			      (long long)dls[k], netkit_errname(rc), acc,
			      waits);
	}
	/* A connection waiting: it, with no poll. */
	c = connect_to(&a, l);
	rc = counted_accept(l, NETKIT_NOW, &acc, &waits);
	ck_assert_msg(rc >= 0 && acc == 1 && waits == 0, "non-blocking "
		      "listener, a connection waiting: %s after %lu accept4 "
		      "and %lu poll(s) (want a descriptor after 1 and 0)",
		      rc < 0 ? netkit_errname(rc) : "a descriptor", acc, waits);
	close(c);
	/* Blocking: accept4 would block, so at most one poll(0) and no
	 * accept4 when nothing waits. */
	nk_set_nonblocking(l, false);
	for (k = 0; k < N_ELEMS(dls); k++) {
		rc = counted_accept(l, netkit_deadline_at(dls[k]), &acc, &waits);
		ck_assert_msg(rc == -ETIMEDOUT && acc == 0 && waits <= 1,
			      "blocking listener, deadline %lld, nothing "
			      "waiting: %s after %lu accept4 and %lu poll(s) "
			      "(want ETIMEDOUT after 0 and at most 1)",
			      (long long)dls[k], netkit_errname(rc), acc,
			      waits);
	}
	c = connect_to(&a, l);
	rc = counted_accept(l, NETKIT_NOW, &acc, &waits);
	ck_assert_msg(rc >= 0 && acc == 1 && waits <= 1, "blocking listener, "
		      "a connection waiting: %s after %lu accept4 and %lu "
		      "poll(s)", rc < 0 ? netkit_errname(rc) : "a descriptor",
		      acc, waits);
	close(c);
	close(l);
}
END_TEST

/* ---- The wrong kind of descriptor: an answer at once ---- */

/* accept_until with a 2 s deadline on fd; *took gets the time. */
static int
timed_accept(int fd, double *took)
{
	double t0 = nk_clock_ms();
	int rc = netkit_accept_until(fd, NULL, netkit_deadline_in(2000));

	*took = nk_clock_ms() - t0;
	if (rc >= 0)
		close(rc);
	return rc;
}

/* _i: 0 a blocking pipe, 1 a non-blocking one. */
static bool
scenario_accept_until_on_a_pipe(int i)
{
	const char *mode = i ? "non-blocking" : "blocking";
	double took;
	int p[2], rc;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC | (i ? O_NONBLOCK : 0)), 0);
	rc = timed_accept(p[0], &took);
	close(p[0]);
	close(p[1]);
	ck_assert_msg(rc == -ENOTSOCK, "accept_until on a %s pipe answered "
		      "%s after %.0f ms (want ENOTSOCK at once)", mode,
		      rc < 0 ? netkit_errname(rc) : "a descriptor", took);
	return nk_quick_ok("accept_until on a pipe", 0, took, 500);
}

START_TEST(accept_until_on_a_pipe_is_enotsock_at_once)
{
	nk_until_on_time("accept_until on a pipe",
			 scenario_accept_until_on_a_pipe, _i);
}
END_TEST

/* _i: 0 a blocking socket, 1 a non-blocking one. */
static bool
scenario_accept_until_on_a_connected_socket(int i)
{
	const char *mode = i ? "non-blocking" : "blocking";
	double took;
	int c, s, rc;

	nk_tcp_pair(AF_INET, &c, &s);
	nk_set_nonblocking(c, i);
	rc = timed_accept(c, &took);
	close(c);
	close(s);
	ck_assert_msg(rc == -EINVAL, "accept_until on a connected %s TCP "
		      "socket answered %s after %.0f ms (want EINVAL at once)",
		      mode, rc < 0 ? netkit_errname(rc) : "a descriptor", took);
	return nk_quick_ok("accept_until on a connected socket", 0, took, 500);
}

START_TEST(accept_until_on_a_connected_socket_is_einval_at_once)
{
	nk_until_on_time("accept_until on a connected socket",
			 scenario_accept_until_on_a_connected_socket, _i);
}
END_TEST

/* ---- Ready but EAGAIN: no spin, no deadline outlived ---- */

/* An unconnected AF_UNIX datagram sender and a receiver whose queue is
 * full: poll says the sender can write (its own buffer has room),
 * sendto says EAGAIN (the receiver's queue has none). */
struct full_dgram {
	struct ends e;
	netkit_deadline deadline;
	ssize_t rc;
	double end;
};

static void
open_full_dgram(struct full_dgram *d)
{
	memset(d, 0, sizeof(*d));
	open_unix_dgram(&d->e, false);
}

/* Fills the receiver's queue from another socket: the sender's own
 * buffer stays empty, so poll calls it writable. */
static void
fill_receiver(struct full_dgram *d)
{
	struct sockaddr_un sun;
	int f = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(f, 0);
	dgram_path(&d->e, &sun);
	ck_assert_int_eq(connect(f, (struct sockaddr *)&sun, sizeof(sun)), 0);
	stuff_dgrams(f);
	close(f);
}

static void *
sendto_call(void *arg)
{
	struct full_dgram *d = arg;

	d->rc = netkit_sendto_until(d->e.fd, "y", 1, &d->e.to, d->deadline);
	d->end = nk_clock_ms();
	return NULL;
}

/* Makes room in the receiver's queue: the send can then go. */
static void
drain_receiver(void *arg)
{
	struct full_dgram *d = arg;
	char b[16];
	int k;

	/* The queue holds a few datagrams (net.unix.max_dgram_qlen). */
	for (k = 0; k < 100000; k++)
		if (recv(d->e.peer, b, sizeof(b), MSG_DONTWAIT) < 0)
			break;
}

static unsigned long
dgram_calls(void)
{
	return nk_fault_seen(NK_FAULT_SENDTO) +
	       nk_fault_seen(NK_FAULT_SENDMSG) + nk_fault_seen_waits();
}

static bool
scenario_sendto_until_full_unix_receiver(int i)
{
	struct full_dgram d;
	unsigned long calls;
	bool returned;
	double start;
	char x[24];

	(void)i;
	open_full_dgram(&d);
	fill_receiver(&d);
	nk_fault_install(0);
	start = nk_clock_ms();
	d.deadline = netkit_deadline_in(300);
	returned = nk_run_guarded(sendto_call, &d, GUARD_MS, drain_receiver);
	calls = dgram_calls();
	nk_fault_reset();
	close_ends(&d.e);
	ck_assert_msg(returned, "sendto_until to a full receiver (deadline "
		      "300 ms) still inside after %d ms, %lu sendto/sendmsg "
		      "and poll calls made; once the receiver was drained it "
		      "answered %s", GUARD_MS, calls, res(d.rc, x, sizeof(x)));
	ck_assert_msg(d.rc == -ETIMEDOUT, "sendto_until to a full receiver: "
		      "%s (want ETIMEDOUT)", res(d.rc, x, sizeof(x)));
	ck_assert_msg(calls < MAX_CALLS, "sendto_until to a full receiver "
		      "made %lu sendto/sendmsg and poll calls in 300 ms: a "
		      "spin", calls);
	return nk_late_ok("sendto_until to a full receiver", start,
			  d.deadline, d.end);
}

START_TEST(sendto_until_full_unix_receiver_times_out_without_spinning)
{
	nk_until_on_time("sendto_until to a full receiver",
			 scenario_sendto_until_full_unix_receiver, _i);
}
END_TEST

START_TEST(sendto_until_full_unix_receiver_deadline_zero_is_one_attempt)
{
	static const int64_t dls[] = { 0, 1 };
	unsigned long data, waits;
	struct full_dgram d;
	bool returned;
	char x[24];
	size_t k;

	open_full_dgram(&d);
	fill_receiver(&d);
	for (k = 0; k < N_ELEMS(dls); k++) {
		nk_fault_install(0);
		d.deadline = netkit_deadline_at(dls[k]);
		returned = nk_run_guarded(sendto_call, &d, GUARD_MS,
					  drain_receiver);
		data = nk_fault_seen_data();
		waits = nk_fault_seen_waits();
		nk_fault_reset();
		ck_assert_msg(returned && d.rc == -ETIMEDOUT && data == 1 &&
			      waits == 0, "sendto_until to a full receiver, "
			      "deadline %lld: %s %s after %lu data call(s) and "
			      "%lu poll(s) (want ETIMEDOUT at once, after 1 "
			      "and 0)", (long long)dls[k],
			      returned ? "answered" : "still inside after 3 s; "
			      "drained, answered", res(d.rc, x, sizeof(x)),
			      data, waits);
	}
	close_ends(&d.e);
}
END_TEST

/* NETKIT_FOREVER: waits without spinning, and sends once there is
 * room (within 1 s of the drain; retried when later). */
static bool
scenario_sendto_until_forever_sends_once_drained(int i)
{
	struct full_dgram d;
	unsigned long calls;
	nk_thread *t;
	double drained;
	bool early;
	char x[24];

	(void)i;
	open_full_dgram(&d);
	fill_receiver(&d);
	d.deadline = NETKIT_FOREVER;
	nk_fault_install(0);
	t = nk_spawn(sendto_call, &d);
	/* The scenario's 300 ms (not scaled under valgrind: the count is
	 * per 300 ms), in which the call can only wait. */
	(void)poll(NULL, 0, 300);
	early = nk_wait_done(t, 0);
	calls = dgram_calls();
	drain_receiver(&d);
	drained = nk_clock_ms();
	nk_join(t);
	nk_fault_reset();
	close_ends(&d.e);
	ck_assert_msg(!early, "sendto_until (forever) to a full receiver "
		      "answered %s before the receiver was drained",
		      res(d.rc, x, sizeof(x)));
	ck_assert_msg(d.rc == 1, "sendto_until (forever) after the drain: %s "
		      "(want 1)", res(d.rc, x, sizeof(x)));
	ck_assert_msg(calls < MAX_CALLS, "sendto_until (forever) to a full "
		      "receiver made %lu sendto/sendmsg and poll calls in "
		      "300 ms: a spin", calls);
	return nk_quick_ok("sendto_until after the drain", drained, d.end,
			   1000);
}

START_TEST(sendto_until_forever_full_unix_receiver_waits_without_spinning)
{
	nk_until_on_time("sendto_until (forever) to a full receiver",
			 scenario_sendto_until_forever_sends_once_drained, _i);
}
END_TEST

/* A socket with a byte to read whose every receive the seam answers
 * EAGAIN: poll says ready, the call says "would block". */
struct eagain {
	int fd;
	int rules[3];
	netkit_deadline deadline;
	ssize_t rc;
	double end;
};

static void *
recv_call(void *arg)
{
	struct eagain *g = arg;
	char b[16];

	g->rc = netkit_recv_until(g->fd, b, sizeof(b), g->deadline);
	g->end = nk_clock_ms();
	return NULL;
}

static void
retire_rules(void *arg)
{
	struct eagain *g = arg;
	size_t k;

	for (k = 0; k < N_ELEMS(g->rules); k++)
		nk_fault_retire(g->rules[k]);
}

static unsigned long
recv_calls(void)
{
	return nk_fault_seen(NK_FAULT_RECV) +
	       nk_fault_seen(NK_FAULT_RECVFROM) +
	       nk_fault_seen(NK_FAULT_RECVMSG) + nk_fault_seen_waits();
}

static bool
scenario_recv_until_ready_but_eagain(int i)
{
	struct eagain g = { .rc = 0 };
	unsigned long calls;
	bool returned;
	double start;
	char x[24];
	int peer;

	(void)i;
	nk_tcp_pair(AF_INET, &g.fd, &peer);
	give_data(g.fd, peer);
	nk_fault_install(0);
	g.rules[0] = nk_fault_fail(NK_FAULT_RECV, EAGAIN, 0);
	g.rules[1] = nk_fault_fail(NK_FAULT_RECVFROM, EAGAIN, 0);
	g.rules[2] = nk_fault_fail(NK_FAULT_RECVMSG, EAGAIN, 0);
	start = nk_clock_ms();
	g.deadline = netkit_deadline_in(300);
	returned = nk_run_guarded(recv_call, &g, GUARD_MS, retire_rules);
	calls = recv_calls();
	nk_fault_reset();
	close(g.fd);
	close(peer);
	ck_assert_msg(returned, "recv_until, ready but EAGAIN (deadline "
		      "300 ms): still inside after %d ms, %lu receive and poll "
		      "calls made; once receives worked it answered %s",
		      GUARD_MS, calls, res(g.rc, x, sizeof(x)));
	ck_assert_msg(g.rc == -ETIMEDOUT, "recv_until, ready but EAGAIN: %s "
		      "(want ETIMEDOUT)", res(g.rc, x, sizeof(x)));
	ck_assert_msg(calls < MAX_CALLS, "recv_until, ready but EAGAIN: %lu "
		      "receive and poll calls in 300 ms: a spin", calls);
	return nk_late_ok("recv_until, ready but EAGAIN", start, g.deadline,
			  g.end);
}

START_TEST(recv_until_ready_but_eagain_times_out_without_spinning)
{
	nk_until_on_time("recv_until, ready but EAGAIN",
			 scenario_recv_until_ready_but_eagain, _i);
}
END_TEST

/* ---- Progress does not extend a deadline ---- */

#define BIG ((size_t)64 << 20)
/* How long a flood (or a drain) lasts at most: a call that outlives
 * its deadline while the peer keeps pace returns soon after. */
#define FLOOD_MS 1500

/* Every call of one direction moves at most one byte. */
static void
one_byte_per_call(bool sending)
{
	if (sending) {
		nk_fault_short(NK_FAULT_SEND, 1, 0);
		nk_fault_short(NK_FAULT_SENDTO, 1, 0);
		nk_fault_short(NK_FAULT_SENDMSG, 1, 0);
	} else {
		nk_fault_short(NK_FAULT_RECV, 1, 0);
		nk_fault_short(NK_FAULT_RECVFROM, 1, 0);
		nk_fault_short(NK_FAULT_RECVMSG, 1, 0);
	}
}

/* How a transfer call is made against a busy peer. */
typedef ssize_t (*transfer_fn)(int fd, void *buf, netkit_deadline dl, size_t *n);

static ssize_t
call_recv_exact(int fd, void *buf, netkit_deadline dl, size_t *n)
{
	return netkit_recv_exact_until(fd, buf, BIG, n, dl);
}

static ssize_t
call_recv_to_null(int fd, void *buf, netkit_deadline dl, size_t *n)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ssize_t rc;

	(void)buf;
	ck_assert_int_ge(null, 0);
	rc = netkit_recv_to_file(fd, null, 0, n, dl);
	close(null);
	return rc;
}

static ssize_t
call_send_all(int fd, void *buf, netkit_deadline dl, size_t *n)
{
	return netkit_send_all_until(fd, buf, BIG, n, dl);
}

/* SO_SNDBUF on the sender, SO_RCVBUF on the receiver. */
static void
set_buffers(int sender, int receiver, int size)
{
	ck_assert_int_eq(setsockopt(sender, SOL_SOCKET, SO_SNDBUF, &size,
				    sizeof(size)), 0);
	ck_assert_int_eq(setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &size,
				    sizeof(size)), 0);
}

/* The peer floods (or drains) for at most FLOOD_MS while the call,
 * each of its system calls moving one byte, runs with a 300 ms
 * deadline. Received bytes, where kept, must be the flood's. */
static bool
busy_peer(const char *what, transfer_fn call, bool sending, bool check)
{
	unsigned char *buf = malloc(BIG);
	size_t moved = 0, k;
	double start, end;
	nk_flood *peer;
	netkit_deadline dl;
	ssize_t rc;
	int c, s;

	ck_assert_ptr_nonnull(buf);
	if (sending)
		memset(buf, 'y', BIG);
	nk_tcp_pair(AF_INET, &c, &s);
	/* Buffers big enough that the call, one byte at a time, cannot
	 * catch up with the peer, small enough that what is left when the
	 * peer stops goes in well under a second. */
	set_buffers(sending ? c : s, sending ? s : c, 64 * 1024);
	peer = nk_flood_start(s, !sending, FLOOD_MS);
	if (!sending)
		ck_assert(nk_wait_fd(c, POLLIN, 5000) & POLLIN);
	nk_fault_install(0);
	one_byte_per_call(sending);
	start = nk_clock_ms();
	dl = netkit_deadline_in(300);
	rc = call(c, buf, dl, &moved);
	end = nk_clock_ms();
	nk_fault_reset();
	nk_flood_stop(peer);
	close(c);
	close(s);
	for (k = 0; check && k < moved; k++)
		if (buf[k] != 'x')
			break;
	free(buf);
	ck_assert_msg(rc == -ETIMEDOUT, "%s against a busy peer: %s (want "
		      "ETIMEDOUT)", what, netkit_errname((int)rc));
	ck_assert_msg(moved > 0, "%s against a busy peer: nothing moved",
		      what);
	ck_assert_msg(!check || k == moved, "%s: byte %zu is not the peer's",
		      what, k);
	return nk_late_ok(what, start, dl, end);
}

static bool
scenario_recv_exact_until_short_receives(int i)
{
	(void)i;
	return busy_peer("recv_exact_until, 1-byte receives", call_recv_exact,
			 false, true);
}

START_TEST(recv_exact_until_short_receives_keep_the_deadline)
{
	nk_until_on_time("recv_exact_until, 1-byte receives",
			 scenario_recv_exact_until_short_receives, _i);
}
END_TEST

static bool
scenario_recv_to_file_until_flood(int i)
{
	(void)i;
	return busy_peer("recv_to_file_until, 1-byte receives",
			 call_recv_to_null, false, false);
}

START_TEST(recv_to_file_until_against_a_flood_keeps_the_deadline)
{
	nk_until_on_time("recv_to_file_until, 1-byte receives",
			 scenario_recv_to_file_until_flood, _i);
}
END_TEST

static bool
scenario_send_all_until_short_sends(int i)
{
	(void)i;
	return busy_peer("send_all_until, 1-byte sends", call_send_all, true,
			 false);
}

START_TEST(send_all_until_short_sends_keep_the_deadline)
{
	nk_until_on_time("send_all_until, 1-byte sends",
			 scenario_send_all_until_short_sends, _i);
}
END_TEST

/* A test run for a blocking (_i = 0) and a non-blocking (1) descriptor. */
#define ADD_BOTH_MODES(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("fd");

	suite_add_tcase(s, nk_fault_tcase("deadline_zero_is_one_attempt",
					  deadline_zero_is_one_attempt,
					  (int)N_ELEMS(attempts)));
	NK_ADD_FAULT_TEST(s, accept_until_deadline_zero_is_one_accept);
	ADD_BOTH_MODES(s, accept_until_on_a_pipe_is_enotsock_at_once);
	ADD_BOTH_MODES(s, accept_until_on_a_connected_socket_is_einval_at_once);
	NK_ADD_FAULT_TEST(s,
		sendto_until_full_unix_receiver_times_out_without_spinning);
	NK_ADD_FAULT_TEST(s,
		sendto_until_full_unix_receiver_deadline_zero_is_one_attempt);
	NK_ADD_FAULT_TEST(s,
		sendto_until_forever_full_unix_receiver_waits_without_spinning);
	NK_ADD_FAULT_TEST(s,
		recv_until_ready_but_eagain_times_out_without_spinning);
	NK_ADD_FAULT_TEST(s, recv_exact_until_short_receives_keep_the_deadline);
	NK_ADD_FAULT_TEST(s,
		recv_to_file_until_against_a_flood_keeps_the_deadline);
	NK_ADD_FAULT_TEST(s, send_all_until_short_sends_keep_the_deadline);
	return s;
}
