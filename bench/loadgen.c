/* SPDX-License-Identifier: MIT */
/*
 * The load generator for the echo servers: CONNS connections to
 * 127.0.0.1:PORT, each sending a 64-byte request and waiting for its
 * echo (checked byte for byte) before the next, on one thread with
 * epoll. It stops after REQUESTS echoes in all or after SECONDS,
 * whichever comes first, closes every connection and prints
 *   requests N seconds S rps R
 * measured from the first request (the connections are all open by
 * then). Exit status 1 if the run ended early (time cap, a failure).
 *
 * usage: bench-loadgen PORT CONNS REQUESTS SECONDS
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 64
#define MAX_CONNS 10000

struct conn {
	int fd;
	int got;
	char buf[MSG_LEN];
};

static char request[MSG_LEN];
static long issued, done, limit;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static int
issue(struct conn *c)
{
	if (issued >= limit)
		return 0;
	issued++;
	c->got = 0;
	return send(c->fd, request, MSG_LEN, MSG_NOSIGNAL) == MSG_LEN ? 0 : -1;
}

/* Reads what came on c; at a whole echo, counts it and sends the next. */
static int
on_readable(struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->got, (size_t)(MSG_LEN - c->got),
			 0);

	if (n <= 0)
		return n < 0 ? 0 : -1;	/* EAGAIN: spurious */
	if ((c->got += (int)n) < MSG_LEN)
		return 0;
	if (memcmp(c->buf, request, MSG_LEN) != 0)
		return -1;
	done++;
	return issue(c);
}

static int
run(struct conn *cs, int conns, int ep, double cap)
{
	struct epoll_event ev[256];
	int i, n;

	while (done < limit && now() < cap) {
		n = epoll_wait(ep, ev, 256, 100);
		for (i = 0; i < n; i++)
			if (on_readable(&cs[ev[i].data.u32]) < 0)
				return -1;
	}
	(void)conns;
	return done == limit ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct epoll_event add = { .events = EPOLLIN };
	struct conn *cs;
	int port, conns, secs, ep, i, rc;
	double t0, t1;

	if (argc != 5 || (port = atoi(argv[1])) <= 0 ||
	    (conns = atoi(argv[2])) < 1 || conns > MAX_CONNS ||
	    (limit = atol(argv[3])) < conns || (secs = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: %s PORT CONNS REQUESTS>=CONNS "
			"SECONDS\n", argv[0]);
		return 2;
	}
	for (i = 0; i < MSG_LEN; i++)
		request[i] = (char)('a' + i % 26);
	if (!(cs = calloc((size_t)conns, sizeof(*cs))) ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;
	for (i = 0; i < conns; i++) {
		cs[i].fd = dial(port);
		add.data.u32 = (unsigned)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &add) < 0)
			return 1;
	}
	t0 = now();
	for (i = 0; i < conns; i++)
		if (issue(&cs[i]) < 0)
			return 1;
	rc = run(cs, conns, ep, t0 + secs);
	t1 = now();
	for (i = 0; i < conns; i++)
		close(cs[i].fd);
	close(ep);
	printf("requests %ld seconds %.4f rps %.0f\n", done, t1 - t0,
	       (double)done / (t1 - t0));
	if (rc < 0)
		fprintf(stderr, "loadgen: stopped early (%ld of %ld)\n", done,
			limit);
	free(cs);
	return rc < 0 ? 1 : 0;
}
