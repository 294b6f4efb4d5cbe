/* SPDX-License-Identifier: MIT */
/*
 * What the vectored I/O suites (test-iov.c, test-iov-edge.c) share:
 * the pairs a test runs on, a call in a thread of its own, and buffers
 * cut into entries that hold a checkable stream (timing.h's).
 */
#ifndef NETKIT_TEST_IOV_COMMON_H
#define NETKIT_TEST_IOV_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <check.h>
#include <netkit.h>

#include "fault.h"
#include "helpers.h"
#include "timing.h"

#define BIG (4u << 20)
#define HDR 13

/* _i 0: a Unix socketpair; 1: TCP over 127.0.0.1; 2: over ::1. */
#define ADD_PAIRS(s, t) \
	do { \
		suite_add_tcase((s), nk_fault_tcase_part((t), "_unix", 0, 1)); \
		suite_add_tcase((s), nk_fault_tcase_part((t), "_tcp4", 1, 2)); \
		suite_add_tcase((s), nk_fault_tcase_part((t), "_tcp6", 2, 3)); \
	} while (0)
/* A test run twice, _i = 0 and 1 (each test says how they differ). */
#define ADD_RUNS(s, t) suite_add_tcase((s), nk_fault_tcase(#t, (t), 2))

static inline void
make_pair(int i, int *a, int *b)
{
	int sv[2];

	if (i > 0) {
		nk_tcp_pair(i == 1 ? AF_INET : AF_INET6, a, b);
		return;
	}
	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	*a = sv[0];
	*b = sv[1];
}

/* One call in a thread of its own. */
struct job {
	int fd;
	const struct iovec *iov;
	int cnt;
	netkit_deadline dl;
	bool recv;
	ssize_t rc;
	size_t count;
};

static inline void *
job_run(void *arg)
{
	struct job *j = arg;

	if (j->recv)
		j->rc = netkit_recv_exact_iov(j->fd, j->iov, j->cnt, &j->count,
					      j->dl);
	else
		j->rc = netkit_send_all_iov(j->fd, j->iov, j->cnt, &j->count,
					    j->dl);
	return NULL;
}

static inline unsigned char *
alloc_or_fail(size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* Cuts buf (len bytes) into entries of the sizes in sz[], cycling (0:
 * an empty entry, base NULL), at most max of them, the last taking
 * what is left; returns how many. */
static inline int
cut(struct iovec *iov, int max, unsigned char *buf, size_t len,
    const size_t *sz, int nsz)
{
	size_t off = 0, k;
	int n = 0;

	while (off < len || n == 0) {
		ck_assert_int_lt(n, max);
		k = sz[n % nsz];
		if (k > len - off || n == max - 1)
			k = len - off;
		iov[n].iov_base = k ? buf + off : NULL;
		iov[n].iov_len = k;
		off += k;
		n++;
	}
	return n;
}

/* A peer's copy of what went: each entry's bytes in order. */
static inline void
assert_entries_hold_stream(const struct iovec *iov, int n, uint64_t from)
{
	const unsigned char *p;
	size_t k;
	int e;

	for (e = 0; e < n; e++) {
		p = iov[e].iov_base;
		for (k = 0; k < iov[e].iov_len; k++, from++)
			if (p[k] != nk_stream_byte(from))
				ck_abort_msg("entry %d, byte %zu: %#x, want "
					     "%#x", e, k, p[k],
					     nk_stream_byte(from));
	}
}

#endif /* NETKIT_TEST_IOV_COMMON_H */
