/* SPDX-License-Identifier: MIT */
/*
 * A socket's own kernel timeouts (SO_RCVTIMEO, SO_SNDTIMEO) across
 * signals. Found in 0.1 by a hostile probe: with a signal every 5 ms
 * (handler without SA_RESTART) each retry started the kernel's timeout
 * afresh, so the plain calls returned only when the signals stopped.
 *
 * Every case runs twice: _i = 0 with the kernel alone (its own expiry
 * and code), _i = 1 under a signal storm (up to 3 s). Both must end at
 * the kernel timeout (300 ms; after a signal, counted from it) with the
 * kernel's code: -EAGAIN for recv, accept and send; -EINPROGRESS for a
 * blocking connect.
 *
 * The send cases use an AF_UNIX stream pair: its buffers stay full for
 * as long as the peer does not read, where TCP over loopback now and
 * then frees a little room (it collapses the receive queue).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "helpers.h"
#include "sys.h"
#include "timing.h"

/* A test run with the kernel alone (_i = 0) and with signals or kernel
 * timeouts (_i = 1). */
#define NK_ADD_TWICE(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))
#define KTIMEOUT_MS 300
#define SIGNAL_MS 5
/* The kernel counts its timeout in jiffies and may end up to one jiffy
 * (10 ms at HZ=100) early; the library's deadlines never do. */
#define JIFFY_MS 10.0

enum kcall {
	K_RECV,
	K_RECVFROM,
	K_RECV_EXACT,
	K_RECV_EXACT_PARTIAL,
	K_ACCEPT,
	K_SEND,
	K_SEND_ALL,
	K_SEND_ALL_PARTIAL,
	K_CONNECT,
};

struct kcase {
	enum kcall call;
	int fd, peer, filler;
	netkit_addr addr;
	unsigned char *buf;
	size_t len;
};

static void
set_timeout(int fd, int optname, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, optname, &tv, sizeof(tv)),
			 0);
}

/* An AF_UNIX stream pair whose sender's buffer is full (peer never
 * reads), or, for partial, nearly empty with a small buffer. */
static void
unix_sender(struct kcase *k, bool partial)
{
	int sv[2], small = 16384;
	uint64_t off = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	k->fd = sv[0];
	k->peer = sv[1];
	ck_assert_int_eq(setsockopt(k->fd, SOL_SOCKET, SO_SNDBUF, &small,
				    sizeof(small)), 0);
	if (!partial)
		nk_stream_stuff(k->fd, &off);
	k->len = partial ? 1u << 20 : 4096;
}

static void
kcase_setup(struct kcase *k, enum kcall call)
{
	memset(k, 0, sizeof(*k));
	k->call = call;
	k->fd = k->peer = k->filler = -1;
	switch (call) {
	case K_RECVFROM:
		k->fd = nk_udp(AF_INET, &k->addr);
		break;
	case K_ACCEPT:
		k->fd = nk_listen(AF_INET, &k->addr);
		break;
	case K_SEND:
	case K_SEND_ALL:
	case K_SEND_ALL_PARTIAL:
		unix_sender(k, call == K_SEND_ALL_PARTIAL);
		break;
	case K_CONNECT:
		k->peer = nk_blackhole(AF_INET, &k->addr, &k->filler);
		k->fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(k->fd, 0);
		break;
	default:
		nk_tcp_pair(AF_INET, &k->fd, &k->peer);
		k->len = 100;
		if (call == K_RECV_EXACT_PARTIAL)
			ck_assert_int_eq(send(k->peer, "0123456789", 10, 0),
					 10);
		break;
	}
	if (!k->len)
		k->len = 64;
	k->buf = malloc(k->len);
	ck_assert_ptr_nonnull(k->buf);
	memset(k->buf, 'x', k->len);
	set_timeout(k->fd, call >= K_SEND ? SO_SNDTIMEO : SO_RCVTIMEO,
		    KTIMEOUT_MS);
}

static ssize_t
kcase_call(struct kcase *k)
{
	switch (k->call) {
	case K_RECV:
		return netkit_recv(k->fd, k->buf, k->len);
	case K_RECVFROM:
		return netkit_recvfrom(k->fd, k->buf, k->len, NULL);
	case K_RECV_EXACT:
	case K_RECV_EXACT_PARTIAL:
		return netkit_recv_exact(k->fd, k->buf, k->len);
	case K_ACCEPT:
		return netkit_accept(k->fd, NULL);
	case K_SEND:
		return netkit_send(k->fd, k->buf, k->len);
	case K_SEND_ALL:
	case K_SEND_ALL_PARTIAL:
		return netkit_send_all(k->fd, k->buf, k->len);
	case K_CONNECT:
		return netkit_connect(k->fd, &k->addr);
	}
	return -EIO;
}

static void
kcase_teardown(struct kcase *k)
{
	if (k->call == K_RECV_EXACT_PARTIAL)
		ck_assert_mem_eq(k->buf, "0123456789", 10);
	free(k->buf);
	netkit_close(k->fd);
	if (k->peer >= 0)
		netkit_close(k->peer);
	if (k->filler >= 0)
		netkit_close(k->filler);
}

/* Runs one case, with a signal storm if storm, and checks the result
 * and the time it took. */
static void
run_kcase(enum kcall call, bool storm, const char *what)
{
	struct sigaction old;
	nk_signaller *sg = NULL;
	struct kcase k;
	double t0, t1, late;
	char name[160];
	ssize_t rc, want = call == K_CONNECT ? -EINPROGRESS : -EAGAIN;
	int sent = 0;

	kcase_setup(&k, call);
	if (storm) {
		nk_sigusr1_no_restart(&old);
		sg = nk_signaller_start(pthread_self(), SIGNAL_MS, 3000);
	}
	t0 = nk_clock_ms();
	rc = kcase_call(&k);
	t1 = nk_clock_ms();
	if (storm) {
		sent = nk_signaller_stop(sg);
		sigaction(SIGUSR1, &old, NULL);
	}
	ck_assert_msg(rc == want, "%s%s: %s, expected %s", what,
		      storm ? " under signals" : "", netkit_errname((int)rc),
		      netkit_errname((int)want));
	ck_assert_msg(t1 - t0 >= KTIMEOUT_MS - JIFFY_MS,
		      "%s ended after %.1f ms, before its timeout", what,
		      t1 - t0);
	/* One signal period: the timeout counts from the first signal. The
	 * kernel's own early jiffy was checked above. */
	late = t1 - t0 - KTIMEOUT_MS - (storm ? SIGNAL_MS : 0);
	snprintf(name, sizeof(name), "%s%s", what,
		 storm ? " under signals" : "");
	nk_assert_late(name, late > 0 ? late : 0, KTIMEOUT_MS);
	if (storm && sent < (nk_slow_runner() ? 2 : 10))
		nk_late("only %d signals in %.0f ms", sent, t1 - t0);
	kcase_teardown(&k);
}

/* Each case is one try (timing.h): a late one runs again. */
#define KCASE_TEST(name, call) \
	START_TEST(name) \
	{ \
		NK_ON_TIME(NK_TRIES) \
			run_kcase((call), _i == 1, #name); \
	} \
	END_TEST

KCASE_TEST(recv_ends_at_so_rcvtimeo_even_under_signals, K_RECV)
KCASE_TEST(recvfrom_ends_at_so_rcvtimeo_even_under_signals, K_RECVFROM)
KCASE_TEST(recv_exact_ends_at_so_rcvtimeo_even_under_signals, K_RECV_EXACT)
KCASE_TEST(recv_exact_after_partial_data_ends_at_so_rcvtimeo,
	   K_RECV_EXACT_PARTIAL)
KCASE_TEST(accept_ends_at_so_rcvtimeo_even_under_signals, K_ACCEPT)
KCASE_TEST(send_ends_at_so_sndtimeo_even_under_signals, K_SEND)
KCASE_TEST(send_all_ends_at_so_sndtimeo_even_under_signals, K_SEND_ALL)
KCASE_TEST(send_all_after_partial_send_ends_at_so_sndtimeo,
	   K_SEND_ALL_PARTIAL)
KCASE_TEST(connect_ends_at_so_sndtimeo_with_einprogress, K_CONNECT)

/* ---- without a kernel timeout: the same call again ---- */

struct blocked_send {
	nk_blocker b;
	int fd;
	unsigned char buf[4096];
	ssize_t rc;
};

static void *
blocked_send_run(void *arg)
{
	struct blocked_send *x = arg;

	nk_blocker_enter(&x->b);
	x->rc = netkit_send(x->fd, x->buf, sizeof(x->buf));
	nk_blocker_leave(&x->b);
	return NULL;
}

/* Reads what fd has queued, without waiting; returns the count. */
static size_t
read_available(int fd)
{
	unsigned char buf[16384];
	size_t total = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 1024; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	return total;
}

START_TEST(send_without_so_sndtimeo_blocks_again_in_send_after_signal)
{
	struct blocked_send x;
	struct sigaction old;
	struct kcase k;
	nk_thread *t;

	kcase_setup(&k, K_SEND);
	set_timeout(k.fd, SO_SNDTIMEO, 0);
	nk_sigusr1_no_restart(&old);
	memset(&x, 0, sizeof(x));
	x.fd = k.fd;
	t = nk_spawn(blocked_send_run, &x);
	nk_interrupt_blocked(&x.b, NK_CALLS(send),
			     NK_CALLS(send));
	/* Room at last: the retried send goes through. */
	ck_assert_uint_gt(read_available(k.peer), 0);
	nk_join(t);
	sigaction(SIGUSR1, &old, NULL);
	ck_assert_int_gt(x.rc, 0);
	kcase_teardown(&k);
}
END_TEST

/* ---- the seam: how many system calls, and which ---- */

enum { S_RECV, S_SEND, S_RECVFROM, S_SENDTO, S_ACCEPT4, S_CONNECT, S_POLL,
       S_GETSOCKOPT, S_N };

static atomic_int calls[S_N];
static atomic_int fake_eintr[S_N];
static atomic_int last_poll_ms;

/* Counts a call; true (errno EINTR) if it is to fail as interrupted. */
static bool
seam_hit(int which)
{
	atomic_fetch_add(&calls[which], 1);
	if (!atomic_exchange(&fake_eintr[which], 0))
		return false;
	errno = EINTR;
	return true;
}

static ssize_t
w_recv(int fd, void *b, size_t l, int f)
{
	return seam_hit(S_RECV) ? -1 : netkit__sys_default.recv(fd, b, l, f);
}

static ssize_t
w_send(int fd, const void *b, size_t l, int f)
{
	return seam_hit(S_SEND) ? -1 : netkit__sys_default.send(fd, b, l, f);
}

static ssize_t
w_recvfrom(int fd, void *b, size_t l, int f, struct sockaddr *a,
	   socklen_t *al)
{
	return seam_hit(S_RECVFROM) ? -1 :
	       netkit__sys_default.recvfrom(fd, b, l, f, a, al);
}

static ssize_t
w_sendto(int fd, const void *b, size_t l, int f, const struct sockaddr *a,
	 socklen_t al)
{
	return seam_hit(S_SENDTO) ? -1 :
	       netkit__sys_default.sendto(fd, b, l, f, a, al);
}

static int
w_accept4(int fd, struct sockaddr *a, socklen_t *al, int f)
{
	return seam_hit(S_ACCEPT4) ? -1 :
	       netkit__sys_default.accept4(fd, a, al, f);
}

/* A real connect() first: after a real EINTR the handshake is under
 * way, so the fake one comes after it. */
static int
w_connect(int fd, const struct sockaddr *a, socklen_t al)
{
	int rc = netkit__sys_default.connect(fd, a, al);

	if (seam_hit(S_CONNECT))
		return -1;
	return rc;
}

static int
w_poll(struct pollfd *p, nfds_t n, int ms)
{
	atomic_store(&last_poll_ms, ms);
	return seam_hit(S_POLL) ? -1 : netkit__sys_default.poll(p, n, ms);
}

static int
w_getsockopt(int fd, int l, int o, void *v, socklen_t *vl)
{
	return seam_hit(S_GETSOCKOPT) ? -1 :
	       netkit__sys_default.getsockopt(fd, l, o, v, vl);
}

static void
seam_on(int eintr_at)
{
	int i;

	for (i = 0; i < S_N; i++) {
		atomic_store(&calls[i], 0);
		atomic_store(&fake_eintr[i], i == eintr_at);
	}
	atomic_store(&last_poll_ms, -2);
	netkit__sys.recv = w_recv;
	netkit__sys.send = w_send;
	netkit__sys.recvfrom = w_recvfrom;
	netkit__sys.sendto = w_sendto;
	netkit__sys.accept4 = w_accept4;
	netkit__sys.connect = w_connect;
	netkit__sys.poll = w_poll;
	netkit__sys.getsockopt = w_getsockopt;
}

/* Restores the seam; returns how many calls were made in all. */
static int
seam_off(void)
{
	int i, n = 0;

	netkit__sys = netkit__sys_default;
	for (i = 0; i < S_N; i++)
		n += atomic_load(&calls[i]);
	return n;
}

/* Waits (at most 5 s) until fd has n bytes queued to read. */
static void
wait_queued(int fd, int n)
{
	double end = nk_clock_ms() + 5000;
	int q = 0;

	while (nk_clock_ms() < end) {
		ck_assert_int_eq(ioctl(fd, FIONREAD, &q), 0);
		if (q >= n)
			return;
		nk_readable(fd, 10);
	}
	ck_abort_msg("only %d of %d bytes arrived", q, n);
}

/* The sockets every seam test uses, with kernel timeouts of ms (0:
 * none) on all of them. */
struct seam_set {
	int c, s, u, v, l, cl;
	netkit_addr ua, va, la;
};

static void
seam_set_up(struct seam_set *x, int ms)
{
	nk_tcp_pair(AF_INET, &x->c, &x->s);
	x->u = nk_udp(AF_INET, &x->ua);
	x->v = nk_udp(AF_INET, &x->va);
	x->l = nk_listen(AF_INET, &x->la);
	x->cl = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(x->cl, 0);
	set_timeout(x->c, SO_SNDTIMEO, ms);
	set_timeout(x->s, SO_RCVTIMEO, ms);
	set_timeout(x->u, SO_SNDTIMEO, ms);
	set_timeout(x->v, SO_RCVTIMEO, ms);
	set_timeout(x->l, SO_RCVTIMEO, ms);
	set_timeout(x->cl, SO_SNDTIMEO, ms);
}

static void
seam_set_down(struct seam_set *x)
{
	netkit_close(x->c);
	netkit_close(x->s);
	netkit_close(x->u);
	netkit_close(x->v);
	netkit_close(x->l);
	netkit_close(x->cl);
}

/* The plain calls each_plain_call() makes, and the system call in each
 * that a test can make fail once with EINTR. */
enum { P_SEND, P_RECV, P_SEND_ALL, P_RECV_EXACT, P_SENDTO, P_RECVFROM,
       P_CONNECT, P_ACCEPT, P_N };
static const int p_sys[P_N] = { S_SEND, S_RECV, S_SEND, S_RECV, S_SENDTO,
				S_RECVFROM, S_CONNECT, S_ACCEPT4 };

struct step {
	int total;	/* system calls made through the seam */
	int polls;
	int poll_ms;	/* the last poll's timeout */
};

static void
step_end(struct step *st)
{
	st->polls = atomic_load(&calls[S_POLL]);
	st->poll_ms = atomic_load(&last_poll_ms);
	st->total = seam_off();
}

/* Each plain call once, with the seam counting, plain call fake (P_N:
 * none) seeing one EINTR first. Checks every result. */
static void
each_plain_call(struct seam_set *x, int fake, struct step *st)
{
	unsigned char buf[16];
	int a;

#define SEAM(p, expr, want) \
	do { \
		seam_on(fake == (p) ? p_sys[p] : S_N); \
		ck_assert_int_eq((expr), (want)); \
		step_end(&st[p]); \
	} while (0)

	SEAM(P_SEND, netkit_send(x->c, "abcd", 4), 4);
	wait_queued(x->s, 4);
	SEAM(P_RECV, netkit_recv(x->s, buf, 4), 4);
	ck_assert_mem_eq(buf, "abcd", 4);
	SEAM(P_SEND_ALL, netkit_send_all(x->c, "efghijkl", 8), 8);
	wait_queued(x->s, 8);
	SEAM(P_RECV_EXACT, netkit_recv_exact(x->s, buf, 8), 8);
	ck_assert_mem_eq(buf, "efghijkl", 8);
	SEAM(P_SENDTO, netkit_sendto(x->u, "dg", 2, &x->va), 2);
	ck_assert(nk_readable(x->v, 5000));
	SEAM(P_RECVFROM, netkit_recvfrom(x->v, buf, sizeof(buf), NULL), 2);
	SEAM(P_CONNECT, netkit_connect(x->cl, &x->la), 0);
	ck_assert(nk_readable(x->l, 5000));
	seam_on(fake == P_ACCEPT ? S_ACCEPT4 : S_N);
	a = netkit_accept(x->l, NULL);
	step_end(&st[P_ACCEPT]);
	ck_assert_int_ge(a, 0);
	netkit_close(a);
#undef SEAM
}

START_TEST(plain_calls_that_complete_make_one_system_call)
{
	struct step st[P_N];
	struct seam_set x;
	int p;

	/* _i = 1: with kernel timeouts set, the fast path is the same. */
	seam_set_up(&x, _i ? KTIMEOUT_MS : 0);
	each_plain_call(&x, P_N, st);
	for (p = 0; p < P_N; p++)
		ck_assert_msg(st[p].total == 1, "call %d made %d system calls",
			      p, st[p].total);
	seam_set_down(&x);
}
END_TEST

/* After one EINTR without a kernel timeout (_i = 0): one getsockopt()
 * to find none, then the same call again, no poll(); connect, whose
 * handshake runs on, waits with poll(-1) and reads SO_ERROR. With one
 * (_i = 1): every wait is bounded by it. */
START_TEST(eintr_retries_the_same_call_or_waits_within_the_kernel_timeout)
{
	struct step st[P_N];
	struct seam_set x;
	int p;

	for (p = 0; p < P_N; p++) {
		seam_set_up(&x, _i ? KTIMEOUT_MS : 0);
		each_plain_call(&x, p, st);
		seam_set_down(&x);
		if (p == P_CONNECT) {
			ck_assert_int_eq(st[p].total, 4);
			ck_assert_int_eq(st[p].polls, 1);
		} else if (!_i) {
			ck_assert_msg(st[p].total == 3 && st[p].polls == 0,
				      "call %d: %d system calls, %d polls", p,
				      st[p].total, st[p].polls);
		}
		if (st[p].polls && _i)
			ck_assert_msg(st[p].poll_ms >= 0 &&
				      st[p].poll_ms <= KTIMEOUT_MS,
				      "call %d: poll(%d)", p, st[p].poll_ms);
		if (st[p].polls && !_i)
			ck_assert_int_eq(st[p].poll_ms, -1);
	}
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("ktimeout");

	NK_ADD_TWICE(s, recv_ends_at_so_rcvtimeo_even_under_signals);
	NK_ADD_TWICE(s, recvfrom_ends_at_so_rcvtimeo_even_under_signals);
	NK_ADD_TWICE(s, recv_exact_ends_at_so_rcvtimeo_even_under_signals);
	NK_ADD_TWICE(s, recv_exact_after_partial_data_ends_at_so_rcvtimeo);
	NK_ADD_TWICE(s, accept_ends_at_so_rcvtimeo_even_under_signals);
	NK_ADD_TWICE(s, send_ends_at_so_sndtimeo_even_under_signals);
	NK_ADD_TWICE(s, send_all_ends_at_so_sndtimeo_even_under_signals);
	NK_ADD_TWICE(s, send_all_after_partial_send_ends_at_so_sndtimeo);
	NK_ADD_TWICE(s, connect_ends_at_so_sndtimeo_with_einprogress);
	NK_ADD_TEST(s,
		send_without_so_sndtimeo_blocks_again_in_send_after_signal);
	NK_ADD_TWICE(s, plain_calls_that_complete_make_one_system_call);
	NK_ADD_TWICE(s,
		eintr_retries_the_same_call_or_waits_within_the_kernel_timeout);
	return s;
}
