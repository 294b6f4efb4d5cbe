/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: UDP done fully. Include <netkit.h>, not this file.
 */
#ifndef NETKIT_UDP_H
#define NETKIT_UDP_H

#include "addr.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup udp Datagrams
 * UDP beyond the tutorial's sendto()/recvfrom(): datagrams that never
 * get cut without a word, connected datagram sockets, broadcast and
 * multicast groups.
 *
 * recvfrom(2), and so netkit_recvfrom() and Python's `recvfrom(n)`,
 * cuts a datagram longer than the buffer and drops the rest silently.
 * netkit_recv_datagram() reports it: `-EMSGSIZE`, with the datagram's
 * real length.
 *
 * A connected datagram socket (netkit_connect() on a `SOCK_DGRAM`
 * socket) sends to its peer with netkit_send() or
 * netkit_send_datagram() with no address, receives only from that
 * peer, and hears of an unreachable port as `-ECONNREFUSED` on a later
 * call. netkit_disconnect() makes it unconnected again.
 *
 * Broadcast needs netkit_set_broadcast() (without it, `-EACCES`).
 * Multicast: join a group on the receiving socket, and pick the
 * outgoing interface, hop limit and loop-back on the sending one (see
 * @ref sockopt).
 * @code
 * netkit_addr any, group, from;
 * netkit_datagram_info info;
 * char buf[1500];
 * ssize_t n;
 * int fd = netkit_socket(AF_INET, SOCK_DGRAM, 0);
 *
 * netkit_addr_from_ip(&any, "0.0.0.0", 5000);
 * netkit_addr_from_ip(&group, "239.1.2.3", 0);
 * netkit_bind(fd, &any);                      // s.bind(('0.0.0.0', 5000))
 * netkit_join_multicast(fd, &group, 0);       // IP_ADD_MEMBERSHIP
 * n = netkit_recv_datagram(fd, buf, sizeof(buf), &from, &info,
 *                          netkit_deadline_in(1000));
 * if (n == -EMSGSIZE)
 *         printf("%zu bytes, too long for the buffer\n", info.size);
 * @endcode
 *
 * | Python | netkit |
 * | --- | --- |
 * | `data, addr = s.recvfrom(n)` (cut silently) | `netkit_recv_datagram(fd, buf, n, &from, &info, deadline)` (`-EMSGSIZE`) |
 * | `s.sendto(data, addr)` | `netkit_send_datagram(fd, data, len, &to, deadline)` |
 * | `s.connect(addr)` on UDP | netkit_connect() |
 * | ``s.connect(('', 0))``... (no portable way) | netkit_disconnect() |
 * | `s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq)` | `netkit_join_multicast(fd, &group, ifindex)` |
 * | `s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq)` | `netkit_join_multicast(fd, &group6, ifindex)` |
 * | `s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1)` | `netkit_set_broadcast(fd, true)` |
 * @{
 */

/** What netkit_recv_datagram() says about the datagram it took. */
typedef struct netkit_datagram_info {
	/** The datagram's full length in bytes, even when cut. */
	size_t size;
	/** true when @ref size exceeded the buffer: only its first bytes
	 *  were kept. */
	bool truncated;
	/** Reserved for later fields (a receive time, the hop limit, ...);
	 *  the call writes zeros there. */
	uint64_t reserved_[4];
} netkit_datagram_info;

/**
 * Receives one datagram, whole or reported as cut.
 *
 * Made with recvmsg(2) and `MSG_TRUNC`: a datagram longer than @p len
 * fills @p buf with its first @p len bytes and answers `-EMSGSIZE`,
 * with its real length in @p info. The datagram is consumed either
 * way, so on `-EMSGSIZE` (and only then) the outputs are written
 * although the result is negative.
 * @param fd         A datagram socket.
 * @param[out] buf   Receives the bytes; NULL only with @p len 0.
 * @param len        Size of @p buf; 0 takes the next datagram, and
 *                   answers `-EMSGSIZE` unless it is empty.
 * @param[out] from  If not NULL, receives the sender (IPv4, IPv6 or
 *                   AF_UNIX).
 * @param[out] info  If not NULL, receives the real size and whether it
 *                   was cut.
 * @param deadline   See @ref time.
 * @return The datagram's length (all of it is in @p buf), or a negative
 *         code.
 * @retval -EMSGSIZE   The datagram was longer than @p len: @p buf holds
 *                     its first @p len bytes, @p info its real size.
 * @retval -ETIMEDOUT  No datagram before the deadline.
 * @retval -EINVAL     @p buf NULL with @p len > 0, or @p deadline below
 *                     -1; nothing read.
 * @retval -ECONNREFUSED A connected socket's earlier datagram met a
 *                     closed port (ICMP port unreachable).
 * @retval -EBADF      @p fd is negative or not open.
 * @note Python: `data, addr = s.recvfrom(n)`, which cuts silently;
 * `s.recvmsg(n)` and `MSG_TRUNC` in its flags are the exact equivalent.
 */
NETKIT_EXPORT ssize_t netkit_recv_datagram(int fd, void *buf, size_t len,
					   netkit_addr *from,
					   netkit_datagram_info *info,
					   netkit_deadline deadline);

/**
 * Sends one datagram with sendmsg(2), to @p to or to a connected
 * socket's peer; the datagram goes whole or not at all.
 * @param fd        A datagram socket.
 * @param buf       The bytes; NULL only with @p len 0 (an empty
 *                  datagram).
 * @param len       How many.
 * @param to        The destination (IPv4, IPv6, or an AF_UNIX path or
 *                  abstract name), or NULL on a connected socket.
 * @param deadline  How long to wait for room in the send buffer;
 *                  see @ref time.
 * @return @p len, or a negative code.
 * @retval -EMSGSIZE   Too long for one datagram.
 * @retval -EACCES     A broadcast address without netkit_set_broadcast().
 * @retval -EDESTADDRREQ @p to NULL on an unconnected socket.
 * @retval -ECONNREFUSED A connected socket's earlier datagram met a
 *                     closed port.
 * @retval -ETIMEDOUT  No room before the deadline; nothing sent.
 * @retval -EINVAL     @p buf NULL with @p len > 0, @p to not an
 *                     address (IPv4, IPv6 or AF_UNIX), or @p deadline
 *                     below -1.
 * @note Never raises SIGPIPE. Python: `s.sendto(data, addr)` or
 * `s.send(data)`.
 */
NETKIT_EXPORT ssize_t netkit_send_datagram(int fd, const void *buf,
					   size_t len, const netkit_addr *to,
					   netkit_deadline deadline);

/**
 * Dissolves a datagram socket's association (connect(2) with
 * `AF_UNSPEC`): it then receives from anyone again and needs an
 * address for each send. Harmless on an unconnected socket. Linux may also
 * drop a local port that the kernel picked (bind to port 0, or none),
 * so that the next send picks another: bind an explicit port to keep
 * it.
 * @param fd  A datagram socket.
 * @retval 0       Success.
 * @retval -EBADF  @p fd is negative or not open.
 * @note Python has no call for it.
 */
NETKIT_EXPORT int netkit_disconnect(int fd);

/**
 * Joins a multicast group on an interface given by index:
 * `IP_ADD_MEMBERSHIP` (with `struct ip_mreqn`) or `IPV6_JOIN_GROUP`.
 * @param fd       A datagram socket of the group's family, bound to the
 *                 group's port.
 * @param group    An IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast
 *                 address; its port is ignored.
 * @param ifindex  The interface (netkit_if_nametoindex()), or 0 for the
 *                 one the routing table picks.
 * @retval 0        Success.
 * @retval -EINVAL  @p group NULL or not multicast, its family not the
 *                  socket's, or @p ifindex above INT_MAX; nothing changed.
 * @retval -EADDRINUSE Already a member there.
 * @retval -ENODEV  No such interface, or no route to pick one.
 * @note Python: ``s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP,
 * struct.pack('4s4si', group, any, ifindex))`` or
 * ``s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, group + struct.pack('I',
 * ifindex))``.
 */
NETKIT_EXPORT int netkit_join_multicast(int fd, const netkit_addr *group,
					unsigned ifindex);

/**
 * Leaves a group joined with netkit_join_multicast().
 * @param fd       The socket.
 * @param group    The group.
 * @param ifindex  The interface it was joined on.
 * @retval 0        Success.
 * @retval -EINVAL  As netkit_join_multicast().
 * @retval -EADDRNOTAVAIL Not a member there.
 * @note Python: `IP_DROP_MEMBERSHIP` / `IPV6_LEAVE_GROUP`.
 */
NETKIT_EXPORT int netkit_leave_multicast(int fd, const netkit_addr *group,
					 unsigned ifindex);

/**
 * Joins an IPv4 multicast group on the interface that holds an address
 * (`IP_ADD_MEMBERSHIP` with `imr_interface`). IPv6 names interfaces by
 * index only: use netkit_join_multicast().
 * @param fd     An AF_INET datagram socket.
 * @param group  An IPv4 multicast address.
 * @param iface  One of this machine's IPv4 addresses, or `0.0.0.0` for
 *               the routing table's choice.
 * @retval 0        Success.
 * @retval -EINVAL  NULL, @p group not IPv4 multicast, @p iface not
 *                  IPv4, or @p fd not AF_INET; nothing changed.
 * @retval -ENODEV  No interface holds @p iface.
 * @note Python: `s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP,
 * inet_aton(group) + inet_aton(iface))`.
 */
NETKIT_EXPORT int netkit_join_multicast_on(int fd, const netkit_addr *group,
					   const netkit_addr *iface);

/**
 * Leaves a group joined with netkit_join_multicast_on().
 * @param fd     The socket.
 * @param group  The group.
 * @param iface  The interface address it was joined on.
 * @retval 0        Success.
 * @retval -EINVAL  As netkit_join_multicast_on().
 * @retval -EADDRNOTAVAIL Not a member there.
 * @note Python: `IP_DROP_MEMBERSHIP`.
 */
NETKIT_EXPORT int netkit_leave_multicast_on(int fd, const netkit_addr *group,
					    const netkit_addr *iface);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_UDP_H */
