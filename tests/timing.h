/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the timing tests (deadline and ktimeout suites): precise
 * clock readings, the "never early, at most 10 % late" check, a bounded
 * signaller thread, peers that never answer, and streams whose bytes can
 * be checked one by one after the fact.
 */
#ifndef NETKIT_TEST_TIMING_H
#define NETKIT_TEST_TIMING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netkit.h>

/* CLOCK_MONOTONIC in milliseconds, with the fraction (netkit_now()
 * truncates; this does not). */
double nk_clock_ms(void);

/* True when the test runs under valgrind: upper bounds are not checked
 * there (everything is ~10x slower), lower bounds still are. */
bool nk_slow_runner(void);

/* Fails the test unless end (nk_clock_ms()) is at or after deadline
 * (never early) and, outside valgrind, at most 10 % of (deadline -
 * start) plus 25 ms of scheduling slack after it. what names the call. */
void nk_assert_on_time(const char *what, double start, int64_t deadline,
		       double end);

/* Fails the test unless end - start is below ms (plus the same 25 ms of
 * slack, unless under valgrind). */
void nk_assert_within(const char *what, double start, double end, double ms);

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
 * full (EAGAIN), advancing *off; returns how many went. */
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
