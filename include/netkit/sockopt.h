/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: typed socket options. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_SOCKOPT_H
#define NETKIT_SOCKOPT_H

#include "common.h"

#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup sockopt Socket options
 * The options people set, by name, each checked before the kernel sees
 * it, plus one raw escape hatch for the rest.
 *
 * One scheme for all of them:
 * - `netkit_set_<option>(fd, value)` returns 0 or a negative code;
 * - `netkit_get_<option>(fd)` returns the value (>= 0; 0 or 1 for an
 *   on/off option) or a negative code; the socket's own properties
 *   are read the same way: netkit_get_error(), netkit_get_family(),
 *   netkit_get_type(), netkit_get_protocol();
 * - a value out of range is refused with `-EINVAL` before any system
 *   call, so nothing changes; a negative @p fd is `-EBADF`, and a
 *   descriptor that is not a socket `-ENOTSOCK`;
 * - an option of the wrong protocol for the socket (TCP_NODELAY on a
 *   UDP socket) is the kernel's answer, `-ENOPROTOOPT` or
 *   `-EOPNOTSUPP`; an IP-level option whose meaning depends on the
 *   family (TTL, multicast hops, v6only) reads the family first
 *   (`SO_DOMAIN`) and answers `-EINVAL` for a family it does not fit.
 *
 * The kernel adjusts some values: a get after a set does not always give
 * the value back. Linux doubles `SO_RCVBUF` and `SO_SNDBUF` (the extra
 * half is its own bookkeeping), after clamping the request to
 * `net.core.rmem_max` / `wmem_max`, and never goes below its minimum
 * (about 2 KiB for receiving, 4 KiB for sending). Each function's
 * comment says what its getter returns.
 *
 * @code
 * int fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
 *
 * netkit_set_nodelay(fd, true);             // s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
 * netkit_set_keepalive(fd, &(netkit_keepalive){ .on = true, .idle = 60 });
 * netkit_set_linger(fd, &(netkit_linger){ .on = true, .seconds = 5 });
 * netkit_set_rcvbuf(fd, 65536);
 * int got = netkit_get_rcvbuf(fd);          // 131072 on Linux: doubled
 * int err = netkit_get_error(fd);           // -s.getsockopt(SOL_SOCKET, SO_ERROR)
 * @endcode
 *
 * | Python | netkit |
 * | --- | --- |
 * | `s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)` | `netkit_set_reuseaddr(fd, true)` |
 * | `s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)` | `netkit_set_nodelay(fd, true)` |
 * | `s.setsockopt(SOL_SOCKET, SO_RCVBUF, n)` | `netkit_set_rcvbuf(fd, n)` |
 * | `s.getsockopt(SOL_SOCKET, SO_ERROR)` | `-netkit_get_error(fd)` |
 * | `s.family`, `s.type`, `s.proto` | netkit_get_family(), netkit_get_type(), netkit_get_protocol() |
 * | `s.getsockopt(level, name, buflen)` | netkit_getsockopt() |
 * @{
 */

/**
 * Sets `SO_REUSEADDR`: bind to a port that connections in TIME_WAIT
 * still hold.
 * @param fd  A socket.
 * @param on  Whether to allow it.
 * @retval 0        Success.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: `s.setsockopt(SOL_SOCKET, SO_REUSEADDR, on)`.
 */
NETKIT_EXPORT int netkit_set_reuseaddr(int fd, bool on);

/**
 * Reads `SO_REUSEADDR`.
 * @param fd  A socket.
 * @return 1 if on, 0 if off, or a negative code.
 * @retval -EBADF    @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: `s.getsockopt(SOL_SOCKET, SO_REUSEADDR)`.
 */
NETKIT_EXPORT int netkit_get_reuseaddr(int fd);

/**
 * Sets `SO_REUSEPORT`: several sockets of the same user bind the same
 * address and port, and the kernel spreads connections (or datagrams)
 * among them. Set it on every one, before netkit_bind().
 * @param fd  A socket.
 * @param on  Whether to share the port.
 * @retval 0        Success.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @retval -EOPNOTSUPP The socket's family has no such option (AF_UNIX).
 * @note Python: `s.setsockopt(SOL_SOCKET, SO_REUSEPORT, on)`.
 */
NETKIT_EXPORT int netkit_set_reuseport(int fd, bool on);

/**
 * Reads `SO_REUSEPORT`.
 * @param fd  A socket.
 * @return 1 if on, 0 if off, or a negative code.
 * @retval -EBADF    @p fd is negative or not open.
 * @note Python: `s.getsockopt(SOL_SOCKET, SO_REUSEPORT)`.
 */
NETKIT_EXPORT int netkit_get_reuseport(int fd);

/**
 * Sets `TCP_NODELAY`: small writes go out at once instead of waiting
 * for the acknowledgement of earlier ones (Nagle's algorithm off).
 * @param fd  A TCP socket.
 * @param on  true to send at once.
 * @retval 0        Success.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -EOPNOTSUPP Not a TCP socket (Linux; others say -ENOPROTOOPT).
 * @note Python: `s.setsockopt(IPPROTO_TCP, TCP_NODELAY, on)`.
 */
NETKIT_EXPORT int netkit_set_nodelay(int fd, bool on);

/**
 * Reads `TCP_NODELAY`.
 * @param fd  A TCP socket.
 * @return 1 if on, 0 if off, or a negative code.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -EOPNOTSUPP Not a TCP socket.
 * @note Python: `s.getsockopt(IPPROTO_TCP, TCP_NODELAY)`.
 */
NETKIT_EXPORT int netkit_get_nodelay(int fd);

/**
 * Keep-alive, set and read as one: whether an idle TCP connection is
 * probed, and when and how often (socket2's `TcpKeepalive`, Go's
 * `KeepAliveConfig`).
 *
 * With keep-alive on, a connection whose peer has gone (a machine
 * switched off, a cable pulled: nothing says so) fails with
 * `-ETIMEDOUT` after @c idle + @c interval * @c count seconds of
 * silence, instead of waiting forever.
 *
 * In netkit_set_keepalive() a timer of 0 means "leave it as it is":
 * the system's default (`net.ipv4.tcp_keepalive_time`, `_intvl`,
 * `_probes`: 7200, 75 and 9 unless changed) or the value set before.
 * netkit_get_keepalive() fills in the values in force, never 0.
 * @code
 * netkit_keepalive ka = { .on = true, .idle = 60, .interval = 10, .count = 3 };
 *
 * rc = netkit_set_keepalive(fd, &ka);      // a dead peer found in 90 s
 * @endcode
 */
typedef struct netkit_keepalive {
	/** Probe an idle connection (`SO_KEEPALIVE`). */
	bool on;
	/** Seconds of silence before the first probe (`TCP_KEEPIDLE`): 1
	 *  to 32767, or 0 to leave it as it is. */
	int idle;
	/** Seconds between probes (`TCP_KEEPINTVL`): 1 to 32767, or 0 to
	 *  leave it as it is. */
	int interval;
	/** Unanswered probes before the connection fails (`TCP_KEEPCNT`):
	 *  1 to 127, or 0 to leave it as it is. */
	int count;
} netkit_keepalive;

/**
 * Sets keep-alive in one call: `SO_KEEPALIVE` and the timers of
 * netkit_keepalive that are not 0.
 *
 * Every field is checked before the first system call, so a value out
 * of range changes nothing. The timers are set first, `SO_KEEPALIVE`
 * last: a socket that is not TCP refuses the first timer with nothing
 * changed. They are set whatever @c on says (set them with @c on false
 * to have them ready). Should the kernel refuse a later call after
 * earlier ones took effect (the checks leave that to causes outside
 * the caller's hands, such as an injected fault or a kernel out of
 * memory), the timers already set are put back to the values read
 * just before, as far as the kernel allows, and its code is returned.
 * @param fd  A TCP socket.
 * @param ka  The settings.
 * @retval 0        Success.
 * @retval -EINVAL  @p ka is NULL, or a field is out of range; nothing
 *                  changed.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @retval -EOPNOTSUPP A timer asked of a socket that is not TCP
 *                  (Linux; others say -ENOPROTOOPT); nothing changed.
 * @note Python: `s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)` then
 * `s.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, idle)`, `TCP_KEEPINTVL`,
 * `TCP_KEEPCNT`.
 */
NETKIT_EXPORT int netkit_set_keepalive(int fd, const netkit_keepalive *ka);

/**
 * Reads keep-alive in one call: `SO_KEEPALIVE` and the three timers in
 * force.
 * @param fd        A TCP socket.
 * @param[out] out  Receives the settings, every timer as the kernel
 *                  applies it (the system's default until set, never
 *                  0); written on success only.
 * @retval 0        Success.
 * @retval -EINVAL  @p out is NULL.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -EOPNOTSUPP Not a TCP socket (Linux; others say
 *                  -ENOPROTOOPT).
 * @note Python: `s.getsockopt(SOL_SOCKET, SO_KEEPALIVE)`,
 * `s.getsockopt(IPPROTO_TCP, TCP_KEEPIDLE)`...
 */
NETKIT_EXPORT int netkit_get_keepalive(int fd, netkit_keepalive *out);

/**
 * Lingering on close (`SO_LINGER`), set and read as one.
 *
 * Off (the default): netkit_close() returns at once and the kernel
 * sends what is left in the background. On with 0 seconds: closing
 * resets the connection (RST) and drops unsent data. On with N
 * seconds: a blocking close waits up to N seconds for unsent data to
 * go.
 */
typedef struct netkit_linger {
	/** Linger on close. */
	bool on;
	/** The time to linger, in seconds, >= 0 (checked, but not used,
	 *  when @c on is false). */
	int seconds;
} netkit_linger;

/**
 * Sets `SO_LINGER` (see netkit_linger).
 * @param fd  A socket.
 * @param l   The setting.
 * @retval 0        Success.
 * @retval -EINVAL  @p l is NULL or its @c seconds negative; nothing
 *                  changed.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: ``s.setsockopt(SOL_SOCKET, SO_LINGER,
 * struct.pack('ii', on, seconds))``.
 */
NETKIT_EXPORT int netkit_set_linger(int fd, const netkit_linger *l);

/**
 * Reads `SO_LINGER`.
 * @param fd        A socket.
 * @param[out] out  Receives the setting; written on success only.
 *                  With @c on false, @c seconds is what the kernel
 *                  kept from before (Linux keeps the last time set),
 *                  of no effect.
 * @retval 0        Success.
 * @retval -EINVAL  @p out is NULL.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: ``struct.unpack('ii', s.getsockopt(SOL_SOCKET,
 * SO_LINGER, 8))``.
 */
NETKIT_EXPORT int netkit_get_linger(int fd, netkit_linger *out);

/**
 * Asks for a receive buffer of @p bytes (`SO_RCVBUF`).
 *
 * Linux clamps the request to `net.core.rmem_max`, then doubles it (the
 * extra half is its bookkeeping), with a floor of about 2 KiB:
 * netkit_get_rcvbuf() after netkit_set_rcvbuf(fd, 65536) returns
 * 131072 when rmem_max allows it.
 * @param fd     A socket.
 * @param bytes  >= 0.
 * @retval 0        Success.
 * @retval -EINVAL  @p bytes negative; nothing changed.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setsockopt(SOL_SOCKET, SO_RCVBUF, bytes)`.
 */
NETKIT_EXPORT int netkit_set_rcvbuf(int fd, int bytes);

/**
 * Reads `SO_RCVBUF`: the kernel's size, twice what was asked (see
 * netkit_set_rcvbuf()).
 * @param fd  A socket.
 * @return The size in bytes, or a negative code.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.getsockopt(SOL_SOCKET, SO_RCVBUF)`.
 */
NETKIT_EXPORT int netkit_get_rcvbuf(int fd);

/**
 * Asks for a send buffer of @p bytes (`SO_SNDBUF`): clamped to
 * `net.core.wmem_max`, then doubled, with a floor of about 4 KiB, as
 * netkit_set_rcvbuf().
 * @param fd     A socket.
 * @param bytes  >= 0.
 * @retval 0        Success.
 * @retval -EINVAL  @p bytes negative; nothing changed.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setsockopt(SOL_SOCKET, SO_SNDBUF, bytes)`.
 */
NETKIT_EXPORT int netkit_set_sndbuf(int fd, int bytes);

/**
 * Reads `SO_SNDBUF`: twice what was asked (see netkit_set_sndbuf()).
 * @param fd  A socket.
 * @return The size in bytes, or a negative code.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.getsockopt(SOL_SOCKET, SO_SNDBUF)`.
 */
NETKIT_EXPORT int netkit_get_sndbuf(int fd);

/**
 * Sets `SO_BROADCAST`: without it, a datagram to a broadcast address
 * is refused with `-EACCES`.
 * @param fd  A datagram socket.
 * @param on  Whether broadcasts may be sent.
 * @retval 0        Success.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setsockopt(SOL_SOCKET, SO_BROADCAST, on)`.
 */
NETKIT_EXPORT int netkit_set_broadcast(int fd, bool on);

/**
 * Reads `SO_BROADCAST`.
 * @param fd  A socket.
 * @return 1 if on, 0 if off, or a negative code.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.getsockopt(SOL_SOCKET, SO_BROADCAST)`.
 */
NETKIT_EXPORT int netkit_get_broadcast(int fd);

/**
 * Sets `IPV6_V6ONLY`: an IPv6 socket bound to `::` takes IPv6 only
 * (true) or IPv4 too, as mapped addresses (false). Set it before
 * netkit_bind(); the system's default is `net.ipv6.bindv6only` (0).
 * @param fd  An AF_INET6 socket.
 * @param on  true for IPv6 only.
 * @retval 0        Success.
 * @retval -EINVAL  @p fd is not an AF_INET6 socket, or is already bound;
 *                  nothing changed.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, on)`.
 */
NETKIT_EXPORT int netkit_set_v6only(int fd, bool on);

/**
 * Reads `IPV6_V6ONLY`.
 * @param fd  An AF_INET6 socket.
 * @return 1 if on, 0 if off, or a negative code.
 * @retval -EINVAL  @p fd is not an AF_INET6 socket.
 * @note Python: `s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)`.
 */
NETKIT_EXPORT int netkit_get_v6only(int fd);

/**
 * Sets the hop limit of unicast packets: `IP_TTL` on an AF_INET
 * socket, `IPV6_UNICAST_HOPS` on an AF_INET6 one.
 * @param fd   An AF_INET or AF_INET6 socket.
 * @param ttl  1 to 255.
 * @retval 0        Success.
 * @retval -EINVAL  @p ttl out of range, or not an IP socket; nothing
 *                  changed.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setsockopt(IPPROTO_IP, IP_TTL, ttl)` or
 * `s.setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)`.
 */
NETKIT_EXPORT int netkit_set_ttl(int fd, int ttl);

/**
 * Reads the unicast hop limit (`IP_TTL` or `IPV6_UNICAST_HOPS`): the
 * system's default (`net.ipv4.ip_default_ttl`, 64) until set.
 * @param fd  An AF_INET or AF_INET6 socket.
 * @return The hop limit, or a negative code.
 * @retval -EINVAL  Not an IP socket.
 * @note Python: `s.getsockopt(IPPROTO_IP, IP_TTL)`.
 */
NETKIT_EXPORT int netkit_get_ttl(int fd);

/**
 * Sets the hop limit of multicast datagrams: `IP_MULTICAST_TTL` or
 * `IPV6_MULTICAST_HOPS` (default 1: the local network only; 0: this
 * host only).
 * @param fd    An AF_INET or AF_INET6 socket.
 * @param hops  0 to 255.
 * @retval 0        Success.
 * @retval -EINVAL  @p hops out of range, or not an IP socket; nothing
 *                  changed.
 * @note Python: `s.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, hops)`.
 */
NETKIT_EXPORT int netkit_set_multicast_ttl(int fd, int hops);

/**
 * Reads `IP_MULTICAST_TTL` or `IPV6_MULTICAST_HOPS`.
 * @param fd  An AF_INET or AF_INET6 socket.
 * @return The hop limit, or a negative code.
 * @retval -EINVAL  Not an IP socket.
 * @note Python: `s.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL)`.
 */
NETKIT_EXPORT int netkit_get_multicast_ttl(int fd);

/**
 * Sets `IP_MULTICAST_LOOP` or `IPV6_MULTICAST_LOOP`: whether this
 * host's own members of a group receive what this socket sends to it
 * (default on).
 * @param fd  An AF_INET or AF_INET6 socket.
 * @param on  Whether to loop multicast back.
 * @retval 0        Success.
 * @retval -EINVAL  Not an IP socket; nothing changed.
 * @note Python: `s.setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, on)`.
 */
NETKIT_EXPORT int netkit_set_multicast_loop(int fd, bool on);

/**
 * Reads `IP_MULTICAST_LOOP` or `IPV6_MULTICAST_LOOP`.
 * @param fd  An AF_INET or AF_INET6 socket.
 * @return 1 if on, 0 if off, or a negative code.
 * @retval -EINVAL  Not an IP socket.
 * @note Python: `s.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP)`.
 */
NETKIT_EXPORT int netkit_get_multicast_loop(int fd);

/**
 * Picks the interface multicast datagrams leave by, by index:
 * `IPV6_MULTICAST_IF` on an AF_INET6 socket, `IP_MULTICAST_IF` on an
 * AF_INET one.
 *
 * IPv4 reads the choice back only as an address (getsockopt() of
 * `IP_MULTICAST_IF` gives an `in_addr`; Linux keeps the index apart
 * and never reports it). So that netkit_get_multicast_if() can answer
 * the index, an AF_INET socket is given the interface's index and one
 * of its IPv4 addresses (`struct ip_mreqn`), read from the interface
 * list (getifaddrs()): its first one that no other interface holds,
 * else its first one. That address is what the classic by-address form
 * of the option names (BSD, Windows, Python's usual
 * `inet_aton(ip)`), with the same consequences: a datagram to a group
 * from a socket not bound to an address leaves with it as its source,
 * and if it is later removed from the interface, such datagrams fail
 * with `-ENETUNREACH` until the interface is picked again.
 * @param fd       An AF_INET or AF_INET6 datagram socket.
 * @param ifindex  An interface index (netkit_if_nametoindex()), or 0
 *                 to leave the choice to the routing table again.
 * @retval 0        Success.
 * @retval -EINVAL  Not an IP socket, or @p ifindex above INT_MAX;
 *                  nothing changed.
 * @retval -ENODEV  No interface has that index (AF_INET6).
 * @retval -EADDRNOTAVAIL No interface has that index, or it has no
 *                  IPv4 address (AF_INET); nothing changed.
 * @retval -ENOMEM  Out of memory for the interface list (AF_INET; also
 *                  any other code getifaddrs() fails with, as
 *                  netkit_iface_list() says); nothing changed.
 * @note Python: `s.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)`;
 * `s.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton(ip))`.
 */
NETKIT_EXPORT int netkit_set_multicast_if(int fd, unsigned ifindex);

/**
 * Reads the interface multicast datagrams leave by, as the index
 * netkit_set_multicast_if() took.
 *
 * On an AF_INET6 socket, the index the kernel keeps
 * (`IPV6_MULTICAST_IF`). On an AF_INET socket, the kernel reports an
 * address, which is mapped back to an index through the interface
 * list (getifaddrs()): the answer is the index of the first interface
 * that holds that address now. After netkit_set_multicast_if() that is
 * the index it took, unless every IPv4 address of that interface is
 * also another's (then possibly the other's), or the address has
 * since moved. A choice made outside netkit by index alone (an
 * `ip_mreqn` without an address) reads as 0, as Linux reports no
 * address for it.
 * @param fd  An AF_INET or AF_INET6 datagram socket.
 * @return The interface index, or 0 when none was picked (the routing
 *         table chooses), or a negative code.
 * @retval 0        No interface picked.
 * @retval -EINVAL  Not an IP socket.
 * @retval -EBADF   @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @retval -EADDRNOTAVAIL (AF_INET) No interface holds the address the
 *                  choice was made by any more: datagrams to a group
 *                  fail with `-ENETUNREACH` until an interface is
 *                  picked again.
 * @retval -ENOMEM  Out of memory for the interface list (AF_INET; also
 *                  any other code getifaddrs() fails with).
 * @note Python: `s.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF)`; for
 * IPv4, `s.getsockopt(IPPROTO_IP, IP_MULTICAST_IF, 4)` gives the
 * address.
 */
NETKIT_EXPORT int netkit_get_multicast_if(int fd);

/**
 * Sets `TCP_USER_TIMEOUT`: milliseconds that sent data may stay
 * unacknowledged before the connection fails with `-ETIMEDOUT`
 * (RFC 5482). 0 restores the system's behaviour.
 * @param fd  A TCP socket.
 * @param ms  >= 0.
 * @retval 0        Success.
 * @retval -EINVAL  @p ms negative; nothing changed.
 * @retval -EOPNOTSUPP Not a TCP socket.
 * @note Python: `s.setsockopt(IPPROTO_TCP, TCP_USER_TIMEOUT, ms)`.
 */
NETKIT_EXPORT int netkit_set_tcp_user_timeout(int fd, int ms);

/**
 * Reads `TCP_USER_TIMEOUT`.
 * @param fd  A TCP socket.
 * @return The milliseconds (0: the system's behaviour), or a negative
 *         code.
 * @retval -EOPNOTSUPP Not a TCP socket.
 * @note Python: `s.getsockopt(IPPROTO_TCP, TCP_USER_TIMEOUT)`.
 */
NETKIT_EXPORT int netkit_get_tcp_user_timeout(int fd);

/**
 * Takes the socket's pending error (`SO_ERROR`), which clears it: the
 * result of a non-blocking connect, or an ICMP error on a datagram
 * socket.
 * @param fd  A socket.
 * @return 0 if none is pending, else the pending error as a negative
 *         errno (`-ECONNREFUSED`); or the code of the failed read
 *         itself.
 * @retval 0         No error pending.
 * @retval -EBADF    @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: `-s.getsockopt(SOL_SOCKET, SO_ERROR)` (Python's is
 * positive).
 */
NETKIT_EXPORT int netkit_get_error(int fd);

/**
 * The socket's address family (`SO_DOMAIN`).
 * @param fd  A socket.
 * @return `AF_INET`, `AF_INET6`, `AF_UNIX`..., or a negative code.
 * @retval -EBADF    @p fd is negative or not open.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: `s.family`.
 */
NETKIT_EXPORT int netkit_get_family(int fd);

/**
 * The socket's type (`SO_TYPE`), without flags.
 * @param fd  A socket.
 * @return `SOCK_STREAM`, `SOCK_DGRAM`..., or a negative code.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: `s.type`.
 */
NETKIT_EXPORT int netkit_get_type(int fd);

/**
 * The socket's protocol (`SO_PROTOCOL`).
 * @param fd  A socket.
 * @return `IPPROTO_TCP`, `IPPROTO_UDP`... (0 for AF_UNIX), or a negative
 *         code.
 * @retval -ENOTSOCK @p fd is not a socket.
 * @note Python: `s.proto`.
 */
NETKIT_EXPORT int netkit_get_protocol(int fd);

/**
 * Makes a descriptor blocking or non-blocking (`O_NONBLOCK`).
 *
 * Netkit's own calls do not need it: they take a deadline and behave
 * the same on both kinds (see @ref time). It is for a socket handed to
 * code that expects one mode, such as an accepted socket a program
 * drives with plain `recv()` on a poller (non-blocking, so that
 * `EAGAIN` ends a drain), or one taken from a loop.
 * @param fd        Any descriptor.
 * @param blocking  true: calls wait; false: they fail with `-EAGAIN`.
 * @retval 0        Success.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setblocking(flag)`. Since 0.3.
 */
NETKIT_EXPORT int netkit_set_blocking(int fd, bool blocking);

/**
 * Tells whether a descriptor is blocking.
 * @param fd  Any descriptor.
 * @return 1 blocking, 0 non-blocking, or a negative code.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.getblocking()`. Since 0.3.
 */
NETKIT_EXPORT int netkit_get_blocking(int fd);

/**
 * getsockopt() with the library's error convention: any option, raw.
 * @param fd          A socket.
 * @param level       `SOL_SOCKET`, `IPPROTO_TCP`...
 * @param name        The option.
 * @param[out] val    Receives the value.
 * @param[in,out] len In: the size of @p val. Out: the size the kernel
 *                    wrote (written on success only).
 * @retval 0        Success.
 * @retval -EINVAL  @p len NULL, or @p val NULL with *@p len > 0, or the
 *                  kernel refused the size.
 * @retval -ENOPROTOOPT Unknown option at that level.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.getsockopt(level, name, buflen)`.
 */
NETKIT_EXPORT int netkit_getsockopt(int fd, int level, int name, void *val,
				    socklen_t *len);

/**
 * setsockopt() with the library's error convention: any option, raw.
 * @param fd     A socket.
 * @param level  `SOL_SOCKET`, `IPPROTO_TCP`...
 * @param name   The option.
 * @param val    The value; NULL only with @p len 0.
 * @param len    Its size.
 * @retval 0        Success.
 * @retval -EINVAL  @p val NULL with @p len > 0, or a value the kernel
 *                  refuses.
 * @retval -ENOPROTOOPT Unknown option at that level.
 * @retval -EBADF   @p fd is negative or not open.
 * @note Python: `s.setsockopt(level, name, value)`.
 */
NETKIT_EXPORT int netkit_setsockopt(int fd, int level, int name,
				    const void *val, socklen_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_SOCKOPT_H */
