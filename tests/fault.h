/* SPDX-License-Identifier: MIT */
/*
 * Fault injection through the system-call seam (lib/sys.h), for tests.
 *
 * The tests link nk_internal, whose every system call goes through the
 * table netkit__sys. nk_fault_install() points each entry of that table
 * at a wrapper here; each wrapper counts the call, looks for a rule that
 * matches it, and then either makes the real call (netkit__sys_default)
 * or fails it. nk_fault_reset() puts the real table back.
 *
 * A rule names one system call and what to do to it:
 *
 *   NK_FAULT_FAIL   return -1 with errno = err WITHOUT making the real
 *                   call: an injected EINTR or EAGAIN means "nothing
 *                   happened, try again", as the kernel means it. err 0
 *                   is allowed (a broken libc that fails and leaves
 *                   errno 0). close() is the exception: Linux frees the
 *                   descriptor even when close fails, so a FAIL on close
 *                   closes it first (no test leaks a descriptor).
 *   NK_FAULT_AFTER  make the real call, then report -1 with errno = err
 *                   whatever it did: close's EIO or EINTR (the descriptor
 *                   is gone), or connect's EINTR on a handshake that goes
 *                   on in the kernel.
 *   NK_FAULT_SHORT  make the real call with at most max bytes (send,
 *                   recv, sendto, recvfrom, sendmsg, recvmsg, sendfile,
 *                   read, write, pread): a short
 *                   count, the data is not lost.
 *   NK_FAULT_VALUE  getsockopt only: make the real call, then report
 *                   value as the (int) option, e.g. SO_ERROR.
 *
 * and when: every matching call, or the next count matching calls
 * (count > 0), after letting skip of them pass, or at random with
 * probability prob. Matching can be narrowed to the descriptor's
 * address family (family; read with the real getsockopt(SO_DOMAIN); for
 * socket() and getaddrinfo() the family asked for), and for fcntl and
 * get/setsockopt to one command or option (op, with level). For
 * getaddrinfo and getnameinfo, err is the EAI_* code returned; with
 * EAI_SYSTEM, value is the errno left behind. For the _r lookups, err
 * is the number the call returns (0, ERANGE, ENOMEM...) with no entry,
 * and value the h_errno of gethostbyname_r/gethostbyaddr_r
 * (HOST_NOT_FOUND, TRY_AGAIN, NETDB_INTERNAL...). if_nametoindex fails
 * with 0, if_indextoname with NULL, each with errno = err.
 *
 * Rules are tried in the order they were added; the first one that
 * fires decides the call. Random rules draw from a seeded xorshift
 * generator, one stream per system call, so a given seed gives the
 * same decisions for the n-th send(), the n-th recv()... The seed is
 * printed (stderr) when the first random rule is added; set
 * NETKIT_FAULT_SEED to repeat a run.
 *
 * Counters, per system call: calls seen and calls failed (a rule
 * fired). Everything is behind one mutex: wrappers may run in several
 * threads at once. Install and reset from one thread, with no other
 * thread inside the library.
 *
 * Typical use:
 *
 *   nk_fault_install(nk_fault_seed_env(42));
 *   nk_fault_fail(NK_FAULT_RECV, EINTR, 2);       two recv()s get EINTR
 *   nk_fault_add(&(struct nk_fault_rule){
 *           .call = NK_FAULT_SEND, .action = NK_FAULT_SHORT,
 *           .max = 1, .prob = 0.3 });              30% of sends: 1 byte
 *   ... netkit calls ...
 *   ck_assert_uint_eq(nk_fault_failed(NK_FAULT_RECV), 2);
 *   nk_fault_reset();
 *
 * Register such tests with NK_ADD_FAULT_TEST(): it resets the seam
 * before and after the test, even when the test fails.
 */
#ifndef NETKIT_TEST_FAULT_H
#define NETKIT_TEST_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helpers.h"
#include "timing.h"

/* The system calls of the seam, in the order of struct netkit__sys. */
enum nk_fault_call {
	NK_FAULT_SOCKET,
	NK_FAULT_BIND,
	NK_FAULT_LISTEN,
	NK_FAULT_ACCEPT4,
	NK_FAULT_CONNECT,
	NK_FAULT_SEND,
	NK_FAULT_RECV,
	NK_FAULT_SENDTO,
	NK_FAULT_RECVFROM,
	NK_FAULT_SENDMSG,
	NK_FAULT_RECVMSG,
	NK_FAULT_SHUTDOWN,
	NK_FAULT_CLOSE,
	NK_FAULT_POLL,
	NK_FAULT_GETSOCKOPT,
	NK_FAULT_SETSOCKOPT,
	NK_FAULT_GETSOCKNAME,
	NK_FAULT_GETPEERNAME,
	NK_FAULT_FCNTL,
	NK_FAULT_GETADDRINFO,
	NK_FAULT_SOCKETPAIR,
	NK_FAULT_EPOLL_CREATE1,
	NK_FAULT_EPOLL_CTL,
	NK_FAULT_EPOLL_WAIT,
	NK_FAULT_EVENTFD,
	NK_FAULT_PIPE2,
	NK_FAULT_READ,
	NK_FAULT_WRITE,
	NK_FAULT_SENDFILE,
	NK_FAULT_PREAD,
	NK_FAULT_GETNAMEINFO,
	NK_FAULT_GETHOSTNAME,
	NK_FAULT_GETHOSTBYNAME_R,
	NK_FAULT_GETHOSTBYADDR_R,
	NK_FAULT_GETSERVBYNAME_R,
	NK_FAULT_GETSERVBYPORT_R,
	NK_FAULT_GETIFADDRS,
	NK_FAULT_IF_NAMETOINDEX,
	NK_FAULT_IF_INDEXTONAME,
	NK_FAULT_N_CALLS
};

enum nk_fault_action {
	NK_FAULT_FAIL,
	NK_FAULT_AFTER,
	NK_FAULT_SHORT,
	NK_FAULT_VALUE,
};

/* Zeroed fields mean "any" / "always": a compound literal naming only
 * call, action and err fails every such call. */
struct nk_fault_rule {
	enum nk_fault_call call;
	enum nk_fault_action action;
	int err;		/* FAIL, AFTER: errno (getaddrinfo and
				 * getnameinfo: EAI_*; _r lookups: the
				 * number returned) */
	size_t max;		/* SHORT: at most this many bytes (>= 1) */
	int value;		/* VALUE: the int reported; EAI_SYSTEM: errno;
				 * gethostby*_r: h_errno */
	int family;		/* 0: any; else only this address family */
	int op;			/* 0: any; fcntl cmd, or sockopt optname */
	int level;		/* sockopt level, compared when op != 0 */
	unsigned skip;		/* let this many matching calls pass first */
	unsigned count;		/* fire this many times, then retire; 0: no
				 * limit */
	double prob;		/* 0: every matching call; else the chance
				 * (0 < prob <= 1) that one fires */
};

/* Clears rules and counters, seeds the generator, and routes every
 * system call of the library through the wrappers. */
void nk_fault_install(uint64_t seed);

/* Puts the real table back (netkit__sys = netkit__sys_default) and drops
 * every rule. Counters keep their values until the next install. */
void nk_fault_reset(void);

/* Adds a rule; returns its index (for nk_fault_fired). At most 32. */
int nk_fault_add(const struct nk_fault_rule *rule);

/* Shorthands: the next count calls (0: all) fail with err, or move at
 * most max bytes. */
int nk_fault_fail(enum nk_fault_call call, int err, unsigned count);
int nk_fault_short(enum nk_fault_call call, size_t max, unsigned count);

/* Counters. */
unsigned long nk_fault_seen(enum nk_fault_call call);
unsigned long nk_fault_failed(enum nk_fault_call call);
unsigned long nk_fault_failed_total(void);
unsigned long nk_fault_fired(int rule);

/* Counting: with the seam installed and no rule, every wrapper just
 * counts. The data calls (every call that moves bytes or a connection:
 * send, recv, sendto, recvfrom, sendmsg, recvmsg, accept4, read, write,
 * sendfile, pread) and the waits (poll, epoll_wait) since the last
 * install, summed: "one attempt" is 1 data call and 0 waits, whichever
 * of the calls the library picks. */
unsigned long nk_fault_seen_data(void);
unsigned long nk_fault_seen_waits(void);

/* Retires a rule (from any thread, under the mutex): the calls it
 * caught go to the kernel again. To free a call stuck in a loop the
 * rule causes, so that a test can fail instead of hanging. */
void nk_fault_retire(int rule);

/* The seed of the last install. */
uint64_t nk_fault_seed(void);

/* NETKIT_FAULT_SEED (decimal or 0x-hex) if set, else fallback. */
uint64_t nk_fault_seed_env(uint64_t fallback);

/* True when NETKIT_FAULT_SEED is set (a test then runs that seed only). */
bool nk_fault_seed_from_env(void);

/* "send", "recv"... for messages. */
const char *nk_fault_call_name(enum nk_fault_call call);

/* Timing checks (never early; lateness retried) and nk_scaled_ms()
 * are in timing.h. */

/* NK_ADD_TEST() and NK_ADD_TEST_V4_V6() (<test>_v4 and <test>_v6) plus
 * a fixture that resets the seam around the test. */
#define NK_ADD_FAULT_TEST(s, t) \
	suite_add_tcase((s), nk_fault_tcase(#t, (t), 1))
#define NK_ADD_FAULT_TEST_V4_V6(s, t) \
	do { \
		suite_add_tcase((s), nk_fault_tcase_part((t), "_v4", 0, 1)); \
		suite_add_tcase((s), nk_fault_tcase_part((t), "_v6", 1, 2)); \
	} while (0)
TCase *nk_fault_tcase(const char *name, const TTest *t, int loops);
TCase *nk_fault_tcase_part(const TTest *t, const char *suffix, int first,
			   int end);

#endif /* NETKIT_TEST_FAULT_H */
