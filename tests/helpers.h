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

/* For loop tests over both families (tcase_add_loop_test 0..2): sets var
 * to AF_INET for _i == 0, AF_INET6 for _i == 1, or returns from the test
 * after a SKIP message when ::1 is unavailable. */
#define FAMILY_OR_SKIP(var) \
	do { \
		(var) = nk_test_family(_i, __func__); \
		if ((var) < 0) \
			return; \
	} while (0)
int nk_test_family(int i, const char *test);

/* Registers a loop test for IPv4 (_i = 0) and IPv6 (_i = 1). */
#define ADD_V4_V6(tc, t) tcase_add_loop_test((tc), (t), 0, 2)

/* SO_LINGER 0: closing fd then resets the connection (RST). */
void nk_set_linger_zero(int fd);

/* Monotonic milliseconds, for bounded waits. */
long long nk_now_ms(void);

/* Adds test t to suite s in a TCase of its own, named after the test,
 * with the fd-leak fixture: CK_RUN_CASE=<test name> runs exactly it. */
#define NK_ADD_TEST(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 1))
/* The same for a loop test over both families (_i = 0: IPv4, 1: IPv6). */
#define NK_ADD_TEST_V4_V6(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))
TCase *nk_tcase_with(const char *name, const TTest *t, int loops);

/* Each tests/test-<concern>.c defines this; main.c runs it. */
Suite *netkit_test_suite(void);

/* A TCase with the fd-leak fixture and a 30 s timeout already added. */
TCase *nk_tcase(const char *name);

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
 * CK_TIMEOUT_MULTIPLIER) for it and returns what fn returned. The wait
 * is a mutex and condition variable, then pthread_join(): edges that
 * helgrind sees, so what the thread wrote is the joiner's to read. */
typedef struct nk_thread nk_thread;
nk_thread *nk_spawn(void *(*fn)(void *), void *arg);
void *nk_join(nk_thread *t);

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

#endif
