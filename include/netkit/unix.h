/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: Unix domain sockets. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_UNIX_H
#define NETKIT_UNIX_H

#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "addr.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup unix Unix domain sockets
 * Local sockets: file-system paths, Linux abstract names, socket pairs,
 * descriptors passed between processes, the peer's credentials.
 *
 * A ::netkit_addr holds an `AF_UNIX` address as well as an IP one, and
 * every call that takes or returns an address (netkit_bind(),
 * netkit_connect(), netkit_accept(), netkit_sendto(), netkit_recvfrom(),
 * netkit_local_addr(), netkit_peer_addr()) takes and returns it. There
 * are three kinds, each with a text form that netkit_addr_format()
 * writes and netkit_addr_parse() reads back:
 * - a path, `unix:/run/app.sock` (Python: ``'/run/app.sock'``), from
 *   netkit_addr_from_path(); at most 107 bytes, so that it and its NUL
 *   fit in `sun_path`;
 * - an abstract name (Linux), `unix:@name` (Python: ``b'\\x00name'``),
 *   from netkit_addr_from_abstract(); any bytes, NULs included, at most
 *   107 of them; no file, and gone with the last socket bound to it;
 * - the unnamed address, `unix:` (Python: ``''``), of a socket pair's
 *   ends and of a client that never bound.
 *
 * In the text, printable ASCII stands for itself except the backslash,
 * written twice; every other byte is a backslash, `x` and two hex
 * digits, as in Python's bytes literals (`unix:@a\\x00b`), and a path
 * that starts with `@` writes it `\\x40`.
 * netkit_addr_port() and netkit_addr_ip() of an `AF_UNIX` address
 * answer `-EAFNOSUPPORT`; the IP classifiers answer false. Text forms
 * can be longer than NETKIT_ADDRSTRLEN: NETKIT_UNIX_ADDRSTRLEN holds
 * any of them.
 *
 * Descriptors travel with a message (`SCM_RIGHTS`): netkit_send_fds()
 * hands some to the peer, netkit_recv_fds() receives them close-on-exec.
 * A message that brings more descriptors than the caller made room for
 * is an error, and every descriptor that did arrive is closed: nothing
 * leaks (Python's `socket.recv_fds()` cuts the list silently).
 * @code
 * int sv[2], fd, got;
 * size_t n;
 * char c;
 *
 * netkit_socketpair(SOCK_STREAM, sv);
 * fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
 * netkit_send_fds(sv[0], "F", 1, &fd, 1);   // fd now open in both
 * if (netkit_recv_fds(sv[1], &c, 1, &got, 1, &n) == 1 && n == 1)
 *         read(got, buf, sizeof(buf));       // the same open file
 * @endcode
 * @{
 */

/**
 * Buffer size that holds netkit_addr_format()'s text for any address,
 * `AF_UNIX` ones included: "unix:", "@" and 108 bytes written as hex
 * escapes, plus the NUL. (NETKIT_ADDRSTRLEN holds any IP address's text.)
 */
#define NETKIT_UNIX_ADDRSTRLEN 440

/** The most descriptors one message carries (Linux's `SCM_MAX_FD`). */
#define NETKIT_MAX_FDS 253

/** The credentials of a Unix socket's peer, as the kernel saw them. */
typedef struct netkit_cred {
	/** The peer's process id, when it connected (or made the pair). */
	pid_t pid;
	/** Its effective user id. */
	uid_t uid;
	/** Its effective group id. */
	gid_t gid;
} netkit_cred;

/**
 * Makes an `AF_UNIX` address from a file-system path.
 * @param[out] out  Written only on success.
 * @param path      An absolute or relative path, 1 to 107 bytes (its
 *                  NUL must fit in `sun_path` too); read at most 108
 *                  bytes far.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument or an empty path.
 * @retval -ENAMETOOLONG The path is 108 bytes or longer.
 * @note Thread-safe; touches no file. Python: the string ``'/tmp/x.sock'``
 * given to `sock.bind()` or `sock.connect()` of a `socket.AF_UNIX`
 * socket.
 */
NETKIT_EXPORT int netkit_addr_from_path(netkit_addr *out, const char *path);

/**
 * Makes a Linux abstract `AF_UNIX` address: a name with no file.
 * @param[out] out  Written only on success.
 * @param name      The name's bytes, without the leading NUL; they may
 *                  hold NULs.
 * @param len       Their number, 0 to 107.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument.
 * @retval -ENAMETOOLONG @p len is 108 or more.
 * @note Thread-safe. Python: the bytes ``b'\\x00name'`` given to
 * `sock.bind()` or `sock.connect()`.
 */
NETKIT_EXPORT int netkit_addr_from_abstract(netkit_addr *out,
					    const void *name, size_t len);

/**
 * Makes a connected pair of Unix sockets (socketpair()), close-on-exec.
 * @param type      `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`,
 *                  optionally with `SOCK_NONBLOCK` (`SOCK_CLOEXEC` is
 *                  always added).
 * @param[out] fds  Receives the two descriptors; untouched on failure.
 * @retval 0        Success.
 * @retval -EINVAL  @p fds NULL or another type or flag.
 * @retval -EMFILE  The process has no descriptor left.
 * @note Thread-safe. Python: `a, b = socket.socketpair(socket.AF_UNIX,
 * type)`. Both ends have the unnamed address (`unix:`).
 */
NETKIT_EXPORT int netkit_socketpair(int type, int fds[2]);

/**
 * Sends bytes with descriptors attached (`SCM_RIGHTS`).
 *
 * The descriptors arrive with the first byte sent. On a stream socket
 * the call may send fewer than @p len bytes; send the rest with
 * netkit_send_all(), not with this call again, or the descriptors would
 * go twice. They stay open here: the peer receives new descriptors for
 * the same open files.
 * @param fd   A connected Unix socket (or a datagram one with a default
 *             peer).
 * @param buf  The bytes; at least one, since the descriptors need one to
 *             ride on.
 * @param len  Their number, at least 1.
 * @param fds  The descriptors to pass; may be NULL if @p n is 0.
 * @param n    Their number, 0 to NETKIT_MAX_FDS.
 * @param deadline See @ref time; #NETKIT_FOREVER blocks as sendmsg()
 *             does (on a blocking socket, until its `SO_SNDTIMEO`).
 * @return The number of bytes sent (at least 1), or a negative code.
 * @retval -ETIMEDOUT  Nothing could be sent before the deadline.
 * @retval -EINVAL     @p buf NULL, @p len 0, @p fds NULL with @p n > 0,
 *                     @p n above NETKIT_MAX_FDS, or @p deadline below
 *                     -1.
 * @retval -EBADF      @p fd, or one of @p fds, is not open.
 * @retval -EPIPE      The peer closed (never SIGPIPE).
 * @retval -EAGAIN     Non-blocking socket with no room, or its
 *                     `SO_SNDTIMEO` expired.
 * @retval -EOPNOTSUPP @p n > 0 and @p fd is not a Unix socket (Linux's
 *                     TCP and UDP would drop the descriptors silently;
 *                     nothing is sent).
 * @retval -ENOTSOCK   @p n > 0 and @p fd is not a socket.
 * @note Thread-safe. Python: `socket.send_fds(sock, [data], fds)`.
 */
NETKIT_EXPORT ssize_t netkit_send_fds(int fd, const void *buf, size_t len,
				      const int *fds, size_t n,
				      netkit_deadline deadline);

/**
 * Receives bytes and the descriptors that came with them.
 *
 * Received descriptors are close-on-exec (`MSG_CMSG_CLOEXEC`) and the
 * caller's to close. When the message brought more descriptors than
 * @p max (the kernel sets `MSG_CTRUNC`, or fills the rounded-up room
 * past @p max), or a datagram longer than @p len, the call fails and
 * closes every descriptor that arrived: none leaks, and the message is
 * consumed.
 * @param fd         A Unix socket.
 * @param[out] buf   Receives the bytes.
 * @param len        Size of @p buf, at least 1.
 * @param[out] fds   Receives the descriptors; untouched on failure. May
 *                   be NULL if @p max is 0.
 * @param max        Room in @p fds, 0 to NETKIT_MAX_FDS.
 * @param[out] n_out Receives the number of descriptors (0 if none
 *                   came); untouched on failure.
 * @param deadline   See @ref time; #NETKIT_FOREVER blocks as recvmsg()
 *                   does (on a blocking socket, until its
 *                   `SO_RCVTIMEO`).
 * @return The number of bytes received, 0 when a stream's peer has
 *         closed, or a negative code.
 * @retval -ETIMEDOUT Nothing came before the deadline.
 * @retval -EINVAL   @p buf or @p n_out NULL, @p len 0, @p fds NULL with
 *                   @p max > 0, @p max above NETKIT_MAX_FDS, or
 *                   @p deadline below -1.
 * @retval -ENOBUFS  More descriptors came than @p max; all closed.
 * @retval -EMSGSIZE A datagram longer than @p len; cut, and its
 *                   descriptors closed.
 * @retval -EAGAIN   Non-blocking socket with nothing to read, or its
 *                   `SO_RCVTIMEO` expired.
 * @retval -EBADF    @p fd is not open.
 * @note Thread-safe. Python: `data, fds, flags, addr =
 * socket.recv_fds(sock, len, max)`.
 */
NETKIT_EXPORT ssize_t netkit_recv_fds(int fd, void *buf, size_t len,
				      int *fds, size_t max, size_t *n_out,
				      netkit_deadline deadline);

/**
 * The credentials of a connected Unix socket's peer (`SO_PEERCRED`).
 *
 * They are the peer's as of connect() or socketpair(), not as of now.
 * @param fd        A connected Unix stream or seqpacket socket, or
 *                  either end of a socket pair.
 * @param[out] out  Written only on success.
 * @retval 0        Success.
 * @retval -EINVAL  @p out NULL.
 * @retval -EBADF   @p fd is not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @retval -ENOTCONN The kernel has no credentials for a peer: the socket
 *                  is not connected, or is not a Unix socket.
 * @note Thread-safe. Python: ``struct.unpack('3i',
 * sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))``.
 */
NETKIT_EXPORT int netkit_peer_cred(int fd, netkit_cred *out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_UNIX_H */
