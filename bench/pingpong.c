/* SPDX-License-Identifier: MIT */
/*
 * Ping-pong over a loopback TCP connection: the cost of netkit_send() +
 * netkit_recv(), and of their deadline variants (netkit_send_until() +
 * netkit_recv_until(), with NETKIT_FOREVER and with a real deadline),
 * against raw send(MSG_NOSIGNAL) + recv() in the same run. An echo
 * thread answers every 64-byte message. Each round runs every mode in
 * turn so that machine noise hits all; the results are ratios to raw.
 *
 * usage: bench-pingpong [ROUNDS [MODES]]   (default 5 rounds of 20000
 * messages; MODES picks some of r(aw) n(etkit) f(orever) d(eadline),
 * e.g. "r" or "n" alone, for strace -c). Bounded: ROUNDS <= 100, every
 * round is a fixed count of messages.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netkit.h>

#include "pair.h"

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

/* The calls a round makes: the system calls themselves, the plain
 * netkit calls, and the deadline variants with no deadline and with a
 * real one (taken afresh for every round trip, as a caller would). */
enum mode { RAW, NETKIT, UNTIL_FOREVER, UNTIL_DEADLINE, N_MODES };

static const char *const mode_names[N_MODES] = {
	"raw send/recv",
	"netkit_send/recv",
	"_until, NETKIT_FOREVER",
	"_until, 1 s deadline",
};

static ssize_t
send_one(enum mode m, int fd, const char *msg, netkit_deadline dl)
{
	switch (m) {
	case RAW:
		return send(fd, msg, MSG_LEN, MSG_NOSIGNAL);
	case NETKIT:
		return netkit_send(fd, msg, MSG_LEN);
	default:
		return netkit_send_until(fd, msg, MSG_LEN, dl);
	}
}

static ssize_t
recv_some(enum mode m, int fd, char *buf, size_t len, netkit_deadline dl)
{
	switch (m) {
	case RAW:
		return recv(fd, buf, len, 0);
	case NETKIT:
		return netkit_recv(fd, buf, len);
	default:
		return netkit_recv_until(fd, buf, len, dl);
	}
}

/* One round of MSGS round trips; returns nanoseconds per round trip. */
static double
one_round(enum mode m, int fd)
{
	char msg[MSG_LEN] = "ping", buf[MSG_LEN];
	double t0 = now();
	netkit_deadline dl = NETKIT_FOREVER;
	int i;
	size_t got;
	ssize_t n;

	for (i = 0; i < MSGS; i++) {
		if (m == UNTIL_DEADLINE)
			dl = netkit_deadline_in(1000);
		if (send_one(m, fd, msg, dl) != MSG_LEN)
			return -1;
		for (got = 0; got < MSG_LEN; got += (size_t)n)
			if ((n = recv_some(m, fd, buf + got, MSG_LEN - got,
					   dl)) <= 0)
				return -1;
	}
	return (now() - t0) * 1e9 / MSGS;
}

/* usage, or the mode list given as its single argument's letters
 * (r, n, f, d); all by default. */
static int
parse_modes(const char *arg, bool *on)
{
	int m, any = 0;

	for (m = 0; m < N_MODES; m++)
		on[m] = !arg;
	for (; arg && *arg; arg++) {
		m = *arg == 'r' ? RAW : *arg == 'n' ? NETKIT :
		    *arg == 'f' ? UNTIL_FOREVER : *arg == 'd' ? UNTIL_DEADLINE :
		    -1;
		if (m < 0)
			return -1;
		on[m] = true;
		any = 1;
	}
	return arg && !any ? -1 : 0;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	double best[N_MODES], t;
	bool on[N_MODES];
	pthread_t tid;
	int cli, srv, r, m;

	if (rounds < 1 || rounds > 100 ||
	    parse_modes(argc > 2 ? argv[2] : NULL, on) < 0) {
		fprintf(stderr, "usage: %s [ROUNDS 1..100 [MODES rnfd]]\n",
			argv[0]);
		return 2;
	}
	if (connect_pair(&cli, &srv) < 0 ||
	    pthread_create(&tid, NULL, echo, &srv) != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	for (m = 0; m < N_MODES; m++)
		best[m] = 1e30;
	for (r = 0; r < rounds; r++) {
		fprintf(stderr, "round %d/%d\r", r + 1, rounds);
		for (m = 0; m < N_MODES; m++) {
			if (!on[m])
				continue;
			if ((t = one_round((enum mode)m, cli)) < 0)
				return 1;
			best[m] = t < best[m] ? t : best[m];
		}
	}
	fprintf(stderr, "\n");
	netkit_shutdown(cli, SHUT_WR);
	pthread_join(tid, NULL);
	netkit_close(cli);
	netkit_close(srv);
	printf("pingpong %d B x %d, best of %d rounds, ns per round trip:\n",
	       MSG_LEN, MSGS, rounds);
	for (m = 0; m < N_MODES; m++)
		if (on[m])
			printf("  %-24s %8.0f ns  ratio %.3f\n", mode_names[m],
			       best[m], on[RAW] ? best[m] / best[RAW] : 1.0);
	return 0;
}
