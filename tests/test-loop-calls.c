/* SPDX-License-Identifier: MIT */
/*
 * The connection layer's other calls and its misuse: detach and adopt,
 * the program's own descriptors and timers on the loop's poller, wake-
 * ups from a thread and from a signal handler, every bad argument
 * (refused with its documented code, nothing changed), freeing a loop
 * that still has connections, and an echo server under seeded faults
 * in accept, recv, send and the wait (tests/fault.h).
 *
 * NETKIT_FAULT_SEED=<n> runs the fault test with that seed only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "loop-common.h"
#include "timing.h"

static int
local_port_of(int fd)
{
	netkit_addr a;

	ck_assert_int_eq(netkit_local_addr(fd, &a), 0);
	return netkit_addr_port(&a);
}

/* Detach: -EBUSY with output queued and -ENOBUFS with too small a cap
 * (nothing changes either time), then the descriptor, blocking again,
 * with the unread input; no more events for it. */
START_TEST(detach_returns_a_blocking_descriptor_and_unread_input)
{
	char rest[16], ref[16], line[16], got[8];
	size_t len = 99, rest_len;
	netkit_reader *in;
	netkit_conn *c;
	struct lt t;
	int cl, fd, fd0, j;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	in = netkit_conn_reader(c);
	ck_assert_int_eq(send(cl, "abc\ndef", 7, 0), 7);
	while (netkit_reader_buffered(in, NULL) < 7)
		(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_int_eq(netkit_reader_read_line(in, line, sizeof(line),
						 NETKIT_NOW), 4);
	memset(rest, SENTINEL, sizeof(rest));
	memcpy(ref, rest, sizeof(ref));
	ck_assert_int_eq(netkit_conn_write(c, "x", 1), 0);
	ck_assert_int_eq(netkit_conn_detach(c, rest, sizeof(rest), &len),
			 -EBUSY);
	ck_assert_int_eq(memcmp(rest, ref, sizeof(rest)), 0);
	ck_assert_uint_eq(len, 99);
	lt_client_read(&t, cl, got, 1, 5000);	/* still in the loop */
	ck_assert_int_eq(got[0], 'x');
	ck_assert_uint_eq(netkit_conn_queued(c), 0);
	ck_assert_int_eq(netkit_conn_detach(c, rest, 2, &len), -ENOBUFS);
	ck_assert_int_eq(memcmp(rest, ref, sizeof(rest)), 0);
	ck_assert_uint_eq(len, 99);
	ck_assert_uint_eq(netkit_reader_buffered(in, NULL), 3);
	fd0 = netkit_conn_fd(c);
	ck_assert_int_eq(lt_fl(fd0) & O_NONBLOCK, O_NONBLOCK);
	fd = netkit_conn_detach(c, rest, sizeof(rest), &rest_len);
	ck_assert_int_eq(fd, fd0);
	ck_assert_uint_eq(rest_len, 3);
	ck_assert_int_eq(memcmp(rest, "def", 3), 0);
	ck_assert_int_eq(lt_fl(fd) & O_NONBLOCK, 0);
	ck_assert(nk_is_cloexec(fd));
	ck_assert_int_eq(netkit_conn_detach(c, rest, sizeof(rest), NULL),
			 -EPIPE);
	/* The loop lets go: no event though input comes. */
	ck_assert_int_eq(send(cl, "more", 4, 0), 4);
	memset(t.count, 0, sizeof(t.count));
	lt_run(&t, 100);
	for (j = 0; j < (int)N_ELEMS(t.count); j++)
		ck_assert_msg(t.count[j] == 0, "event %d after detach", j);
	ck_assert_int_eq(recv(fd, got, 4, MSG_WAITALL), 4);
	ck_assert_int_eq(memcmp(got, "more", 4), 0);
	lt_stop(&t);
	/* Still open after the loop is gone: the caller's. */
	ck_assert_int_eq(send(fd, "ok", 2, MSG_NOSIGNAL), 2);
	ck_assert_int_eq(recv(cl, got, 2, MSG_WAITALL), 2);
	close(fd);
	close(cl);
}
END_TEST

/* An adopted socketpair end works like an accepted connection, with no
 * OPEN; a connected TCP socket too, out may be NULL. */
START_TEST(adopted_sockets_work_like_accepted_ones)
{
	netkit_conn *c = (netkit_conn *)&c, *c2;
	netkit_loop_event e;
	int sv[2], cli, srv, tag;
	char line[16];
	struct lt t;

	lt_start(&t, NULL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	ck_assert_int_eq(netkit_loop_adopt(t.loop, sv[0], &tag, &c), 0);
	ck_assert_ptr_ne(c, (netkit_conn *)&c);
	ck_assert_int_eq(netkit_conn_fd(c), sv[0]);
	ck_assert_int_eq(lt_fl(sv[0]) & O_NONBLOCK, O_NONBLOCK);
	ck_assert_int_eq(netkit_loop_adopt(t.loop, sv[0], &tag, &c2), -EEXIST);
	ck_assert_int_eq(write(sv[1], "ping\n", 5), 5);
	e = lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_ptr_eq(e.data, &tag);
	ck_assert_int_eq(e.fd, sv[0]);
	ck_assert_int_eq(netkit_reader_read_line(netkit_conn_reader(c), line,
						 sizeof(line), NETKIT_NOW), 5);
	ck_assert_int_eq(netkit_conn_write(c, "pong\n", 5), 0);
	lt_client_read(&t, sv[1], line, 5, 5000);
	ck_assert_int_eq(memcmp(line, "pong\n", 5), 0);
	close(sv[1]);
	while (netkit_reader_read_line(netkit_conn_reader(c), line,
				       sizeof(line), NETKIT_NOW) != 0)
		(void)lt_until(&t, NETKIT_LOOP_INPUT, c, 5000);
	ck_assert_int_eq(netkit_conn_close(c, netkit_deadline_in(5000)), 0);
	e = lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000);
	ck_assert_int_eq(e.err, 0);
	ck_assert_ptr_eq(e.data, &tag);
	/* TCP, without out: identified by its value. */
	nk_tcp_pair(AF_INET, &cli, &srv);
	ck_assert_int_eq(netkit_loop_adopt(t.loop, srv, &t, NULL), 0);
	nk_set_linger_zero(cli);
	close(cli);
	do
		e = lt_next(&t, 5000);
	while (e.kind != NETKIT_LOOP_CLOSED);
	ck_assert_ptr_eq(e.data, &t);
	ck_assert_int_eq(e.err, -ECONNRESET);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_OPEN], 0);
	lt_stop(&t);
}
END_TEST

/* The program's own descriptor and timer on netkit_loop_poller(): FD
 * and TIMER events with their values; the descriptor stays open after
 * netkit_loop_free(). */
START_TEST(own_descriptor_and_timer_come_back_as_events)
{
	netkit_poller_timer tm;
	netkit_loop_event e;
	int pp[2], tag_fd, tag_tm, seen = 0;
	netkit_poller *p;
	struct lt t;

	lt_start(&t, NULL);
	ck_assert_ptr_null(netkit_loop_poller(NULL));
	p = netkit_loop_poller(t.loop);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pipe2(pp, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(netkit_poller_add(p, pp[0], NETKIT_POLLER_READ,
					   &tag_fd), 0);
	memset(&tm, 0, sizeof(tm));
	tm.data = &tag_tm;
	ck_assert_int_eq(netkit_poller_timer_start_in(p, &tm, 30, 0), 0);
	ck_assert_int_eq(write(pp[1], "x", 1), 1);
	while (seen != 3) {
		e = lt_next(&t, 5000);
		ck_assert_ptr_null(e.conn);
		if (e.kind == NETKIT_LOOP_FD) {
			ck_assert_int_eq(e.fd, pp[0]);
			ck_assert_ptr_eq(e.data, &tag_fd);
			ck_assert_uint_eq(e.events, NETKIT_POLLER_READ);
			ck_assert_ptr_null(e.timer);
			seen |= 1;
			ck_assert_int_eq(netkit_poller_modify(p, pp[0], 0,
							      &tag_fd), 0);
		} else {
			ck_assert_uint_eq(e.kind, NETKIT_LOOP_TIMER);
			ck_assert_ptr_eq(e.timer, &tm);
			ck_assert_ptr_eq(e.data, &tag_tm);
			ck_assert_int_eq(e.fd, -1);
			ck_assert_int_eq(e.err, 0);
			seen |= 2;
		}
	}
	lt_stop(&t);
	ck_assert_int_ge(fcntl(pp[0], F_GETFD), 0);
	close(pp[0]);
	close(pp[1]);
}
END_TEST

static void *
wake_after_100ms(void *arg)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	return (void *)(intptr_t)netkit_loop_wake(arg);
}

static netkit_loop *volatile signal_loop;

static void
wake_on_signal(int sig)
{
	(void)sig;
	(void)netkit_loop_wake(signal_loop);
}

/* netkit_loop_wake() from another thread during a wait, and from a
 * signal handler: a WAKE event (fd -1, no connection). */
START_TEST(wake_from_a_thread_and_from_a_signal_handler)
{
	struct sigaction sa, old;
	netkit_loop_event e;
	nk_signaller *sg;
	nk_thread *th;
	struct lt t;

	lt_start(&t, NULL);
	th = nk_spawn(wake_after_100ms, t.loop);
	e = lt_next(&t, 5000);
	ck_assert_uint_eq(e.kind, NETKIT_LOOP_WAKE);
	ck_assert_int_eq(e.fd, -1);
	ck_assert_ptr_null(e.conn);
	ck_assert_int_eq((intptr_t)nk_join(th), 0);
	lt_run(&t, 20);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_on_signal;
	sigemptyset(&sa.sa_mask);
	signal_loop = t.loop;
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
	sg = nk_signaller_start(pthread_self(), 100, 3000);
	e = lt_next(&t, 5000);
	ck_assert_int_ge(nk_signaller_stop(sg), 1);
	ck_assert_int_eq(sigaction(SIGUSR1, &old, NULL), 0);
	ck_assert_uint_eq(e.kind, NETKIT_LOOP_WAKE);
	lt_stop(&t);
}
END_TEST

/* Every bad option is -EINVAL, and *out stays as it was. */
START_TEST(bad_options_are_refused)
{
	static const struct {
		const char *what;
		netkit_loop_opts o;
	} rows[] = {
		{ "reserved_[0]", { .reserved_[0] = 1 } },
		{ "reserved_[5]", { .reserved_[5] = 1 } },
		{ "unknown poller flag", { .poller_flags = 0x8000 } },
		{ "low == high", { .output_high = 100, .output_low = 100 } },
		{ "low > high", { .output_high = 100, .output_low = 200 } },
		{ "max < high", { .output_high = 100, .output_max = 99 } },
		{ "idle_ms < 0", { .idle_ms = -1 } },
		{ "stall_ms < 0", { .stall_ms = -5 } },
		{ "slow_ms < 0", { .slow_ms = -1 } },
		{ "conn_size > 1 MiB", { .conn_size = 1024 * 1024 + 1 } },
		{ "accept_batch > 4096", { .accept_batch = 4097 } },
		{ "input_size > SIZE_MAX / 2",
		  { .input_size = SIZE_MAX / 2 + 1 } },
	};
	netkit_loop_opts ok = { .output_high = 100, .output_low = 99,
				.output_max = 100 };
	netkit_loop *l, *sent = (netkit_loop *)&l;
	char bad[512] = "";
	size_t k;
	int r;

	for (k = 0; k < N_ELEMS(rows); k++) {
		l = sent;
		r = netkit_loop_new(&l, &rows[k].o);
		if (r != -EINVAL || l != sent)
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
				 "%s: %s%s; ", rows[k].what, netkit_errname(r),
				 l != sent ? " and *out written" : "");
		if (r == 0)
			netkit_loop_free(l);
	}
	ck_assert_msg(bad[0] == 0, "%s", bad);
	ck_assert_int_eq(netkit_loop_new(NULL, NULL), -EINVAL);
	/* The limits themselves are allowed: max == high, low = high - 1. */
	ck_assert_int_eq(netkit_loop_new(&l, &ok), 0);
	netkit_loop_free(l);
	netkit_loop_free(NULL);
}
END_TEST

/* NULL where an object is needed: the documented answers. */
START_TEST(null_arguments_get_their_documented_answers)
{
	const netkit_loop_event *ev = (const netkit_loop_event *)&ev;
	netkit_conn *c, *out = (netkit_conn *)&out;
	size_t len = 7;
	char buf[4];
	struct lt t;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_loop_listen(NULL, 0, NULL), -EINVAL);
	ck_assert_int_eq(netkit_loop_adopt(NULL, 0, NULL, &out), -EINVAL);
	ck_assert_ptr_eq(out, (netkit_conn *)&out);
	ck_assert_int_eq(netkit_loop_wait(NULL, &ev, NETKIT_NOW), -EINVAL);
	ck_assert_ptr_eq(ev, (const netkit_loop_event *)&ev);
	ck_assert_int_eq(netkit_loop_wait(t.loop, NULL, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_loop_wake(NULL), -EINVAL);
	ck_assert_ptr_null(netkit_loop_poller(NULL));
	ck_assert_int_eq(netkit_conn_fd(NULL), -1);
	ck_assert_ptr_null(netkit_conn_reader(NULL));
	ck_assert_int_eq(netkit_conn_set_data(NULL, &t), -EINVAL);
	ck_assert_int_eq(netkit_conn_write(NULL, "x", 1), -EINVAL);
	ck_assert_int_eq(netkit_conn_write(c, NULL, 3), -EINVAL);
	ck_assert_uint_eq(netkit_conn_queued(c), 0);
	ck_assert_uint_eq(netkit_conn_queued(NULL), 0);
	ck_assert_int_eq(netkit_conn_close(NULL, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_conn_abort(NULL, true), -EINVAL);
	ck_assert_int_eq(netkit_conn_detach(NULL, buf, sizeof(buf), &len),
			 -EINVAL);
	ck_assert_uint_eq(len, 7);
	/* The connection is untouched by all that. */
	ck_assert_int_eq(netkit_conn_write(c, "ok", 2), 0);
	lt_client_read(&t, cl, buf, 2, 5000);
	ck_assert_int_eq(memcmp(buf, "ok", 2), 0);
	close(cl);
	lt_stop(&t);
}
END_TEST

/* Refused descriptors stay the caller's, open and unchanged. */
static void
assert_untouched(int fd)
{
	ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
	ck_assert_int_eq(lt_fl(fd) & O_NONBLOCK, 0);
}

START_TEST(listen_and_adopt_refuse_bad_descriptors)
{
	netkit_conn *out = (netkit_conn *)&out;
	int tcp, udp, cli, srv, lfd, sv[2];
	netkit_loop *loop;

	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	ck_assert_int_eq(netkit_loop_listen(loop, -1, NULL), -EBADF);
	ck_assert_int_eq(netkit_loop_listen(loop, nk_closed_fd(), NULL),
			 -EBADF);
	ck_assert_int_eq(netkit_loop_adopt(loop, -1, NULL, &out), -EBADF);
	ck_assert_int_eq(netkit_loop_adopt(loop, nk_closed_fd(), NULL, &out),
			 -EBADF);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(tcp, 0);
	ck_assert_int_ge(udp, 0);
	nk_tcp_pair(AF_INET, &cli, &srv);
	ck_assert_int_eq(netkit_loop_listen(loop, tcp, NULL), -EINVAL);
	ck_assert_int_eq(netkit_loop_listen(loop, udp, NULL), -EINVAL);
	ck_assert_int_eq(netkit_loop_listen(loop, cli, NULL), -EINVAL);
	ck_assert_int_eq(netkit_loop_adopt(loop, udp, NULL, &out), -EINVAL);
	ck_assert_ptr_eq(out, (netkit_conn *)&out);
	assert_untouched(tcp);
	assert_untouched(udp);
	assert_untouched(cli);
	lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_eq(netkit_loop_listen(loop, lfd, NULL), 0);
	ck_assert_int_eq(lt_fl(lfd) & O_NONBLOCK, O_NONBLOCK);
	ck_assert_int_eq(netkit_loop_listen(loop, lfd, NULL), -EEXIST);
	ck_assert_int_eq(netkit_loop_adopt(loop, srv, NULL, NULL), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, srv, NULL, &out), -EEXIST);
	ck_assert_ptr_eq(out, (netkit_conn *)&out);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv),
			 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, &out), -EINVAL);
	assert_untouched(sv[0]);
	netkit_loop_free(loop);		/* closes lfd and srv */
	ck_assert_int_eq(fcntl(lfd, F_GETFD), -1);
	ck_assert_int_eq(fcntl(srv, F_GETFD), -1);
	close(tcp);
	close(udp);
	close(cli);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* An adopt that fails (the poller refuses the descriptor) leaves it as
 * it was: blocking, its close-on-exec flag unchanged, not the loop's. */
START_TEST(failed_adopt_leaves_the_descriptor_as_it_was)
{
	netkit_loop *loop;
	int sv[2];

	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	nk_fault_install(1);
	nk_fault_fail(NK_FAULT_EPOLL_CTL, ENOMEM, 1);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, NULL), -ENOMEM);
	nk_fault_reset();
	ck_assert_int_eq(lt_fl(sv[0]) & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, NULL), 0);
	netkit_loop_free(loop);
	close(sv[1]);
}
END_TEST


/* An abort drops what was queued: netkit_conn_queued() says 0 after it
 * (the bytes are gone with the descriptor), and the client gets none
 * of them, only the end (a reset, asked for). */
START_TEST(abort_drops_the_queue_and_queued_says_so)
{
	char buf[8];
	netkit_conn *c;
	struct lt t;
	ssize_t n;
	int cl;

	lt_start(&t, NULL);
	cl = lt_accept(&t, &c);
	ck_assert_int_eq(netkit_conn_write(c, "hello", 5), 0);
	ck_assert_uint_eq(netkit_conn_queued(c), 5);
	ck_assert_int_eq(netkit_conn_abort(c, true), 0);
	ck_assert_uint_eq(netkit_conn_queued(c), 0);
	ck_assert_int_eq(lt_until(&t, NETKIT_LOOP_CLOSED, c, 5000).err,
			 -ECONNABORTED);
	n = recv(cl, buf, sizeof(buf), 0);
	ck_assert_msg(n < 0 && errno == ECONNRESET,
		      "the client read %zd (%s), not a reset", n,
		      n < 0 ? strerror(errno) : "bytes or EOF");
	close(cl);
	lt_stop(&t);
}
END_TEST

/* A descriptor the program watches on the loop's poller is in the loop
 * already: adopting it answers -EEXIST, as netkit_loop_listen() does,
 * not -ENOMEM (nothing ran out), and leaves it as it was. */
START_TEST(adopting_an_own_descriptor_of_the_poller_is_eexist)
{
	netkit_loop *loop;
	int sv[2];

	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(netkit_poller_add(netkit_loop_poller(loop), sv[0],
					   NETKIT_POLLER_READ, NULL), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, NULL), -EEXIST);
	assert_untouched(sv[0]);
	ck_assert_int_eq(netkit_poller_remove(netkit_loop_poller(loop), sv[0]),
			 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, sv[0], NULL, NULL), 0);
	netkit_loop_free(loop);
	close(sv[1]);
}
END_TEST

/* A loop freed with connections in every state (open with output
 * queued, closing, aborted, adopted) and a client in the backlog:
 * everything closed, nothing leaked (the fixture counts descriptors,
 * valgrind memory), no event. */
START_TEST(free_with_live_connections_closes_everything)
{
	netkit_conn *c[3];
	int cl[4], sv[2], j, fds;
	char b;
	struct lt t;

	lt_start(&t, NULL);
	for (j = 0; j < 3; j++)
		cl[j] = lt_accept(&t, &c[j]);
	cl[3] = lt_client(&t);
	ck_assert_int_eq(netkit_conn_write(c[0], "queued", 6), 0);
	ck_assert_int_eq(netkit_conn_close(c[1], NETKIT_FOREVER), 0);
	ck_assert_int_eq(netkit_conn_abort(c[2], false), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	ck_assert_int_eq(netkit_loop_adopt(t.loop, sv[0], NULL, NULL), 0);
	fds = nk_count_fds();
	lt_stop(&t);
	/* The listener, two accepted sockets, the adopted one, and the
	 * loop's own (at least one): c[2]'s was closed by the abort. */
	ck_assert_int_le(nk_count_fds(), fds - 5);
	for (j = 0; j < 4; j++) {
		ck_assert(nk_readable(cl[j], 5000));
		(void)recv(cl[j], &b, 1, 0);
		close(cl[j]);
	}
	ck_assert(nk_readable(sv[1], 5000));
	ck_assert_int_eq(read(sv[1], &b, 1), 0);
	close(sv[1]);
}
END_TEST

/* ---- an echo server under seeded faults ---- */

#define F_CLIENTS 6
#define F_LINES 400

static const uint64_t seeds[] = { 0x1, 0xdecafbad, 0x5eed0f5eed };

struct fclient {
	int fd, port;
	netkit_conn *c;
	char *want;		/* what it sends, and must get back */
	size_t len, sent, got;
	bool shut, eof, reset, paused, closing, closed;
	int closed_err;
};

static void
fclient_start(struct lt *t, struct fclient *f, int k)
{
	size_t cap = F_LINES * 64, j;
	int n;

	memset(f, 0, sizeof(*f));
	f->want = malloc(cap);
	ck_assert_ptr_nonnull(f->want);
	for (j = 0; j < F_LINES; j++) {
		n = snprintf(f->want + f->len, cap - f->len, "c%d l%zu %.*s\n",
			     k, j, (int)(j * 7 % 40), "0123456789abcdef0123"
			     "456789abcdef0123456789");
		f->len += (size_t)n;
	}
	f->fd = lt_client(t);
	f->port = local_port_of(f->fd);
}

/* One turn of a client: send some, shut down when all went, read and
 * check what came back. */
static void
fclient_turn(struct fclient *f)
{
	char buf[4096];
	ssize_t n;

	if (!f->reset && f->sent < f->len) {
		n = send(f->fd, f->want + f->sent, f->len - f->sent > 1500 ?
			 1500 : f->len - f->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			f->sent += (size_t)n;
		else
			ck_assert_msg(errno == EAGAIN || errno == EPIPE ||
				      errno == ECONNRESET, "client send: %s",
				      strerror(errno));
	}
	if (!f->shut && f->sent == f->len) {
		ck_assert_int_eq(shutdown(f->fd, SHUT_WR), 0);
		f->shut = true;
	}
	if (f->eof || f->reset)
		return;
	n = recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0) {
		ck_assert_msg(f->got + (size_t)n <= f->len &&
			      memcmp(buf, f->want + f->got, (size_t)n) == 0,
			      "bytes %zu..%zu of the echo differ", f->got,
			      f->got + (size_t)n);
		f->got += (size_t)n;
	} else if (n == 0) {
		f->eof = true;
	} else if (errno == ECONNRESET) {
		f->reset = true;
	} else {
		ck_assert_msg(errno == EAGAIN, "client recv: %s",
			      strerror(errno));
	}
}

/* The server's side: an echo honouring the marks; the peer's end
 * starts a graceful close. */
static void
fserver_event(const netkit_loop_event *e, struct fclient *f, int n)
{
	struct fclient *q = NULL;
	netkit_addr a;
	char line[256];
	ssize_t r = 0;
	int k, w;

	if (e->kind == NETKIT_LOOP_ACCEPT_PAUSED) {
		ck_assert_int_eq(e->err, -ENOMEM);
		return;
	}
	ck_assert_ptr_nonnull(e->conn);
	if (e->kind == NETKIT_LOOP_OPEN) {
		ck_assert_int_eq(netkit_peer_addr(netkit_conn_fd(e->conn), &a),
				 0);
		for (k = 0; k < n; k++)
			if (f[k].port == netkit_addr_port(&a))
				q = &f[k];
		ck_assert_ptr_nonnull(q);
		ck_assert_ptr_null(q->c);
		q->c = e->conn;
		ck_assert_int_eq(netkit_conn_set_data(e->conn, q), 0);
	} else {
		q = e->data;
		ck_assert(q >= f && q < f + n && !q->closed);
	}
	if (e->kind == NETKIT_LOOP_CLOSED) {
		q->closed = true;
		q->closed_err = e->err;
		return;
	}
	if (e->kind == NETKIT_LOOP_DRAINED)
		q->paused = false;
	while (!q->paused && !q->closing &&
	       (r = netkit_reader_read_line(netkit_conn_reader(q->c), line,
					    sizeof(line), NETKIT_NOW)) > 0) {
		w = netkit_conn_write(q->c, line, (size_t)r);
		ck_assert_int_ge(w, 0);
		q->paused = w == NETKIT_CONN_HIGH;
	}
	if (r == 0 && !q->closing) {
		ck_assert_int_eq(netkit_conn_close(q->c, NETKIT_FOREVER), 0);
		q->closing = true;
	}
	ck_assert_msg(r >= 0 || r == -EAGAIN || r == -ECONNRESET,
		      "read_line: %s", netkit_errname((int)r));
}

static void
add_rule(enum nk_fault_call call, enum nk_fault_action action, int err,
	 double prob)
{
	(void)nk_fault_add(&(struct nk_fault_rule){ .call = call,
		.action = action, .err = err, .max = 7, .prob = prob });
}

static void
add_faults(void)
{
	static const enum nk_fault_call in[] = { NK_FAULT_RECV,
		NK_FAULT_RECVMSG, NK_FAULT_RECVFROM };
	static const enum nk_fault_call out[] = { NK_FAULT_SEND,
		NK_FAULT_SENDMSG, NK_FAULT_SENDTO };
	size_t k;

	add_rule(NK_FAULT_ACCEPT4, NK_FAULT_FAIL, EINTR, 0.2);
	add_rule(NK_FAULT_ACCEPT4, NK_FAULT_FAIL, EAGAIN, 0.2);
	add_rule(NK_FAULT_ACCEPT4, NK_FAULT_FAIL, ECONNABORTED, 0.1);
	add_rule(NK_FAULT_ACCEPT4, NK_FAULT_FAIL, ENOMEM, 0.1);
	add_rule(NK_FAULT_EPOLL_WAIT, NK_FAULT_FAIL, EINTR, 0.1);
	for (k = 0; k < N_ELEMS(in); k++) {
		add_rule(in[k], NK_FAULT_FAIL, EINTR, 0.1);
		add_rule(in[k], NK_FAULT_FAIL, EAGAIN, 0.1);
		add_rule(in[k], NK_FAULT_SHORT, 0, 0.2);
		add_rule(in[k], NK_FAULT_FAIL, ECONNRESET, 0.002);
	}
	for (k = 0; k < N_ELEMS(out); k++) {
		add_rule(out[k], NK_FAULT_FAIL, EINTR, 0.1);
		add_rule(out[k], NK_FAULT_FAIL, EAGAIN, 0.1);
		add_rule(out[k], NK_FAULT_SHORT, 0, 0.2);
		add_rule(out[k], NK_FAULT_FAIL, ENOMEM, 0.002);
		add_rule(out[k], NK_FAULT_FAIL, ECONNRESET, 0.002);
	}
}

/* Six clients each send 400 lines and read the echo, with seeded
 * faults in accept, the wait, every receive and send. Per client: all
 * of it back in order, EOF and CLOSED 0; or a prefix and CLOSED with
 * one of the injected errors. One CLOSED each; no descriptor left. */
static void
echo_under_faults(uint64_t seed)
{
	netkit_loop_opts o = { .output_high = 4096, .output_max = 65536,
			       .input_size = 256 };
	struct fclient f[F_CLIENTS];
	int k, fds = nk_count_fds(), done;
	netkit_deadline dl;
	netkit_loop_event e;
	struct lt t;

	lt_start(&t, &o);
	nk_fault_install(seed);
	add_faults();
	for (k = 0; k < F_CLIENTS; k++)
		fclient_start(&t, &f[k], k);
	dl = netkit_deadline_in(nk_scaled_ms(20000));
	do {
		ck_assert_msg(netkit_now() < dl.at, "seed %#llx: not done",
			      (unsigned long long)seed);
		for (k = 0; k < F_CLIENTS; k++)
			fclient_turn(&f[k]);
		if (lt_poll(&t, 1, &e))
			fserver_event(&e, f, F_CLIENTS);
		for (done = 0, k = 0; k < F_CLIENTS; k++)
			done += f[k].closed && (f[k].eof || f[k].reset);
	} while (done < F_CLIENTS);
	nk_fault_reset();
	for (k = 0; k < F_CLIENTS; k++) {
		if (f[k].closed_err == 0)
			ck_assert_msg(f[k].got == f[k].len && f[k].eof,
				      "seed %#llx client %d: %zu of %zu bytes, "
				      "CLOSED 0", (unsigned long long)seed, k,
				      f[k].got, f[k].len);
		else
			ck_assert_msg(f[k].closed_err == -ECONNRESET ||
				      f[k].closed_err == -ENOMEM,
				      "seed %#llx client %d: CLOSED %s",
				      (unsigned long long)seed, k,
				      netkit_errname(f[k].closed_err));
		close(f[k].fd);
		free(f[k].want);
	}
	lt_run(&t, 20);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_CLOSED], F_CLIENTS);
	ck_assert_uint_eq(t.count[NETKIT_LOOP_OPEN], F_CLIENTS);
	lt_stop(&t);
	ck_assert_int_eq(nk_count_fds(), fds);
}

START_TEST(echo_under_faults_delivers_every_byte_or_closes)
{
	size_t k;

	if (nk_fault_seed_from_env()) {
		echo_under_faults(nk_fault_seed_env(0));
		return;
	}
	for (k = 0; k < N_ELEMS(seeds); k++)
		echo_under_faults(seeds[k]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-calls");

	NK_ADD_TEST(s, detach_returns_a_blocking_descriptor_and_unread_input);
	NK_ADD_TEST(s, adopted_sockets_work_like_accepted_ones);
	NK_ADD_TEST(s, own_descriptor_and_timer_come_back_as_events);
	NK_ADD_TEST(s, wake_from_a_thread_and_from_a_signal_handler);
	NK_ADD_TEST(s, bad_options_are_refused);
	NK_ADD_TEST(s, null_arguments_get_their_documented_answers);
	NK_ADD_TEST(s, listen_and_adopt_refuse_bad_descriptors);
	NK_ADD_FAULT_TEST(s, failed_adopt_leaves_the_descriptor_as_it_was);
	NK_ADD_TEST(s, adopting_an_own_descriptor_of_the_poller_is_eexist);
	NK_ADD_TEST(s, abort_drops_the_queue_and_queued_says_so);
	NK_ADD_TEST(s, free_with_live_connections_closes_everything);
	NK_ADD_FAULT_TEST(s, echo_under_faults_delivers_every_byte_or_closes);
	return s;
}
