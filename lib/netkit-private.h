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
 * untouched (outputs are written only on success). Inline, so that
 * addr.c, unix-addr.c, inet.c and resolve.c share it without calling
 * into one another. */
static inline int
netkit__copy_text(char *buf, size_t len, const char *text)
{
	size_t n = strlen(text);

	if (n >= len)
		return -ENOSPC;
	memcpy(buf, text, n + 1);
	return (int)n;
}

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

/* Maps a getaddrinfo()/getnameinfo() EAI_* result to a netkit code
 * (error.c, below both resolve.c and lookup.c). */
int netkit__gai_error(int eai);

struct addrinfo;
/* getaddrinfo() until a deadline (lookup.c): 0 and its list in *res
 * (for freeaddrinfo()), -ETIMEDOUT once the deadline has passed (the
 * lookup then ends in the background and frees itself), or another
 * negative code. The arguments are getaddrinfo()'s, checked. */
int netkit__getaddrinfo_until(const char *host, const char *service,
			      const struct addrinfo *hints, int64_t deadline,
			      struct addrinfo **res);

/* Inside the library a deadline is its int64_t time (netkit_deadline.at):
 * the public calls unwrap it at the door. */
#define NETKIT__NEVER ((int64_t)-1)

/* The public deadline for an internal time (to call a public _until). */
static inline netkit_deadline
netkit__deadline(int64_t at)
{
	netkit_deadline d = { at };

	return d;
}

/* True when the reserved space at the end of a caller's struct is all
 * zero, as it must be (room for later fields). */
static inline bool
netkit__zero(const uint64_t *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (words[i] != 0)
			return false;
	return true;
}
#define NETKIT__RESERVED_ZERO(s) \
	netkit__zero((s)->reserved_, sizeof((s)->reserved_) / sizeof(uint64_t))

/* Deadlines (time.c). A deadline is valid if it is NETKIT__NEVER or
 * >= 0. */
static inline bool
netkit__deadline_ok(int64_t deadline)
{
	return deadline >= 0 || deadline == NETKIT__NEVER;
}

/*
 * A transfer's limits (the calls that move a count of bytes: send_all,
 * recv_exact, their _iov forms, sendfile, recv_to_file): the total
 * deadline and the stall time, the most a single wait for the next byte
 * may take (-1: none). A public deadline made by netkit_deadline_stall()
 * carries both in its 64 bits (time.c); any other, the deadline alone.
 */
struct netkit__limits {
	int64_t deadline;
	int64_t stall;
};

/* The limits a public deadline carries; false for an invalid one. */
bool netkit__limits_of(netkit_deadline d, struct netkit__limits *l);

/* The public deadline that carries l (for a public call inside one). */
netkit_deadline netkit__limits_deadline(const struct netkit__limits *l);

/* True when the call may wait for ever: no deadline and no stall time. */
static inline bool
netkit__limits_never(const struct netkit__limits *l)
{
	return l->deadline == NETKIT__NEVER && l->stall < 0;
}

/* The deadline for the next chunk of a transfer: the total deadline, or
 * the stall time from now when it comes first (a clock reading). */
int64_t netkit__chunk_deadline(const struct netkit__limits *l);

/* A chunk's result n with its deadline at: -ETIMEDOUT becomes
 * NETKIT_ESTALL when the stall time, not the total deadline, ended it. */
static inline ssize_t
netkit__chunk_result(const struct netkit__limits *l, int64_t at, ssize_t n)
{
	return n == -ETIMEDOUT && at != l->deadline ? NETKIT_ESTALL : n;
}

/* poll()'s timeout for the time left until deadline: -1 for
 * NETKIT__NEVER, 0 once it has passed, else the milliseconds left. */
int netkit__poll_timeout(int64_t deadline);

/* True once a deadline other than NETKIT__NEVER has passed (a clock
 * reading; none for NETKIT__NEVER). */
bool netkit__expired(int64_t deadline);

/*
 * The descriptor layer (fd.c): every wait until a deadline is made there.
 */

/* One attempt of a call: its system call made once, with flags
 * MSG_DONTWAIT (it must not block) or 0 (it may: a plain call's slow
 * path). Returns >= 0, or a negative errno (-EAGAIN: would block). */
typedef ssize_t netkit__try_fn(int fd, void *arg, int flags);

/* The attempt ignores MSG_DONTWAIT (accept4(), read() of a pipe) and the
 * descriptor may be blocking: poll before every attempt. */
#define NETKIT__POLL_FIRST 1

/* A call for netkit__until(): its attempt, what the attempt takes, and
 * what it waits for (POLLIN or POLLOUT). */
struct netkit__op {
	netkit__try_fn *try;
	void *arg;
	short events;
	int flags;
};

/* Makes op's attempt until it succeeds or fails with anything but EAGAIN
 * or EINTR, waiting for op->events with poll() between attempts, never
 * past the deadline. Returns the attempt's result, or -ETIMEDOUT once
 * the deadline has passed (never earlier). A deadline already past
 * costs the one attempt and no poll() (with NETKIT__POLL_FIRST, one
 * poll() without waiting and the attempt only if it said ready). */
ssize_t netkit__until(int fd, const struct netkit__op *op, int64_t deadline);

/* netkit__until() for the next chunk of a transfer that has moved done
 * bytes: -ETIMEDOUT at once when done > 0 and the deadline has passed,
 * so that progress never extends a deadline; NETKIT_ESTALL when no byte
 * moved for the stall time. */
ssize_t netkit__until_more(int fd, const struct netkit__op *op,
			   const struct netkit__limits *l, size_t done);

/* A plain (blocking) call's slow path once its attempt answered -EINTR:
 * the attempt is made again, blocking (flags 0) while the socket has no
 * kernel timeout optname (SO_RCVTIMEO, SO_SNDTIMEO); with one, a retry
 * would restart it, so the rest is bounded by it counted from now, and
 * its expiry answers -EAGAIN as the kernel's does. */
ssize_t netkit__interrupted(int fd, const struct netkit__op *op, int optname);

/* A plain call made through its op: the attempt, blocking (flags 0);
 * after EINTR, netkit__interrupted(). */
ssize_t netkit__plain(int fd, const struct netkit__op *op, int optname);

/* Makes op's attempt blocking (flags 0), again after each EINTR. */
ssize_t netkit__blocking(int fd, const struct netkit__op *op);

/* Polls fd until it has one of events, or an error or hang-up to
 * report: its revents (> 0), -ETIMEDOUT once the deadline has passed
 * (a deadline already past polls once without waiting), or a negative
 * errno. */
int netkit__wait(int fd, short events, int64_t deadline);

/* 1 if fd is in non-blocking mode, 0 if not, or a negative errno. */
int netkit__nonblocking(int fd);

/* Sets O_NONBLOCK on fd for a call; *saved gets the flags that
 * netkit__restore_mode() puts back (-1: it was set already). */
int netkit__set_nonblock(int fd, int *saved);
int netkit__restore_mode(int fd, int saved);

/* Clears O_NONBLOCK on fd (a socket made non-blocking to connect). */
int netkit__set_blocking(int fd);

/* connect() that never blocks: O_NONBLOCK around the call on a blocking
 * socket, put back at once (the handshake goes on in the kernel).
 * Returns 0, -EINPROGRESS, or an error. */
int netkit__connect_start(int fd, const netkit_addr *addr);

/* The outcome of a connect under way that poll() reported with revents:
 * 0 if it connected, else its error (-ECONNRESET for a hang-up with no
 * error to tell). */
int netkit__connect_result(int fd, short revents);

/* Waits for a connect under way until the deadline; its outcome. */
int netkit__connect_finish(int fd, int64_t deadline);

/* The socket's kernel timeout optname (SO_RCVTIMEO or SO_SNDTIMEO) as a
 * deadline counted from now; NETKIT__NEVER when it has none. For the
 * slow path after EINTR only: it costs a getsockopt(). */
int64_t netkit__kernel_deadline(int fd, int optname);

/* Happy Eyeballs over a list of n addresses already resolved (endpoint.c):
 * netkit_create_connection() without the lookup, so that tests can feed
 * any list. Same options, results and report. */
int netkit__connect_addrs(const netkit_addr *addrs, size_t n,
			  const netkit_connect_opts *opts,
			  netkit_connect_report *report, netkit_deadline dl);

/* A stage after connect() in the Happy Eyeballs race (endpoint.c): the
 * TLS handshake of netkit_tls_create_connection(). step() is called on
 * an attempt's connected non-blocking socket, first with *state NULL,
 * then each time the socket is ready for *events: it answers 0 when the
 * stage is done (the attempt wins), -EAGAIN with *events set (POLLIN or
 * POLLOUT) to wait, or the attempt's error. drop() frees the state of
 * an attempt that did not win; the winner's is left in won. */
struct netkit__stage {
	int (*step)(void *arg, int fd, void **state, short *events);
	void (*drop)(void *state);
	void *arg;
	void *won;
};

/* netkit__connect_addrs() and netkit_create_connection() with a stage
 * (NULL: none; the race ends at connect). A stage's error, when every
 * attempt failed, is the result before any connect error. */
int netkit__connect_staged(const netkit_addr *addrs, size_t n,
			   const netkit_connect_opts *opts,
			   netkit_connect_report *report, netkit_deadline dl,
			   struct netkit__stage *stage);
int netkit__create_staged(const char *host, const char *service,
			  const netkit_connect_opts *opts,
			  netkit_connect_report *report, netkit_deadline dl,
			  struct netkit__stage *stage);

/* A socket hook's answer as the call's: 0, or its negative code (a
 * positive answer, against the rule, is taken as -EINVAL). */
static inline int
netkit__hook_result(int rc)
{
	return rc > 0 ? -EINVAL : rc;
}
/* The same, counted from since (a netkit_now() reading) instead of now:
 * for a short count, which the kernel's own timeout may have ended, so
 * that it does not start again. */
int64_t netkit__kernel_deadline_from(int fd, int optname, int64_t since);

/* Readers fed by a loop (reader.c). Such a reader has no descriptor:
 * its calls answer from the buffer, -EAGAIN when what they need has not
 * arrived, and never receive or wait. */
void netkit__reader_fed_init(netkit_reader *r, void *buf, size_t size);
/* Inline, as the loop calls them once or more per request. */
static inline bool
netkit__reader_full(const netkit_reader *r)
{
	return r->end - r->start == r->size;
}
/* One receive from fd into all the free space, after moving the unread
 * bytes to the front as fill() does: the count, 0 at the peer's
 * end (remembered), -ENOBUFS when full, or a negative errno. */
static inline ssize_t
netkit__reader_feed(netkit_reader *r, int fd)
{
	size_t n = r->end - r->start;
	ssize_t got;

	if (NETKIT__UNLIKELY(n == r->size))
		return -ENOBUFS;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, n);
		r->start = 0;
		r->end = n;
	}
	NETKIT__RETRY(got, NK_SYS(recv)(fd, r->buf + r->end, r->size - r->end,
					MSG_DONTWAIT));
	if (NETKIT__UNLIKELY(got < 0))
		return netkit__errno();
	if (got == 0)
		r->eof = true;
	r->end += (size_t)got;
	return got;
}

/* A fed reader's room for bytes from elsewhere (a TLS connection's
 * decrypted input): the unread bytes moved to the front as
 * netkit__reader_feed() does, *at where the free space starts; its size
 * (0 when full). netkit__reader_put() then counts the n bytes put there,
 * 0 meaning the end of the stream. */
static inline size_t
netkit__reader_room(netkit_reader *r, unsigned char **at)
{
	size_t n = r->end - r->start;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, n);
		r->start = 0;
		r->end = n;
	}
	*at = r->buf + r->end;
	return r->size - r->end;
}

static inline void
netkit__reader_put(netkit_reader *r, size_t n)
{
	if (n == 0)
		r->eof = true;
	r->end += n;
}

/* The role of a TLS context, NETKIT_TLS_CLIENT or NETKIT_TLS_SERVER
 * (tls.c; tls-none.c has no contexts and answers -ENOTSUP). */
int netkit__tls_ctx_role(const netkit_tls_ctx *ctx);

/* netkit_tls_connect() (server_name) or netkit_tls_accept() as the
 * context's role says, NETKIT_NOW, for a caller whose send buffer moves
 * between a send that must wait and its retry (the loop's queue): such
 * a connection never uses kTLS, which needs the same buffer again. */
int netkit__tls_open_moving(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
			    const char *server_name);

#endif /* NETKIT_PRIVATE_H */
