/* SPDX-License-Identifier: MIT */
/*
 * The blocking paths against raw system calls, in the same run:
 *   bulk    1 GiB over loopback TCP in 64 KiB writes, netkit_send_all()
 *           against a raw send(MSG_NOSIGNAL) loop (a reader thread
 *           takes it with recv()); prints MiB/s.
 *   cycles  connect, accept and close both ends, CYCLES times in one
 *           thread, netkit_socket()/netkit_connect()/netkit_accept()/
 *           netkit_close() against socket()/connect()/accept4()/
 *           close(); prints cycles/s.
 * Each round runs raw then netkit; one line per round and mode:
 *   MODE raw|netkit VALUE
 * usage: bench-blocking bulk|cycles [ROUNDS]   (ROUNDS 1..50, default 5)
 */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netkit.h>

#define CHUNK (64 * 1024)
#define BULK_TOTAL (1024L * 1024 * 1024)
#define CYCLES 2000

static char chunk[CHUNK];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
listener(netkit_addr *a)
{
	int lfd;

	if (netkit_addr_from_ip(a, "127.0.0.1", 0) < 0)
		return -1;
	lfd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || netkit_bind(lfd, a) < 0 ||
	    netkit_listen(lfd, 128) < 0 || netkit_local_addr(lfd, a) < 0)
		return -1;
	return lfd;
}

static void *
drain(void *arg)
{
	static char buf[CHUNK];
	int fd = *(int *)arg;
	long got = 0;
	ssize_t n;

	while (got < BULK_TOTAL && (n = recv(fd, buf, sizeof(buf), 0)) > 0)
		got += n;
	return (void *)(got == BULK_TOTAL ? buf : NULL);
}

static int
raw_send_all(int fd, const char *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if ((n = send(fd, p + done, len - done, MSG_NOSIGNAL)) < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* One bulk round over a fresh connection; MiB/s, or -1. */
static double
bulk(bool raw)
{
	netkit_addr a;
	pthread_t tid;
	void *ok;
	int lfd = listener(&a), cli, srv;
	long i;
	double t0, t;

	if (lfd < 0 || (cli = netkit_socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    netkit_connect(cli, &a) < 0 || (srv = netkit_accept(lfd, NULL)) < 0)
		return -1;
	netkit_close(lfd);
	t0 = now();
	if (pthread_create(&tid, NULL, drain, &srv) != 0)
		return -1;
	for (i = 0; i < BULK_TOTAL / CHUNK; i++)
		if (raw ? raw_send_all(cli, chunk, CHUNK) < 0 :
		    netkit_send_all(cli, chunk, CHUNK) < 0)
			break;
	pthread_join(tid, &ok);
	t = now() - t0;
	netkit_close(cli);
	netkit_close(srv);
	return ok ? BULK_TOTAL / (1024.0 * 1024.0) / t : -1;
}

static int
cycle_raw(int lfd, const struct sockaddr *sa, socklen_t len)
{
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;

	if (c < 0 || connect(c, sa, len) < 0 ||
	    (s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return -1;
	close(c);
	close(s);
	return 0;
}

static int
cycle_netkit(int lfd, const netkit_addr *a)
{
	int c = netkit_socket(AF_INET, SOCK_STREAM, 0), s;

	if (c < 0 || netkit_connect(c, a) < 0 ||
	    (s = netkit_accept(lfd, NULL)) < 0)
		return -1;
	netkit_close(c);
	netkit_close(s);
	return 0;
}

/* One round of CYCLES connect/accept/close cycles; cycles/s, or -1. */
static double
cycles(bool raw)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	netkit_addr a;
	int lfd = listener(&a), i;
	double t0;

	if (lfd < 0)
		return -1;
	sin.sin_port = htons((unsigned short)netkit_addr_port(&a));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t0 = now();
	for (i = 0; i < CYCLES; i++)
		if (raw ? cycle_raw(lfd, (struct sockaddr *)&sin, sizeof(sin)) :
		    cycle_netkit(lfd, &a))
			return -1;
	t0 = now() - t0;
	netkit_close(lfd);
	return CYCLES / t0;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 5, r, m;
	bool is_bulk = argc > 1 && strcmp(argv[1], "bulk") == 0;
	double v;

	if (argc < 2 || (!is_bulk && strcmp(argv[1], "cycles") != 0) ||
	    rounds < 1 || rounds > 50) {
		fprintf(stderr, "usage: %s bulk|cycles [ROUNDS 1..50]\n",
			argv[0]);
		return 2;
	}
	for (r = 0; r < rounds; r++)
		for (m = 0; m < 2; m++) {
			v = is_bulk ? bulk(m == 0) : cycles(m == 0);
			if (v < 0) {
				fprintf(stderr, "%s: round failed\n", argv[1]);
				return 1;
			}
			printf("%s %s %.1f\n", argv[1], m == 0 ? "raw" : "netkit",
			       v);
			fflush(stdout);
		}
	return 0;
}
