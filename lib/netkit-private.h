/*
 * libnetkit internals shared across lib/ files. Not installed.
 * Cross-file internals are netkit__*; they are hidden from the shared
 * library by -fvisibility=hidden and the version script.
 */
#ifndef NETKIT_PRIVATE_H
#define NETKIT_PRIVATE_H

#include <errno.h>

#include "netkit.h"

/* A negative errno for the last failed call; never 0, even if a broken
 * libc left errno unset. */
static inline int
netkit__errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Runs a system call until it stops failing with EINTR, leaving its
 * result in var. Not for close(): see netkit_close(). */
#define NETKIT__RETRY(var, call) \
	do { \
		(var) = (call); \
	} while ((var) < 0 && errno == EINTR)

/* Copies NUL-terminated text into a caller's buffer of len bytes if it
 * fits with its NUL; returns the text's length, or -ENOSPC with buf
 * untouched (outputs are written only on success). */
int netkit__copy_text(char *buf, size_t len, const char *text);

/* True for a netkit_addr holding an IPv4 or IPv6 address. */
bool netkit__addr_valid(const netkit_addr *a);

/* Fills *out from what the kernel wrote into ss (getsockname, accept...);
 * returns -EAFNOSUPPORT for families other than AF_INET/AF_INET6. */
int netkit__addr_set(netkit_addr *out, const struct sockaddr_storage *ss,
		     socklen_t len);

/* Maps a getaddrinfo()/getnameinfo() EAI_* result to a netkit code. */
int netkit__gai_error(int eai);

#endif /* NETKIT_PRIVATE_H */
