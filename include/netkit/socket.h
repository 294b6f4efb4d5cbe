/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: the tutorial's socket calls. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_SOCKET_H
#define NETKIT_SOCKET_H

#include <sys/uio.h>

#include "addr.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup socket Sockets
 * The calls of the tutorial: create, bind, listen, accept, connect,
 * send, receive, half-close, close.
 *
 * Sockets are plain descriptors: mix these calls with any POSIX call on
 * the same `int`, and hand it to poll() or epoll. What every call here
 * guarantees:
 * - each descriptor it creates is close-on-exec;
 * - it never raises SIGPIPE: sending to a closed peer returns `-EPIPE`
 *   (or `-ECONNRESET`);
 * - a signal (EINTR) never surfaces: the call is retried;
 * - a negative @p fd answers `-EBADF` and does nothing (the data calls
 *   netkit_send() and netkit_recv() leave that answer to the kernel, to
 *   keep a test off their path).
 *
 * The tutorial's one-shot server, in C:
 * @code
 * netkit_addr addr;
 * char buf[1024];
 * int srv, conn;
 * ssize_t n;
 *
 * netkit_addr_from_ip(&addr, "127.0.0.1", 6666);
 * srv = netkit_socket(AF_INET, SOCK_STREAM, 0);
 * netkit_bind(srv, &addr);
 * netkit_listen(srv, 5);
 * conn = netkit_accept(srv, NULL);
 * n = netkit_recv(conn, buf, sizeof(buf));
 * netkit_send(conn, "Hello, I'm the server", 21);
 * netkit_close(conn);
 * netkit_close(srv);
 * @endcode
 * (every call returns a negative code on failure; see the examples for
 * the checks.)
 * @{
 */

/**
 * Creates a socket.
 * @param family    `AF_INET`, `AF_INET6` or `AF_UNIX`.
 * @param type      `SOCK_STREAM` (TCP), `SOCK_DGRAM` (UDP), `SOCK_RAW` or
 *                  `SOCK_SEQPACKET`, optionally or-ed with `SOCK_NONBLOCK`.
 *                  `SOCK_CLOEXEC` is always added.
 * @param protocol  0 for the family's default, or an `IPPROTO_*` value.
 * @return The new descriptor (>= 0), or a negative code.
 * @retval -EINVAL  Unknown family or type, or unknown type flags.
 * @retval -EPERM   Raw sockets need privileges (CAP_NET_RAW) this
 *                  process does not have. (Some systems say -EACCES.)
 * @retval -EPROTONOSUPPORT The protocol does not exist for that type.
 * @retval -EMFILE  The process has no free descriptor.
 * @note Python: `socket.socket(family, type, proto)`.
 */
NETKIT_EXPORT int netkit_socket(int family, int type, int protocol);

/**
 * Binds a socket to a local address.
 * @param fd    A socket.
 * @param addr  The address; port 0 picks any free port (read it back
 *              with netkit_local_addr()).
 * @retval 0    Success.
 * @retval -EINVAL      @p addr NULL or empty, or the socket is already bound.
 * @retval -EADDRINUSE  Another socket holds the address.
 * @retval -EADDRNOTAVAIL The IP is not one of this machine's.
 * @retval -EACCES      Ports below 1024 need privileges.
 * @retval -EBADF       @p fd is not an open descriptor.
 * @note Python: `sock.bind((host, port))`.
 */
NETKIT_EXPORT int netkit_bind(int fd, const netkit_addr *addr);

/**
 * Marks a stream socket as accepting connections.
 * @param fd       A bound (or unbound: the system picks a port) stream socket.
 * @param backlog  Queue length for connections not yet accepted, >= 0;
 *                 the system caps it at SOMAXCONN.
 * @retval 0        Success.
 * @retval -EINVAL  Negative @p backlog.
 * @retval -EOPNOTSUPP The socket is not a stream socket.
 * @retval -EBADF   @p fd is not an open descriptor.
 * @note Python: `sock.listen(backlog)`.
 */
NETKIT_EXPORT int netkit_listen(int fd, int backlog);

/**
 * Waits for and takes the next connection (blocks unless @p fd is
 * non-blocking).
 * @param fd         A listening socket.
 * @param[out] peer  If not NULL, receives the client's address: IPv4,
 *                   IPv6 or `AF_UNIX` (a Unix client is usually unnamed,
 *                   `unix:`; see @ref unix).
 * @return The connected socket (close-on-exec), or a negative code.
 * @retval -EAGAIN  Non-blocking socket and nobody is waiting.
 * @retval -EINVAL  @p fd is not listening.
 * @retval -ECONNABORTED A client gave up before it was accepted; call again.
 * @retval -EMFILE  The process has no free descriptor.
 * @note Python: `conn, addr = sock.accept()`. A socket's own
 * `SO_RCVTIMEO` bounds the wait from the first signal on, instead of
 * restarting with every retry.
 */
NETKIT_EXPORT int netkit_accept(int fd, netkit_addr *peer);

/**
 * netkit_accept() with a deadline.
 *
 * Waits with poll() until a connection is waiting or the deadline
 * passes, on blocking and non-blocking listeners alike; the listener's
 * mode is left as it is. On a blocking listener shared by several
 * threads, another thread may take the connection between the wake-up
 * and accept(), which then waits for the next one: make a shared
 * listener non-blocking.
 * @param fd         A listening socket.
 * @param[out] peer  As for netkit_accept().
 * @param deadline   See @ref time; 0 takes a waiting connection or
 *                   fails at once.
 * @return The connected socket (close-on-exec), or a negative code.
 * @retval -ETIMEDOUT   No connection before the deadline.
 * @retval -EINVAL      @p deadline below -1, or @p fd is not listening.
 * @retval -ECONNABORTED A client gave up before it was accepted.
 * @retval -EMFILE      The process has no free descriptor.
 * @note Python: `sock.settimeout(t); sock.accept()`.
 */
NETKIT_EXPORT int netkit_accept_until(int fd, netkit_addr *peer,
				      netkit_deadline deadline);

/**
 * Connects a socket to a remote address.
 *
 * On a blocking socket this waits for the handshake to finish, even
 * when a signal interrupts it. On a non-blocking socket it returns
 * `-EINPROGRESS`: poll for writability, then read `SO_ERROR`.
 * @param fd    A socket.
 * @param addr  The server's address.
 * @retval 0    Connected.
 * @retval -EINVAL       @p addr NULL or empty.
 * @retval -ECONNREFUSED Nothing listens there.
 * @retval -ETIMEDOUT    The handshake timed out.
 * @retval -EINPROGRESS  Non-blocking socket: the connection goes on.
 * @retval -EAFNOSUPPORT An IPv6 address for an IPv4 socket (Linux answers
 *                      -EINVAL for the reverse).
 * @note Python: `sock.connect((host, port))`. A socket's own
 * `SO_SNDTIMEO` bounds a blocking connect even when a signal interrupts
 * it (counted from the signal), and its expiry is `-EINPROGRESS`, as
 * the kernel answers without a signal.
 */
NETKIT_EXPORT int netkit_connect(int fd, const netkit_addr *addr);

/**
 * netkit_connect() with a deadline.
 *
 * Starts the handshake without blocking (on a blocking socket,
 * `O_NONBLOCK` is set around the connect() call only, then restored),
 * waits with poll() until it completes or the deadline passes, and
 * reads its result from `SO_ERROR`.
 * @param fd        A socket.
 * @param addr      The server's address.
 * @param deadline  See @ref time.
 * @retval 0             Connected.
 * @retval -ETIMEDOUT    The handshake did not finish before the
 *                       deadline. It may still go on in the kernel:
 *                       close the socket.
 * @retval -EINVAL       @p addr NULL or empty, or @p deadline below -1.
 * @retval -ECONNREFUSED Nothing listens there.
 * @retval -EALREADY     A connect on this socket is already under way.
 * @retval -EAGAIN       Nothing was started (a Unix-domain listener's
 *                       backlog is full): call again.
 * @retval -ENOMEM       (or another errno) `O_NONBLOCK` could not be set
 *                       (the socket is as it was) or put back (close
 *                       the socket: it is left non-blocking).
 * @note Python: `sock.settimeout(t); sock.connect((host, port))`.
 */
NETKIT_EXPORT int netkit_connect_until(int fd, const netkit_addr *addr,
				       netkit_deadline deadline);

/**
 * Receives up to @p len bytes.
 * @param fd        A connected socket (or a bound datagram socket).
 * @param[out] buf  Receives the bytes.
 * @param len       Size of @p buf; must be at least 1, since a result of
 *                  0 is reserved for "the peer closed".
 * @return The number of bytes received, 0 when a stream's peer has
 *         closed its side (for a datagram socket: an empty datagram),
 *         or a negative code.
 * @retval -EINVAL      @p buf NULL or @p len 0.
 * @retval -EAGAIN      Non-blocking socket with nothing to read.
 * @retval -ECONNRESET  The peer reset the connection.
 * @retval -ENOTCONN    Stream socket not connected.
 * @note Python: `sock.recv(len)`. A socket's own `SO_RCVTIMEO` keeps
 * bounding the call across signals (from the first one on), and its
 * expiry is `-EAGAIN`, as the kernel answers.
 */
NETKIT_EXPORT ssize_t netkit_recv(int fd, void *buf, size_t len);

/**
 * netkit_recv() with a deadline.
 * @param fd        A connected socket (or a bound datagram socket).
 * @param[out] buf  Receives the bytes.
 * @param len       Size of @p buf, at least 1.
 * @param deadline  See @ref time.
 * @return The number of bytes received, 0 when the peer has closed its
 *         side, or a negative code.
 * @retval -ETIMEDOUT   Nothing arrived before the deadline.
 * @retval -EINVAL      @p buf NULL, @p len 0, or @p deadline below -1.
 * @retval -ECONNRESET  The peer reset the connection.
 * @note Python: `sock.settimeout(t); sock.recv(len)`.
 */
NETKIT_EXPORT ssize_t netkit_recv_until(int fd, void *buf, size_t len,
					netkit_deadline deadline);

/**
 * Sends bytes; may send fewer than asked (see netkit_send_all()).
 * @param fd   A connected socket.
 * @param buf  The bytes; may be NULL only when @p len is 0.
 * @param len  How many.
 * @return The number of bytes sent, or a negative code.
 * @retval -EINVAL     @p buf NULL with @p len > 0.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -EAGAIN     Non-blocking socket with a full send buffer, or the
 *                     socket's `SO_SNDTIMEO` expired.
 * @note Never raises SIGPIPE. Python: `sock.send(data)`. A socket's own
 * `SO_SNDTIMEO` keeps bounding the call across signals (from the first
 * one on).
 */
NETKIT_EXPORT ssize_t netkit_send(int fd, const void *buf, size_t len);

/**
 * netkit_send() with a deadline: waits for room in the send buffer.
 * @param fd        A connected socket.
 * @param buf       The bytes; may be NULL only when @p len is 0.
 * @param len       How many.
 * @param deadline  See @ref time.
 * @return The number of bytes sent (at least 1 when @p len > 0), or a
 *         negative code.
 * @retval -ETIMEDOUT  No room before the deadline; nothing was sent.
 * @retval -EINVAL     @p buf NULL with @p len > 0, or @p deadline
 *                     below -1.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @note Never raises SIGPIPE. Python: `sock.settimeout(t); sock.send()`.
 */
NETKIT_EXPORT ssize_t netkit_send_until(int fd, const void *buf, size_t len,
					netkit_deadline deadline);

/**
 * Sends a datagram to an address.
 * @param fd   A datagram socket (for a connected stream, use netkit_send()).
 * @param buf  The bytes; may be NULL only when @p len is 0.
 * @param len  How many; 0 sends an empty datagram.
 * @param to   The destination.
 * @return The number of bytes sent, or a negative code.
 * @retval -EINVAL   NULL @p to, empty @p to, or @p buf NULL with @p len > 0.
 * @retval -EMSGSIZE The datagram is too large.
 * @retval -EACCES   A broadcast address without SO_BROADCAST.
 * @retval -EAGAIN   Non-blocking socket with a full send buffer, or the
 *                   socket's `SO_SNDTIMEO` expired.
 * @note Never raises SIGPIPE. Python: `sock.sendto(data, (host, port))`.
 * A socket's own `SO_SNDTIMEO` keeps bounding the call across signals
 * (from the first one on).
 */
NETKIT_EXPORT ssize_t netkit_sendto(int fd, const void *buf, size_t len,
				    const netkit_addr *to);

/**
 * netkit_sendto() with a deadline.
 * @param fd        A datagram socket.
 * @param buf       The bytes; may be NULL only when @p len is 0.
 * @param len       How many.
 * @param to        The destination.
 * @param deadline  See @ref time.
 * @return The number of bytes sent, or a negative code.
 * @retval -ETIMEDOUT  No room in the send buffer before the deadline.
 * @retval -EINVAL     As netkit_sendto(), or @p deadline below -1.
 * @note Never raises SIGPIPE.
 */
NETKIT_EXPORT ssize_t netkit_sendto_until(int fd, const void *buf,
					  size_t len, const netkit_addr *to,
					  netkit_deadline deadline);

/**
 * Receives a datagram and its sender's address.
 *
 * A datagram longer than @p len is truncated to @p len bytes; the rest
 * is lost, as with recvfrom(2), and nothing says so: the result is
 * @p len. netkit_recv_datagram() reports it instead (`-EMSGSIZE` and
 * the datagram's real length).
 * @param fd         A datagram socket.
 * @param[out] buf   Receives the bytes.
 * @param len        Size of @p buf, at least 1.
 * @param[out] from  If not NULL, receives the sender's address: IPv4,
 *                   IPv6 or `AF_UNIX`. Left untouched when the kernel
 *                   reports none (an unbound Unix sender; Python's
 *                   `None`): zero it first to tell.
 * @return The number of bytes received (0 for an empty datagram), or a
 *         negative code.
 * @retval -EINVAL  @p buf NULL or @p len 0.
 * @retval -EAGAIN  Non-blocking socket with nothing to read, or the
 *                  socket's `SO_RCVTIMEO` expired.
 * @note Python: `data, addr = sock.recvfrom(len)`. A socket's own
 * `SO_RCVTIMEO` keeps bounding the call across signals (from the first
 * one on).
 */
NETKIT_EXPORT ssize_t netkit_recvfrom(int fd, void *buf, size_t len,
				      netkit_addr *from);

/**
 * netkit_recvfrom() with a deadline.
 * @param fd         A datagram socket.
 * @param[out] buf   Receives the bytes.
 * @param len        Size of @p buf, at least 1.
 * @param[out] from  As for netkit_recvfrom().
 * @param deadline   See @ref time.
 * @return The number of bytes received, or a negative code.
 * @retval -ETIMEDOUT  No datagram before the deadline.
 * @retval -EINVAL     @p buf NULL, @p len 0, or @p deadline below -1.
 */
NETKIT_EXPORT ssize_t netkit_recvfrom_until(int fd, void *buf, size_t len,
					    netkit_addr *from,
					    netkit_deadline deadline);

/**
 * Closes one or both directions of a connection: the half-close of TCP's
 * four-way close.
 * @param fd   A connected socket.
 * @param how  `SHUT_RD`, `SHUT_WR` (the peer then reads 0, end of
 *             stream) or `SHUT_RDWR`.
 * @retval 0         Success.
 * @retval -EINVAL   @p how is none of the three.
 * @retval -ENOTCONN The socket is not connected.
 * @note Python: `sock.shutdown(how)`.
 */
NETKIT_EXPORT int netkit_shutdown(int fd, int how);

/**
 * Closes a descriptor.
 *
 * The descriptor is released even when the call reports an error; never
 * close it again. EINTR counts as success, because on Linux the
 * descriptor is already gone and a retry could close another thread's.
 * @param fd The descriptor.
 * @retval 0       Success.
 * @retval -EBADF  @p fd is not an open descriptor.
 * @retval -EIO    An I/O error was reported while closing.
 * @note Python: `sock.close()`.
 */
NETKIT_EXPORT int netkit_close(int fd);

/** @} */

/**
 * @defgroup io Whole-message I/O
 * Sending all of a buffer and receiving an exact count, which the
 * tutorial's `send()` and `recv()` leave to the caller; the `_iov`
 * calls do the same over several buffers at once.
 * @code
 * char header[4];
 * ssize_t n = netkit_recv_exact(fd, header, sizeof(header));
 * if (n == (ssize_t)sizeof(header))
 *         netkit_send_all(fd, "OK\n", 3);
 * @endcode
 * @{
 */

/**
 * Sends all @p len bytes, looping over partial sends.
 * @param fd   A connected blocking socket.
 * @param buf  The bytes; may be NULL only when @p len is 0.
 * @param len  How many.
 * @return @p len on success, or a negative code. On error some bytes may
 *         already have been sent, and this call does not say how many:
 *         netkit_send_all_until() does (with #NETKIT_FOREVER, it
 *         behaves as this one on a blocking socket).
 * @retval -EINVAL     @p buf NULL with @p len > 0.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -EAGAIN     Non-blocking socket with a full send buffer, or
 *                     the socket's `SO_SNDTIMEO` expired (counted from
 *                     the call; after a signal, from the signal).
 * @note Never raises SIGPIPE. Python: `sock.sendall(data)`.
 */
NETKIT_EXPORT ssize_t netkit_send_all(int fd, const void *buf, size_t len);

/**
 * Sends all @p len bytes before a deadline, and says how many went.
 *
 * Loops over partial sends; on a non-blocking socket it waits with
 * poll() for room instead of failing with `-EAGAIN`.
 * @param fd          A connected socket.
 * @param buf         The bytes; may be NULL only when @p len is 0.
 * @param len         How many.
 * @param[out] sent   If not NULL, always receives the number of bytes
 *                    handed to the kernel, on success (@p len) and on
 *                    every error (0 for a bad argument).
 * @param deadline    See @ref time; it bounds the whole transfer.
 *                    A netkit_deadline_stall() adds a stall limit.
 * @return @p len, or a negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p sent tells how far
 *                     it got.
 * @retval NETKIT_ESTALL No byte moved for the stall time of a
 *                     netkit_deadline_stall(); the count tells how far
 *                     it got.
 * @retval -EINVAL     @p buf NULL with @p len > 0, or @p deadline
 *                     below -1.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @note Never raises SIGPIPE. Python: `sock.sendall()` with a timeout,
 * except that Python does not say how much went out.
 */
NETKIT_EXPORT ssize_t netkit_send_all_until(int fd, const void *buf,
					    size_t len, size_t *sent,
					    netkit_deadline deadline);

/**
 * Receives exactly @p len bytes unless the peer closes first.
 * @param fd        A connected blocking stream socket.
 * @param[out] buf  Receives the bytes.
 * @param len       How many, at least 1.
 * @return @p len; fewer (possibly 0) if the peer closed first; or a
 *         negative code. On error some bytes may already have been read
 *         into @p buf.
 * @retval -EINVAL     @p buf NULL or @p len 0.
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -EAGAIN     The socket's `SO_RCVTIMEO` expired (counted from
 *                     the call; after a signal, from the signal); how
 *                     many bytes arrived is not reported:
 *                     netkit_recv_exact_until() reports it.
 * @note Python: `sock.recv(n, socket.MSG_WAITALL)`, looped.
 */
NETKIT_EXPORT ssize_t netkit_recv_exact(int fd, void *buf, size_t len);

/**
 * Receives exactly @p len bytes before a deadline, unless the peer
 * closes first, and says how many came.
 * @param fd        A connected stream socket.
 * @param[out] buf  Receives the bytes.
 * @param len       How many, at least 1.
 * @param[out] got  If not NULL, always receives the number of bytes
 *                  stored in @p buf, on success and on every error (0
 *                  for a bad argument).
 * @param deadline  See @ref time; it bounds the whole transfer.
 *                  A netkit_deadline_stall() adds a stall limit.
 * @return @p len; fewer (possibly 0) if the peer closed first; or a
 *         negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p got tells how many
 *                     bytes arrived.
 * @retval NETKIT_ESTALL No byte moved for the stall time of a
 *                     netkit_deadline_stall(); the count tells how far
 *                     it got.
 * @retval -EINVAL     @p buf NULL, @p len 0, or @p deadline below -1.
 * @retval -ECONNRESET The peer reset the connection.
 * @note Python: asyncio's `readexactly()` with a timeout.
 */
NETKIT_EXPORT ssize_t netkit_recv_exact_until(int fd, void *buf, size_t len,
					      size_t *got,
					      netkit_deadline deadline);

/**
 * Sends all the bytes of several buffers, in order, before a deadline,
 * and says how many went: netkit_send_all_until() over an array of
 * buffers (a header and a body in one system call, without copying
 * them together).
 *
 * Each system call is a sendmsg() of as many entries as it can take
 * (at most `IOV_MAX`); partial sends resume inside the entry where they
 * stopped. Any number of entries is taken: more than `IOV_MAX` go in
 * several calls. Empty entries are skipped.
 * @code
 * struct iovec parts[2] = {
 *         { .iov_base = header, .iov_len = header_len },
 *         { .iov_base = body,   .iov_len = body_len },
 * };
 * size_t sent;
 * ssize_t n = netkit_send_all_iov(fd, parts, 2, &sent,
 *                                 netkit_deadline_in(5000));
 * @endcode
 * @param fd          A connected socket, blocking or not (its mode is
 *                    left as it is).
 * @param iov         The buffers, in order; not modified. May be NULL
 *                    only when @p iovcnt is 0. An entry may have a NULL
 *                    `iov_base` only when its `iov_len` is 0.
 * @param iovcnt      How many entries, >= 0.
 * @param[out] sent   If not NULL, always receives the number of bytes
 *                    handed to the kernel, on success (the total) and
 *                    on every error (0 for a bad argument).
 * @param deadline    See @ref time; it bounds the whole transfer.
 *                    A netkit_deadline_stall() adds a stall limit.
 *                    With #NETKIT_FOREVER (no stall limit) a blocking
 *                    socket waits in the kernel's sendmsg(), with no
 *                    poll().
 * @return The total of the entries' lengths (0 at once when there are
 *         none, or all are empty), or a negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p sent tells how far
 *                     it got.
 * @retval NETKIT_ESTALL No byte moved for the stall time of a
 *                     netkit_deadline_stall(); the count tells how far
 *                     it got.
 * @retval -EINVAL     @p iovcnt negative, @p iov NULL with @p iovcnt
 *                     > 0, an entry with a NULL base and a length, a
 *                     total past `SSIZE_MAX`, or @p deadline below -1.
 *                     Nothing was sent.
 * @retval -EBADF      @p fd negative. Nothing was sent.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @note Never raises SIGPIPE. Python: `sock.sendmsg(buffers)`, looped
 * until everything went (Go: `net.Buffers.WriteTo`).
 */
NETKIT_EXPORT ssize_t netkit_send_all_iov(int fd, const struct iovec *iov,
					  int iovcnt, size_t *sent,
					  netkit_deadline deadline);

/**
 * Fills several buffers, in order, with exactly as many bytes as they
 * hold, before a deadline, unless the peer closes first, and says how
 * many came: netkit_recv_exact_until() over an array of buffers (a
 * fixed-size header and its body in one system call).
 *
 * Each system call is a recvmsg() into as many entries as it can take
 * (at most `IOV_MAX`); a partial receive resumes inside the entry where
 * it stopped. Any number of entries is taken. Empty entries are
 * skipped.
 * @param fd        A connected stream socket, blocking or not (its mode
 *                  is left as it is).
 * @param iov       The buffers, in order; the array is not modified, the
 *                  buffers receive the bytes. May be NULL only when
 *                  @p iovcnt is 0. An entry may have a NULL `iov_base`
 *                  only when its `iov_len` is 0.
 * @param iovcnt    How many entries, >= 0.
 * @param[out] got  If not NULL, always receives the number of bytes
 *                  stored, on success and on every error (0 for a bad
 *                  argument).
 * @param deadline  See @ref time; it bounds the whole transfer.
 *                  A netkit_deadline_stall() adds a stall limit. With
 *                  #NETKIT_FOREVER a blocking socket waits in the
 *                  kernel's recvmsg() (`MSG_WAITALL`), with no poll().
 * @return The total of the entries' lengths (0 at once when there are
 *         none, or all are empty); fewer (possibly 0) if the peer
 *         closed first; or a negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p got tells how many
 *                     bytes arrived.
 * @retval NETKIT_ESTALL No byte moved for the stall time of a
 *                     netkit_deadline_stall(); the count tells how far
 *                     it got.
 * @retval -EINVAL     As for netkit_send_all_iov(). Nothing was read.
 * @retval -EBADF      @p fd negative. Nothing was read.
 * @retval -ECONNRESET The peer reset the connection.
 * @note Python: `sock.recvmsg_into(buffers)`, looped until they are
 * full or the peer closed.
 */
NETKIT_EXPORT ssize_t netkit_recv_exact_iov(int fd, const struct iovec *iov,
					    int iovcnt, size_t *got,
					    netkit_deadline deadline);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_SOCKET_H */
