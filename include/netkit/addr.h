/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: socket addresses. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_ADDR_H
#define NETKIT_ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup addr Addresses
 * An IP address and port, like the `(host, port)` tuples of Python.
 *
 * A ::netkit_addr holds an IPv4 or IPv6 socket address, or an `AF_UNIX`
 * one (paths, abstract names: see @ref unix). Build one from
 * numeric text (netkit_addr_from_ip(), netkit_addr_parse()), from a raw
 * `struct sockaddr` (netkit_addr_from_sockaddr()), or read one back from
 * a socket (netkit_local_addr(), netkit_peer_addr()). None of these calls
 * touches the network or the resolver: names such as "localhost" are for
 * the resolver functions.
 *
 * An IPv6 scope ("%eth0", "%2") of all digits is an interface index,
 * taken as it is from 0 to 4294967295 whether or not an interface has
 * it (0 is no scope); anything else is the name of an existing
 * interface, even one starting with a digit ("%1x"). (glibc's
 * getaddrinfo() differs in one case: for link-local addresses it tries
 * a name first, so there "%12" can mean an interface named "12". netkit
 * never reads digits as a name, so each text has one meaning.)
 * Text is written so that it parses back to the same address: by the
 * interface's name, or by the index number where there is no interface,
 * or where the name would not read back (a name of all digits such as
 * "12", one holding ']' or bytes outside printable ASCII).
 *
 * Text arguments are read no further than the longest text that can be
 * valid (plus one byte, to see that it goes on), so an unterminated or
 * endless text is refused with `-EINVAL` rather than read to its end.
 * @code
 * netkit_addr a;
 * char text[NETKIT_ADDRSTRLEN];
 *
 * if (netkit_addr_parse(&a, "[::1]:8888") == 0 &&
 *     netkit_addr_format(&a, text, sizeof(text)) >= 0)
 *         printf("%s port %d\n", text, netkit_addr_port(&a));
 * @endcode
 * @{
 */

/**
 * An IPv4, IPv6 or `AF_UNIX` socket address.
 *
 * The fields are private by convention: use the functions of this group.
 * A zero-filled ::netkit_addr is "no address"; functions reading one
 * answer `-EINVAL` for it.
 */
typedef struct netkit_addr {
	/** @private The address, as the system stores it. */
	struct sockaddr_storage ss;
	/** @private Its length in bytes; 0 means no address. */
	socklen_t len;
} netkit_addr;

/**
 * Buffer size that always holds netkit_addr_format()'s output:
 * "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%ifnameifnameifn]:65535"
 * plus the terminating NUL.
 */
#define NETKIT_ADDRSTRLEN 70

/**
 * Makes an address from a numeric IP and a port.
 * @param[out] out  Written only on success.
 * @param ip        Dotted IPv4 ("127.0.0.1", "0.0.0.0") or IPv6 text
 *                  ("::1", "::", "fe80::1%lo", "fe80::1%2"). No names,
 *                  no short forms. Read at most 62 bytes far
 *                  (`INET6_ADDRSTRLEN + IF_NAMESIZE`).
 * @param port      0..65535; 0 asks bind() for any free port.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument, text that is not a numeric IP, a port
 *                  outside 0..65535, a scope name that no interface has
 *                  (or of `IF_NAMESIZE` bytes or more), a scope number
 *                  above 4294967295, or text of 62 bytes or more.
 * @note Thread-safe. Python: the tuple `(ip, port)`.
 */
NETKIT_EXPORT int netkit_addr_from_ip(netkit_addr *out, const char *ip,
				      int port);

/**
 * Parses "ip:port" text: "1.2.3.4:80", "[::1]:80", "[fe80::1%eth0]:80".
 *
 * The inverse of netkit_addr_format(). The port is required and is
 * 1 to 5 decimal digits with a value of at most 65535. The scope is
 * read as in netkit_addr_from_ip(). Text starting "unix:" is an
 * `AF_UNIX` address ("unix:/run/app.sock", "unix:@name", "unix:"), as
 * described in @ref unix.
 * @param[out] out  Written only on success.
 * @param text      The text to parse; read at most NETKIT_ADDRSTRLEN
 *                  bytes far (NETKIT_UNIX_ADDRSTRLEN for "unix:" text).
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument, malformed text, a scope as refused by
 *                  netkit_addr_from_ip(), text of NETKIT_ADDRSTRLEN
 *                  bytes or more (NETKIT_UNIX_ADDRSTRLEN for "unix:"
 *                  text), a bad escape, or a NUL in a path.
 * @retval -ENAMETOOLONG A Unix name of more than 107 bytes.
 * @note Thread-safe.
 */
NETKIT_EXPORT int netkit_addr_parse(netkit_addr *out, const char *text);

/**
 * Formats an address as "1.2.3.4:80" or "[::1]:80".
 *
 * A scope is written as the interface's name where that name parses
 * back to the same interface, else as its index ("[fe80::1%2]:80"), so
 * netkit_addr_parse() of the text always gives back the same address.
 * An `AF_UNIX` address is written "unix:/path", "unix:@name" or
 * "unix:" (see @ref unix); its text parses back to it too, except a
 * 108-byte path with no NUL that another program bound (netkit takes
 * at most 107 bytes).
 * @param a         The address.
 * @param[out] buf  Receives the NUL-terminated text; untouched on failure.
 * @param len       Size of @p buf; NETKIT_ADDRSTRLEN always suffices for
 *                  IP addresses, NETKIT_UNIX_ADDRSTRLEN for any.
 * @return The length of the text (without the NUL), or a negative code.
 * @retval -EINVAL  NULL argument or an empty address.
 * @retval -ENOSPC  @p buf too small for the text and its NUL.
 * @note Thread-safe.
 */
NETKIT_EXPORT int netkit_addr_format(const netkit_addr *a, char *buf,
				     size_t len);

/**
 * Formats the IP part alone: "1.2.3.4", "::1", "fe80::1%eth0".
 * @param a         The address.
 * @param[out] buf  Receives the NUL-terminated text; untouched on failure.
 * @param len       Size of @p buf; NETKIT_ADDRSTRLEN always suffices.
 * @return The length of the text (without the NUL), or a negative code.
 * @retval -EINVAL  NULL argument or an empty address.
 * @retval -EAFNOSUPPORT An `AF_UNIX` address: it has no IP.
 * @retval -ENOSPC  @p buf too small.
 * @note Thread-safe. Python: `addr[0]`.
 */
NETKIT_EXPORT int netkit_addr_ip(const netkit_addr *a, char *buf, size_t len);

/**
 * The port of an address.
 * @param a The address.
 * @return 0..65535, or a negative code.
 * @retval -EINVAL NULL or an empty address.
 * @retval -EAFNOSUPPORT An `AF_UNIX` address: it has no port.
 * @note Python: `addr[1]`.
 */
NETKIT_EXPORT int netkit_addr_port(const netkit_addr *a);

/**
 * The family of an address.
 * @param a The address.
 * @return `AF_INET`, `AF_INET6` or `AF_UNIX`, or -EINVAL for NULL or an
 *         empty address.
 */
NETKIT_EXPORT int netkit_addr_family(const netkit_addr *a);

/**
 * Is this a loopback address (127.0.0.0/8, `::1`)?
 * IPv4-mapped IPv6 addresses of the form \::ffff:a.b.c.d are judged by their
 * IPv4 part, here and in the other classifiers.
 * @param a The address; NULL or empty answers false.
 * @return true or false.
 */
NETKIT_EXPORT bool netkit_addr_is_loopback(const netkit_addr *a);

/**
 * Is this the "any interface" address (0.0.0.0, `::`)?
 * @param a The address; NULL or empty answers false.
 * @return true or false.
 */
NETKIT_EXPORT bool netkit_addr_is_any(const netkit_addr *a);

/**
 * Is this the limited broadcast address 255.255.255.255?
 *
 * A subnet's directed broadcast (x.x.x.255 on a /24) depends on the
 * netmask, which an address alone does not carry. IPv6 has no broadcast.
 * @param a The address; NULL or empty answers false.
 * @return true or false.
 */
NETKIT_EXPORT bool netkit_addr_is_broadcast(const netkit_addr *a);

/**
 * Is this a multicast address (224.0.0.0/4, `ff00::/8`)?
 * @param a The address; NULL or empty answers false.
 * @return true or false.
 */
NETKIT_EXPORT bool netkit_addr_is_multicast(const netkit_addr *a);

/**
 * Do two addresses have the same family, IP, port (and IPv6 scope)?
 * @param a First address.
 * @param b Second address.
 * @return true if equal; false if not, or if either is NULL or empty.
 */
NETKIT_EXPORT bool netkit_addr_equal(const netkit_addr *a,
				     const netkit_addr *b);

/**
 * Copies a raw system address into a ::netkit_addr.
 * @param[out] out  Written only on success.
 * @param sa        A `struct sockaddr_in`, `struct sockaddr_in6` or
 *                  `struct sockaddr_un`.
 * @param len       Its length: for IP, at least the size of that
 *                  structure and at most `sizeof(struct
 *                  sockaddr_storage)`; for `AF_UNIX`, from
 *                  `sizeof(sa_family_t)` (unnamed) to `sizeof(struct
 *                  sockaddr_un)`, as the kernel reads it.
 * @retval 0        Success.
 * @retval -EINVAL  NULL argument, a family other than AF_INET, AF_INET6
 *                  and AF_UNIX, or a wrong length.
 */
NETKIT_EXPORT int netkit_addr_from_sockaddr(netkit_addr *out,
					    const struct sockaddr *sa,
					    socklen_t len);

/**
 * The raw system address inside a ::netkit_addr, for use with any
 * POSIX call.
 * @param a         The address.
 * @param[out] len  If not NULL, receives the address's length.
 * @return A pointer into @p a, or NULL if @p a is NULL or empty.
 */
NETKIT_EXPORT const struct sockaddr *netkit_addr_sockaddr(const netkit_addr *a,
							  socklen_t *len);

/**
 * The local address a socket is bound to (getsockname()).
 * @param fd        A socket.
 * @param[out] out  Written only on success.
 * @retval 0        Success.
 * @retval -EINVAL  @p out is NULL.
 * @retval -EBADF   @p fd is not an open descriptor.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @retval -EAFNOSUPPORT The socket is not an IPv4, IPv6 or Unix socket.
 * @note Python: `sock.getsockname()`.
 */
NETKIT_EXPORT int netkit_local_addr(int fd, netkit_addr *out);

/**
 * The address of a connected socket's peer (getpeername()).
 * @param fd        A connected socket.
 * @param[out] out  Written only on success.
 * @retval 0        Success.
 * @retval -EINVAL  @p out is NULL.
 * @retval -ENOTCONN The socket is not connected.
 * @retval -EBADF   @p fd is not an open descriptor.
 * @retval -EAFNOSUPPORT The socket is not an IPv4, IPv6 or Unix socket.
 * @note Python: `sock.getpeername()`.
 */
NETKIT_EXPORT int netkit_peer_addr(int fd, netkit_addr *out);

/** Room for any text of netkit_addr_tuple(), its NUL included. */
#define NETKIT_TUPLESTRLEN 112

/**
 * Formats an IP address as Python prints it: the tuple
 * `sock.getpeername()` returns, "('127.0.0.1', 8888)", or for IPv6
 * "('::1', 8888, 0, 0)" (flow information and scope identifier after
 * the port), so a program's output reads as the tutorial's.
 * @param a         An IPv4 or IPv6 address.
 * @param[out] buf  Receives the NUL-terminated text; untouched on failure.
 * @param len       Size of @p buf; NETKIT_TUPLESTRLEN always suffices.
 * @return The length of the text (without the NUL), or a negative code.
 * @retval -EINVAL       @p a or @p buf NULL, or @p a empty.
 * @retval -EAFNOSUPPORT @p a is not an IP address (a Unix one, say).
 * @retval -ENOSPC       @p buf too small for the text and its NUL.
 * @note Thread-safe. Python: `print(addr)`. Since 0.3.
 */
NETKIT_EXPORT int netkit_addr_tuple(const netkit_addr *a, char *buf,
				    size_t len);

/** Room for any text of netkit_socket_repr(), its NUL included. */
#define NETKIT_REPRSTRLEN 320

/**
 * Describes an IP socket as Python's `repr(sock)` does (Python 3.11 and
 * later): "<socket.socket fd=4, family=2, type=1, proto=0,
 * laddr=('127.0.0.1', 8888), raddr=('127.0.0.1', 54321)>". The local
 * address is left out if the socket has none, the peer's if it is not
 * connected. `proto` is 0, as for a socket Python made with the
 * default protocol.
 * @param fd        An IPv4 or IPv6 socket.
 * @param[out] buf  Receives the NUL-terminated text; untouched on failure.
 * @param len       Size of @p buf; NETKIT_REPRSTRLEN always suffices.
 * @return The length of the text (without the NUL), or a negative code.
 * @retval -EINVAL       @p buf NULL.
 * @retval -EBADF        @p fd is not an open descriptor.
 * @retval -ENOTSOCK     @p fd is not a socket.
 * @retval -EAFNOSUPPORT Not an IPv4 or IPv6 socket.
 * @retval -ENOSPC       @p buf too small for the text and its NUL.
 * @note Thread-safe. Python: `print(sock)`. Since 0.3.
 */
NETKIT_EXPORT int netkit_socket_repr(int fd, char *buf, size_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_ADDR_H */
