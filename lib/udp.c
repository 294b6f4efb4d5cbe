/* SPDX-License-Identifier: MIT */
/*
 * Datagrams: recvmsg() with MSG_TRUNC so that a datagram too long for
 * the buffer is reported instead of cut in silence, sendmsg() to an
 * address or a connected peer, disconnecting, and multicast groups.
 * Same safe defaults as io.c: MSG_NOSIGNAL, EINTR retried, deadlines
 * kept by poll() with MSG_DONTWAIT (the descriptor's mode untouched).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "netkit-private.h"

/* One recvmsg(); its result and, when n >= 0, the sender in ss. */
static ssize_t
recv_once(int fd, void *buf, size_t len, struct sockaddr_storage *ss,
	  socklen_t *slen, int *mflags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.msg_name = ss;
	m.msg_namelen = sizeof(*ss);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	/* MSG_TRUNC: the result is the datagram's real length. */
	n = NK_SYS(recvmsg)(fd, &m, MSG_TRUNC | MSG_DONTWAIT);
	*slen = m.msg_namelen;
	*mflags = m.msg_flags;
	return n;
}

NETKIT_EXPORT ssize_t
netkit_recv_datagram(int fd, void *buf, size_t len, netkit_addr *from,
		     netkit_datagram_info *info, int64_t deadline)
{
	struct sockaddr_storage ss;
	socklen_t slen = 0;
	int mflags = 0, rc;
	ssize_t n;

	if ((!buf && len > 0) || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	for (;;) {
		n = recv_once(fd, buf, len, &ss, &slen, &mflags);
		if (n >= 0)
			break;
		rc = netkit__wait_again(fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
	if (from)
		(void)netkit__addr_set(from, (struct sockaddr *)&ss, slen);
	if (info) {
		info->size = (size_t)n;
		info->truncated = (mflags & MSG_TRUNC) != 0;
	}
	return (mflags & MSG_TRUNC) ? -EMSGSIZE : n;
}

NETKIT_EXPORT ssize_t
netkit_send_datagram(int fd, const void *buf, size_t len,
		     const netkit_addr *to, int64_t deadline)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m;
	ssize_t n;
	int rc;

	if ((!buf && len > 0) || (to && !netkit__addr_valid(to)) ||
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
	for (;;) {
		n = NK_SYS(sendmsg)(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return n;
		rc = netkit__wait_again(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
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
	family = netkit_socket_family(fd);
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
