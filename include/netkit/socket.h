/*
 * libnetkit: the tutorial's socket calls. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_SOCKET_H
#define NETKIT_SOCKET_H

#include "addr.h"

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
 * - a negative @p fd answers `-EBADF` without a system call.
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
 * @param[out] peer  If not NULL, receives the client's address (IPv4/IPv6
 *                   sockets only; left untouched for other families).
 * @return The connected socket (close-on-exec), or a negative code.
 * @retval -EAGAIN  Non-blocking socket and nobody is waiting.
 * @retval -EINVAL  @p fd is not listening.
 * @retval -ECONNABORTED A client gave up before it was accepted; call again.
 * @retval -EMFILE  The process has no free descriptor.
 * @note Python: `conn, addr = sock.accept()`.
 */
NETKIT_EXPORT int netkit_accept(int fd, netkit_addr *peer);

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
 * @note Python: `sock.connect((host, port))`.
 */
NETKIT_EXPORT int netkit_connect(int fd, const netkit_addr *addr);

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
 * @note Python: `sock.recv(len)`.
 */
NETKIT_EXPORT ssize_t netkit_recv(int fd, void *buf, size_t len);

/**
 * Sends bytes; may send fewer than asked (see netkit_send_all()).
 * @param fd   A connected socket.
 * @param buf  The bytes; may be NULL only when @p len is 0.
 * @param len  How many.
 * @return The number of bytes sent, or a negative code.
 * @retval -EINVAL     @p buf NULL with @p len > 0.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -EAGAIN     Non-blocking socket with a full send buffer.
 * @note Never raises SIGPIPE. Python: `sock.send(data)`.
 */
NETKIT_EXPORT ssize_t netkit_send(int fd, const void *buf, size_t len);

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
 * @note Never raises SIGPIPE. Python: `sock.sendto(data, (host, port))`.
 */
NETKIT_EXPORT ssize_t netkit_sendto(int fd, const void *buf, size_t len,
				    const netkit_addr *to);

/**
 * Receives a datagram and its sender's address.
 *
 * A datagram longer than @p len is truncated to @p len bytes; the rest
 * is lost, as with recvfrom(2).
 * @param fd         A datagram socket.
 * @param[out] buf   Receives the bytes.
 * @param len        Size of @p buf, at least 1.
 * @param[out] from  If not NULL, receives the sender's address (IPv4/IPv6
 *                   senders only; left untouched otherwise).
 * @return The number of bytes received (0 for an empty datagram), or a
 *         negative code.
 * @retval -EINVAL  @p buf NULL or @p len 0.
 * @retval -EAGAIN  Non-blocking socket with nothing to read.
 * @note Python: `data, addr = sock.recvfrom(len)`.
 */
NETKIT_EXPORT ssize_t netkit_recvfrom(int fd, void *buf, size_t len,
				      netkit_addr *from);

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
 * tutorial's `send()` and `recv()` leave to the caller.
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
 *         already have been sent.
 * @retval -EINVAL     @p buf NULL with @p len > 0.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -EAGAIN     Non-blocking socket with a full send buffer.
 * @note Never raises SIGPIPE. Python: `sock.sendall(data)`.
 */
NETKIT_EXPORT ssize_t netkit_send_all(int fd, const void *buf, size_t len);

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
 * @note Python: `sock.recv(n, socket.MSG_WAITALL)`, looped.
 */
NETKIT_EXPORT ssize_t netkit_recv_exact(int fd, void *buf, size_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_SOCKET_H */
