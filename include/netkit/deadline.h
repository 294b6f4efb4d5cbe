/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: the monotonic clock and deadlines. Include <netkit.h>, not
 * this file.
 */
#ifndef NETKIT_DEADLINE_H
#define NETKIT_DEADLINE_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup time Time and deadlines
 * One absolute deadline bounds a whole operation, however many system
 * calls, partial transfers, signals and name lookups it takes.
 *
 * A deadline is a ::netkit_deadline, a type of its own: a time on the
 * monotonic clock that netkit_now() reads. An integer is not a
 * deadline, so the compiler refuses `netkit_recv_until(fd, buf, n, 3000)`
 * written as "3 seconds" (it would have been "1 ms after boot"). Make
 * one with:
 * - netkit_deadline_in(ms): @p ms milliseconds from now;
 * - #NETKIT_FOREVER: no deadline, the call may block for ever;
 * - #NETKIT_NOW: already reached: do not block, try once;
 * - netkit_deadline_at(t): the time @p t on netkit_now()'s clock, for
 *   a program that computes its own times.
 *
 * A relative timeout is taken only by calls whose name says so:
 * netkit_poller_wait_for() and netkit_poller_timer_start_in().
 *
 * **The calls that take one.** The tutorial's calls of 0.1 keep their
 * plain form, which is exactly the system call it names, and have a
 * twin ending in `_until` that takes a deadline:
 * netkit_connect_until(), netkit_accept_until(), netkit_recv_until(),
 * netkit_send_until(), netkit_recvfrom_until(), netkit_sendto_until(),
 * netkit_send_all_until(), netkit_recv_exact_until() and
 * netkit_getaddrinfo_until(). Every blocking call added since takes a
 * deadline and has no twin; pass #NETKIT_FOREVER to block as the system
 * call would. The deadline is always the last argument.
 *
 * **Stalls.** The calls that move a count of bytes (send_all,
 * recv_exact, their `_iov` forms, netkit_sendfile() and
 * netkit_recv_to_file()) also take a deadline made by
 * netkit_deadline_stall(): besides its total deadline, it gives up with
 * #NETKIT_ESTALL when no byte has moved for a stall time, so a long
 * transfer over a slow path goes on while one over a dead path ends.
 *
 * Some calls can block in the system's resolver, with no deadline:
 * netkit_getnameinfo() without #NETKIT_NI_NUMERICHOST (a reverse
 * lookup), and Python's helpers (netkit_gethostbyname() and its kin),
 * as in Python. The plain calls block as the system call they name
 * does.
 *
 * What every call with a deadline guarantees:
 * - when the deadline passes it returns `-ETIMEDOUT`, never earlier and
 *   never much later: signals (EINTR), partial progress (a peer that
 *   keeps sending or taking a few bytes at a time) and a descriptor
 *   that polls ready while its call still cannot go on all count
 *   against the one deadline;
 * - a deadline already past (#NETKIT_NOW, "try once") costs the call's
 *   one attempt and no poll() when it would block; a blocking listening
 *   socket is the one exception: accept4() has no per-call "do not
 *   block" flag, so it is polled once, without waiting, first;
 * - it works the same on blocking and non-blocking descriptors (on a
 *   non-blocking one it waits with poll() rather than failing with
 *   `-EAGAIN`) and leaves the descriptor's mode and flags as it found
 *   them. The socket calls ask with `MSG_DONTWAIT` and touch no flag;
 *   netkit_sendfile() and netkit_recv_to_file(), whose system calls
 *   have no such flag, make a blocking socket or pipe non-blocking for
 *   the call and put the flag back before returning;
 * - a call that can never succeed on the descriptor it was given (an
 *   accept on a pipe or a connected socket) answers at once
 *   (`-ENOTSOCK`, `-EINVAL`) rather than waiting out its deadline;
 * - it costs the plain call's system call when the call can complete at
 *   once, and one poll() per wait otherwise.
 *
 * A deadline whose time is below -1 (only netkit_deadline_at() or a
 * hand-made value can give one) is refused with `-EINVAL`.
 * @code
 * netkit_deadline dl = netkit_deadline_in(3000);  // 3 s from now
 * size_t sent;
 * int fd = netkit_create_connection("localhost", "8888", NULL, NULL, dl);
 * if (fd >= 0 && netkit_send_all_until(fd, req, len, &sent, dl) < 0)
 *         fprintf(stderr, "%zu of %zu bytes went out\n", sent, len);
 * @endcode
 * @note Python: `socket.settimeout()` bounds each call separately;
 * a netkit deadline bounds the whole operation, as Go's `SetDeadline`.
 * @{
 */

/**
 * A deadline: a time on the monotonic clock of netkit_now().
 *
 * Passed by value, as cheap as an integer. Build one with
 * netkit_deadline_in(), netkit_deadline_at(), #NETKIT_FOREVER or
 * #NETKIT_NOW rather than by hand.
 */
typedef struct netkit_deadline {
	/** Milliseconds on netkit_now()'s clock; -1: never. (A deadline
	 * made by netkit_deadline_stall() packs two limits here.) */
	int64_t at;
} netkit_deadline;

#ifdef __cplusplus
/** The deadline that never comes: block for as long as it takes. */
#define NETKIT_FOREVER (netkit_deadline{ -1 })
/** A deadline already reached: try once, do not block. */
#define NETKIT_NOW (netkit_deadline{ 0 })
#else
/** The deadline that never comes: block for as long as it takes. */
#define NETKIT_FOREVER ((netkit_deadline){ -1 })
/** A deadline already reached: try once, do not block. */
#define NETKIT_NOW ((netkit_deadline){ 0 })
#endif

/**
 * The monotonic clock, in milliseconds.
 *
 * Counts from an arbitrary point (the system's boot, on Linux); never
 * jumps when the wall clock is set.
 * @return Milliseconds, >= 0.
 * @note Thread-safe and async-signal-safe; no system call on Linux
 * (the vDSO answers).
 */
NETKIT_EXPORT int64_t netkit_now(void);

/**
 * A deadline @p ms milliseconds from now.
 * @param ms  Milliseconds from now; 0 gives a deadline already reached
 *            (try once, do not block); a negative value gives
 *            #NETKIT_FOREVER.
 * @return netkit_now() + @p ms, #NETKIT_FOREVER for a negative @p ms,
 *         or the latest deadline when the sum would overflow.
 * @note Thread-safe.
 */
NETKIT_EXPORT netkit_deadline netkit_deadline_in(int64_t ms);

/**
 * The deadline at time @p when on netkit_now()'s clock.
 *
 * For a program that keeps its own times as netkit_now() values, e.g.
 * `netkit_deadline_at(started + 5000)`.
 * @param when  A time as netkit_now() reads it; -1 gives
 *              #NETKIT_FOREVER. Below -1 gives a deadline that every
 *              call refuses with `-EINVAL`.
 * @return The deadline.
 * @note Thread-safe; reads no clock.
 */
NETKIT_EXPORT netkit_deadline netkit_deadline_at(int64_t when);

/**
 * The milliseconds left until @p d.
 * @param d  A deadline.
 * @return -1 for #NETKIT_FOREVER, 0 once @p d has passed, otherwise
 *         the milliseconds left.
 * @note Thread-safe.
 */
NETKIT_EXPORT int64_t netkit_deadline_left(netkit_deadline d);

/** The longest stall time netkit_deadline_stall() keeps, in ms (about
 * 70 minutes); a longer one is taken as this. */
#define NETKIT_STALL_MAX 4194303

/**
 * A deadline that also gives up on a stall: when no byte has moved for
 * @p stall_ms, however long the whole transfer has taken.
 *
 * A slow path that keeps moving is not a failure; a path that went
 * silent is. So a long transfer wants a limit on the time without
 * progress rather than (or beside) a limit on the whole: pass the
 * deadline this returns to a call that moves a count of bytes, and it
 * answers #NETKIT_ESTALL once a wait for the next byte has lasted
 * @p stall_ms, and `-ETIMEDOUT`, as before, once @p total has passed.
 * Every byte that moves starts the stall time again, so a peer that
 * trickles a byte now and then keeps the call going until @p total.
 * The count the call reports (`*sent`, `*got`) tells how far it got,
 * so a program can resume from there.
 * @code
 * // 30 s without a byte: give up; no limit on the whole transfer.
 * n = netkit_sendfile(sock, file, 0, 0, &sent,
 *                     netkit_deadline_stall(30000, NETKIT_FOREVER));
 * if (n == NETKIT_ESTALL)
 *         fprintf(stderr, "stalled after %zu bytes\n", sent);
 * @endcode
 * The calls that take one are those that move a count of bytes:
 * netkit_send_all_until(), netkit_recv_exact_until(),
 * netkit_send_all_iov(), netkit_recv_exact_iov(), netkit_sendfile() and
 * netkit_recv_to_file(). Every other call refuses it with `-EINVAL`
 * (pass it @p total instead). The stall time counts from the start of
 * each call, so one such deadline can serve a whole series of calls.
 * It costs no system call: the calls read the clock once per chunk
 * and wait with the poll() they make anyway.
 *
 * The deadline is packed in the usual 8 bytes: its `at` is then not a
 * time (netkit_deadline_left() still answers @p total's time left).
 * @param stall_ms  The longest wait for the next byte, in ms, up to
 *                  #NETKIT_STALL_MAX (a longer one is taken as that);
 *                  0 or less: no stall limit, the result is @p total.
 * @param total     The deadline for the whole call (#NETKIT_FOREVER:
 *                  none). Times more than 34 years after the clock's
 *                  start are taken as #NETKIT_FOREVER.
 * @return The deadline. One made from an invalid @p total stays
 *         invalid (`-EINVAL` from every call).
 * @note Thread-safe; reads no clock. Python has no counterpart:
 * `settimeout()` limits each recv(), which is a stall limit for one
 * call, but not `sendall()`'s total. Since 0.3.
 */
NETKIT_EXPORT netkit_deadline netkit_deadline_stall(int64_t stall_ms,
						    netkit_deadline total);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_DEADLINE_H */
