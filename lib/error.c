/* SPDX-License-Identifier: MIT */
/*
 * Error names and messages: the NETKIT_E* list of <netkit/common.h> and
 * the errno lists below, each expanded into both lookups. Every text
 * is a string literal in one style (lower case, no final period), so
 * both calls are thread-safe, never allocate and read the same on any
 * libc. The three classifiers (temporary, disconnect, resource). Also
 * the resolver's EAI_* codes as netkit codes, for resolve.c and
 * lookup.c alike.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>

#include "netkit-private.h"

/* The errno values socket code meets most, with messages written for
 * socket users: each names every cause the library can meet (EPERM
 * from epoll on a regular file, EPIPE on a socket that never
 * connected, ENOSPC from a full disk as from a short buffer). The
 * NETKIT_E* codes come from NETKIT_ERRNO_MAP in <netkit/common.h>. */
#define ERRNO_MAP(X) \
	X(EINVAL, "invalid argument") \
	X(ENOSPC, "no space left: the buffer is too small for the result, " \
	  "or the device is full") \
	X(EBADF, "bad file descriptor: not open, or not open for this " \
	  "operation") \
	X(ENOTSOCK, "descriptor is not a socket") \
	X(ECONNREFUSED, "connection refused: nothing listens there") \
	X(ECONNRESET, "connection reset by peer") \
	X(ECONNABORTED, "connection aborted before it was accepted") \
	X(EPIPE, "broken pipe: the other end is closed, or the socket " \
	  "never connected") \
	X(ETIMEDOUT, "operation timed out") \
	X(EADDRINUSE, "address already in use") \
	X(EADDRNOTAVAIL, "address not available: not one of this " \
	  "machine's, or no free local port to connect from") \
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
	X(EPERM, "operation not permitted: it needs privileges, a firewall " \
	  "rule refused it, or this kind of descriptor does not allow it") \
	X(EMFILE, "too many open files in this process") \
	X(ENFILE, "too many open files in the system") \
	X(ENOMEM, "out of memory") \
	X(ENOBUFS, "no buffer space available") \
	X(EINTR, "interrupted by a signal") \
	X(ENOENT, "no such file or directory") \
	X(ENODEV, "no such device") \
	X(ENXIO, "no such device or address") \
	X(ENAMETOOLONG, "name too long") \
	X(EIO, "input/output error") \
	X(ERANGE, "result out of range, or too large for the room it is " \
	  "given") \
	X(ENOPROTOOPT, "option not available for this protocol") \
	X(ESHUTDOWN, "cannot send after the socket was shut down") \
	X(ECANCELED, "operation canceled")

/* The rest of Linux's errno list (glibc and musl define every name),
 * in libc's words in the library's style, so that no text comes from a
 * libc table: none is capitalised, and musl, which has no
 * strerrordesc_np(), reads the same. Aliases of a value above
 * (EWOULDBLOCK, ENOTSUP, EDEADLOCK) are left out. */
#define ERRNO_MAP_REST(X) \
	X(ESRCH, "no such process") \
	X(E2BIG, "argument list too long") \
	X(ENOEXEC, "exec format error") \
	X(ECHILD, "no child processes") \
	X(EFAULT, "bad address") \
	X(ENOTBLK, "block device required") \
	X(EBUSY, "device or resource busy") \
	X(EEXIST, "file exists") \
	X(EXDEV, "invalid cross-device link") \
	X(ENOTDIR, "not a directory") \
	X(EISDIR, "is a directory") \
	X(ENOTTY, "inappropriate ioctl for device") \
	X(ETXTBSY, "text file busy") \
	X(EFBIG, "file too large") \
	X(ESPIPE, "illegal seek") \
	X(EROFS, "read-only file system") \
	X(EMLINK, "too many links") \
	X(EDOM, "numerical argument out of domain") \
	X(EDEADLK, "resource deadlock avoided") \
	X(ENOLCK, "no locks available") \
	X(ENOSYS, "function not implemented") \
	X(ENOTEMPTY, "directory not empty") \
	X(ELOOP, "too many levels of symbolic links") \
	X(ENOMSG, "no message of desired type") \
	X(EIDRM, "identifier removed") \
	X(ECHRNG, "channel number out of range") \
	X(EL2NSYNC, "level 2 not synchronized") \
	X(EL3HLT, "level 3 halted") \
	X(EL3RST, "level 3 reset") \
	X(ELNRNG, "link number out of range") \
	X(EUNATCH, "protocol driver not attached") \
	X(ENOCSI, "no CSI structure available") \
	X(EL2HLT, "level 2 halted") \
	X(EBADE, "invalid exchange") \
	X(EBADR, "invalid request descriptor") \
	X(EXFULL, "exchange full") \
	X(ENOANO, "no anode") \
	X(EBADRQC, "invalid request code") \
	X(EBADSLT, "invalid slot") \
	X(EBFONT, "bad font file format") \
	X(ENOSTR, "device not a stream") \
	X(ENODATA, "no data available") \
	X(ETIME, "timer expired") \
	X(ENOSR, "out of streams resources") \
	X(ENONET, "machine is not on the network") \
	X(ENOPKG, "package not installed") \
	X(EREMOTE, "object is remote") \
	X(ENOLINK, "link has been severed") \
	X(EADV, "advertise error") \
	X(ESRMNT, "srmount error") \
	X(ECOMM, "communication error on send") \
	X(EPROTO, "protocol error") \
	X(EMULTIHOP, "multihop attempted") \
	X(EDOTDOT, "RFS specific error") \
	X(EBADMSG, "bad message") \
	X(EOVERFLOW, "value too large for defined data type") \
	X(ENOTUNIQ, "name not unique on network") \
	X(EBADFD, "file descriptor in bad state") \
	X(EREMCHG, "remote address changed") \
	X(ELIBACC, "cannot access a needed shared library") \
	X(ELIBBAD, "accessing a corrupted shared library") \
	X(ELIBSCN, ".lib section in a.out corrupted") \
	X(ELIBMAX, "attempting to link in too many shared libraries") \
	X(ELIBEXEC, "cannot exec a shared library directly") \
	X(EILSEQ, "invalid or incomplete multibyte or wide character") \
	X(ERESTART, "interrupted system call should be restarted") \
	X(ESTRPIPE, "streams pipe error") \
	X(EUSERS, "too many users") \
	X(EDESTADDRREQ, "destination address required") \
	X(EPROTOTYPE, "protocol wrong type for socket") \
	X(ESOCKTNOSUPPORT, "socket type not supported") \
	X(EPFNOSUPPORT, "protocol family not supported") \
	X(ENETDOWN, "network is down") \
	X(ENETRESET, "network dropped connection on reset") \
	X(ETOOMANYREFS, "too many references: cannot splice") \
	X(EHOSTDOWN, "host is down") \
	X(ESTALE, "stale file handle") \
	X(EUCLEAN, "structure needs cleaning") \
	X(ENOTNAM, "not a XENIX named type file") \
	X(ENAVAIL, "no XENIX semaphores available") \
	X(EISNAM, "is a named type file") \
	X(EREMOTEIO, "remote I/O error") \
	X(EDQUOT, "disk quota exceeded") \
	X(ENOMEDIUM, "no medium found") \
	X(EMEDIUMTYPE, "wrong medium type") \
	X(ENOKEY, "required key not available") \
	X(EKEYEXPIRED, "key has expired") \
	X(EKEYREVOKED, "key has been revoked") \
	X(EKEYREJECTED, "key was rejected by service") \
	X(EOWNERDEAD, "owner died") \
	X(ENOTRECOVERABLE, "state not recoverable") \
	X(ERFKILL, "operation not possible due to RF-kill") \
	X(EHWPOISON, "memory page has hardware error")

/* A positive value is a count or a descriptor (success), or errno
 * passed by mistake: never "success" for the latter, never an errno's
 * text or name. */
#define POSITIVE_MSG "not an error code: a positive value (a count or a " \
	"descriptor, or errno passed without its minus sign)"

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
	if (err == 0)
		return "OK";
	if (err > 0)
		return "POSITIVE";

	switch (err) {
#define X(name, value, msg) case NETKIT_##name: return "NETKIT_" #name;
	NETKIT_ERRNO_MAP(X)
#undef X
#define X(name, msg) case -name: return #name;
	ERRNO_MAP(X)
	ERRNO_MAP_REST(X)
#undef X
	}
	/* A name is no text: libc's may name what the lists leave out. */
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
	if (err == 0)
		return "success";
	if (err > 0)
		return POSITIVE_MSG;

	switch (err) {
#define X(name, value, msg) case NETKIT_##name: return msg;
	NETKIT_ERRNO_MAP(X)
#undef X
#define X(name, msg) case -name: return msg;
	ERRNO_MAP(X)
	ERRNO_MAP_REST(X)
#undef X
	}
	return "unknown error";
}

/* The classifiers' lists, as documented in <netkit/common.h>: disjoint
 * (the error suite checks every code against all three). */
NETKIT_EXPORT bool
netkit_err_is_temporary(int err)
{
	switch (err) {
	case -EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case -EWOULDBLOCK:
#endif
	case -EINTR:
	case -ETIMEDOUT:
	case NETKIT_EAGAIN_RESOLVE:
		return true;
	default:
		return false;
	}
}

NETKIT_EXPORT bool
netkit_err_is_disconnect(int err)
{
	switch (err) {
	case -ECONNRESET:
	case -EPIPE:
	case -ECONNABORTED:
	case -ECONNREFUSED:
	case -ENOTCONN:
	case -ESHUTDOWN:
	case -ENETDOWN:
	case -ENETUNREACH:
	case -ENETRESET:
	case -EHOSTDOWN:
	case -EHOSTUNREACH:
	case -ENONET:
	case -EPROTO:
	/* A TLS stream cut without close_notify: the peer is gone. */
	case NETKIT_ETLS_TRUNCATED:
		return true;
	default:
		return false;
	}
}

NETKIT_EXPORT bool
netkit_err_is_resource(int err)
{
	switch (err) {
	case -EMFILE:
	case -ENFILE:
	case -ENOBUFS:
	case -ENOMEM:
		return true;
	default:
		return false;
	}
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
