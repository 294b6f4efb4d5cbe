/* SPDX-License-Identifier: MIT */
/*
 * The machine's interfaces (the tutorial's ifconfig), from one
 * getifaddrs() snapshot, plus if_nametoindex/if_indextoname. The list
 * is returned in a single allocation: the interface array first, then
 * every interface's addresses, so one free() releases it.
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netkit-private.h"

_Static_assert(NETKIT_IFNAMESIZE >= IF_NAMESIZE, "NETKIT_IFNAMESIZE too small");

static bool
is_ip(const struct ifaddrs *ifa)
{
	return ifa->ifa_addr && (ifa->ifa_addr->sa_family == AF_INET ||
				 ifa->ifa_addr->sa_family == AF_INET6);
}

static unsigned int
iff_flags(unsigned int f)
{
	return (f & IFF_UP ? NETKIT_IFF_UP : 0) |
	       (f & IFF_RUNNING ? NETKIT_IFF_RUNNING : 0) |
	       (f & IFF_LOOPBACK ? NETKIT_IFF_LOOPBACK : 0) |
	       (f & IFF_BROADCAST ? NETKIT_IFF_BROADCAST : 0) |
	       (f & IFF_MULTICAST ? NETKIT_IFF_MULTICAST : 0) |
	       (f & IFF_POINTOPOINT ? NETKIT_IFF_POINTOPOINT : 0);
}

/* Length of a contiguous netmask of n bytes, or -1. */
static int
mask_prefix(const unsigned char *m, size_t n)
{
	int bits = 0;
	size_t i;
	unsigned char b;

	for (i = 0; i < n && m[i] == 0xff; i++)
		bits += 8;
	if (i == n)
		return bits;
	for (b = m[i]; b & 0x80; b = (unsigned char)(b << 1))
		bits++;
	if (b != 0)
		return -1;
	for (i++; i < n; i++)
		if (m[i] != 0)
			return -1;
	return bits;
}

/* Copies a raw address of ifa's family into *out (left empty if absent). */
static void
set_addr(netkit_addr *out, const struct sockaddr *sa, int family)
{
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
			sizeof(struct sockaddr_in6);

	if (!sa || sa->sa_family != family ||
	    netkit__addr_set(out, sa, len) < 0)
		memset(out, 0, sizeof(*out));
}

static void
fill_addr(netkit_iface_addr *a, const struct ifaddrs *ifa)
{
	int family = ifa->ifa_addr->sa_family;

	memset(a, 0, sizeof(*a));
	set_addr(&a->addr, ifa->ifa_addr, family);
	set_addr(&a->netmask, ifa->ifa_netmask, family);
	a->prefix = -1;
	if (a->netmask.len && family == AF_INET)
		a->prefix = mask_prefix((const unsigned char *)
			&((struct sockaddr_in *)&a->netmask.ss)->sin_addr, 4);
	else if (a->netmask.len)
		a->prefix = mask_prefix((const unsigned char *)
			&((struct sockaddr_in6 *)&a->netmask.ss)->sin6_addr,
			16);
	if (family == AF_INET && (ifa->ifa_flags & IFF_BROADCAST))
		set_addr(&a->broadcast, ifa->ifa_broadaddr, AF_INET);
}

/* Gives each entry of the snapshot the position of its interface
 * (entries sharing a name share it), in order of first appearance.
 * Returns the number of interfaces; slot[] has one int per entry. */
static int
assign_slots(const struct ifaddrs *all, int *slot, const char **names)
{
	const struct ifaddrs *p;
	int n = 0, i, e = 0;

	for (p = all; p; p = p->ifa_next, e++) {
		for (i = 0; i < n; i++)
			if (strcmp(names[i], p->ifa_name) == 0)
				break;
		if (i == n)
			names[n++] = p->ifa_name;
		slot[e] = i;
	}
	return n;
}

/* Builds the array from the snapshot: n interfaces, naddrs addresses,
 * slot[] from assign_slots(). */
static netkit_iface *
build(const struct ifaddrs *all, const int *slot, int n, size_t naddrs)
{
	const struct ifaddrs *p;
	netkit_iface *list, *f;
	netkit_iface_addr *pool;
	int i, e, pass;

	list = calloc(1, (size_t)n * sizeof(*list) + naddrs * sizeof(*pool));
	if (!list)
		return NULL;
	pool = (netkit_iface_addr *)(list + n);
	for (p = all, e = 0; p; p = p->ifa_next, e++) {
		f = &list[slot[e]];
		if (f->name[0] == '\0') {
			strncpy(f->name, p->ifa_name, sizeof(f->name) - 1);
			f->index = (int)NK_SYS(if_nametoindex)(p->ifa_name);
		}
		f->flags |= iff_flags(p->ifa_flags);
		if (is_ip(p))
			f->naddrs++;
	}
	/* Hand out each interface's slice of the pool, then fill it: IPv4
	 * addresses first, each family in the system's order. */
	for (i = 0; i < n; i++) {
		list[i].addrs = list[i].naddrs ? pool : NULL;
		pool += list[i].naddrs;
		list[i].naddrs = 0;
	}
	for (pass = 0; pass < 2; pass++) {
		for (p = all, e = 0; p; p = p->ifa_next, e++) {
			if (!p->ifa_addr || p->ifa_addr->sa_family !=
			    (pass == 0 ? AF_INET : AF_INET6))
				continue;
			f = &list[slot[e]];
			fill_addr(&f->addrs[f->naddrs++], p);
		}
	}
	return list;
}

NETKIT_EXPORT int
netkit_iface_list(netkit_iface **out)
{
	struct ifaddrs *all, *p;
	netkit_iface *list = NULL;
	const char **names = NULL;
	int *slot = NULL;
	size_t naddrs = 0, entries = 0;
	int n = 0, rc;

	if (!out)
		return -EINVAL;
	if (NK_SYS(getifaddrs)(&all) < 0)
		return netkit__errno();
	for (p = all; p; p = p->ifa_next) {
		entries++;
		if (is_ip(p))
			naddrs++;
	}
	rc = -ENOMEM;
	slot = malloc((entries + 1) * sizeof(*slot));
	names = malloc((entries + 1) * sizeof(*names));
	if (!slot || !names)
		goto out;
	n = assign_slots(all, slot, names);
	if (n > 0) {
		list = build(all, slot, n, naddrs);
		if (!list)
			goto out;
	}
	*out = list;
	rc = n;
out:
	free(slot);
	free(names);
	freeifaddrs(all);
	return rc;
}

NETKIT_EXPORT void
netkit_iface_list_free(netkit_iface *list)
{
	free(list);
}

NETKIT_EXPORT int
netkit_if_nametoindex(const char *name)
{
	unsigned int idx;

	if (!name)
		return -EINVAL;
	/* Python: OSError("no interface with this name"), whatever errno
	 * the lookup left (ENODEV, or a socket error); also what glibc
	 * answers for a name too long to be one, which is refused here
	 * after reading at most IF_NAMESIZE bytes of it. */
	if (!netkit__text_fits(name, IF_NAMESIZE - 1))
		return -ENODEV;
	idx = NK_SYS(if_nametoindex)(name);
	if (idx == 0 || idx > INT32_MAX)
		return -ENODEV;
	return (int)idx;
}

NETKIT_EXPORT int
netkit_if_indextoname(int index, char *buf, size_t len)
{
	char name[IF_NAMESIZE];
	size_t n;

	if (index < 0 || !buf)
		return -EINVAL;
	if (!NK_SYS(if_indextoname)((unsigned int)index, name))
		return netkit__errno();
	n = strnlen(name, sizeof(name) - 1);
	if (n + 1 > len)
		return -ENOSPC;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return (int)n;
}
