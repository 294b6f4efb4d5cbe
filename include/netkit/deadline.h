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
 * A deadline is a time on the monotonic clock, in milliseconds, as
 * netkit_now() reads it; make one with netkit_deadline_in(). Two values
 * are special:
 * - #NETKIT_FOREVER (-1): no deadline, the call may block for ever;
 * - 0, or any time already past: do not block, try once.
 *
 * Any other negative value is refused with `-EINVAL`.
 *
 * **The deadline variants.** These 13 calls are a plain call plus a
 * deadline, and end in `_until`: netkit_connect_until(),
 * netkit_accept_until(), netkit_recv_until(), netkit_send_until(),
 * netkit_recvfrom_until(), netkit_sendto_until(),
 * netkit_send_all_until(), netkit_recv_exact_until(),
 * netkit_send_fds_until(), netkit_recv_fds_until(),
 * netkit_sendfile_until(), netkit_recv_to_file_until() and
 * netkit_getaddrinfo_until(). Each takes the plain call's arguments,
 * then the deadline, then (for the whole-message calls) an out
 * parameter that tells how many bytes moved. Calls that are new in 0.2
 * and have no plain twin take a deadline argument themselves:
 * netkit_create_connection(), netkit_recv_datagram(),
 * netkit_send_datagram(), the reader's calls and netkit_poller_wait().
 *
 * Some calls can block in the system's resolver, with no deadline:
 * netkit_create_server() given a host name (a numeric host or NULL
 * never waits: resolve a name with netkit_getaddrinfo_until() first
 * where that matters); netkit_getnameinfo() without
 * #NETKIT_NI_NUMERICHOST (a reverse lookup); and Python's helpers
 * (netkit_gethostbyname() and its kin), as in Python. The plain calls
 * block as the system call they name does.
 *
 * What every call with a deadline guarantees:
 * - when the deadline passes it returns `-ETIMEDOUT`, never earlier and
 *   never much later: signals (EINTR), partial progress (a peer that
 *   keeps sending or taking a few bytes at a time) and a descriptor
 *   that polls ready while its call still cannot go on all count
 *   against the one deadline;
 * - a deadline already past (0, "try once") costs the call's one
 *   attempt and no poll() when it would block; a blocking listening
 *   socket is the one exception: accept4() has no per-call "do not
 *   block" flag, so it is polled once, without waiting, first;
 * - it works the same on blocking and non-blocking descriptors (on a
 *   non-blocking one it waits with poll() rather than failing with
 *   `-EAGAIN`) and leaves the descriptor's mode and flags as it found
 *   them. The socket calls ask with `MSG_DONTWAIT` and touch no flag;
 *   netkit_sendfile_until() and netkit_recv_to_file_until(), whose
 *   system calls have no such flag, make a blocking socket or pipe
 *   non-blocking for the call and put the flag back before returning;
 * - a call that can never succeed on the descriptor it was given (an
 *   accept on a pipe or a connected socket) answers at once
 *   (`-ENOTSOCK`, `-EINVAL`) rather than waiting out its deadline;
 * - it costs the plain call's system call when the call can complete at
 *   once, and one poll() per wait otherwise.
 *
 * The plain calls make exactly the system call they name, as before.
 * @code
 * int64_t dl = netkit_deadline_in(3000);         // 3 s from now
 * size_t sent;
 * int fd = netkit_create_connection("localhost", "8888", dl, NULL);
 * if (fd >= 0 && netkit_send_all_until(fd, req, len, dl, &sent) < 0)
 *         fprintf(stderr, "%zu of %zu bytes went out\n", sent, len);
 * @endcode
 * @note Python: `socket.settimeout()` bounds each call separately;
 * a netkit deadline bounds the whole operation, as Go's `SetDeadline`.
 * @{
 */

/** The deadline that never comes: block for as long as it takes. */
#define NETKIT_FOREVER ((int64_t)-1)

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
 *         or the largest deadline when the sum would overflow.
 * @note Thread-safe.
 */
NETKIT_EXPORT int64_t netkit_deadline_in(int64_t ms);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_DEADLINE_H */
