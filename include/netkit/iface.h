/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: this machine's network interfaces (the tutorial's
 * ifconfig). Include <netkit.h>, not this file.
 */
#ifndef NETKIT_IFACE_H
#define NETKIT_IFACE_H

#include "addr.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup iface Interfaces
 * The machine's network interfaces and their addresses: what `ifconfig`
 * or `ip addr` shows, and Python's `if_nameindex()`, `if_nametoindex()`
 * and `if_indextoname()`.
 *
 * netkit_iface_list() takes one snapshot (getifaddrs()) and returns it
 * as an array in one allocation, released with netkit_iface_list_free().
 * Each interface has its name, index, flags and IPv4/IPv6 addresses,
 * each address with its netmask, prefix length and, for IPv4 on a
 * broadcast-capable interface, its broadcast address. Interfaces appear
 * in the order the system lists them; one with no IP address has
 * `naddrs == 0`. All calls are thread-safe.
 * @code
 * netkit_iface *list;
 * char ip[NETKIT_ADDRSTRLEN];
 * int i, n = netkit_iface_list(&list);
 * size_t j;
 *
 * for (i = 0; i < n; i++) {
 *         printf("%d: %s%s\n", list[i].index, list[i].name,
 *                list[i].flags & NETKIT_IFF_UP ? " UP" : "");
 *         for (j = 0; j < list[i].naddrs; j++)
 *                 if (netkit_addr_ip(&list[i].addrs[j].addr, ip,
 *                                    sizeof(ip)) >= 0)
 *                         printf("    %s/%d\n", ip, list[i].addrs[j].prefix);
 * }
 * netkit_iface_list_free(list);
 * @endcode
 * @{
 */

/** Size of ::netkit_iface.name: the longest interface name plus NUL. */
#define NETKIT_IFNAMESIZE 16

/** Interface flag: administratively up. */
#define NETKIT_IFF_UP 0x01
/** Interface flag: running (up and with a carrier). */
#define NETKIT_IFF_RUNNING 0x02
/** Interface flag: the loopback interface. */
#define NETKIT_IFF_LOOPBACK 0x04
/** Interface flag: supports broadcast; its IPv4 addresses may have a
 *  broadcast address. */
#define NETKIT_IFF_BROADCAST 0x08
/** Interface flag: supports multicast. */
#define NETKIT_IFF_MULTICAST 0x10
/** Interface flag: a point-to-point link. */
#define NETKIT_IFF_POINTOPOINT 0x20

/** One IP address of an interface. */
typedef struct netkit_iface_addr {
	/** The address (port 0); an IPv6 link-local one carries its scope. */
	netkit_addr addr;
	/** The netmask ("255.255.255.0", "ffff:ffff:ffff:ffff::"); empty
	 *  (netkit_addr_family() answers -EINVAL) if the system gives none. */
	netkit_addr netmask;
	/** The netmask as a prefix length (24, 64), or -1 without a netmask
	 *  or with one that is not contiguous. */
	int prefix;
	/** The IPv4 broadcast address ("192.168.1.255"); empty on an
	 *  interface without #NETKIT_IFF_BROADCAST and for IPv6. */
	netkit_addr broadcast;
} netkit_iface_addr;

/** One network interface. */
typedef struct netkit_iface {
	/** Its name, e.g. "lo", "eth0"; an IPv4 address label such as
	 *  "eth0:1" is listed as an interface of its own. */
	char name[NETKIT_IFNAMESIZE];
	/** Its index (if_nametoindex()), or 0 if it has none (or that
	 *  lookup failed). */
	int index;
	/** NETKIT_IFF_* flags or-ed together. */
	unsigned int flags;
	/** How many entries @ref addrs has. */
	size_t naddrs;
	/** Its IPv4 and IPv6 addresses, IPv4 first; NULL when naddrs is 0. */
	netkit_iface_addr *addrs;
} netkit_iface;

/**
 * @brief Lists this machine's network interfaces and their addresses.
 * @param[out] out  On success, an array of the returned count of
 *                  interfaces (NULL for 0) to release with
 *                  netkit_iface_list_free(); untouched on failure.
 * @return The number of interfaces.
 * @retval -EINVAL  @p out is NULL.
 * @retval -ENOMEM  Out of memory.
 * @retval -EMFILE  No descriptor left for the netlink socket that
 *                  getifaddrs() asks the kernel with (also -ENFILE,
 *                  -ENOBUFS, or any other errno getifaddrs() fails
 *                  with, negated).
 * @note Thread-safe. Python has no direct equivalent; the tutorial's
 *       `ifconfig`, with `socket.if_nameindex()` for names and indexes.
 */
NETKIT_EXPORT int netkit_iface_list(netkit_iface **out);

/**
 * @brief Releases the array of netkit_iface_list().
 * @param list  The array; NULL is accepted and ignored.
 */
NETKIT_EXPORT void netkit_iface_list_free(netkit_iface *list);

/**
 * @brief The index of the interface with this name.
 * @param name  An interface name, e.g. "lo".
 * @return The index (at least 1).
 * @retval -EINVAL  @p name is NULL.
 * @retval -ENODEV  No interface with this name (Python: `OSError: no
 *                  interface with this name`), including a name of
 *                  `IF_NAMESIZE` (16) bytes or more, which is refused
 *                  after reading at most 16 bytes of it; also when the
 *                  lookup itself fails (no descriptor left for its
 *                  socket), as in Python, whatever errno it left.
 * @note Thread-safe. Python: ``socket.if_nametoindex('lo')``.
 */
NETKIT_EXPORT int netkit_if_nametoindex(const char *name);

/**
 * @brief The name of the interface with this index.
 * @param index     An interface index.
 * @param[out] buf  Receives the name and its NUL; untouched on failure.
 * @param len       Size of @p buf; #NETKIT_IFNAMESIZE suffices.
 * @return The length of the name.
 * @retval -EINVAL  @p buf is NULL or @p index is negative (Python:
 *                  `OverflowError`).
 * @retval -ENXIO   No interface with this index, e.g. 0.
 * @retval -ENOSPC  @p buf too small.
 * @retval -EMFILE  The lookup itself failed (it needs a socket): its
 *                  errno, negated (also -ENFILE...).
 * @note Thread-safe. Python: `socket.if_indextoname(1)`.
 */
NETKIT_EXPORT int netkit_if_indextoname(int index, char *buf, size_t len);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_IFACE_H */
