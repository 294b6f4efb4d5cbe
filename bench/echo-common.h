/* SPDX-License-Identifier: MIT */
/*
 * What the five benchmark echo servers share: a listener on
 * 127.0.0.1 at a port the system picks (printed on stdout as
 * "port N"), the 64-byte buffer, and the rule for stopping: a server
 * exits by itself once every client it accepted has gone (the load
 * generator closes them all at its end), so that strace and callgrind
 * see a normal exit. alarm() bounds any run to ECHO_MAX_SECONDS.
 *
 * Every server is the same design: level-triggered readiness, one
 * recv() per readable client and one send() of what came, on blocking
 * close-on-exec client descriptors (a readable socket never blocks a
 * recv(); 64 bytes always fit in the send buffer). The connection
 * layer's (echo-loop.c) has non-blocking ones, as its loop makes them,
 * and sends when it next waits.
 */
#ifndef ECHO_COMMON_H
#define ECHO_COMMON_H

#define _GNU_SOURCE	/* accept4() */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_BUF 4096
#define ECHO_BACKLOG 2048
#define ECHO_MAX_SECONDS 900

/* A raw listener on 127.0.0.1:0, its port printed; exits on failure. */
static inline int
echo_listen_raw(int flags)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, ECHO_BACKLOG) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("listen");
		exit(1);
	}
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);
	alarm(ECHO_MAX_SECONDS);
	return fd;
}

#endif /* ECHO_COMMON_H */
