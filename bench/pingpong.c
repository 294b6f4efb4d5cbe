/*
 * Ping-pong over a loopback TCP connection: the cost of netkit_send() +
 * netkit_recv() against raw send(MSG_NOSIGNAL) + recv() in the same run.
 * An echo thread answers every 64-byte message. Rounds alternate between
 * raw and netkit so that machine noise hits both; the result is a ratio.
 *
 * usage: bench-pingpong [ROUNDS]   (default 5 rounds of 20000 messages)
 * Bounded: ROUNDS <= 100, every round is a fixed count of messages.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netkit.h>

#define MSGS 20000
#define MSG_LEN 64

static void *
echo(void *arg)
{
	int fd = *(int *)arg;
	char buf[MSG_LEN];
	ssize_t n;

	while ((n = netkit_recv_exact(fd, buf, sizeof(buf))) == MSG_LEN)
		if (netkit_send_all(fd, buf, (size_t)n) < 0)
			break;
	return NULL;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One round of MSGS round trips; returns nanoseconds per round trip. */
static double
round_raw(int fd)
{
	char msg[MSG_LEN] = "ping", buf[MSG_LEN];
	double t0 = now();
	int i;
	size_t got;
	ssize_t n;

	for (i = 0; i < MSGS; i++) {
		if (send(fd, msg, sizeof(msg), MSG_NOSIGNAL) != MSG_LEN)
			return -1;
		for (got = 0; got < MSG_LEN; got += (size_t)n)
			if ((n = recv(fd, buf + got, MSG_LEN - got, 0)) <= 0)
				return -1;
	}
	return (now() - t0) * 1e9 / MSGS;
}

static double
round_netkit(int fd)
{
	char msg[MSG_LEN] = "ping", buf[MSG_LEN];
	double t0 = now();
	int i;
	size_t got;
	ssize_t n;

	for (i = 0; i < MSGS; i++) {
		if (netkit_send(fd, msg, sizeof(msg)) != MSG_LEN)
			return -1;
		for (got = 0; got < MSG_LEN; got += (size_t)n)
			if ((n = netkit_recv(fd, buf + got,
					     MSG_LEN - got)) <= 0)
				return -1;
	}
	return (now() - t0) * 1e9 / MSGS;
}

static int
connect_pair(int *cli, int *srv)
{
	netkit_addr a;
	int lfd;

	if (netkit_addr_from_ip(&a, "127.0.0.1", 0) < 0)
		return -1;
	lfd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || netkit_bind(lfd, &a) < 0 || netkit_listen(lfd, 1) < 0 ||
	    netkit_local_addr(lfd, &a) < 0)
		return -1;
	*cli = netkit_socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || netkit_connect(*cli, &a) < 0)
		return -1;
	*srv = netkit_accept(lfd, NULL);
	netkit_close(lfd);
	return *srv < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	double raw = 1e30, nk = 1e30, t;
	pthread_t tid;
	int cli, srv, r;

	if (rounds < 1 || rounds > 100) {
		fprintf(stderr, "usage: %s [ROUNDS 1..100]\n", argv[0]);
		return 2;
	}
	if (connect_pair(&cli, &srv) < 0 ||
	    pthread_create(&tid, NULL, echo, &srv) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	for (r = 0; r < rounds; r++) {
		fprintf(stderr, "round %d/%d\r", r + 1, rounds);
		if ((t = round_raw(cli)) < 0)
			return 1;
		raw = t < raw ? t : raw;
		if ((t = round_netkit(cli)) < 0)
			return 1;
		nk = t < nk ? t : nk;
	}
	fprintf(stderr, "\n");
	netkit_shutdown(cli, SHUT_WR);
	pthread_join(tid, NULL);
	netkit_close(cli);
	netkit_close(srv);
	printf("pingpong %d B x %d, best of %d rounds: raw %.0f ns, "
	       "netkit %.0f ns, ratio %.3f\n",
	       MSG_LEN, MSGS, rounds, raw, nk, nk / raw);
	return 0;
}
