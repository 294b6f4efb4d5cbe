/* SPDX-License-Identifier: MIT */
/*
 * Typed socket options: one setter and one getter per option (one
 * struct each way for keep-alive and linger), each checking its value
 * before the kernel sees it, over four helpers (int option, on/off
 * option, the socket's family, an IP-level option named per family).
 * IPv4's multicast interface goes by index and address, mapped through
 * the interface list. The raw getsockopt()/setsockopt() are here too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* The keep-alive timers, in the order they are set. */
static const int keepalive_timer[] = { TCP_KEEPIDLE, TCP_KEEPINTVL,
				       TCP_KEEPCNT };
#define N_TIMERS 3

/* ka's timers in keepalive_timer's order; false if one is out of
 * range (0 is in range: leave it as it is). */
static bool
keepalive_timers(const netkit_keepalive *ka, int v[N_TIMERS])
{
	static const int max[N_TIMERS] = { KEEPALIVE_SECONDS_MAX,
		KEEPALIVE_SECONDS_MAX, KEEPALIVE_COUNT_MAX };
	int i;

	v[0] = ka->idle;
	v[1] = ka->interval;
	v[2] = ka->count;
	for (i = 0; i < N_TIMERS; i++)
		if (v[i] < 0 || v[i] > max[i])
			return false;
	return true;
}

/* Puts back the timers whose old value is not 0. A timer that followed
 * the system's default gets that default as its own value: the kernel
 * has no call to make it follow the default again. */
static void
put_back_timers(int fd, const int old[N_TIMERS])
{
	int i;

	for (i = 0; i < N_TIMERS; i++)
		if (old[i] > 0)
			(void)set_int(fd, IPPROTO_TCP, keepalive_timer[i],
				      old[i]);
}

NETKIT_EXPORT int
netkit_set_keepalive(int fd, const netkit_keepalive *ka)
{
	int want[N_TIMERS], old[N_TIMERS] = { 0, 0, 0 }, i, v, rc = 0;

	if (!ka || !keepalive_timers(ka, want))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	/* The timers first: TCP-level, they are what a socket that is not
	 * TCP refuses, before anything changed. Each one's value is read
	 * before it is set, to put it back if a later call fails. */
	for (i = 0; i < N_TIMERS && rc == 0; i++) {
		if (want[i] == 0)
			continue;
		v = get_int(fd, IPPROTO_TCP, keepalive_timer[i]);
		rc = v < 0 ? v : set_int(fd, IPPROTO_TCP, keepalive_timer[i],
					 want[i]);
		if (rc == 0)
			old[i] = v;
	}
	if (rc == 0)
		rc = set_int(fd, SOL_SOCKET, SO_KEEPALIVE, ka->on);
	if (rc < 0)
		put_back_timers(fd, old);
	return rc;
}

NETKIT_EXPORT int
netkit_get_keepalive(int fd, netkit_keepalive *out)
{
	int v[N_TIMERS], on, i;

	if (!out)
		return -EINVAL;
	for (i = 0; i < N_TIMERS; i++) {
		v[i] = get_int(fd, IPPROTO_TCP, keepalive_timer[i]);
		if (v[i] < 0)
			return v[i];
	}
	on = get_bool(fd, SOL_SOCKET, SO_KEEPALIVE);
	if (on < 0)
		return on;
	out->on = on;
	out->idle = v[0];
	out->interval = v[1];
	out->count = v[2];
	return 0;
}

NETKIT_EXPORT int
netkit_set_linger(int fd, const netkit_linger *l)
{
	struct linger kl;

	if (!l || l->seconds < 0)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	kl.l_onoff = l->on;
	kl.l_linger = l->seconds;
	if (NK_SYS(setsockopt)(fd, SOL_SOCKET, SO_LINGER, &kl,
			       sizeof(kl)) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_get_linger(int fd, netkit_linger *out)
{
	struct linger kl = { 0, 0 };
	socklen_t len = sizeof(kl);

	if (!out)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_LINGER, &kl, &len) < 0)
		return netkit__errno();
	out->on = kl.l_onoff != 0;
	out->seconds = kl.l_linger;
	return 0;
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

/*
 * The multicast interface. IPv6 keeps an index and reads it back;
 * IPv4 keeps an index and an address (ip_mreqn) but reads back only
 * the address, so the setter hands the kernel both, the index and one
 * of the interface's IPv4 addresses, and the getter maps the address
 * back to its interface through the interface list.
 */

static struct in_addr
v4_of(const netkit_addr *a)
{
	return ((const struct sockaddr_in *)&a->ss)->sin_addr;
}

/* Is a the IPv4 address want? */
static bool
v4_is(const netkit_addr *a, struct in_addr want)
{
	return netkit_addr_family(a) == AF_INET &&
	       v4_of(a).s_addr == want.s_addr;
}

/* The index of the first interface in list, other than skip, that
 * holds IPv4 address a; -EADDRNOTAVAIL if none does. */
static int
v4_holder(const netkit_iface *list, int n, int skip, struct in_addr a)
{
	size_t j;
	int i;

	for (i = 0; i < n; i++) {
		if (list[i].index <= 0 || list[i].index == skip)
			continue;
		for (j = 0; j < list[i].naddrs; j++)
			if (v4_is(&list[i].addrs[j].addr, a))
				return list[i].index;
	}
	return -EADDRNOTAVAIL;
}

/* The first IPv4 address of interface ifindex in list, with own_only
 * the first that no other interface holds; false if there is none. */
static bool
first_v4(const netkit_iface *list, int n, int ifindex, bool own_only,
	 struct in_addr *out)
{
	const netkit_addr *a;
	size_t j;
	int i;

	for (i = 0; i < n; i++) {
		if (list[i].index != ifindex)
			continue;
		for (j = 0; j < list[i].naddrs; j++) {
			a = &list[i].addrs[j].addr;
			if (netkit_addr_family(a) != AF_INET || (own_only &&
			    v4_holder(list, n, ifindex, v4_of(a)) > 0))
				continue;
			*out = v4_of(a);
			return true;
		}
	}
	return false;
}

/* The IPv4 address to name interface ifindex by: its first one (the
 * kernel's own choice of source address) that no other interface
 * holds, so that it leads back to ifindex alone, else its first one;
 * -EADDRNOTAVAIL if it has none (or there is no such interface). */
static int
v4_addr_of_index(int ifindex, struct in_addr *out)
{
	netkit_iface *list = NULL;
	int n = netkit_iface_list(&list), rc = -EADDRNOTAVAIL;

	if (n < 0)
		return n;
	if (first_v4(list, n, ifindex, true, out) ||
	    first_v4(list, n, ifindex, false, out))
		rc = 0;
	netkit_iface_list_free(list);
	return rc;
}

/* The index of the first interface holding IPv4 address a;
 * -EADDRNOTAVAIL if none does. */
static int
v4_index_of_addr(struct in_addr a)
{
	netkit_iface *list = NULL;
	int n = netkit_iface_list(&list), rc;

	if (n < 0)
		return n;
	rc = v4_holder(list, n, 0, a);
	netkit_iface_list_free(list);
	return rc;
}

NETKIT_EXPORT int
netkit_set_multicast_if(int fd, unsigned ifindex)
{
	struct ip_mreqn mr;
	int family, rc;

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
	/* ip_mreqn: the index picks the interface; the address is what
	 * netkit_get_multicast_if() reads back. Index 0 and no address
	 * hand the choice back to the routing table. */
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)ifindex;
	if (ifindex > 0) {
		rc = v4_addr_of_index((int)ifindex, &mr.imr_address);
		if (rc < 0)
			return rc;
	}
	if (NK_SYS(setsockopt)(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr)) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_get_multicast_if(int fd)
{
	struct in_addr a = { 0 };
	socklen_t len = sizeof(a);
	int family = netkit_get_family(fd);

	if (family < 0)
		return family;
	if (family == AF_INET6)
		return get_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF);
	if (family != AF_INET)
		return -EINVAL;
	if (NK_SYS(getsockopt)(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, &len) < 0)
		return netkit__errno();
	return a.s_addr == INADDR_ANY ? 0 : v4_index_of_addr(a);
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

NETKIT_EXPORT int
netkit_set_blocking(int fd, bool blocking)
{
	int fl, to;

	if (fd < 0)
		return -EBADF;
	fl = NK_SYS(fcntl)(fd, F_GETFL);
	if (fl < 0)
		return netkit__errno();
	to = blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	if (to != fl && NK_SYS(fcntl)(fd, F_SETFL, to) < 0)
		return netkit__errno();
	return 0;
}

NETKIT_EXPORT int
netkit_get_blocking(int fd)
{
	int fl;

	if (fd < 0)
		return -EBADF;
	fl = NK_SYS(fcntl)(fd, F_GETFL);
	if (fl < 0)
		return netkit__errno();
	return !(fl & O_NONBLOCK);
}
