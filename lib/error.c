/*
 * Error names and messages: one table, two lookups. Everything returned
 * is a string literal (or glibc's constant tables), so both calls are
 * thread-safe and never allocate.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "netkit-private.h"

/* Codes the library names itself: every NETKIT_E* plus the errno values
 * socket code meets most, with messages written for socket users. */
#define NETKIT_ERROR_MAP(X) \
	X(NETKIT_ENONAME, "NETKIT_ENONAME", "name or address not known") \
	X(NETKIT_EAGAIN_RESOLVE, "NETKIT_EAGAIN_RESOLVE", \
	  "temporary failure in name resolution; try again") \
	X(NETKIT_ENOSERVICE, "NETKIT_ENOSERVICE", \
	  "service not known for this protocol") \
	X(NETKIT_ERESOLVE, "NETKIT_ERESOLVE", "name resolution failed") \
	X(NETKIT_ENOADDR, "NETKIT_ENOADDR", \
	  "the name has no address of the requested family") \
	X(NETKIT_ETOOLONG, "NETKIT_ETOOLONG", "line longer than the buffer") \
	X(-EINVAL, "EINVAL", "invalid argument") \
	X(-ENOSPC, "ENOSPC", "buffer too small for the result") \
	X(-EBADF, "EBADF", "not an open file descriptor") \
	X(-ENOTSOCK, "ENOTSOCK", "descriptor is not a socket") \
	X(-ECONNREFUSED, "ECONNREFUSED", \
	  "connection refused: nothing listens there") \
	X(-ECONNRESET, "ECONNRESET", "connection reset by peer") \
	X(-ECONNABORTED, "ECONNABORTED", \
	  "connection aborted before it was accepted") \
	X(-EPIPE, "EPIPE", "broken pipe: the peer has closed the connection") \
	X(-ETIMEDOUT, "ETIMEDOUT", "operation timed out") \
	X(-EADDRINUSE, "EADDRINUSE", "address already in use") \
	X(-EADDRNOTAVAIL, "EADDRNOTAVAIL", \
	  "address not available on this machine") \
	X(-EAFNOSUPPORT, "EAFNOSUPPORT", "address family not supported") \
	X(-EPROTONOSUPPORT, "EPROTONOSUPPORT", "protocol not supported") \
	X(-EOPNOTSUPP, "EOPNOTSUPP", "operation not supported on this socket") \
	X(-ENOTCONN, "ENOTCONN", "socket is not connected") \
	X(-EISCONN, "EISCONN", "socket is already connected") \
	X(-EINPROGRESS, "EINPROGRESS", "connection in progress") \
	X(-EALREADY, "EALREADY", "operation already in progress") \
	X(-EAGAIN, "EAGAIN", "resource temporarily unavailable (would block)") \
	X(-ENETUNREACH, "ENETUNREACH", "network is unreachable") \
	X(-EHOSTUNREACH, "EHOSTUNREACH", "no route to host") \
	X(-EMSGSIZE, "EMSGSIZE", "message too long") \
	X(-EACCES, "EACCES", "permission denied") \
	X(-EPERM, "EPERM", "operation not permitted (needs privileges)") \
	X(-EMFILE, "EMFILE", "too many open files in this process") \
	X(-ENFILE, "ENFILE", "too many open files in the system") \
	X(-ENOMEM, "ENOMEM", "out of memory") \
	X(-ENOBUFS, "ENOBUFS", "no buffer space available") \
	X(-EINTR, "EINTR", "interrupted by a signal") \
	X(-ENOENT, "ENOENT", "no such file or directory") \
	X(-ENODEV, "ENODEV", "no such device") \
	X(-ENXIO, "ENXIO", "no such device or address") \
	X(-ENAMETOOLONG, "ENAMETOOLONG", "name too long") \
	X(-EIO, "EIO", "input/output error")

_Static_assert(NETKIT_EBASE < -4095,
	       "NETKIT_E* codes must stay below every Linux errno");

NETKIT_EXPORT const char *
netkit_errname(int err)
{
	if (err >= 0)
		return "OK";

	switch (err) {
#define X(code, name, msg) case code: return name;
	NETKIT_ERROR_MAP(X)
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
#define X(code, name, msg) case code: return msg;
	NETKIT_ERROR_MAP(X)
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
