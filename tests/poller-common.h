/* SPDX-License-Identifier: MIT */
/*
 * What the poller suites share: each test runs on both backends
 * (run 0: epoll, run 1: poll(2)), a poller of run i's backend, and a
 * connected Unix stream pair.
 */
#ifndef NETKIT_TEST_POLLER_COMMON_H
#define NETKIT_TEST_POLLER_COMMON_H

#include <sys/socket.h>

#include <check.h>
#include <netkit.h>

#include "helpers.h"

#define BACKEND(i) ((i) ? NETKIT_POLLER_USE_POLL : 0u)
#define ADD_BOTH(s, t) suite_add_tcase((s), nk_tcase_with(#t, (t), 2))

static inline netkit_poller *
new_poller(int i)
{
	netkit_poller *p = NULL;

	ck_assert_int_eq(netkit_poller_new(&p, BACKEND(i)), 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

static inline void
unix_pair(int *a, int *b)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	*a = sv[0];
	*b = sv[1];
}

#endif
