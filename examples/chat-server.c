/* SPDX-License-Identifier: MIT */
/*
 * A chat room on the connection layer (netkit_loop), the tutorial's group
 * chat over TCP: every line a client sends goes to all the others.
 *
 *   chat-server [host [port]]            (default 0.0.0.0 8889)
 *
 * Clients are named by their address, "127.0.0.1:54321" ("[::1]:54321"
 * for IPv6). What they receive, one line each:
 *
 *   * welcome 127.0.0.1:54321, 2 others here    (to the newcomer)
 *   * 127.0.0.1:54321 joined                    (to the others)
 *   127.0.0.1:54321: the line it sent           (to the others)
 *   * 127.0.0.1:54321 left                      (it closed, or failed)
 *   * 127.0.0.1:54321 dropped: too slow         (see below)
 *
 * The notices also go to standard output, the chat itself does not.
 * A line longer than 1024 bytes is cut into pieces of 1024 bytes, each
 * sent as a line of its own; a last line without its newline is sent
 * when its client closes. Bytes go through unchanged (a "\r" too).
 *
 * A slow reader cannot stall the room, and memory stays bounded:
 * - No write ever blocks: the loop queues each client's output, up to
 *   64 KiB (plus a kernel send buffer of about as much), and sends it
 *   when the socket can take more.
 * - While some client has more than 48 KiB waiting (the loop's high
 *   mark), the room reads no new lines (the senders wait in their own
 *   buffers, then in TCP flow control), so a reader that is only
 *   briefly behind loses nothing.
 * - A client that does not bring its queue back under 16 KiB (the low
 *   mark) within one second is dropped, with a notice to the room. So
 *   is one whose queue would pass 64 KiB (only notices can still be
 *   queued then): the loop refuses the write with -ENOBUFS.
 * So the room moves at the pace of its slowest reader as long as that
 * reader takes 32 KiB a second; a slower one is gone within a second.
 * The server's memory is about 80 KiB per client, however fast anyone
 * writes and however slowly anyone reads. Out of descriptors, the
 * loop stops accepting (one line on stderr) instead of spinning, and
 * takes the waiting clients once one leaves.
 *
 * SIGINT or SIGTERM wakes the loop (netkit_loop_wake() is
 * async-signal-safe), which closes every client and exits with 0.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX 65536		/* output queue per client */
#define OUT_HIGH 49152		/* above: the room stops reading */
#define OUT_LOW 16384		/* a slow client must get back under */
#define GRACE_MS 1000		/* ... within this time */
#define IN_MAX 16384		/* input buffer per client */
#define LINE_MAX 1024		/* longer lines are cut */
#define NAME_MAX NETKIT_ADDRSTRLEN

struct client {
	struct client *prev, *next;	/* every client, in join order */
	netkit_conn *conn;
	netkit_poller_timer grace;	/* runs while it is slow */
	int slow;		/* over OUT_HIGH, not yet under OUT_LOW */
	int held;		/* its input waits for the room to move */
	const char *gone;	/* why it left the room; it closes next */
	char name[NAME_MAX];
};

static netkit_loop *loop;
/* The list's head. */
static struct client all = { .prev = &all, .next = &all };
static int nclients, nslow;
static volatile sig_atomic_t stop;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "chat-server: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

static int
parse_port(const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -1;
	return atoi(text) <= 65535 ? atoi(text) : -1;
}

/* A client is slow from the write that passes the high mark to its
 * DRAINED event; its timer drops it if that takes too long. */
static void
set_slow(struct client *c, int slow)
{
	if (c->slow == slow)
		return;
	c->slow = slow;
	nslow += slow ? 1 : -1;
	if (slow)
		netkit_poller_timer_start_in(netkit_loop_poller(loop),
					     &c->grace, GRACE_MS, 0);
	else
		netkit_poller_timer_stop(netkit_loop_poller(loop), &c->grace);
}

/* Takes a client out of the room: it hears nothing more. It still
 * counts until its CLOSED event, when the room hears why it left. */
static void
leave(struct client *c, const char *why)
{
	if (!c->gone)
		c->gone = why;
	set_slow(c, 0);
}

static void
drop(struct client *c, const char *why)
{
	leave(c, why);
	netkit_conn_abort(c->conn, false);	/* its queue goes too */
}

static void
queue(struct client *c, const char *msg, size_t len)
{
	int rc = netkit_conn_write(c->conn, msg, len);

	if (rc == NETKIT_CONN_HIGH)
		set_slow(c, 1);
	else if (rc < 0)	/* -ENOBUFS: its queue is full */
		drop(c, rc == -ENOBUFS ? "dropped: too slow" : "left");
}

/* Sends to every client in the room but one. */
static void
broadcast(const struct client *from, const char *msg, size_t len)
{
	struct client *c;

	for (c = all.next; c != &all; c = c->next)
		if (c != from && !c->gone)
			queue(c, msg, len);
}

static void
notice(const struct client *from, const char *what)
{
	char msg[NAME_MAX + 64];
	int n = snprintf(msg, sizeof(msg), "* %s %s\n", from->name, what);

	fputs(msg, stdout);
	broadcast(from, msg, (size_t)n);
}

/* Sends the client's complete lines to the room, until it is full.
 * The reader answers from what the loop received: -EAGAIN when no
 * whole line is there yet, 0 once the client closed. */
static void
consume(struct client *c)
{
	netkit_reader *in = netkit_conn_reader(c->conn);
	char msg[NAME_MAX + LINE_MAX + 4];
	size_t head = (size_t)snprintf(msg, sizeof(msg), "%s: ", c->name);
	ssize_t n;

	c->held = 0;
	while (!c->gone) {
		if (nslow > 0) {	/* read it once the room moves */
			c->held = 1;
			return;
		}
		n = netkit_reader_read_line(in, msg + head, LINE_MAX + 2,
					    NETKIT_NOW);
		if (n == NETKIT_ETOOLONG)	/* a piece of it, as a line */
			n = netkit_reader_read(in, msg + head, LINE_MAX,
					       NETKIT_NOW);
		if (n == 0) {	/* it closed: its queue goes out first */
			leave(c, "left");
			netkit_conn_close(c->conn,
					  netkit_deadline_in(GRACE_MS));
		} else if (n < 0 && !netkit_err_is_temporary((int)n)) {
			drop(c, "left");
		}
		if (n <= 0)
			return;
		if (msg[head + (size_t)n - 1] != '\n')
			msg[head + (size_t)n++] = '\n';
		broadcast(c, msg, head + (size_t)n);
	}
}

static void
welcome(netkit_conn *conn)
{
	char msg[NAME_MAX + 64];
	struct client *c = calloc(1, sizeof(*c));
	netkit_addr peer;
	int fd = netkit_conn_fd(conn), n;

	if (!c) {
		fprintf(stderr, "chat-server: accept: %s\n",
			netkit_strerror(-ENOMEM));
		netkit_conn_abort(conn, false);
		return;
	}
	c->conn = conn;
	c->grace.data = c;
	if (netkit_peer_addr(fd, &peer) < 0 ||
	    netkit_addr_format(&peer, c->name, sizeof(c->name)) < 0)
		strcpy(c->name, "?");
	(void)netkit_set_sndbuf(fd, OUT_MAX);	/* the kernel's part too */
	netkit_conn_set_data(conn, c);
	c->prev = all.prev;
	c->next = &all;
	all.prev->next = c;
	all.prev = c;
	n = snprintf(msg, sizeof(msg), "* welcome %s, %d other%s here\n",
		     c->name, nclients, nclients == 1 ? "" : "s");
	nclients++;
	queue(c, msg, (size_t)n);
	notice(c, "joined");
}

static void
handle(const netkit_loop_event *ev)
{
	struct client *c = ev->data;

	switch (ev->kind) {
	case NETKIT_LOOP_OPEN:
		welcome(ev->conn);
		break;
	case NETKIT_LOOP_DRAINED:
		set_slow(c, 0);
		consume(c);	/* its input may wait too */
		break;
	case NETKIT_LOOP_INPUT:
		consume(c);
		break;
	case NETKIT_LOOP_TIMER:		/* a second slow */
		drop(c, "dropped: too slow");
		break;
	case NETKIT_LOOP_CLOSED:	/* by the client, a drop or an error */
		if (!c)		/* welcome() had no memory for it */
			break;
		leave(c, "left");
		notice(c, c->gone);
		nclients--;
		c->prev->next = c->next;
		c->next->prev = c->prev;
		free(c);
		break;
	case NETKIT_LOOP_ACCEPT_PAUSED:	/* no descriptor: it retries */
		fprintf(stderr, "chat-server: accept: %s\n",
			netkit_strerror(ev->err));
		break;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
	netkit_loop_wake(loop);
}

int
main(int argc, char **argv)
{
	netkit_server_opts opts = { .backlog = 128 };
	netkit_loop_opts limits = { .input_size = IN_MAX,
		.output_high = OUT_HIGH, .output_low = OUT_LOW,
		.output_max = OUT_MAX };
	const netkit_loop_event *ev;
	const char *host = argc > 1 ? argv[1] : "0.0.0.0";
	const char *service = argc > 2 ? argv[2] : "8889";
	struct sigaction sa = { .sa_handler = on_signal };
	char here[NAME_MAX];
	netkit_addr addr;
	struct client *c;
	int lfd, n, i;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-') ||
	    parse_port(service) < 0) {
		fputs("usage: chat-server [host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a numeric address only, as the tutorial's tuple */
	if ((n = netkit_addr_from_ip(&addr, host, 0)) < 0)
		die(host, n);
	lfd = netkit_create_server(host, service, &opts, NETKIT_FOREVER);
	if (lfd < 0)
		die("create_server", lfd);
	if (netkit_local_addr(lfd, &addr) < 0 ||
	    netkit_addr_format(&addr, here, sizeof(here)) < 0)
		strcpy(here, "?");
	if ((n = netkit_loop_new(&loop, &limits)) < 0 ||
	    (n = netkit_loop_listen(loop, lfd, NULL)) < 0)
		die("poller", n);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("chat room open on %s\n", here);
	while (!stop) {
		if ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) < 0)
			die("wait", n);
		for (i = 0; i < n; i++)
			handle(&ev[i]);
		/* Once no client is slow, the held ones speak (until one
		 * of them makes some client slow again). */
		for (c = all.next; c != &all && nslow == 0; c = c->next)
			if (c->held)
				consume(c);
	}
	netkit_loop_free(loop);	/* closes every client, silently */
	while ((c = all.next) != &all) {
		all.next = c->next;
		free(c);
	}
	printf("chat room closed\n");
	return 0;
}
