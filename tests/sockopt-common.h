/* SPDX-License-Identifier: MIT */
/*
 * What the sockopt suites share: sockets to set options on, and a count
 * of the option calls through the seam.
 */
#ifndef NK_SOCKOPT_COMMON_H
#define NK_SOCKOPT_COMMON_H

#include <check.h>
#include <stdio.h>
#include <sys/socket.h>

#include "fault.h"
#include "netkit.h"

/* Starts counting the option calls through the seam (no rule fires). */
static inline void
count_begin(void)
{
	nk_fault_install(1);
}

/* The get/setsockopt calls made since count_begin(); puts the real
 * table back. */
static inline unsigned long
count_end(void)
{
	unsigned long n = nk_fault_seen(NK_FAULT_GETSOCKOPT) +
			  nk_fault_seen(NK_FAULT_SETSOCKOPT);

	nk_fault_reset();
	return n;
}

static inline int
tcp_socket(int family)
{
	int fd = netkit_socket(family, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	return fd;
}

static inline int
udp_socket(int family)
{
	int fd = netkit_socket(family, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	return fd;
}

/* A sysctl's int value under /proc/sys (path like "net/core/rmem_max"),
 * or -1. */
static inline int
sysctl_int(const char *name)
{
	char path[96];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

#endif /* NK_SOCKOPT_COMMON_H */
