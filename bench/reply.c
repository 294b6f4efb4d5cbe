/* SPDX-License-Identifier: MIT */
/*
 * A reply in two parts, a 16-byte header and a 1 KiB body, as a server
 * writes one: two netkit_send_all() calls against one
 * netkit_send_all_iov() of both (a sendmsg() of two entries), over
 * loopback TCP with TCP_NODELAY on the server (as servers set it: two
 * sends then make two segments). A client thread sends a 64-byte
 * request and reads the whole reply with netkit_recv_exact(), REQS
 * times per round; each round runs every mode in turn, on a fresh
 * connection. One line per round and mode:
 *   reply two|iov REQUESTS_PER_S ROUND
 * System calls per request come from strace -c -f over one mode
 * (bench/run.sh): 5 for two sends, 4 with the vectored one.
 *
 * usage: bench-reply [ROUNDS [MODES]]   (ROUNDS 1..50, default 5;
 * MODES: t (two sends) and/or i (iov), both by default). Bounded: every
 * round is a fixed count of requests.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <netkit.h>

#include "pair.h"

#define REQS 20000
#define REQ_LEN 64
#define HDR_LEN 16
#define BODY_LEN 1024

enum mode { TWO, IOV, N_MODES };

static const char *const mode_names[N_MODES] = { "two", "iov" };

struct server {
	int fd;
	enum mode mode;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ssize_t
reply(const struct server *s, char *hdr, char *body)
{
	struct iovec iov[2] = { { hdr, HDR_LEN }, { body, BODY_LEN } };

	if (s->mode == IOV)
		return netkit_send_all_iov(s->fd, iov, 2, NULL,
					   NETKIT_FOREVER);
	if (netkit_send_all(s->fd, hdr, HDR_LEN) < 0)
		return -1;
	return netkit_send_all(s->fd, body, BODY_LEN);
}

/* Answers every request until the client closes. */
static void *
serve(void *arg)
{
	const struct server *s = arg;
	static char hdr[HDR_LEN] = "200 OK len 1024", body[BODY_LEN];
	char req[REQ_LEN];

	while (netkit_recv_exact(s->fd, req, sizeof(req)) == REQ_LEN)
		if (reply(s, hdr, body) < 0)
			break;
	return NULL;
}

/* The pair, with no Nagle delay on either end (a header and a body in
 * two sends would otherwise wait for each other's ACK). */
static int
nodelay_pair(int *cli, int *srv)
{
	if (connect_pair(cli, srv) < 0 ||
	    netkit_set_nodelay(*srv, true) < 0 ||
	    netkit_set_nodelay(*cli, true) < 0)
		return -1;
	return 0;
}

/* One round of REQS requests on a fresh connection; requests/s, or -1. */
static double
one_round(enum mode m)
{
	char req[REQ_LEN] = "GET", buf[HDR_LEN + BODY_LEN];
	struct server s = { -1, m };
	pthread_t tid;
	double t0;
	int cli, i, ok = 1;

	if (nodelay_pair(&cli, &s.fd) < 0 ||
	    pthread_create(&tid, NULL, serve, &s) != 0)
		return -1;
	t0 = now();
	for (i = 0; i < REQS && ok; i++)
		ok = netkit_send_all(cli, req, sizeof(req)) == REQ_LEN &&
		     netkit_recv_exact(cli, buf, sizeof(buf)) ==
		     (ssize_t)sizeof(buf);
	t0 = now() - t0;
	netkit_shutdown(cli, SHUT_WR);
	pthread_join(tid, NULL);
	netkit_close(cli);
	netkit_close(s.fd);
	return ok ? REQS / t0 : -1;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5, r, m;
	const char *modes = argc > 2 ? argv[2] : "ti";
	bool on[N_MODES];
	double v;

	on[TWO] = strchr(modes, 't') != NULL;
	on[IOV] = strchr(modes, 'i') != NULL;
	if (rounds < 1 || rounds > 50 || (!on[TWO] && !on[IOV]) ||
	    strspn(modes, "ti") != strlen(modes)) {
		fprintf(stderr, "usage: %s [ROUNDS 1..50 [MODES ti]]\n",
			argv[0]);
		return 2;
	}
	for (r = 0; r < rounds; r++)
		for (m = 0; m < N_MODES; m++) {
			if (!on[m])
				continue;
			if ((v = one_round((enum mode)m)) < 0) {
				fprintf(stderr, "reply: round failed\n");
				return 1;
			}
			printf("reply %s %.1f %d\n", mode_names[m], v, r);
			fflush(stdout);
		}
	return 0;
}
