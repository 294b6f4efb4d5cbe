/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's echo server for any number of clients at once, on the
 * poller: each message is answered with "Receive your message", and
 * "Bey" goes to a client that closes, as tcp-echo-server does for one.
 *
 *   multi-echo-server [-i IDLE_SECONDS] [host [port]]
 *                                        (default 0.0.0.0 8888)
 *
 * With -i, a client silent for IDLE_SECONDS is dropped: one timer per
 * client, deferred on every message (no heap work per message).
 * SIGINT or SIGTERM wakes the loop (netkit_poller_wake() is
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
	int fd;
	netkit_poller_timer idle;
	char peer[128];
};

static netkit_poller *p;
static int64_t idle_ms = -1;
static struct client all;	/* the list's head */

static int
parse_num(const char *text, int max)
{
	size_t len = strlen(text);

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -1;
	return atoi(text) <= max ? atoi(text) : -1;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "multi-echo-server: %s: %s\n", what,
		netkit_strerror(rc));
	exit(1);
}

/* An address the way Python prints it: (host, port[, flow, scope]). */
static void
tuple(const netkit_addr *a, char *buf, size_t len)
{
	char ip[NETKIT_ADDRSTRLEN];

	if (netkit_addr_ip(a, ip, sizeof(ip)) < 0)
		strcpy(ip, "?");
	snprintf(buf, len, netkit_addr_family(a) == AF_INET6 ?
		 "('%s', %d, 0, 0)" : "('%s', %d)", ip, netkit_addr_port(a));
}

static void
drop(struct client *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	netkit_poller_timer_stop(p, &c->idle);
	netkit_poller_remove(p, c->fd);
	netkit_close(c->fd);
	free(c);
}

static void
welcome(int lfd)
{
	char local[128];
	netkit_addr peer, here;
	struct client *c;
	int fd = netkit_accept(lfd, &peer);

	if (fd < 0 || !(c = calloc(1, sizeof(*c)))) {
		if (fd >= 0)
			netkit_close(fd);
		fprintf(stderr, "multi-echo-server: accept: %s\n",
			netkit_strerror(fd < 0 ? fd : -ENOMEM));
		return;
	}
	c->fd = fd;
	c->idle.data = c;
	c->next = all.next;
	c->prev = &all;
	all.next->prev = c;
	all.next = c;
	tuple(&peer, c->peer, sizeof(c->peer));
	if (netkit_local_addr(fd, &here) < 0)
		memset(&here, 0, sizeof(here));
	tuple(&here, local, sizeof(local));
	printf("Connect from %s\n", c->peer);
	printf("Connect from <socket.socket fd=%d, family=%d, type=%d, "
		"proto=0, laddr=%s, raddr=%s>\n", fd,
		netkit_addr_family(&here), SOCK_STREAM, local, c->peer);
	if (netkit_poller_add(p, fd, NETKIT_POLLER_READ, c) < 0 ||
	    (idle_ms >= 0 &&
	     netkit_poller_timer_start_in(p, &c->idle, idle_ms, 0) < 0))
		drop(c);
}

static void
serve(struct client *c)
{
	const char *reply = "Receive your message";
	char data[1024];
	ssize_t n = netkit_recv(c->fd, data, sizeof(data));

	if (n <= 0) {
		if (n == 0)	/* the client closed; it may be gone */
			(void)netkit_send(c->fd, "Bey", 3);
		else
			fprintf(stderr, "multi-echo-server: recv: %s\n",
				netkit_strerror((int)n));
		drop(c);
		return;
	}
	if (idle_ms >= 0)	/* cheap: no heap operation */
		netkit_poller_timer_defer(p, &c->idle,
					  netkit_deadline_in(idle_ms));
	fputs("Receive ", stdout);
	fwrite(data, 1, (size_t)n, stdout);
	putchar('\n');
	n = netkit_send(c->fd, reply, strlen(reply));
	printf("send %zd\n", n);
}

static void
on_signal(int sig)
{
	(void)sig;
	netkit_poller_wake(p);
}

/* Returns 1 when the loop should stop (a signal woke it). */
static int
handle(const netkit_poller_event *ev, int lfd)
{
	struct client *c = ev->data;

	if (ev->events == 0)		/* cancelled: its client is gone */
		return 0;
	if (ev->events & NETKIT_POLLER_WAKE)
		return 1;
	if (ev->fd == lfd)
		welcome(lfd);
	else if (ev->timer) {
		printf("Idle %s dropped\n", c->peer);
		drop(c);
	} else
		serve(c);
	return 0;
}

/* [-i IDLE_SECONDS] [host [port]]: -1 on a bad command line. */
static int
parse_args(int argc, char **argv, const char **host, const char **service)
{
	int a = 1;

	if (argc > 1 && strcmp(argv[1], "-i") == 0) {
		idle_ms = argc > 2 ? parse_num(argv[2], 86400) * (int64_t)1000
				   : -1;
		if (idle_ms < 0)
			return -1;
		a = 3;
	}
	if (argc - a > 2 || (argc > a && argv[a][0] == '-') ||
	    (argc - a == 2 && parse_num(argv[a + 1], 65535) < 0))
		return -1;
	if (argc > a)
		*host = argv[a];
	if (argc > a + 1)
		*service = argv[a + 1];
	return 0;
}

int
main(int argc, char **argv)
{
	netkit_server_opts opts = { .backlog = 128 };
	const netkit_poller_event *ev;
	const char *host = "0.0.0.0", *service = "8888";
	struct sigaction sa = { .sa_handler = on_signal };
	netkit_addr addr;
	int lfd, n, i, stop = 0;

	if (parse_args(argc, argv, &host, &service) < 0) {
		fputs("usage: multi-echo-server [-i IDLE_SECONDS] "
		      "[host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a numeric address only, as the tutorial's tuple */
	if ((n = netkit_addr_from_ip(&addr, host, 0)) < 0)
		die(host, n);
	all.next = all.prev = &all;
	lfd = netkit_create_server(host, service, &opts, NETKIT_FOREVER);
	if (lfd < 0)
		die("create_server", lfd);
	if ((n = netkit_poller_new(&p, 0)) < 0 ||
	    (n = netkit_poller_add(p, lfd, NETKIT_POLLER_READ, NULL)) < 0)
		die("poller", n);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("waiting for connect....\n");
	while (!stop) {
		if ((n = netkit_poller_wait(p, &ev, NETKIT_FOREVER)) < 0)
			die("wait", n);
		for (i = 0; i < n; i++)
			stop |= handle(&ev[i], lfd);
	}
	while (all.next != &all)
		drop(all.next);
	netkit_close(lfd);
	netkit_poller_free(p);
	return 0;
}
