/* SPDX-License-Identifier: MIT */
/*
 * What the netkit client benchmarks share: a connected TCP pair on
 * 127.0.0.1, made with the library's own calls.
 */
#ifndef BENCH_PAIR_H
#define BENCH_PAIR_H

#include <netkit.h>

/* *cli connected to *srv over loopback; 0, or -1 on any failure. */
static inline int
connect_pair(int *cli, int *srv)
{
	netkit_addr a;
	int lfd;

	if (netkit_addr_from_ip(&a, "127.0.0.1", 0) < 0)
		return -1;
	lfd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	*cli = -1;
	*srv = -1;
	if (netkit_bind(lfd, &a) == 0 && netkit_listen(lfd, 1) == 0 &&
	    netkit_local_addr(lfd, &a) == 0 &&
	    (*cli = netkit_socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
	    netkit_connect(*cli, &a) == 0)
		*srv = netkit_accept(lfd, NULL);
	netkit_close(lfd);
	return *srv < 0 ? -1 : 0;
}

#endif /* BENCH_PAIR_H */
