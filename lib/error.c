/* SPDX-License-Identifier: MIT */
/*
 * Error names and messages: the NETKIT_E* list of <netkit/common.h> and
 * the errno list below, each expanded into both lookups. Everything
 * returned is a string literal (or glibc's constant tables), so both
 * calls are thread-safe and never allocate. Also the resolver's EAI_*
 * codes as netkit codes, for resolve.c and lookup.c alike.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>

#include "netkit-private.h"

/* The errno values socket code meets most, with messages written for
 * socket users; the NETKIT_E* codes come from NETKIT_ERRNO_MAP in
 * <netkit/common.h>. Other errno values fall back to glibc's tables. */
#define ERRNO_MAP(X) \
	X(EINVAL, "invalid argument") \
	X(ENOSPC, "buffer too small for the result") \
	X(EBADF, "not an open file descriptor") \
	X(ENOTSOCK, "descriptor is not a socket") \
	X(ECONNREFUSED, "connection refused: nothing listens there") \
	X(ECONNRESET, "connection reset by peer") \
	X(ECONNABORTED, "connection aborted before it was accepted") \
	X(EPIPE, "broken pipe: the peer has closed the connection") \
	X(ETIMEDOUT, "operation timed out") \
	X(EADDRINUSE, "address already in use") \
	X(EADDRNOTAVAIL, "address not available on this machine") \
	X(EAFNOSUPPORT, "address family not supported") \
	X(EPROTONOSUPPORT, "protocol not supported") \
	X(EOPNOTSUPP, "operation not supported on this socket") \
	X(ENOTCONN, "socket is not connected") \
	X(EISCONN, "socket is already connected") \
	X(EINPROGRESS, "connection in progress") \
	X(EALREADY, "operation already in progress") \
	X(EAGAIN, "resource temporarily unavailable (would block)") \
	X(ENETUNREACH, "network is unreachable") \
	X(EHOSTUNREACH, "no route to host") \
	X(EMSGSIZE, "message too long") \
	X(EACCES, "permission denied") \
	X(EPERM, "operation not permitted (needs privileges)") \
	X(EMFILE, "too many open files in this process") \
	X(ENFILE, "too many open files in the system") \
	X(ENOMEM, "out of memory") \
	X(ENOBUFS, "no buffer space available") \
	X(EINTR, "interrupted by a signal") \
	X(ENOENT, "no such file or directory") \
	X(ENODEV, "no such device") \
	X(ENXIO, "no such device or address") \
	X(ENAMETOOLONG, "name too long") \
	X(EIO, "input/output error")

_Static_assert(NETKIT_EBASE < -4095,
	       "NETKIT_E* codes must stay below every Linux errno");
#define X(name, value, msg) \
	_Static_assert(value < NETKIT_EBASE, "NETKIT_" #name " above base");
NETKIT_ERRNO_MAP(X)
#undef X
/* The ABI: a released code keeps its number. */
_Static_assert(NETKIT_ENONAME == -10001 && NETKIT_EAGAIN_RESOLVE == -10002 &&
	       NETKIT_ENOSERVICE == -10003 && NETKIT_ERESOLVE == -10004 &&
	       NETKIT_ENOADDR == -10005, "a released NETKIT_E* code moved");

NETKIT_EXPORT const char *
netkit_errname(int err)
{
	if (err >= 0)
		return "OK";

	switch (err) {
#define X(name, value, msg) case NETKIT_##name: return "NETKIT_" #name;
	NETKIT_ERRNO_MAP(X)
#undef X
#define X(name, msg) case -name: return #name;
	ERRNO_MAP(X)
#undef X
	}
#ifdef HAVE_STRERRORNAME_NP
	if (err > NETKIT_EBASE) {
		const char *s = strerrorname_np(-err);
		if (s)
			return s;
	}
#endif
	return "UNKNOWN";
}

NETKIT_EXPORT const char *
netkit_strerror(int err)
{
	if (err >= 0)
		return "success";

	switch (err) {
#define X(name, value, msg) case NETKIT_##name: return msg;
	NETKIT_ERRNO_MAP(X)
#undef X
#define X(name, msg) case -name: return msg;
	ERRNO_MAP(X)
#undef X
	}
#ifdef HAVE_STRERRORDESC_NP
	if (err > NETKIT_EBASE) {
		const char *s = strerrordesc_np(-err);
		if (s)
			return s;
	}
#endif
	return "unknown error";
}

int
netkit__gai_error(int eai)
{
	switch (eai) {
	case EAI_SYSTEM:
		return netkit__errno();
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return NETKIT_ENONAME;
	case EAI_AGAIN:
		return NETKIT_EAGAIN_RESOLVE;
	case EAI_SERVICE:
		return NETKIT_ENOSERVICE;
	case EAI_MEMORY:
		return -ENOMEM;
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
		return NETKIT_ENOADDR;
#endif
	default:
		return NETKIT_ERESOLVE;
	}
}
