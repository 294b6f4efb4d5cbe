/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: shared definitions (export macro, version, error codes).
 * Include <netkit.h>, not this file.
 */
#ifndef NETKIT_COMMON_H
#define NETKIT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @cond INTERNAL */
#if defined(__GNUC__) && __GNUC__ >= 4
#define NETKIT_EXPORT __attribute__((visibility("default")))
#else
#define NETKIT_EXPORT
#endif
/** @endcond */

/**
 * @defgroup version Version
 * The library's version, at compile time and at run time.
 *
 * The macros give the version of the header a program was compiled
 * against; netkit_version_string() gives the version of the library it
 * runs with.
 * @code
 * printf("built with %d.%d.%d, running %s\n", NETKIT_VERSION_MAJOR,
 *        NETKIT_VERSION_MINOR, NETKIT_VERSION_PATCH,
 *        netkit_version_string());
 * @endcode
 * @{
 */
/** Major version: changes when the ABI breaks. */
#define NETKIT_VERSION_MAJOR 0
/** Minor version: changes when functions are added. */
#define NETKIT_VERSION_MINOR 3
/** Patch version: changes for fixes only. */
#define NETKIT_VERSION_PATCH 0

/**
 * The version of the running library, as "MAJOR.MINOR.PATCH".
 * @return A static string, never NULL.
 * @note Thread-safe.
 */
NETKIT_EXPORT const char *netkit_version_string(void);
/** @} */

/**
 * @defgroup error Errors
 * One convention for every call: `>= 0` is success, `< 0` an error code.
 *
 * A system error is the negative errno value (`-ECONNREFUSED`): compare
 * against `-E...` constants from `<errno.h>`. Resolver and library
 * errors are the `NETKIT_E...` codes below, all below -10000, so
 * they never collide with an errno value. `errno` itself is never the
 * channel: netkit leaves it unspecified.
 * @code
 * int rc = netkit_connect(fd, &addr);
 * if (rc < 0) {
 *         fprintf(stderr, "connect: %s (%s)\n", netkit_strerror(rc),
 *                 netkit_errname(rc));
 *         if (rc == -ECONNREFUSED)
 *                 ...;
 * }
 * @endcode
 *
 * Three classifiers sort any code for the usual decisions, instead of
 * a list of errno values in every program: netkit_err_is_temporary()
 * (try again later), netkit_err_is_disconnect() (the peer is gone:
 * close) and netkit_err_is_resource() (out of descriptors or memory:
 * back off).
 * @code
 * n = netkit_recv_until(fd, buf, sizeof(buf), NETKIT_NOW);
 * if (n < 0 && netkit_err_is_temporary(n))
 *         return;                         // nothing yet: wait for the poller
 * if (n <= 0) {                           // end of stream, or an error
 *         if (n < 0 && !netkit_err_is_disconnect(n))
 *                 fprintf(stderr, "recv: %s\n", netkit_strerror(n));
 *         netkit_close(fd);
 * }
 * @endcode
 * @{
 */
/** First library error code; every `NETKIT_E*` code is below it. A
 * macro, unlike the codes, so that `#if` can use it. */
#define NETKIT_EBASE (-10000)

/**
 * The library's own error codes as one list: `X(NAME, VALUE, MESSAGE)`
 * per code, where `NETKIT_##NAME` is the code, VALUE its number (below
 * ::NETKIT_EBASE, fixed forever: part of the ABI) and MESSAGE what
 * netkit_strerror() answers for it.
 *
 * The list generates ::netkit_errno and, inside the library, the names
 * and messages of netkit_errname() and netkit_strerror(), so a new code
 * is one row here (and its paragraph below). A program may expand it
 * too, for example to print every code:
 * @code
 * #define ROW(name, value, msg) \
 *         printf("%d NETKIT_" #name ": %s\n", value, msg);
 * NETKIT_ERRNO_MAP(ROW)
 * @endcode
 */
#define NETKIT_ERRNO_MAP(X) \
	X(ENONAME, -10001, "name or address not known") \
	X(EAGAIN_RESOLVE, -10002, \
	  "temporary failure in name resolution; try again") \
	X(ENOSERVICE, -10003, "service not known for this protocol") \
	X(ERESOLVE, -10004, "name resolution failed") \
	X(ENOADDR, -10005, "the name has no address of the requested family") \
	X(ETOOLONG, -10006, "line longer than the buffer") \
	X(EIDLE, -10007, "connection idle: nothing moved for too long") \
	X(ESTALL, -10008, "stalled: no byte moved for too long") \
	X(ESLOW, -10009, "too slow: output stayed above its high mark for too long") \
	X(ETLS, -10010, "TLS failed: the peer broke the protocol, sent an " \
	  "alert, or shares no version or cipher") \
	X(ETLS_TRUNCATED, -10011, \
	  "TLS stream cut: the peer closed without close_notify") \
	X(ETLS_NAME, -10012, \
	  "TLS certificate refused: not issued for this name or address") \
	X(ETLS_EXPIRED, -10013, \
	  "TLS certificate refused: expired or not yet valid") \
	X(ETLS_UNTRUSTED, -10014, \
	  "TLS certificate refused: its issuer is not trusted") \
	X(ETLS_SELF_SIGNED, -10015, \
	  "TLS certificate refused: self-signed and not trusted") \
	X(ETLS_VERIFY, -10016, \
	  "TLS certificate refused: missing, revoked or unusable") \
	X(ETLS_CONFIG, -10017, \
	  "TLS setup failed: a certificate, key or CA file is not usable")

#define NETKIT__ERRNO_ENUM(name, value, msg) NETKIT_##name = (value),
/**
 * The `NETKIT_E*` codes, generated from ::NETKIT_ERRNO_MAP.
 *
 * They are enumeration constants, not macros: compare and `switch` on
 * them in C code as before, but `#if` cannot see them (there it reads
 * them as 0). Their values are those of 0.1, so the ABI is unchanged;
 * to know at compile time which codes exist, test the
 * `NETKIT_VERSION_*` macros.
 */
enum netkit_errno {
	NETKIT_ERRNO_MAP(NETKIT__ERRNO_ENUM)
};
#undef NETKIT__ERRNO_ENUM

/** @var NETKIT_ENONAME
 * The name is not known to the resolver (like Python's
 * `socket.gaierror`, EAI_NONAME). */
/** @var NETKIT_EAGAIN_RESOLVE
 * Temporary resolver failure; trying again later may work (EAI_AGAIN). */
/** @var NETKIT_ENOSERVICE
 * The service name is not known for this protocol (Python's
 * `OSError: service/proto not found`). */
/** @var NETKIT_ERESOLVE
 * Any other resolver failure (EAI_FAIL and the rest). */
/** @var NETKIT_ENOADDR
 * The name exists but has no address of the requested family
 * (EAI_ADDRFAMILY). */
/** @var NETKIT_ETOOLONG
 * A line (or delimited record) is longer than the buffer it must fit
 * in: the caller's, or the reader's (see @ref reader). */
/** @var NETKIT_EIDLE
 * Nothing moved on a connection (no byte received, none sent) for its
 * idle time (::netkit_loop_opts.idle_ms), so the loop closed it.
 * Since 0.3. */
/** @var NETKIT_ESTALL
 * Bytes were waiting to move and none did for the stall time (the peer
 * stopped reading or sending, or the path went silent): see
 * ::netkit_loop_opts.stall_ms, and netkit_deadline_stall() for the
 * calls that move a count of bytes (their count tells how far they
 * got). Not `-ETIMEDOUT`, which is the total deadline's. Since 0.3. */
/** @var NETKIT_ESLOW
 * Bytes moved, but a connection's output queue stayed above its high
 * mark for longer than ::netkit_loop_opts.slow_ms: its reader is too
 * slow for what the program sends it. Since 0.3. */
/** @var NETKIT_ETLS
 * A TLS connection failed for a reason of the protocol: the peer sent
 * an alert, shares no version (TLS 1.2 at least) or cipher, is not
 * speaking TLS, or an earlier error already ended the connection (see
 * @ref tls). Since 0.3. */
/** @var NETKIT_ETLS_TRUNCATED
 * The peer closed the TLS connection without close_notify: what was
 * received may have been cut short by anyone on the path. A clean end
 * (close_notify) is a count of 0 instead. netkit_err_is_disconnect()
 * answers true for it. Since 0.3. */
/** @var NETKIT_ETLS_NAME
 * The peer's certificate is valid but for another host name or IP
 * address than the one asked for. Since 0.3. */
/** @var NETKIT_ETLS_EXPIRED
 * The peer's certificate (or one of its chain) has expired or is not
 * valid yet (check the clock). Since 0.3. */
/** @var NETKIT_ETLS_UNTRUSTED
 * The peer's certificate chain does not lead to a certificate of the
 * trust store. Since 0.3. */
/** @var NETKIT_ETLS_SELF_SIGNED
 * The peer's certificate signs itself (or its chain ends in a root the
 * trust store does not hold). Since 0.3. */
/** @var NETKIT_ETLS_VERIFY
 * The peer's certificate was refused for another reason: none was sent
 * (#NETKIT_TLS_VERIFY_CLIENT), it is revoked, malformed or not meant for
 * this use. Since 0.3. */
/** @var NETKIT_ETLS_CONFIG
 * netkit_tls_ctx_new() could not use a certificate, key or CA file: not
 * PEM, or the key does not match the certificate. Since 0.3. */

/**
 * A human sentence for an error code.
 *
 * Every text is the library's own, in one style: lower case, no final
 * period ("file exists", "connection refused: nothing listens there"),
 * and it names each cause a netkit call can meet (`-EPERM` is also
 * epoll refusing a regular file, `-EPIPE` also a socket that never
 * connected, `-ENOSPC` also a full disk). Every Linux errno value has
 * one; other codes read "unknown error".
 * @param err A code returned by a netkit call (negative); 0 ("success")
 *            and unknown codes are answered too. A positive value (a
 *            count, or errno passed without its minus sign) is no error
 *            code, and the text says so.
 * @return A static string, never NULL.
 * @note Thread-safe; no allocation, no formatting.
 */
NETKIT_EXPORT const char *netkit_strerror(int err);

/**
 * The short symbolic name of an error code.
 * @param err A code returned by a netkit call, e.g. `-ECONNREFUSED`.
 * @return A static string such as "ECONNREFUSED" or "NETKIT_ENONAME";
 *         "OK" for 0, "POSITIVE" for a positive value (no error code:
 *         a count, or errno passed without its minus sign), "UNKNOWN"
 *         for codes it does not know. Never NULL.
 * @note Thread-safe.
 */
NETKIT_EXPORT const char *netkit_errname(int err);

/**
 * Is @p err "try again later": nothing happened, nothing is lost, and
 * the same call made again (after the descriptor is ready, or the
 * deadline moved) may succeed?
 *
 * The codes: `-EAGAIN` (`-EWOULDBLOCK`: would block on a non-blocking
 * descriptor), `-EINTR` (a signal; netkit retries it itself, but a
 * program's own system calls meet it), `-ETIMEDOUT` and
 * ::NETKIT_EAGAIN_RESOLVE (a resolver that did not answer now).
 *
 * `-ETIMEDOUT` is here because it is what every netkit deadline that
 * passed answers, including a deadline of "now" (try once, do not
 * block) on a call that would block. The kernel also answers it once for a connection it gave
 * up on (keep-alive, `TCP_USER_TIMEOUT`, a connect that met no answer);
 * there the next call on the socket says the connection is over (0,
 * the end of the stream, or `-EPIPE`).
 *
 * The three classifiers are disjoint: no code is in two lists.
 * @param err Any code (0 and positive values included: false).
 * @return true for the codes above, false for every other.
 * @note Thread-safe, no system call.
 */
NETKIT_EXPORT bool netkit_err_is_temporary(int err);

/**
 * Is @p err "the peer is gone": the connection (or the datagram peer)
 * is over or cannot be reached, and the descriptor is good only for
 * netkit_close()?
 *
 * The codes (systemd's `ERRNO_IS_DISCONNECT`, less the ones netkit
 * answers for other causes): `-ECONNRESET`, `-EPIPE`, `-ECONNABORTED`,
 * `-ECONNREFUSED`, `-ENOTCONN`, `-ESHUTDOWN`, `-ENETDOWN`,
 * `-ENETUNREACH`, `-ENETRESET`, `-EHOSTDOWN`, `-EHOSTUNREACH`,
 * `-ENONET`, `-EPROTO`; and #NETKIT_ETLS_TRUNCATED (since 0.3), a TLS
 * peer that closed without close_notify: the connection is over just
 * the same, and only what was received may be short.
 *
 * A server's accept loop meets them too: Linux's accept() hands on a
 * network error of a connection that died in the queue (accept(2)
 * says to treat those as "try again"), so an accept that fails with
 * one of these means that client is gone and the listener is fine.
 * Not here: `-ETIMEDOUT` (see netkit_err_is_temporary()), and
 * `-EOPNOTSUPP` / `-ENOPROTOOPT`, which netkit answers for an option
 * of the wrong protocol.
 * @param err Any code (0 and positive values included: false).
 * @return true for the codes above, false for every other.
 * @note Thread-safe, no system call.
 */
NETKIT_EXPORT bool netkit_err_is_disconnect(int err);

/**
 * Is @p err "out of resources": the process or the system is short of
 * descriptors or memory, and the call may work once some are freed,
 * but not if made again at once?
 *
 * The codes: `-EMFILE` (this process's descriptor limit), `-ENFILE`
 * (the system's), `-ENOBUFS` (buffer space: a full device queue, a
 * kernel short of socket memory) and `-ENOMEM`. A server that meets
 * one in accept() should pause accepting (or close idle clients)
 * rather than spin: the pending connection stays queued.
 * @param err Any code (0 and positive values included: false).
 * @return true for the codes above, false for every other.
 * @note Thread-safe, no system call.
 */
NETKIT_EXPORT bool netkit_err_is_resource(int err);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_COMMON_H */
