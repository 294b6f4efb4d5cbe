/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: one-call endpoints, a connected client or a listening
 * server from a host and a service. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_ENDPOINT_H
#define NETKIT_ENDPOINT_H

#include <stdint.h>

#include "addr.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup endpoint Endpoints
 * A connected client or a listening server in one call, from a host
 * name (or numeric address) and a service name (or port number), as
 * Python's `socket.create_connection()` and `socket.create_server()`.
 *
 * netkit_create_connection() resolves the host and races connection
 * attempts to its addresses by Happy Eyeballs (RFC 8305): the families
 * are interleaved, a new attempt starts when the previous one fails or
 * after the attempt delay (250 ms by default), attempts already under
 * way are never abandoned for later ones, and the first to connect
 * wins; every other socket is closed. One deadline bounds the lookup
 * and the race together. netkit_create_server() resolves, binds and
 * listens, with `SO_REUSEADDR` on, so that a restarted server gets its
 * port back at once even while old connections sit in TIME_WAIT.
 *
 * Both return plain blocking close-on-exec descriptors, for any netkit
 * or POSIX call. A zeroed options struct (or NULL) gives the defaults;
 * a hook in the options runs on each new socket before it binds or
 * connects, for any option the struct has no field for. What
 * netkit_create_connection() tried is an output of its own, the
 * report, apart from the `const` options.
 * @code
 * netkit_attempt tries[4];
 * netkit_connect_report rep = { .attempts = tries, .len = 4 };
 * netkit_connect_opts o = { .flags = NETKIT_CONNECT_NODELAY };
 * int srv = netkit_create_server(NULL, "8888", NULL,   // 0.0.0.0:8888
 *                                NETKIT_FOREVER);
 * int fd = netkit_create_connection("localhost", "8888", &o, &rep,
 *                                   netkit_deadline_in(3000));
 * if (fd < 0)
 *         fprintf(stderr, "%s after %zu attempts\n",
 *                 netkit_strerror(fd), rep.count);
 * @endcode
 *
 * **Room to grow.** The options structs end in reserved space that
 * must be zero (`= { 0 }` or a designated initializer does it; the
 * calls answer `-EINVAL` otherwise), so a later release can add a field
 * without changing their size.
 * @{
 */

/** The delay between attempt starts when ::netkit_connect_opts.attempt_delay
 *  is 0, in milliseconds: RFC 8305's recommended value. */
#define NETKIT_CONNECT_DELAY_DEFAULT 250
/** How many attempts may be in flight at once when
 *  ::netkit_connect_opts.max_in_flight is 0. */
#define NETKIT_CONNECT_IN_FLIGHT_DEFAULT 8
/** The listen backlog when ::netkit_server_opts.backlog is 0: the
 *  system's maximum (which the kernel caps at net.core.somaxconn). */
#define NETKIT_SERVER_BACKLOG_DEFAULT SOMAXCONN

/** netkit_create_connection() flag: `TCP_NODELAY` on the returned socket
 *  (no Nagle delay for small writes). */
#define NETKIT_CONNECT_NODELAY 0x1
/** netkit_create_connection() flag: `SO_KEEPALIVE` on the returned
 *  socket. */
#define NETKIT_CONNECT_KEEPALIVE 0x2

/** One connection attempt of netkit_create_connection(), for its report. */
typedef struct netkit_attempt {
	/** The address tried. */
	netkit_addr addr;
	/** netkit_now() when the attempt began. */
	int64_t start;
	/** netkit_now() when it ended (connected, failed or was closed). */
	int64_t end;
	/** 0: this attempt won; `-ECANCELED`: closed because another won or
	 *  time ran out; otherwise its own error (`-ECONNREFUSED`, ...). */
	int result;
	/** Reserved for later fields; the call writes zeros there. */
	uint64_t reserved_[2];
} netkit_attempt;

/** What netkit_create_connection() tried: the caller's room for the
 *  attempts and, on return, how many there were. */
typedef struct netkit_connect_report {
	/** Room for one entry per attempt, in start order, or NULL. */
	netkit_attempt *attempts;
	/** The length of ::netkit_connect_report.attempts; attempts beyond
	 *  it are counted but not recorded. */
	size_t len;
	/** Output: how many attempts were made. */
	size_t count;
	/** Reserved; the call neither reads nor writes it. */
	uint64_t reserved_[4];
} netkit_connect_report;

/**
 * A hook run on each new socket before it binds or connects (Go's
 * `Dialer.Control`, `ListenConfig.Control`): set any option there.
 * @param fd    The new socket; the hook must not close it. The
 *              sockets of netkit_create_connection() are non-blocking
 *              until one wins: leave them so.
 * @param addr  The address it is about to connect to or bind.
 * @param arg   The options' `hook_arg`.
 * @return 0 to go on, or a negative code: the socket is closed and the
 *         attempt (netkit_create_connection()) or the call
 *         (netkit_create_server()) fails with that code. A positive
 *         answer counts as `-EINVAL`.
 */
typedef int netkit_socket_hook(int fd, const netkit_addr *addr, void *arg);

/** Options of netkit_create_connection(); all zero (or a NULL pointer)
 *  gives the defaults. */
typedef struct netkit_connect_opts {
	/** `AF_UNSPEC` (0) for any, `AF_INET` or `AF_INET6`. */
	int family;
	/** 0 or NETKIT_CONNECT_* flags or-ed together. */
	int flags;
	/** Milliseconds between attempt starts, >= 0; 0 means
	 *  #NETKIT_CONNECT_DELAY_DEFAULT. RFC 8305 advises at least 10. */
	int64_t attempt_delay;
	/** Most attempts in flight at once, >= 0; 0 means
	 *  #NETKIT_CONNECT_IN_FLIGHT_DEFAULT. 1 tries the addresses one
	 *  after the other, each until it fails. */
	int max_in_flight;
	/** If not NULL, each attempt's socket is bound to this address
	 *  before it connects (port 0: any); addresses of the other family
	 *  are skipped. */
	const netkit_addr *source;
	/** If not NULL, run on each attempt's socket before it connects
	 *  (after the source bind); a negative answer fails that attempt
	 *  with it, and the race goes on. */
	netkit_socket_hook *hook;
	/** Handed to ::netkit_connect_opts.hook. */
	void *hook_arg;
	/** Reserved: must be zero. */
	uint64_t reserved_[8];
} netkit_connect_opts;

/**
 * Connects to a host and service by Happy Eyeballs (RFC 8305), before a
 * deadline.
 *
 * The host is resolved with netkit_getaddrinfo_until() (`SOCK_STREAM`),
 * which counts against the same deadline. The addresses are tried in
 * the resolver's order with the families interleaved (the first
 * family, then the other, and so on: RFC 8305's "First Address Family
 * Count" of 1). A new attempt starts when the one started last fails or
 * when the attempt delay has passed since it started, whichever comes
 * first, with at most ::netkit_connect_opts.max_in_flight in flight.
 * An attempt under way is never given up because a later one started:
 * only when one connects, or at the deadline. The first attempt to
 * connect wins; every other socket is closed.
 *
 * **Which error.** When every attempt failed, the result is the error of
 * the first attempt (in start order) that reached the host
 * (`-ECONNREFUSED`, `-ECONNRESET`), or else the first attempt's error
 * (`-ENETUNREACH`, `-EHOSTUNREACH`, ...). It is `-ETIMEDOUT` only when
 * the deadline passed with an attempt still under way.
 *
 * **A past deadline** (#NETKIT_NOW) does not wait: the first attempt
 * starts, and unless it connects or fails at once (a loopback refusal
 * does), the result is `-ETIMEDOUT`; an attempt that fails at once is
 * followed at once by the next.
 *
 * **The report** is written on success and on every failure but bad
 * arguments, which leave it untouched (an attempt's own `-EINVAL`, such
 * as a hook's answer, is written); when the lookup fails, its count
 * is 0.
 * @param host      A host name or numeric IPv4/IPv6 text.
 * @param service   A service name ("http") or a port number ("8080",
 *                  "0" to "65535"), as for netkit_getaddrinfo().
 * @param opts      Options, or NULL for the defaults.
 * @param[out] report NULL, or where to record the attempts.
 * @param deadline  See @ref time; it bounds the lookup and every attempt.
 * @return A connected, blocking, close-on-exec socket, or a negative code
 *         (the codes below, or one a hook answered, by the rule of
 *         "Which error").
 * @retval -EINVAL       @p host or @p service NULL, a @p service that is
 *                       a number but no port ("", "65536", "+80": see
 *                       netkit_getaddrinfo(); nothing is connected),
 *                       @p deadline below -1, or bad @p opts (a family
 *                       other than `AF_UNSPEC`, `AF_INET` and
 *                       `AF_INET6`, unknown flags, a negative delay or
 *                       count, an invalid source, reserved space not
 *                       zero), or a @p report whose attempts are NULL
 *                       with a length. Also an attempt's own error, by
 *                       the rule of "Which error", when a hook answered
 *                       it or a positive number (the report is then
 *                       written).
 * @retval -ETIMEDOUT    The deadline passed with an attempt under way
 *                       (or during the lookup).
 * @retval -ECONNREFUSED Nothing listens at the address(es) tried.
 * @retval -EAFNOSUPPORT No address of the family of
 *                       ::netkit_connect_opts.source.
 * @retval -ENOMEM       Out of memory.
 * @retval NETKIT_ENONAME   The host is not known (and the other
 *                       resolver codes of netkit_getaddrinfo()).
 * @retval NETKIT_ENOSERVICE The service is not known.
 * @note Thread-safe. Never raises SIGPIPE. Python:
 *       `socket.create_connection((host, port), timeout,
 *       source_address, all_errors)`, with Happy Eyeballs as asyncio's
 *       `open_connection(happy_eyeballs_delay=0.25, interleave=1)`.
 */
NETKIT_EXPORT int netkit_create_connection(const char *host,
					   const char *service,
					   const netkit_connect_opts *opts,
					   netkit_connect_report *report,
					   netkit_deadline deadline);

/** netkit_create_server() flag: leave `SO_REUSEADDR` off (it is on by
 *  default, so that a restarted server binds at once). */
#define NETKIT_SERVER_NO_REUSEADDR 0x1
/** netkit_create_server() flag: `SO_REUSEPORT`, so that several sockets
 *  with the flag share the port and the kernel spreads the clients. */
#define NETKIT_SERVER_REUSEPORT 0x2
/** netkit_create_server() flag: one IPv6 socket that also takes IPv4
 *  clients (`IPV6_V6ONLY` 0); with a NULL host it binds `::`. */
#define NETKIT_SERVER_DUALSTACK 0x4

/** Options of netkit_create_server(); all zero (or a NULL pointer) gives
 *  the defaults. */
typedef struct netkit_server_opts {
	/** `AF_UNSPEC` (0), `AF_INET` or `AF_INET6`. */
	int family;
	/** 0 or NETKIT_SERVER_* flags or-ed together. */
	int flags;
	/** The listen backlog, >= 0; 0 means
	 *  #NETKIT_SERVER_BACKLOG_DEFAULT. */
	int backlog;
	/** If not NULL, run on the socket before it binds (after netkit's
	 *  own options); a negative answer fails the call with it. */
	netkit_socket_hook *hook;
	/** Handed to ::netkit_server_opts.hook. */
	void *hook_arg;
	/** Reserved: must be zero. */
	uint64_t reserved_[8];
} netkit_server_opts;

/**
 * Creates a listening TCP socket bound to a host and service.
 *
 * With a NULL @p host it binds all interfaces: `0.0.0.0` for
 * `AF_UNSPEC` and `AF_INET`, `::` for `AF_INET6` or with
 * #NETKIT_SERVER_DUALSTACK. Otherwise it binds the first address the
 * resolver gives for @p host (`AI_PASSIVE`, `SOCK_STREAM`). An IPv6
 * socket always gets `IPV6_V6ONLY` set explicitly: 1 (IPv6 only), or 0
 * with #NETKIT_SERVER_DUALSTACK, never the system's default.
 * `SO_REUSEADDR` is on unless #NETKIT_SERVER_NO_REUSEADDR.
 *
 * **The deadline** bounds the lookup of @p host (with
 * netkit_getaddrinfo_until()); a NULL host or numeric text ("127.0.0.1",
 * "::1") never waits, even with #NETKIT_NOW. Binding and listening do
 * not block.
 * @param host     NULL for all interfaces, a host name or numeric text.
 * @param service  A service name or a port number, "0" to "65535" (as
 *                 for netkit_getaddrinfo()); "0" picks a free port
 *                 (read it with netkit_local_addr()).
 * @param opts     Options, or NULL for the defaults.
 * @param deadline See @ref time; it bounds the lookup of @p host.
 * @return A listening, blocking, close-on-exec socket, or a negative
 *         code (the codes below, or the one the hook answered); on
 *         failure nothing is left open.
 * @retval -EINVAL       @p service NULL, a @p service that is a number
 *                       but no port ("", "99999", " 80", "-1": see
 *                       netkit_getaddrinfo(); nothing is bound), or bad
 *                       @p opts (unknown family or flags, negative
 *                       backlog, #NETKIT_SERVER_DUALSTACK with
 *                       `AF_INET`, reserved space not zero), or
 *                       @p deadline below -1; or the hook answered a
 *                       positive number.
 * @retval -ETIMEDOUT    The deadline passed before @p host was resolved.
 * @retval -EADDRINUSE   Another socket holds the address (with
 *                       #NETKIT_SERVER_NO_REUSEADDR, also a connection
 *                       in TIME_WAIT).
 * @retval -EADDRNOTAVAIL The address is not one of this machine's.
 * @retval -EACCES       Ports below 1024 need privileges.
 * @retval NETKIT_ENONAME   The host is not known (and the other
 *                       resolver codes of netkit_getaddrinfo()).
 * @retval NETKIT_ENOSERVICE The service is not known.
 * @note Thread-safe. Python: `socket.create_server((host, port), family,
 *       backlog, reuse_port, dualstack_ipv6)`.
 */
NETKIT_EXPORT int netkit_create_server(const char *host, const char *service,
				       const netkit_server_opts *opts,
				       netkit_deadline deadline);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_ENDPOINT_H */
