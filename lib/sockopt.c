/* SPDX-License-Identifier: MIT */
/*
 * Typed socket options: one setter and one getter per option, each
 * checking its value before the kernel sees it, over four helpers
 * (int option, on/off option, the socket's family, an IP-level option
 * named per family). The raw getsockopt()/setsockopt() are here too.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "netkit-private.h"

/* Linux's own bounds (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL,
 * MAX_TCP_KEEPCNT in include/net/tcp.h). */
#define KEEPALIVE_SECONDS_MAX 32767
#define KEEPALIVE_COUNT_MAX 127

static int
set_int(int fd, int level, int name, int value)
{
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(setsockopt)(fd, level, name, &value, sizeof(value)) < 0)
		return netkit__errno();
	return 0;
}

/* The option's int value (>= 0 for every option read here), or a
 * negative code. */
static int
get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int value = 0;

	if (fd < 0)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, level, name, &value, &len) < 0)
		return netkit__errno();
	return value;
}

static int
get_bool(int fd, int level, int name)
{
	int v = get_int(fd, level, name);

	return v < 0 ? v : v != 0;
}

/* The level and name of an option that IPv4 and IPv6 name apart, for
 * the socket's family; -EINVAL for a socket of another family. */
static int
ip_option(int fd, int v4name, int v6name, int *level, int *name)
{
	int family = netkit_get_family(fd);

	if (family < 0)
		return family;
	if (family == AF_INET) {
		*level = IPPROTO_IP;
		*name = v4name;
	} else if (family == AF_INET6) {
		*level = IPPROTO_IPV6;
		*name = v6name;
	} else {
		return -EINVAL;
	}
	return 0;
}

static int
set_ip_int(int fd, int v4name, int v6name, int value)
{
	int level, name, rc;

	rc = ip_option(fd, v4name, v6name, &level, &name);
	return rc < 0 ? rc : set_int(fd, level, name, value);
}

static int
get_ip_int(int fd, int v4name, int v6name)
{
	int level, name, rc;

	rc = ip_option(fd, v4name, v6name, &level, &name);
	return rc < 0 ? rc : get_int(fd, level, name);
}

NETKIT_EXPORT int
netkit_set_reuseaddr(int fd, bool on)
{
	return set_int(fd, SOL_SOCKET, SO_REUSEADDR, on);
}

NETKIT_EXPORT int
netkit_get_reuseaddr(int fd)
{
	return get_bool(fd, SOL_SOCKET, SO_REUSEADDR);
}

NETKIT_EXPORT int
netkit_set_reuseport(int fd, bool on)
{
	return set_int(fd, SOL_SOCKET, SO_REUSEPORT, on);
}

NETKIT_EXPORT int
netkit_get_reuseport(int fd)
{
	return get_bool(fd, SOL_SOCKET, SO_REUSEPORT);
}

NETKIT_EXPORT int
netkit_set_nodelay(int fd, bool on)
{
	return set_int(fd, IPPROTO_TCP, TCP_NODELAY, on);
}

NETKIT_EXPORT int
netkit_get_nodelay(int fd)
{
	return get_bool(fd, IPPROTO_TCP, TCP_NODELAY);
}

NETKIT_EXPORT int
netkit_set_keepalive(int fd, bool on)
{
	return set_int(fd, SOL_SOCKET, SO_KEEPALIVE, on);
}

NETKIT_EXPORT int
netkit_get_keepalive(int fd)
{
	return get_bool(fd, SOL_SOCKET, SO_KEEPALIVE);
}

NETKIT_EXPORT int
netkit_set_keepalive_idle(int fd, int seconds)
{
	if (seconds < 1 || seconds > KEEPALIVE_SECONDS_MAX)
		return -EINVAL;
	return set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, seconds);
}

NETKIT_EXPORT int
netkit_get_keepalive_idle(int fd)
{
	return get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE);
}

NETKIT_EXPORT int
netkit_set_keepalive_interval(int fd, int seconds)
{
	if (seconds < 1 || seconds > KEEPALIVE_SECONDS_MAX)
		return -EINVAL;
	return set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, seconds);
}

NETKIT_EXPORT int
netkit_get_keepalive_interval(int fd)
{
	return get_int(fd, IPPROTO_TCP, TCP_KEEPINTVL);
}

NETKIT_EXPORT int
netkit_set_keepalive_count(int fd, int count)
{
	if (count < 1 || count > KEEPALIVE_COUNT_MAX)
		return -EINVAL;
	return set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, count);
}

NETKIT_EXPORT int
netkit_get_keepalive_count(int fd)
{
	return get_int(fd, IPPROTO_TCP, TCP_KEEPCNT);
}

NETKIT_EXPORT int
netkit_set_linger(int fd, bool on, int seconds)
{
	struct linger l;

	if (seconds < 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	l.l_onoff = on;
	l.l_linger = seconds;
	if (NK_SYS(setsockopt)(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_get_linger(int fd, int *seconds)
{
	struct linger l = { 0, 0 };
	socklen_t len = sizeof(l);

	if (fd < 0)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_LINGER, &l, &len) < 0)
		return netkit__errno();
	if (seconds)
		*seconds = l.l_linger;
	return l.l_onoff != 0;
}

NETKIT_EXPORT int
netkit_set_rcvbuf(int fd, int bytes)
{
	if (bytes < 0)
		return -EINVAL;
	return set_int(fd, SOL_SOCKET, SO_RCVBUF, bytes);
}

NETKIT_EXPORT int
netkit_get_rcvbuf(int fd)
{
	return get_int(fd, SOL_SOCKET, SO_RCVBUF);
}

NETKIT_EXPORT int
netkit_set_sndbuf(int fd, int bytes)
{
	if (bytes < 0)
		return -EINVAL;
	return set_int(fd, SOL_SOCKET, SO_SNDBUF, bytes);
}

NETKIT_EXPORT int
netkit_get_sndbuf(int fd)
{
	return get_int(fd, SOL_SOCKET, SO_SNDBUF);
}

NETKIT_EXPORT int
netkit_set_broadcast(int fd, bool on)
{
	return set_int(fd, SOL_SOCKET, SO_BROADCAST, on);
}

NETKIT_EXPORT int
netkit_get_broadcast(int fd)
{
	return get_bool(fd, SOL_SOCKET, SO_BROADCAST);
}

NETKIT_EXPORT int
netkit_set_v6only(int fd, bool on)
{
	int family = netkit_get_family(fd);

	if (family < 0)
		return family;
	if (family != AF_INET6)
		return -EINVAL;
	return set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, on);
}

NETKIT_EXPORT int
netkit_get_v6only(int fd)
{
	int family = netkit_get_family(fd);

	if (family < 0)
		return family;
	if (family != AF_INET6)
		return -EINVAL;
	return get_bool(fd, IPPROTO_IPV6, IPV6_V6ONLY);
}

NETKIT_EXPORT int
netkit_set_ttl(int fd, int ttl)
{
	if (ttl < 1 || ttl > 255)
		return -EINVAL;
	return set_ip_int(fd, IP_TTL, IPV6_UNICAST_HOPS, ttl);
}

NETKIT_EXPORT int
netkit_get_ttl(int fd)
{
	return get_ip_int(fd, IP_TTL, IPV6_UNICAST_HOPS);
}

NETKIT_EXPORT int
netkit_set_multicast_ttl(int fd, int hops)
{
	if (hops < 0 || hops > 255)
		return -EINVAL;
	return set_ip_int(fd, IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS, hops);
}

NETKIT_EXPORT int
netkit_get_multicast_ttl(int fd)
{
	return get_ip_int(fd, IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS);
}

NETKIT_EXPORT int
netkit_set_multicast_loop(int fd, bool on)
{
	return set_ip_int(fd, IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP, on);
}

NETKIT_EXPORT int
netkit_get_multicast_loop(int fd)
{
	int v = get_ip_int(fd, IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP);

	return v < 0 ? v : v != 0;
}

NETKIT_EXPORT int
netkit_set_multicast_if(int fd, unsigned ifindex)
{
	struct ip_mreqn mr;
	int family;

	if (ifindex > INT_MAX)
		return -EINVAL;
	family = netkit_get_family(fd);
	if (family < 0)
		return family;
	if (family == AF_INET6)
		return set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF,
			       (int)ifindex);
	if (family != AF_INET)
		return -EINVAL;
	/* ip_mreqn, not in_addr: the index, not an address, picks it. */
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)ifindex;
	if (NK_SYS(setsockopt)(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr)) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_set_tcp_user_timeout(int fd, int ms)
{
	if (ms < 0)
		return -EINVAL;
	return set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, ms);
}

NETKIT_EXPORT int
netkit_get_tcp_user_timeout(int fd)
{
	return get_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT);
}

NETKIT_EXPORT int
netkit_get_error(int fd)
{
	int v = get_int(fd, SOL_SOCKET, SO_ERROR);

	/* The pending error is a positive errno: negate it. */
	return v > 0 ? -v : v;
}

NETKIT_EXPORT int
netkit_get_family(int fd)
{
	return get_int(fd, SOL_SOCKET, SO_DOMAIN);
}

NETKIT_EXPORT int
netkit_get_type(int fd)
{
	return get_int(fd, SOL_SOCKET, SO_TYPE);
}

NETKIT_EXPORT int
netkit_get_protocol(int fd)
{
	return get_int(fd, SOL_SOCKET, SO_PROTOCOL);
}

NETKIT_EXPORT int
netkit_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	socklen_t l;

	if (!len || (!val && *len > 0))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	l = *len;
	if (NK_SYS(getsockopt)(fd, level, name, val, &l) < 0)
		return netkit__errno();
	*len = l;
	return 0;
}

NETKIT_EXPORT int
netkit_setsockopt(int fd, int level, int name, const void *val,
		  socklen_t len)
{
	if (!val && len > 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(setsockopt)(fd, level, name, val, len) < 0)
		return netkit__errno();
	return 0;
}
