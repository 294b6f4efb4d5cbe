/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: TLS on a connected descriptor (OpenSSL 3).
 * Include <netkit.h>, not this file.
 */
#ifndef NETKIT_TLS_H
#define NETKIT_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "netkit/common.h"
#include "netkit/deadline.h"
#include "netkit/endpoint.h"
#include "netkit/features.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup tls TLS
 * TLS on a connected descriptor: verified by default, no SIGPIPE, a
 * deadline on every call (Python's `ssl.wrap_socket`).
 *
 * A ::netkit_tls_ctx holds what every connection of one program shares
 * (its role, trust store, certificate, ALPN list); netkit_tls_connect()
 * or netkit_tls_accept() makes one TLS connection on a socket the
 * program connected or accepted itself. The descriptor stays the
 * program's: no TLS call closes it, and none changes its mode.
 * @code
 * netkit_tls_opts o = { .role = NETKIT_TLS_CLIENT };
 * netkit_tls_ctx *ctx;
 * netkit_tls *t;
 * int fd = netkit_create_connection("example.org", "443", NULL, NULL,
 *                                   netkit_deadline_in(5000));
 * if (fd >= 0 && netkit_tls_ctx_new(&ctx, &o) == 0) {
 *         if (netkit_tls_connect(&t, ctx, fd, "example.org",
 *                                netkit_deadline_in(5000)) == 0) {
 *                 netkit_tls_send_all(t, req, strlen(req), NULL,
 *                                     netkit_deadline_in(5000));
 *                 n = netkit_tls_recv(t, buf, sizeof(buf),
 *                                     netkit_deadline_in(5000));
 *                 netkit_tls_close(t, netkit_deadline_in(1000));
 *         }
 *         netkit_tls_ctx_free(ctx);
 * }
 * netkit_close(fd);
 * @endcode
 *
 * What it guarantees:
 * - **Verification by default.** A client checks the server's chain
 *   against the trust store (the system's unless ::netkit_tls_opts
 *   names one) and its name against the certificate; each refusal has
 *   its own code (#NETKIT_ETLS_NAME, #NETKIT_ETLS_EXPIRED,
 *   #NETKIT_ETLS_UNTRUSTED, #NETKIT_ETLS_SELF_SIGNED,
 *   #NETKIT_ETLS_VERIFY). TLS 1.2 is the oldest version spoken.
 * - **No SIGPIPE**, without touching any signal disposition: every
 *   byte goes through send(MSG_NOSIGNAL) and recv(), never write().
 * - **Deadlines** as everywhere in the library (@ref time): a call
 *   waits with poll() and answers `-ETIMEDOUT` when the deadline
 *   passed while it waited. With a deadline already past (#NETKIT_NOW)
 *   a call that would block answers `-EAGAIN` at once, and
 *   netkit_tls_wants() says what to wait for on the @ref poller.
 * - **An end is told from a cut.** A peer's close_notify ends the
 *   stream (netkit_tls_recv() answers 0); a connection closed without
 *   it answers #NETKIT_ETLS_TRUNCATED, so that a truncated response is
 *   never taken for a whole one.
 * - **Happy Eyeballs through the handshake.**
 *   netkit_tls_create_connection() resolves, connects and handshakes
 *   under one deadline, racing the addresses as
 *   netkit_create_connection() does; the race ends at the first
 *   completed handshake, so a server that accepts and never answers
 *   does not hold it up.
 * - **Errors** are codes, as everywhere: nothing is printed, and
 *   nothing is left on OpenSSL's error queue of the calling thread.
 *   #NETKIT_ETLS_TRUNCATED counts as a disconnect
 *   (netkit_err_is_disconnect()).
 * - **On the connection layer**, netkit_conn_start_tls() (@ref loop)
 *   makes a loop connection speak TLS, the handshake inside the loop.
 *
 * **kTLS, when asked.** With #NETKIT_TLS_KTLS, a connection hands the
 * encryption of what it sends to the kernel when the kernel offers it
 * (Linux's `tls` module, TLS 1.2 or 1.3 with AES-GCM or
 * ChaCha20-Poly1305): OpenSSL still makes the handshake and reads, and
 * netkit_tls_sendfile() then moves a file with sendfile(), the kernel
 * encrypting, without copying it through the program. The guarantees
 * above stay: the transport is still netkit's (send(MSG_NOSIGNAL),
 * deadlines), and netkit_tls_ktls() says whether the kernel took
 * over. Where it does not, the connection works as without the flag.
 * It is not the default: OpenSSL 3.0 cannot change the kernel's key
 * when the peer asks for a TLS 1.3 KeyUpdate, so such a connection
 * then fails (the peer cannot read what follows) where a user-space
 * one goes on.
 *
 * The TLS part is optional: <netkit/features.h> defines
 * `NETKIT_HAS_TLS` to 1 when the library was built with OpenSSL, 0
 * when not (`pkg-config --variable=tls netkit` says `yes` or `no`).
 * The functions exist in both, so that programs and packages see one
 * ABI; without TLS every call that makes something answers
 * `-ENOTSUP`.
 * @{
 */

/** A context's role: connects to servers (the default, 0). */
#define NETKIT_TLS_CLIENT 0
/** A context's role: accepts clients; needs a certificate and key. */
#define NETKIT_TLS_SERVER 1

/** Client: do not verify the server's certificate nor its name. Any
 * machine on the path can then read and change the traffic: for tests
 * and for peers checked some other way only. */
#define NETKIT_TLS_INSECURE_NO_VERIFY 0x1u
/** Server: ask every client for a certificate and refuse those that
 * have none or one the trust store does not verify. */
#define NETKIT_TLS_VERIFY_CLIENT 0x2u
/** Either role: let the kernel encrypt what a connection sends once
 * the handshake is done, where the kernel offers it (kTLS; see
 * netkit_tls_ktls() and netkit_tls_sendfile()). */
#define NETKIT_TLS_KTLS 0x4u

/**
 * What a ::netkit_tls_ctx is made from. Initialize with `= { 0 }` or
 * designated initializers: every field left out takes its default, and
 * the reserved words must stay zero.
 */
typedef struct netkit_tls_opts {
	/** #NETKIT_TLS_CLIENT (0) or #NETKIT_TLS_SERVER. */
	int role;
	/** #NETKIT_TLS_INSECURE_NO_VERIFY, #NETKIT_TLS_VERIFY_CLIENT,
	 * #NETKIT_TLS_KTLS, or 0. */
	unsigned flags;
	/** PEM file of trusted certificates; with @ref ca_path NULL too,
	 * the system's trust store. */
	const char *ca_file;
	/** Directory of trusted certificates (`c_rehash` names), or NULL. */
	const char *ca_path;
	/** PEM file of this side's certificate, then its chain: required
	 * for a server, optional for a client. */
	const char *cert_file;
	/** PEM file of the certificate's private key; NULL: in
	 * @ref cert_file. */
	const char *key_file;
	/** ALPN protocols, NULL-terminated (`{ "h2", "http/1.1", NULL }`):
	 * offered by a client in its order of preference, accepted by a
	 * server in its own. Each 1 to 255 bytes. NULL: no ALPN. */
	const char *const *alpn;
	/** Reserved for later fields: must be zero. */
	uint64_t reserved_[6];
} netkit_tls_opts;

/** What the TLS connections of a program share: made once by
 * netkit_tls_ctx_new(), used by any number of connections and threads,
 * freed by netkit_tls_ctx_free() after its last connection. */
typedef struct netkit_tls_ctx netkit_tls_ctx;

/** One TLS connection on a descriptor: made by netkit_tls_connect() or
 * netkit_tls_accept(), ended by netkit_tls_close() or netkit_tls_free().
 * One thread at a time. */
typedef struct netkit_tls netkit_tls;

/**
 * Makes a TLS context.
 * @param out  Gets the context on success; untouched on error.
 * @param opts Role, trust store, certificate and key, ALPN, flags.
 * @return 0, or a negative code.
 * @retval -EINVAL         NULL argument, unknown role or flag, nonzero
 *                         reserved word, a server without a certificate,
 *                         a bad ALPN list, or a flag for the other role.
 * @retval -ENOENT         A file or directory named does not exist (any
 *                         other system error opening it, negated).
 * @retval NETKIT_ETLS_CONFIG A certificate, key or CA file could not be
 *                         used (not PEM, or the key does not match).
 * @retval -ENOMEM         Out of memory.
 * @retval -ENOTSUP        The library was built without TLS.
 */
NETKIT_EXPORT int netkit_tls_ctx_new(netkit_tls_ctx **out,
				     const netkit_tls_opts *opts);

/**
 * Frees a context. Its connections must be freed first.
 * @param ctx A context, or NULL (nothing done).
 */
NETKIT_EXPORT void netkit_tls_ctx_free(netkit_tls_ctx *ctx);

/**
 * Makes the client side of a TLS connection on a connected socket: the
 * handshake, the certificate's verification, until the deadline.
 *
 * @p server_name is what the certificate must be for: a host name
 * (sent as SNI, checked against the DNS names) or an IP literal
 * (checked against the IP addresses; no SNI).
 * @param out  Gets the connection on success and on `-EAGAIN`; set to
 *             NULL on any other error (nothing to free).
 * @param ctx  A client context.
 * @param fd   A connected stream socket; it stays the caller's.
 * @param server_name The name to verify; NULL only with
 *             #NETKIT_TLS_INSECURE_NO_VERIFY.
 * @param deadline When to give up.
 * @return 0 once the handshake is done, or a negative code.
 * @retval -EAGAIN   The deadline was already past and the handshake must
 *                   wait: it is under way, @p *out is set; wait for
 *                   netkit_tls_wants() and go on with
 *                   netkit_tls_handshake().
 * @retval -ETIMEDOUT The deadline passed during the handshake.
 * @retval NETKIT_ETLS_NAME The certificate is for another name.
 * @retval NETKIT_ETLS_EXPIRED The certificate has expired.
 * @retval NETKIT_ETLS_UNTRUSTED Its issuer is not in the trust store.
 * @retval NETKIT_ETLS_SELF_SIGNED It is self-signed and not trusted.
 * @retval NETKIT_ETLS_VERIFY It was refused for another reason.
 * @retval NETKIT_ETLS The handshake failed (no common version or
 *                   cipher, an alert from the peer, not TLS at all).
 * @retval NETKIT_ETLS_TRUNCATED The peer closed during the handshake.
 * @retval -EINVAL   NULL or wrong-role context, bad descriptor number,
 *                   NULL name without the insecure flag, a name too long.
 * @retval -ENOTSUP  The library was built without TLS.
 */
NETKIT_EXPORT int netkit_tls_connect(netkit_tls **out, netkit_tls_ctx *ctx,
				     int fd, const char *server_name,
				     netkit_deadline deadline);

/**
 * Connects to a host by Happy Eyeballs and makes a TLS client connection
 * on the socket, the race ending at a completed handshake: one deadline
 * for the lookup, the connects and the handshakes.
 *
 * It is netkit_create_connection() (same options, report and rules)
 * whose attempts do not win when they connect: a connected attempt goes
 * on with its handshake, without blocking, while the others go on, and
 * the first whose handshake is done wins (a server that accepts and
 * never answers does not hold the race up). @p host is the name
 * verified (and sent as SNI), as netkit_tls_connect()'s @p server_name.
 *
 * In @p report, an attempt whose handshake failed has that error
 * (#NETKIT_ETLS_NAME...), one still under way when another won or the
 * deadline passed `-ECANCELED`. When every attempt failed, the result is
 * the first handshake error, if any handshake failed; else as
 * netkit_create_connection()'s.
 * @param out      Gets the TLS connection on success; NULL otherwise.
 * @param ctx      A client context.
 * @param host     A host name or IP literal: connected to and verified.
 * @param service  A service name or port number ("443").
 * @param opts     Options, or NULL for the defaults.
 * @param report   NULL, or where to record the attempts.
 * @param deadline When to give up, the handshake included.
 * @return The connected socket (blocking, the caller's to close after
 *         freeing @p *out), or a negative code: those of
 *         netkit_create_connection() and of netkit_tls_connect().
 * @retval -EINVAL  As netkit_create_connection()'s, or a NULL @p out,
 *                  a NULL or server context, a @p host of over 253 bytes.
 * @retval -ENOTSUP The library was built without TLS.
 */
NETKIT_EXPORT int netkit_tls_create_connection(netkit_tls **out,
					       netkit_tls_ctx *ctx,
					       const char *host,
					       const char *service,
					       const netkit_connect_opts *opts,
					       netkit_connect_report *report,
					       netkit_deadline deadline);

/**
 * Makes the server side of a TLS connection on an accepted socket: the
 * handshake (and the client's certificate's verification with
 * #NETKIT_TLS_VERIFY_CLIENT), until the deadline.
 * @param out  As netkit_tls_connect()'s.
 * @param ctx  A server context.
 * @param fd   An accepted stream socket; it stays the caller's.
 * @param deadline When to give up.
 * @return 0, or a negative code as netkit_tls_connect()'s.
 */
NETKIT_EXPORT int netkit_tls_accept(netkit_tls **out, netkit_tls_ctx *ctx,
				    int fd, netkit_deadline deadline);

/**
 * Goes on with a handshake that answered `-EAGAIN`.
 * @param t        The connection.
 * @param deadline When to give up.
 * @return 0 once done (again 0 when it was done already), `-EAGAIN` as
 *         before, or the codes of netkit_tls_connect(); after an error
 *         other than `-EAGAIN` and `-ETIMEDOUT`, only netkit_tls_free()
 *         is left to do.
 */
NETKIT_EXPORT int netkit_tls_handshake(netkit_tls *t, netkit_deadline deadline);

/**
 * Sends some bytes (at least one TLS record's worth when @p len is
 * larger), like send().
 * @param t        The connection.
 * @param buf      The bytes.
 * @param len      How many; 0 sends nothing and answers 0.
 * @param deadline When to give up.
 * @return The count sent (> 0), or a negative code: `-EAGAIN` (deadline
 *         already past, nothing sent: call again with the same bytes
 *         once netkit_tls_wants() is ready), `-ETIMEDOUT`, `-EPIPE` or
 *         `-ECONNRESET` (the peer is gone), #NETKIT_ETLS; `-EBUSY`
 *         while a netkit_tls_sendfile() that answered `-EAGAIN` or
 *         `-ETIMEDOUT` has not been called again for its rest.
 * @note After `-EAGAIN` or `-ETIMEDOUT`, send the same bytes again
 *       before anything else; with kTLS on (netkit_tls_ktls()) from the
 *       same address too, as the kernel reads them where they are.
 */
NETKIT_EXPORT ssize_t netkit_tls_send(netkit_tls *t, const void *buf,
				      size_t len, netkit_deadline deadline);

/**
 * Receives some bytes, like recv().
 * @param t        The connection.
 * @param buf      Where they go.
 * @param len      Room in @p buf (> 0).
 * @param deadline When to give up.
 * @return The count (> 0); 0 at the end of the stream (the peer's
 *         close_notify); or a negative code: `-EAGAIN` (deadline already
 *         past and nothing to read), `-ETIMEDOUT`,
 *         #NETKIT_ETLS_TRUNCATED (the peer closed without close_notify:
 *         what came may be cut short), `-ECONNRESET`, #NETKIT_ETLS.
 * @note OpenSSL may hold decrypted bytes the descriptor no longer
 *       shows: on the poller, call it until it answers `-EAGAIN`.
 */
NETKIT_EXPORT ssize_t netkit_tls_recv(netkit_tls *t, void *buf, size_t len,
				      netkit_deadline deadline);

/**
 * Sends all of @p buf by the deadline.
 * @param t        The connection.
 * @param buf      The bytes.
 * @param len      How many.
 * @param sent     If not NULL, gets the count sent, on success and on
 *                 every error.
 * @param deadline When to give up.
 * @return @p len, or a negative code as netkit_tls_send()'s. After
 *         `-ETIMEDOUT` a record may be half sent: close the connection,
 *         or send again starting at the byte @p *sent names.
 */
NETKIT_EXPORT ssize_t netkit_tls_send_all(netkit_tls *t, const void *buf,
					  size_t len, size_t *sent,
					  netkit_deadline deadline);

/**
 * Receives exactly @p len bytes by the deadline.
 * @param t        The connection.
 * @param buf      Where they go.
 * @param len      How many.
 * @param got      If not NULL, gets the count received, on success and
 *                 on every error.
 * @param deadline When to give up.
 * @return @p len; fewer (possibly 0) if the stream ended first (the
 *         peer's close_notify); or a negative code as netkit_tls_recv()'s.
 */
NETKIT_EXPORT ssize_t netkit_tls_recv_exact(netkit_tls *t, void *buf,
					    size_t len, size_t *got,
					    netkit_deadline deadline);

/**
 * Ends a connection: sends close_notify (waiting no later than the
 * deadline to send it, never for the peer's), then frees @p t. The
 * descriptor stays open: close it after.
 * @param t        The connection, or NULL (0, nothing done).
 * @param deadline When to stop trying to send close_notify.
 * @return 0 if close_notify went, else why not (`-ETIMEDOUT`, `-EPIPE`,
 *         #NETKIT_ETLS after an earlier failure, during the handshake,
 *         or while a netkit_tls_sendfile() piece is held, whose record
 *         the peer then never gets whole...); @p t is freed in every
 *         case.
 */
NETKIT_EXPORT int netkit_tls_close(netkit_tls *t, netkit_deadline deadline);

/**
 * Frees a connection without sending anything (error paths): the peer
 * will see a truncated stream.
 * @param t The connection, or NULL.
 */
NETKIT_EXPORT void netkit_tls_free(netkit_tls *t);

/**
 * The protocol ALPN chose for the connection.
 * @param t The connection, its handshake done.
 * @return The protocol ("h2"), valid until @p t is freed; NULL when none
 *         was chosen (or @p t is NULL).
 */
NETKIT_EXPORT const char *netkit_tls_alpn(const netkit_tls *t);

/**
 * What the last call that answered `-EAGAIN` waits for.
 * @param t The connection.
 * @return #NETKIT_POLLER_READ or #NETKIT_POLLER_WRITE (a TLS read may
 *         need to write, and a write to read); 0 when nothing is
 *         awaited or @p t is NULL.
 */
NETKIT_EXPORT unsigned netkit_tls_wants(const netkit_tls *t);

/**
 * Whether the kernel encrypts what the connection sends (kTLS): only
 * with #NETKIT_TLS_KTLS, once the handshake is done, and where the
 * kernel has TLS (`tls` listed in
 * `/proc/sys/net/ipv4/tcp_available_ulp`; a process with
 * `CAP_NET_ADMIN` also gets the module loaded) for the version and
 * cipher the handshake chose.
 * @note The kernel's TLS stays on the descriptor for its whole life,
 *       after netkit_tls_close() or netkit_tls_free() too: whatever is
 *       sent on it later still goes out as TLS records with this
 *       connection's keys. Close the descriptor with the connection.
 * @param t The connection.
 * @return 1 when it does, 0 when OpenSSL encrypts (or @p t is NULL).
 */
NETKIT_EXPORT int netkit_tls_ktls(const netkit_tls *t);

/**
 * Sends part of a file over the connection, encrypted: netkit_sendfile()
 * for TLS. With kTLS on (netkit_tls_ktls()) the kernel reads the file
 * and encrypts it, with no copy through the program; without, the file
 * is read in record-sized pieces and each is sent with
 * netkit_tls_send_all(). The bytes on the wire are the same.
 * The handshake is made first if it is not done.
 * @param t         The connection.
 * @param file_fd   A file that can be read at an offset (a regular
 *                  file); its own offset is not moved.
 * @param offset    Where to start in the file.
 * @param count     How many bytes; 0 means "to the end of the file".
 * @param[out] sent If not NULL, always receives the number of bytes
 *                  sent, also on error.
 * @param deadline  See @ref time; it bounds the whole transfer.
 * @return The number of bytes sent: @p count, or fewer when the file
 *         ended first; or a negative code, with @p sent telling how far
 *         it got.
 * @retval -EINVAL   @p t NULL, a negative @p offset, a bad deadline (a
 *                   stall deadline included).
 * @retval -EBADF    @p file_fd is not an open descriptor.
 * @retval -ESPIPE   @p file_fd cannot be read at an offset (a pipe).
 * @retval -EBUSY    The last netkit_tls_send() answered `-EAGAIN` or
 *                   `-ETIMEDOUT`: OpenSSL holds its bytes until they
 *                   are sent again.
 * @retval -EAGAIN   The deadline had passed (#NETKIT_NOW) and nothing
 *                   could be sent: wait for netkit_tls_wants().
 * @retval -ETIMEDOUT The deadline passed (with #NETKIT_NOW: after some
 *                   bytes went, as @p sent says).
 * @retval -EPIPE    The peer is gone (also `-ECONNRESET`); and the
 *                   other codes of netkit_tls_send() (#NETKIT_ETLS).
 * @retval -EIO      The file failed to read; or, on the call for the
 *                   rest, it was cut inside the piece OpenSSL holds,
 *                   which cannot be made again: only
 *                   netkit_tls_close() is left to do.
 * @note After `-EAGAIN` or `-ETIMEDOUT`, call it again for the rest
 *       (@p offset + @p sent) before sending anything else: the piece
 *       OpenSSL holds is read again from the file, and while it holds
 *       one netkit_tls_send() answers `-EBUSY`. (Under kTLS, or when
 *       the deadline passed between pieces, nothing is held and a send
 *       is taken, but the stream then has a hole where the rest of the
 *       file was to go.)
 */
NETKIT_EXPORT ssize_t netkit_tls_sendfile(netkit_tls *t, int file_fd,
					  off_t offset, size_t count,
					  size_t *sent,
					  netkit_deadline deadline);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_TLS_H */
