/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the timing tests: precise clock readings, the one policy
 * for time in tests (NK_ON_TIME), the one "slow runner" detection, a
 * bounded signaller thread, peers that never answer, and streams whose
 * bytes can be checked one by one after the fact.
 */
#ifndef NETKIT_TEST_TIMING_H
#define NETKIT_TEST_TIMING_H

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netkit.h>

/* CLOCK_MONOTONIC in milliseconds, with the fraction (netkit_now()
 * truncates; this does not). */
double nk_clock_ms(void);

/*
 * Time in tests: one policy for every suite.
 *
 * Returning before a deadline is always a failure, at once, never
 * retried. Lateness is a measurement of the machine as much as of the
 * library (a busy CI box, a sanitizer, valgrind): the timed part of a
 * test runs inside NK_ON_TIME(tries), and a try that came back late runs
 * again, up to tries times. The test fails only when every try was
 * late, and the message gives every try's figure. A call that really
 * overstays its deadline does so in every try, and still fails.
 *
 *	NK_ON_TIME(NK_TRIES) {
 *		t0 = nk_clock_ms();
 *		dl = netkit_deadline_in(150);
 *		ck_assert_int_eq(netkit_recv_until(fd, b, 1, dl), -ETIMEDOUT);
 *		nk_assert_on_time("recv_until", t0, dl, nk_clock_ms());
 *	}
 *
 * NK_ON_TIME_TEST(name) is START_TEST(name) whose whole body is one try.
 * A try may run again: it sets up and frees what it uses. Inside a try a
 * late figure (nk_assert_on_time(), nk_assert_late(), nk_assert_within(),
 * nk_late()) marks the try late and the try goes on; outside NK_ON_TIME
 * the first late figure fails the test (one try, nothing retried).
 * Leaving a late try by return or break fails the test too (the fd-leak
 * fixture checks it). helpers.h's nk_until_on_time(), nk_late_ok() and
 * nk_quick_ok() are the same policy for a scenario function that
 * answers whether it was on time.
 */
#define NK_TRIES 5
#define NK_ON_TIME(tries) \
	for (nk_on_time_begin(tries); nk_on_time_again();)
#define NK_ON_TIME_TEST(name) \
	static void name##_try(int _i CK_ATTRIBUTE_UNUSED); \
	START_TEST(name) \
	{ \
		NK_ON_TIME(NK_TRIES) \
			name##_try(_i); \
	} \
	END_TEST \
	static void name##_try(int _i CK_ATTRIBUTE_UNUSED)
void nk_on_time_begin(int tries);
bool nk_on_time_again(void);
/* For the fd-leak fixture: forget any try (setup); fail if a late try
 * was left without its verdict (teardown). */
void nk_on_time_reset(void);
void nk_on_time_settle(void);

/* Lateness allowed after a wait of wait_ms: 10 % of it, plus 25 ms of
 * scheduling slack times nk_time_scale(). */
double nk_allowed_late(double wait_ms);

/* Fails the test at once if end (nk_clock_ms()) is before deadline;
 * a late figure if it is more than nk_allowed_late(deadline - start)
 * after it. what names the call. */
void nk_assert_on_time(const char *what, double start, netkit_deadline deadline,
		       double end);

/* The same for a lateness the test computed: late < 0 (early) fails at
 * once, late > nk_allowed_late(wait_ms) is a late figure. */
void nk_assert_late(const char *what, double late, double wait_ms);

/* A late figure unless end - start is at most ms plus the slack (25 ms
 * times nk_time_scale()): for calls that must return at once. */
void nk_assert_within(const char *what, double start, double end, double ms);

/* Any other figure that depends on the machine's speed (a count of
 * signals or bytes by a deadline) and missed its mark: printf-style. */
void nk_late(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The one "slow runner" detection. Sanitizers are known when the tests
 * are compiled (one build flag for the library and the tests), valgrind
 * when they run (its preload library), and meson's valgrind and
 * helgrind setups also set CK_TIMEOUT_MULTIPLIER.
 */
#if defined(__SANITIZE_ADDRESS__)
#define NK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define NK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NK_TSAN 1
#endif
#endif
#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#define NK_MSAN 1
#endif
#endif
#ifndef NK_ASAN
#define NK_ASAN 0
#endif
#ifndef NK_TSAN
#define NK_TSAN 0
#endif
#ifndef NK_MSAN
#define NK_MSAN 0
#endif
/* A sanitizer whose allocator must see every call (no malloc counter). */
#define NK_SANITIZED (NK_ASAN || NK_TSAN || NK_MSAN)

/* True when the test runs under valgrind (memcheck or helgrind). */
bool nk_under_valgrind(void);

/* The factor Check's own timeouts get: CK_TIMEOUT_MULTIPLIER when set
 * (valgrind setup 10, helgrind 20), else 10 under valgrind, else 1. */
long nk_timeout_multiplier(void);

/* ms times nk_timeout_multiplier(), for deadlines that must not expire
 * on a slow run. */
int64_t nk_scaled_ms(int64_t ms);

/* How much slower than a plain build this run may be, for the slack of
 * the lateness bounds: 1 natively, 3 under AddressSanitizer, 5 under
 * ThreadSanitizer, nk_timeout_multiplier() when larger. Bounds widen
 * there; they never vanish. */
double nk_time_scale(void);

/* "native", "valgrind", "ThreadSanitizer"...: for messages. */
const char *nk_runner_name(void);

/* True when the run is much slower than native (nk_time_scale() of 5
 * or more: valgrind, helgrind, ThreadSanitizer): tests shrink their bulk
 * work and relax counts there. */
bool nk_slow_runner(void);

/* O_NONBLOCK on (nb) or off; returns the new F_GETFL flags. */
int nk_set_nonblocking(int fd, bool nb);
/* F_GETFL of fd; fails the test on error. */
int nk_flags(int fd);

/* A thread that sends SIGUSR1 to target every period_ms, for at most
 * max_ms or until nk_signaller_stop(), which returns how many it sent.
 * Install a handler first (nk_sigusr1_no_restart). */
typedef struct nk_signaller nk_signaller;
nk_signaller *nk_signaller_start(pthread_t target, int period_ms, int max_ms);
int nk_signaller_stop(nk_signaller *sg);

/* The byte at offset i of a checkable stream. */
unsigned char nk_stream_byte(uint64_t i);
/* Fills buf with the stream's bytes from offset from. */
void nk_stream_fill(unsigned char *buf, size_t len, uint64_t from);
/* Sends stream bytes from *off with MSG_DONTWAIT until the buffers are
 * full (EAGAIN twice, 20 ms apart), advancing *off; returns how many
 * went. */
size_t nk_stream_stuff(int fd, uint64_t *off);
/* Reads fd to its end (at most max_ms), checking byte i against
 * byte(i); returns the count. */
uint64_t nk_drain_checked(int fd, unsigned char (*byte)(uint64_t),
			  double max_ms);
/* nk_drain_checked() against the stream from offset 0, at most 10 s. */
uint64_t nk_stream_drain(int fd);

/* 64 KiB send buffer on fd, 64 KiB receive buffer on peer. */
void nk_small_buffers(int fd, int peer);

/* A TCP listener on loopback that drops SYNs: backlog 0 and an accept
 * queue already full (*filler holds the connection that fills it). A
 * connect to *addr hangs. Returns the listener. */
int nk_blackhole(int family, netkit_addr *addr, int *filler);

#endif
