/* SPDX-License-Identifier: MIT */
/*
 * libnetkit internals shared across lib/ files. Not installed.
 * Cross-file internals are netkit__*; they are hidden from the shared
 * library by -fvisibility=hidden and the version script.
 */
#ifndef NETKIT_PRIVATE_H
#define NETKIT_PRIVATE_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "netkit.h"
#include "sys.h"

/* Branch hints and placement for the hot paths: the plain data calls
 * and the poller's event loop keep their rare cases out of line. */
#define NETKIT__LIKELY(x) __builtin_expect(!!(x), 1)
#define NETKIT__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NETKIT__COLD __attribute__((cold, noinline))
#define NETKIT__NOINLINE __attribute__((noinline))

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

/* True if text ends within max bytes (its NUL at text[max] or before).
 * Reads at most max + 1 bytes, so an argument with no NUL anywhere near
 * is refused without reading on to whatever lies past it. */
static inline bool
netkit__text_fits(const char *text, size_t max)
{
	return strnlen(text, max + 1) <= max;
}

/* True for a netkit_addr holding an IPv4 or IPv6 address. */
bool netkit__addr_valid(const netkit_addr *a);

/* Fills *out from what the kernel wrote into sa (getsockname, accept...);
 * the length is checked before the family is read, so an address the
 * kernel left out (len 0) is never read. Takes AF_INET, AF_INET6 and
 * AF_UNIX (any length from the unnamed sizeof(sa_family_t) to
 * sizeof(struct sockaddr_un)); returns -EAFNOSUPPORT for other
 * families and for short lengths. */
int netkit__addr_set(netkit_addr *out, const struct sockaddr *sa,
		     socklen_t len);

/* AF_UNIX addresses (unix-addr.c). A valid one has family AF_UNIX and
 * a length from sizeof(sa_family_t) (unnamed) to sizeof(struct
 * sockaddr_un). format and parse take only valid addresses and the text
 * after "unix:"; their results are netkit_addr_format()/_parse()'s. */
bool netkit__unix_valid(const netkit_addr *a);
bool netkit__unix_equal(const netkit_addr *a, const netkit_addr *b);
int netkit__unix_format(const netkit_addr *a, char *buf, size_t len);
int netkit__unix_parse(netkit_addr *out, const char *text);

/* True for an address a socket call takes: IPv4, IPv6 or AF_UNIX. */
static inline bool
netkit__addr_usable(const netkit_addr *a)
{
	return netkit__addr_valid(a) || netkit__unix_valid(a);
}

/* Maps a getaddrinfo()/getnameinfo() EAI_* result to a netkit code. */
int netkit__gai_error(int eai);

struct addrinfo;
/* getaddrinfo() until a deadline (lookup.c): 0 and its list in *res
 * (for freeaddrinfo()), -ETIMEDOUT once the deadline has passed (the
 * lookup then ends in the background and frees itself), or another
 * negative code. The arguments are getaddrinfo()'s, checked. */
int netkit__getaddrinfo_until(const char *host, const char *service,
			      const struct addrinfo *hints, int64_t deadline,
			      struct addrinfo **res);

/* Deadlines (time.c). A deadline is valid if it is NETKIT_FOREVER or
 * >= 0. */
static inline bool
netkit__deadline_ok(int64_t deadline)
{
	return deadline >= 0 || deadline == NETKIT_FOREVER;
}

/* poll()'s timeout for the time left until deadline: -1 for
 * NETKIT_FOREVER, 0 once it has passed, else the milliseconds left. */
int netkit__poll_timeout(int64_t deadline);

/* Waits until fd has one of events (POLLIN, POLLOUT), or an error or
 * hang-up to report. Returns 0 when the caller should try its call
 * again, -ETIMEDOUT once the deadline has passed (never earlier; a
 * deadline already past polls once without waiting), or a negative
 * errno. Signals and poll's EAGAIN neither end the wait nor extend it. */
int netkit__wait(int fd, short events, int64_t deadline);

/* After a non-blocking call failed (errno set): 0 to make it again
 * (EINTR, or EAGAIN and fd became ready before the deadline), else the
 * code to return (-ETIMEDOUT, or the call's own error). */
int netkit__wait_again(int fd, short events, int64_t deadline);

/* The socket's kernel timeout optname (SO_RCVTIMEO or SO_SNDTIMEO) as a
 * deadline counted from now; NETKIT_FOREVER when it has none. For the
 * slow path after EINTR only: it costs a getsockopt(). */
int64_t netkit__kernel_deadline(int fd, int optname);

/* Happy Eyeballs over a list of n addresses already resolved (endpoint.c):
 * netkit_create_connection() without the lookup, so that tests can feed
 * any list. Same options, results and report. */
int netkit__connect_addrs(const netkit_addr *addrs, size_t n,
			  int64_t deadline, const netkit_connect_opts *opts);
/* The same, counted from since (a netkit_now() reading) instead of now:
 * for a short count, which the kernel's own timeout may have ended, so
 * that it does not start again. */
int64_t netkit__kernel_deadline_from(int fd, int optname, int64_t since);

#endif /* NETKIT_PRIVATE_H */
