/* SPDX-License-Identifier: MIT */
/*
 * Shared test helpers: loopback servers on port 0, connected pairs, and
 * the descriptor-leak fixture every test case uses.
 */
#ifndef NETKIT_TEST_HELPERS_H
#define NETKIT_TEST_HELPERS_H

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <netkit.h>

/* Fills buffers and outputs that a failing call must leave untouched. */
#define SENTINEL 0xa5
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Fills out and ref with the same SENTINEL bytes: a call that must
 * leave out untouched is then checked with memcmp(out, ref). */
void nk_sentinel_addr(netkit_addr *out, netkit_addr *ref);

/* Is fd close-on-exec? (Fails the test if fd is not open.) */
bool nk_is_cloexec(int fd);

/* Waits at most ms for one of events (or an error or hangup) on fd;
 * its revents, or 0 on timeout. */
short nk_wait_fd(int fd, short events, int ms);

/* A descriptor number that is not open (just closed). */
int nk_closed_fd(void);

/* System call numbers a thread blocked in a netkit call may sit in,
 * for nk_interrupt_blocked(): NK_CALLS(recv) expands to the table and
 * its length. recv: recvfrom/recvmsg/recv; send: sendto/sendmsg/send;
 * accept: accept4/accept; connect; poll: ppoll/poll. */
#define NK_CALLS(x) nk_##x##_calls, nk_##x##_calls_n
extern const long nk_recv_calls[], nk_send_calls[], nk_accept_calls[];
extern const long nk_connect_calls[], nk_poll_calls[];
extern const size_t nk_recv_calls_n, nk_send_calls_n, nk_accept_calls_n;
extern const size_t nk_connect_calls_n, nk_poll_calls_n;

/* For loop tests over both families (tcase_add_loop_test 0..2): sets var
 * to AF_INET for _i == 0, AF_INET6 for _i == 1, or ends the test as
 * skipped (NK_SKIP) when ::1 is unavailable. */
#define FAMILY_OR_SKIP(var) \
	do { \
		(var) = nk_test_family(_i, __func__); \
		if ((var) < 0) \
			return; \
	} while (0)
int nk_test_family(int i, const char *test);

/* A missing precondition (no IPv6, no namespace, no hosts entry, no
 * privilege): ends the running test as SKIPPED, never as a pass. It
 * prints "SKIP <test>: <why>" and records the skip in memory shared
 * with main.c (Check forks each test), which counts it apart from the
 * passes ("netkit-tally: P F S") and exits 77, meson's SKIP, when every
 * test of the executable skipped. Use it in the test function itself
 * (it reads _i and returns); a helper calls nk_skip(_i, ...) and lets
 * the test return. A skipped test that then fails (its fixture) counts
 * as failed. */
#define NK_SKIP(...) \
	do { \
		nk_skip(_i, __VA_ARGS__); \
		return; \
	} while (0)
void nk_skip(int i, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* For main.c: makes the shared record of skips (before the tests run),
 * and answers whether run i of test case tcase skipped. */
void nk_skips_init(void);
bool nk_skipped(const char *tcase, int i);

/* Adds a loop test for IPv4 (_i = 0) and IPv6 (_i = 1) to a shared
 * TCase. Do not use it in new code: CK_RUN_CASE cannot pick one test of
 * a shared TCase, nor one of its two runs, and main.c counts skips per
 * TCase named after its test (a skip there counts as a pass). Use
 * NK_ADD_TEST_V4_V6. */
#define ADD_V4_V6(tc, t) tcase_add_loop_test((tc), (t), 0, 2)

/* SO_LINGER 0: closing fd then resets the connection (RST). */
void nk_set_linger_zero(int fd);

/* Monotonic milliseconds, for bounded waits. */
long long nk_now_ms(void);

/* Adds test t to suite s in a TCase of its own, named after the test,
 * with the fd-leak fixture: CK_RUN_CASE=<test name> runs exactly it. */
#define NK_ADD_TEST(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 1))
/* A test over both families (FAMILY_OR_SKIP: _i = 0 is IPv4, 1 IPv6) as
 * two tests, each in a TCase of its own: <test>_v4 runs the body with
 * _i = 0 and <test>_v6 with _i = 1, so CK_RUN_CASE=<test>_v6 runs the
 * IPv6 run alone, and a failure or a skip names its family. */
#define NK_ADD_TEST_V4_V6(s, t) \
	do { \
		suite_add_tcase((s), nk_tcase_part((t), "_v4", 0, 1)); \
		suite_add_tcase((s), nk_tcase_part((t), "_v6", 1, 2)); \
	} while (0)
TCase *nk_tcase_with(const char *name, const TTest *t, int loops);
/* The runs first to end - 1 of test t as a test of their own, named
 * <t's name><suffix>, in a TCase of that name with the fd-leak fixture
 * (nk_skip() and main.c count its skips right). */
TCase *nk_tcase_part(const TTest *t, const char *suffix, int first, int end);
/* For main.c, when CK_RUN_CASE=name ran nothing: if name is a split
 * test (<name>_v4, <name>_v6...), says so on stderr. */
void nk_note_split_test(const char *name);

/* Each tests/test-<concern>.c defines this; main.c runs it. */
Suite *netkit_test_suite(void);

/* A TCase with the fd-leak fixture and a 30 s timeout already added. */
TCase *nk_tcase(const char *name);

/* Runs ip(8) (iproute2) with argv ("ip", ..., NULL), its output
 * discarded; true if it ran and exited 0. For tests that build links
 * inside a network namespace of their own. */
bool nk_run_ip(char *const argv[]);

/* The exit status of an nk_in_netns() body whose links ip(8) cannot
 * make. */
#define NK_NETNS_NO_LINKS 78

/* Runs body(arg, msg, len) in a forked child in a network namespace of
 * its own (unshare(CLONE_NEWNET)), for at most 20 s (times
 * nk_timeout_multiplier(): 200 under valgrind). body sets up what it
 * needs (_exit(NK_NETNS_NO_LINKS) when it cannot) and leaves msg empty,
 * or writes there what failed. The test fails with msg; a missing
 * namespace, or links that cannot be made (links_why says which), is a
 * skip of run i. */
void nk_in_netns(int i, const char *links_why,
		 void (*body)(void *arg, char *msg, size_t len), void *arg);

/* Number of threads of this process (/proc/self/task), or -1. */
int nk_count_tasks(void);

/* Number of threads of this process named name (their comm), or -1:
 * netkit's lookup threads are "netkit-resolve". */
int nk_count_threads_named(const char *name);

/* Waits (at most 10 s) until no lookup thread of
 * netkit_getaddrinfo_until() is left: one that outlived its caller's
 * deadline still holds the descriptors of its lookup, which the
 * fd-leak fixture would count. Under valgrind, also until this process
 * has one thread: one still alive when a test's process exits holds
 * glibc memory (its TLS, its resolver context) that valgrind would
 * report as lost. The fd-leak fixture calls it. */
void nk_settle_threads(void);

/* Number of open descriptors of this process (/proc/self/fd). */
int nk_count_fds(void);

/* Is ::1 usable here? (Tests skip IPv6 cases when not.) */
bool nk_have_ipv6(void);

/* Loopback address of a family (127.0.0.1 or ::1) with a port. */
void nk_loopback(int family, int port, netkit_addr *out);

/* A listening TCP socket on loopback at a free port; *bound gets its
 * address. Fails the test on error. */
int nk_listen(int family, netkit_addr *bound);

/* A connected TCP pair over loopback: *client and *server. */
void nk_tcp_pair(int family, int *client, int *server);

/* A UDP socket bound to loopback at a free port. */
int nk_udp(int family, netkit_addr *bound);

/* Fails the test unless a and b are the same address (both printed). */
void nk_assert_addr_equal(const netkit_addr *a, const netkit_addr *b);

/* Fails the test unless fd is connected to want, a listener lfd's
 * address, and bytes go both ways between fd and the connection
 * accepted from lfd (within 5 s). */
void nk_assert_connected_to(int fd, int lfd, const netkit_addr *want);

/* An address where nothing listens (a port just freed). */
void nk_refused_addr(int family, netkit_addr *out);

/* Runs fn(arg) in a thread; nk_join waits at most 10 s (times
 * nk_timeout_multiplier()) for it and returns what fn returned. The wait
 * is a mutex and condition variable, then pthread_join(): edges that
 * helgrind sees, so what the thread wrote is the joiner's to read. */
typedef struct nk_thread nk_thread;
nk_thread *nk_spawn(void *(*fn)(void *), void *arg);
void *nk_join(nk_thread *t);
/* nk_spawn() on a stack of that many bytes (0: the default), with a
 * guard of NK_STACK_GUARD bytes below it: a frame too big for the stack
 * then always ends in SIGSEGV, where glibc's one-page guard lets a
 * 64 KiB frame jump over it into whatever memory lies below. */
#define NK_STACK_GUARD ((size_t)256 * 1024)
nk_thread *nk_spawn_stack(void *(*fn)(void *), void *arg, size_t stack);
/* Waits at most ms (times nk_timeout_multiplier()) for t's function to
 * return, without joining; true if it did. */
bool nk_wait_done(nk_thread *t, int ms);

/* Waits until fd is readable, at most ms milliseconds; true if it is. */
bool nk_readable(int fd, int ms);

/* EINTR tests. A helper thread calls nk_blocker_enter() and then the
 * blocking netkit call, then nk_blocker_leave(). The test thread calls
 * nk_interrupt_blocked(): it waits (at most 10 s) until the helper is
 * blocked in one of the system calls in[], sends it SIGUSR1, waits for
 * the handler, and then for the helper to block again in one of
 * again[]: proof that the library retried instead of returning -EINTR
 * (it fails the test if the helper's call returned). */
typedef struct nk_blocker {
	pthread_t thread;
	atomic_int tid;
	atomic_int done;
} nk_blocker;
void nk_blocker_enter(nk_blocker *b);
void nk_blocker_leave(nk_blocker *b);
void nk_interrupt_blocked(nk_blocker *b, const long *in, size_t n_in,
			  const long *again, size_t n_again);

/* Installs a no-op SIGUSR1 handler WITHOUT SA_RESTART, so that a system
 * call it interrupts fails with EINTR; *old receives the previous action
 * (restore it with sigaction(SIGUSR1, old, NULL)). */
void nk_sigusr1_no_restart(struct sigaction *old);

/* Text that ends where readable memory ends: len bytes (no NUL added)
 * placed so that the last one is the last readable byte before a
 * PROT_NONE page. A call that reads even one byte further dies of
 * SIGSEGV (which Check reports) instead of passing by luck.
 * nk_guarded_text copies bytes; nk_guarded_fill repeats one byte. */
struct nk_guarded {
	char *map;
	size_t size;
};
const char *nk_guarded_text(struct nk_guarded *g, const char *bytes,
			    size_t len);
const char *nk_guarded_fill(struct nk_guarded *g, char fill, size_t len);
void nk_guarded_free(struct nk_guarded *g);

/* ---- Deadline edges (the fd, file-edge and reader-edge suites) ---- */

/* Runs fn(arg) in a thread and waits at most ms (times
 * nk_timeout_multiplier()) for it to return. If it is still inside,
 * unstick(arg) must make it return (close a pipe's other end, drain a
 * queue, retire a fault rule); the thread is then joined (10 s at
 * most) and the answer is false. For calls that, when broken, never
 * return: the test fails with a message instead of hanging. */
bool nk_run_guarded(void *(*fn)(void *), void *arg, int ms,
		    void (*unstick)(void *));

/* Time as a measurement: the scenario form of timing.h's NK_ON_TIME
 * (implemented in timing.c, one policy for every suite). Returning
 * before the deadline fails the test at once; lateness beyond 30 % of
 * (deadline - start) + 50 ms (the slack times nk_time_scale()) is a late
 * figure of the running try, and the answer is false. */
bool nk_late_ok(const char *what, double start, netkit_deadline deadline,
		double end);
/* The same for a call that must answer at once: end - start at most ms
 * (times nk_time_scale()). */
bool nk_quick_ok(const char *what, double start, double end, double ms);
/* Runs scenario(i) as NK_ON_TIME(NK_TRIES) does a body: a run that was
 * late (a late figure, or the answer false) runs again; the test fails
 * when every run was late, with every run's figure. */
void nk_until_on_time(const char *what, bool (*scenario)(int), int i);

/* A peer thread on fd: sending, a flood of 'x' bytes (never a newline)
 * as fast as fd takes them; or receiving, a drain that drops what it
 * reads. It runs until nk_flood_stop() or for max_ms, whichever comes
 * first, then idles with fd left open (the stream does not end). */
typedef struct nk_flood nk_flood;
nk_flood *nk_flood_start(int fd, bool sending, int max_ms);
/* Stops and joins it; returns the number of bytes it moved. */
uint64_t nk_flood_stop(nk_flood *f);

#endif
