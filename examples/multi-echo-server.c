/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's echo server for any number of clients at once, on the
 * connection layer (netkit_loop): each message is answered with
 * "Receive your message", and "Bey" goes to a client that closes, as
 * tcp-echo-server does for one.
 *
 *   multi-echo-server [-i IDLE_SECONDS] [host [port]]
 *                                        (default 0.0.0.0 8888)
 *
 * With -i, the loop drops a client silent for IDLE_SECONDS (nothing
 * received, so no reply sent either: its timer is deferred whenever
 * bytes move, with no heap work per message). Replies are
 * queued, never sent blocking: a client that sends without reading
 * only fills its own queue, and above the queue's high mark the loop
 * stops reading it until it drains, so it slows nobody else. Out of
 * descriptors, the loop stops accepting (one line on stderr) instead of
 * spinning, and takes the waiting clients once one leaves.
 * SIGINT or SIGTERM wakes the loop (netkit_loop_wake() is
 * async-signal-safe), which closes every client and exits with 0.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client {
	struct client *prev, *next;	/* every client, to free at exit */
	int bye;		/* it closed, and was told "Bey" */
	char peer[128];		/* its address, for the idle notice */
};

static netkit_loop *loop;
/* The list's head. */
static struct client all = { .prev = &all, .next = &all };
static volatile sig_atomic_t stop;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "multi-echo-server: %s: %s\n", what,
		netkit_strerror(rc));
	exit(1);
}

/* Decimal digits only, at most five, up to max: else -1. */
static long
number(const char *text, long max)
{
	size_t len = strlen(text);

	return len > 0 && len <= 5 && strspn(text, "0123456789") == len &&
	       atol(text) <= max ? atol(text) : -1;
}

/* An address the way Python prints it: (host, port[, flow, scope]). */
static void
tuple(const netkit_addr *a, char *buf, size_t len)
{
	char ip[NETKIT_ADDRSTRLEN] = "?";

	(void)netkit_addr_ip(a, ip, sizeof(ip));
	snprintf(buf, len, netkit_addr_family(a) == AF_INET6 ?
		 "('%s', %d, 0, 0)" : "('%s', %d)", ip, netkit_addr_port(a));
}

static void
welcome(netkit_conn *conn)
{
	struct client *c = calloc(1, sizeof(*c));
	netkit_addr peer = { 0 }, here = { 0 };
	int fd = netkit_conn_fd(conn);
	char local[128];

	if (!c) {
		fprintf(stderr, "multi-echo-server: accept: %s\n",
			netkit_strerror(-ENOMEM));
		netkit_conn_abort(conn, false);
		return;
	}
	(void)netkit_peer_addr(fd, &peer);
	(void)netkit_local_addr(fd, &here);
	tuple(&peer, c->peer, sizeof(c->peer));
	tuple(&here, local, sizeof(local));
	printf("Connect from %s\n", c->peer);
	printf("Connect from <socket.socket fd=%d, family=%d, type=%d, "
	       "proto=0, laddr=%s, raddr=%s>\n", fd,
	       netkit_addr_family(&here), SOCK_STREAM, local, c->peer);
	c->next = all.next;
	c->prev = &all;
	all.next = all.next->prev = c;
	netkit_conn_set_data(conn, c);
}

/* Answers what the loop received: the reader holds one receive of up
 * to 1024 bytes, and says -EAGAIN once it is empty, 0 at the end. */
static void
serve(netkit_conn *conn, struct client *c)
{
	char data[1024];
	ssize_t n;
	int rc;

	while ((n = netkit_reader_read(netkit_conn_reader(conn), data,
				       sizeof(data), NETKIT_NOW)) > 0) {
		fputs("Receive ", stdout);
		fwrite(data, 1, (size_t)n, stdout);
		putchar('\n');
		rc = netkit_conn_write(conn, "Receive your message", 20);
		printf("send %d\n", rc < 0 ? rc : 20);
		if (rc < 0)	/* no memory for its queue */
			netkit_conn_abort(conn, false);
		if (rc != 0)	/* over the high mark: wait for DRAINED */
			return;
	}
	if (n == 0) {	/* the client closed: say goodbye, then close */
		c->bye = 1;
		(void)netkit_conn_write(conn, "Bey", 3);
		netkit_conn_close(conn, netkit_deadline_in(1000));
	}
}

static void
handle(const netkit_loop_event *ev)
{
	struct client *c = ev->data;

	switch (ev->kind) {
	case NETKIT_LOOP_OPEN:
		welcome(ev->conn);
		break;
	case NETKIT_LOOP_INPUT:
	case NETKIT_LOOP_DRAINED:	/* input may wait since HIGH */
		serve(ev->conn, c);
		break;
	case NETKIT_LOOP_CLOSED:
		if (!c)		/* welcome() had no memory for it */
			break;
		if (ev->err == NETKIT_EIDLE)
			printf("Idle %s dropped\n", c->peer);
		else if (ev->err < 0 && !c->bye)	/* a reset, say */
			fprintf(stderr, "multi-echo-server: recv: %s\n",
				netkit_strerror(ev->err));
		c->prev->next = c->next;
		c->next->prev = c->prev;
		free(c);
		break;
	case NETKIT_LOOP_ACCEPT_PAUSED:	/* no descriptor: it retries */
		fprintf(stderr, "multi-echo-server: accept: %s\n",
			netkit_strerror(ev->err));
		break;
	}
}

static void
on_signal(int sig)
{
	stop = sig;
	netkit_loop_wake(loop);
}

int
main(int argc, char **argv)
{
	netkit_server_opts opts = { .backlog = 128 };
	int a = argc > 1 && strcmp(argv[1], "-i") == 0 ? 3 : 1, lfd, n, i;
	long idle = a == 3 && argc > 2 ? number(argv[2], 86400) : 0;
	/* 1 KiB per receive, as before; -i 0 drops at once (0 is "never") */
	netkit_loop_opts limits = { .input_size = 1024,
		.idle_ms = idle > 0 ? idle * 1000 : a == 3 };
	const char *host = argc > a ? argv[a] : "0.0.0.0";
	const char *service = argc > a + 1 ? argv[a + 1] : "8888";
	struct sigaction sa = { .sa_handler = on_signal };
	const netkit_loop_event *ev;
	netkit_addr addr;
	struct client *c;

	if (argc < a || argc > a + 2 || idle < 0 || host[0] == '-' ||
	    number(service, 65535) < 0) {
		fputs("usage: multi-echo-server [-i IDLE_SECONDS] "
		      "[host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a numeric address only, as the tutorial's tuple */
	if ((n = netkit_addr_from_ip(&addr, host, 0)) < 0)
		die(host, n);
	lfd = netkit_create_server(host, service, &opts, NETKIT_FOREVER);
	if (lfd < 0)
		die("create_server", lfd);
	if ((n = netkit_loop_new(&loop, &limits)) < 0 ||
	    (n = netkit_loop_listen(loop, lfd, NULL)) < 0)
		die("poller", n);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("waiting for connect....\n");
	while (!stop) {
		if ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) < 0)
			die("wait", n);
		for (i = 0; i < n; i++)
			handle(&ev[i]);
	}
	netkit_loop_free(loop);	/* closes every client, silently */
	while ((c = all.next) != &all) {
		all.next = c->next;
		free(c);
	}
	return 0;
}
