/* SPDX-License-Identifier: MIT */
/*
 * Datagrams: recvmsg() with MSG_TRUNC so that a datagram too long for
 * the buffer is reported instead of cut in silence, sendmsg() to an
 * address or a connected peer, disconnecting, and multicast groups.
 * Same safe defaults as io.c: MSG_NOSIGNAL, EINTR retried, deadlines
 * kept by fd.c with MSG_DONTWAIT (the descriptor's mode untouched).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "netkit-private.h"

/* A datagram's receive: the message, and what it reported. */
struct dgram {
	struct msghdr m;
	struct iovec iov;
	struct sockaddr_storage ss;
};

/* One recvmsg() with MSG_TRUNC: the result is the datagram's real
 * length, and the sender is in d->ss. */
static ssize_t
try_recvmsg(int fd, void *arg, int flags)
{
	struct dgram *d = arg;
	ssize_t n;

	d->m.msg_namelen = sizeof(d->ss);
	n = NK_SYS(recvmsg)(fd, &d->m, flags | MSG_TRUNC);
	return n >= 0 ? n : netkit__errno();
}

NETKIT_EXPORT ssize_t
netkit_recv_datagram(int fd, void *buf, size_t len, netkit_addr *from,
		     netkit_datagram_info *info, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct dgram d;
	struct netkit__op op = { try_recvmsg, &d, POLLIN, 0 };
	bool cut;
	ssize_t n;

	if ((!buf && len > 0) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	memset(&d.m, 0, sizeof(d.m));
	d.iov.iov_base = buf;
	d.iov.iov_len = len;
	d.m.msg_name = &d.ss;
	d.m.msg_iov = &d.iov;
	d.m.msg_iovlen = 1;
	n = netkit__until(fd, &op, deadline);
	if (n < 0)
		return n;
	if (from)
		(void)netkit__addr_set(from, (struct sockaddr *)&d.ss,
				       d.m.msg_namelen);
	cut = (d.m.msg_flags & MSG_TRUNC) != 0;
	if (info) {
		memset(info, 0, sizeof(*info));
		info->size = (size_t)n;
		info->truncated = cut;
	}
	return cut ? -EMSGSIZE : n;
}

static ssize_t
try_sendmsg(int fd, void *arg, int flags)
{
	ssize_t n = NK_SYS(sendmsg)(fd, arg, flags | MSG_NOSIGNAL);

	return n >= 0 ? n : netkit__errno();
}

NETKIT_EXPORT ssize_t
netkit_send_datagram(int fd, const void *buf, size_t len,
		     const netkit_addr *to, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m;
	struct netkit__op op = { try_sendmsg, &m, POLLOUT, 0 };

	if ((!buf && len > 0) || (to && !netkit__addr_usable(to)) ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	memset(&m, 0, sizeof(m));
	if (to) {
		m.msg_name = (void *)&to->ss;
		m.msg_namelen = to->len;
	}
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	return netkit__until(fd, &op, deadline);
}

NETKIT_EXPORT int
netkit_disconnect(int fd)
{
	struct sockaddr sa;

	if (fd < 0)
		return -EBADF;
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	/* AF_UNSPEC dissolves at once: no handshake, nothing to retry. */
	if (NK_SYS(connect)(fd, &sa, sizeof(sa)) < 0)
		return netkit__errno();
	return 0;
}

/* A multicast group of the socket's family; -EINVAL if not. */
static int
group_family(int fd, const netkit_addr *group)
{
	int family;

	if (!netkit__addr_valid(group) || !netkit_addr_is_multicast(group))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	family = netkit_get_family(fd);
	if (family < 0)
		return family;
	return family == netkit_addr_family(group) ? family : -EINVAL;
}

static int
membership(int fd, const netkit_addr *group, unsigned ifindex, bool join)
{
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;
	struct ipv6_mreq m6;
	struct ip_mreqn m4;
	int family, rc;

	if (ifindex > INT_MAX)
		return -EINVAL;
	family = group_family(fd, group);
	if (family < 0)
		return family;
	/* Only now: group may be NULL until group_family() has said. */
	sin = (const void *)&group->ss;
	sin6 = (const void *)&group->ss;
	if (family == AF_INET) {
		memset(&m4, 0, sizeof(m4));
		m4.imr_multiaddr = sin->sin_addr;
		m4.imr_ifindex = (int)ifindex;
		rc = NK_SYS(setsockopt)(fd, IPPROTO_IP, join ?
					IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
					&m4, sizeof(m4));
	} else {
		memset(&m6, 0, sizeof(m6));
		m6.ipv6mr_multiaddr = sin6->sin6_addr;
		m6.ipv6mr_interface = ifindex;
		rc = NK_SYS(setsockopt)(fd, IPPROTO_IPV6, join ?
					IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
					&m6, sizeof(m6));
	}
	return rc < 0 ? netkit__errno() : 0;
}

NETKIT_EXPORT int
netkit_join_multicast(int fd, const netkit_addr *group, unsigned ifindex)
{
	return membership(fd, group, ifindex, true);
}

NETKIT_EXPORT int
netkit_leave_multicast(int fd, const netkit_addr *group, unsigned ifindex)
{
	return membership(fd, group, ifindex, false);
}

static int
membership_on(int fd, const netkit_addr *group, const netkit_addr *iface,
	      bool join)
{
	struct ip_mreqn m4;
	int family;

	if (!netkit__addr_valid(iface) || netkit_addr_family(iface) != AF_INET)
		return -EINVAL;
	family = group_family(fd, group);
	if (family < 0)
		return family;
	if (family != AF_INET)
		return -EINVAL;
	memset(&m4, 0, sizeof(m4));
	m4.imr_multiaddr = ((const struct sockaddr_in *)&group->ss)->sin_addr;
	m4.imr_address = ((const struct sockaddr_in *)&iface->ss)->sin_addr;
	if (NK_SYS(setsockopt)(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP :
			       IP_DROP_MEMBERSHIP, &m4, sizeof(m4)) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_join_multicast_on(int fd, const netkit_addr *group,
			 const netkit_addr *iface)
{
	return membership_on(fd, group, iface, true);
}

NETKIT_EXPORT int
netkit_leave_multicast_on(int fd, const netkit_addr *group,
			  const netkit_addr *iface)
{
	return membership_on(fd, group, iface, false);
}
