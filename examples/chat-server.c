/* SPDX-License-Identifier: MIT */
/*
 * A chat room on the poller, the tutorial's group chat over TCP: every
 * line a client sends goes to all the others.
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
 * - No send ever blocks: each client has an output buffer of 64 KiB
 *   (and a kernel send buffer of about as much), sent when the poller
 *   says the socket is writable.
 * - While some client has more than 48 KiB waiting, the room reads no
 *   new lines (the senders wait in their own kernel buffers: TCP flow
 *   control), so a reader that is only briefly behind loses nothing.
 * - A client that does not bring its buffer back under 16 KiB within
 *   one second is dropped, with a notice to the room. So is one whose
 *   buffer would overflow (only notices can still be queued then).
 * So the room moves at the pace of its slowest reader as long as that
 * reader takes 32 KiB a second; a slower one is gone within a second.
 * The server's memory is about 80 KiB per client, however fast anyone
 * writes and however slowly anyone reads.
 *
 * SIGINT or SIGTERM wakes the loop (netkit_poller_wake() is
 * async-signal-safe), which closes every client and exits with 0.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX 65536		/* output buffer per client */
#define OUT_HIGH 49152		/* above: the room stops reading */
#define OUT_LOW 16384		/* a slow client must get back under */
#define GRACE_MS 1000		/* ... within this time */
#define IN_MAX 16384		/* input buffer per client */
#define LINE_MAX 1024		/* longer lines are cut */
#define NAME_MAX NETKIT_ADDRSTRLEN

struct client {
	struct client *prev, *next;	/* every client, in join order */
	int fd;
	unsigned armed;		/* the poller interest set now */
	int held;		/* input waits for the room to move */
	int eof;		/* the client closed its side */
	int slow;		/* over OUT_HIGH, not yet under OUT_LOW */
	int idle;		/* a write event found nothing to send */
	const char *doom;	/* why it goes, once it must */
	netkit_poller_timer grace;
	size_t in_off, in_len, out_off, out_len;
	char name[NAME_MAX];
	char in[IN_MAX];
	char out[OUT_MAX];
};

static netkit_poller *p;
static struct client all;	/* the list's head */
static int nclients, nslow, ndoomed, nheld;

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

static void
doom(struct client *c, const char *why)
{
	if (!c->doom)
		ndoomed++;
	c->doom = c->doom ? c->doom : why;
}

/* Watch for reading unless held, for writing while output waits (and
 * once more after it drained, so that a steady flow keeps its interest
 * instead of changing it twice per message). */
static void
arm(struct client *c)
{
	unsigned want = c->held || c->eof ? 0 : NETKIT_POLLER_READ;

	if (c->out_len > c->out_off ||
	    ((c->armed & NETKIT_POLLER_WRITE) && !c->idle))
		want |= NETKIT_POLLER_WRITE;
	if (want != c->armed && !c->doom &&
	    netkit_poller_modify(p, c->fd, want, c) == 0)
		c->armed = want;
}

static void
set_slow(struct client *c, int slow)
{
	if (c->slow == slow)
		return;
	c->slow = slow;
	nslow += slow ? 1 : -1;
	if (slow)
		netkit_poller_timer_start_in(p, &c->grace, GRACE_MS, 0);
	else
		netkit_poller_timer_stop(p, &c->grace);
}

/* Appends to a client's output; dooms it rather than overflow. */
static void
queue(struct client *c, const char *msg, size_t len)
{
	if (c->doom)
		return;
	if (c->out_len - c->out_off + len > OUT_MAX) {
		doom(c, "dropped: too slow");
		return;
	}
	if (c->out_len + len > OUT_MAX) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	memcpy(c->out + c->out_len, msg, len);
	c->out_len += len;
	c->idle = 0;
	if (c->out_len - c->out_off > OUT_HIGH)
		set_slow(c, 1);
	arm(c);
}

/* Sends to every client but one (NULL: to all). */
static void
broadcast(const struct client *from, const char *msg, size_t len)
{
	struct client *c;

	for (c = all.next; c != &all; c = c->next)
		if (c != from)
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

/* Sends what it can without blocking; a failed send dooms the client. */
static void
flush(struct client *c)
{
	ssize_t n;

	c->idle = c->out_len == c->out_off;
	if (c->idle) {
		arm(c);
		return;
	}
	n = netkit_send_until(c->fd, c->out + c->out_off,
			      c->out_len - c->out_off, NETKIT_NOW);
	if (n < 0 && !netkit_err_is_temporary(n)) {
		doom(c, "left");
		return;
	}
	if (n > 0)
		c->out_off += (size_t)n;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len - c->out_off <= OUT_LOW)
		set_slow(c, 0);
	arm(c);
}

static void
hold(struct client *c, int held)
{
	nheld += held - c->held;
	c->held = held;
}

/* The next line in a client's input: 1 with its length (newline not
 * counted) and the bytes it takes, 0 when none is complete yet. */
static int
next_line(const struct client *c, size_t *len, size_t *used)
{
	size_t have = c->in_len - c->in_off;
	const char *nl = memchr(c->in + c->in_off, '\n',
				have > LINE_MAX ? LINE_MAX + 1 : have);

	if (nl) {
		*len = (size_t)(nl - (c->in + c->in_off));
		*used = *len + 1;
		return 1;
	}
	if (have >= LINE_MAX || (c->eof && have > 0)) {
		*len = *used = have > LINE_MAX ? LINE_MAX : have;
		return 1;
	}
	return 0;
}

/* Sends the client's complete lines to the room, until it is full. */
static void
consume(struct client *c)
{
	char msg[NAME_MAX + LINE_MAX + 4];
	size_t len, used, n;

	hold(c, 0);
	while (!c->doom && next_line(c, &len, &used)) {
		if (nslow > 0) {
			hold(c, 1);
			break;
		}
		n = (size_t)snprintf(msg, sizeof(msg), "%s: ", c->name);
		memcpy(msg + n, c->in + c->in_off, len);
		msg[n + len] = '\n';
		broadcast(c, msg, n + len + 1);
		c->in_off += used;
	}
	memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
	c->in_len -= c->in_off;
	c->in_off = 0;
	if (c->eof && c->in_len == 0)
		doom(c, "left");
	arm(c);
}

static void
on_read(struct client *c)
{
	ssize_t n;

	if (nslow > 0 || c->held) {
		if (nslow == 0) {
			consume(c);
			return;
		}
		hold(c, 1);	/* read it once the room moves */
		arm(c);
		return;
	}
	n = netkit_recv_until(c->fd, c->in + c->in_len, IN_MAX - c->in_len,
			      NETKIT_NOW);
	if (n == 0)
		c->eof = 1;
	else if (n > 0)
		c->in_len += (size_t)n;
	else if (!netkit_err_is_temporary(n))
		doom(c, "left");
	consume(c);
}

static void
kick(struct client *c, int tell)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	nclients--;
	ndoomed -= c->doom != NULL;
	nheld -= c->held;
	set_slow(c, 0);
	netkit_poller_remove(p, c->fd);
	netkit_close(c->fd);
	if (tell)
		notice(c, c->doom);
	free(c);
}

/* After a batch of events: drops the doomed clients, and lets the
 * held ones speak once no client is slow. */
static void
settle(void)
{
	struct client *c, *next;

	while (ndoomed > 0 || (nslow == 0 && nheld > 0)) {
		for (c = all.next; ndoomed > 0 && c != &all; c = next) {
			next = c->next;
			if (c->doom) {
				kick(c, 1);	/* may doom others */
				next = all.next;
			}
		}
		for (c = all.next; nslow == 0 && c != &all; c = c->next)
			if (c->held)
				consume(c);
	}
}

static void
welcome(int lfd)
{
	char msg[NAME_MAX + 64];
	netkit_addr peer;
	struct client *c;
	int fd = netkit_accept(lfd, &peer), n;

	if (fd < 0 || !(c = calloc(1, sizeof(*c)))) {
		if (fd >= 0)
			netkit_close(fd);
		fprintf(stderr, "chat-server: accept: %s\n",
			netkit_strerror(fd < 0 ? fd : -ENOMEM));
		return;
	}
	c->fd = fd;
	c->grace.data = c;
	if (netkit_addr_format(&peer, c->name, sizeof(c->name)) < 0)
		strcpy(c->name, "?");
	(void)netkit_set_sndbuf(fd, OUT_MAX);	/* the kernel's part too */
	if ((n = netkit_poller_add(p, fd, NETKIT_POLLER_READ, c)) < 0) {
		fprintf(stderr, "chat-server: poller: %s\n",
			netkit_strerror(n));
		netkit_close(fd);
		free(c);
		return;
	}
	c->armed = NETKIT_POLLER_READ;
	n = snprintf(msg, sizeof(msg), "* welcome %s, %d other%s here\n",
		     c->name, nclients, nclients == 1 ? "" : "s");
	queue(c, msg, (size_t)n);
	notice(c, "joined");
	c->prev = all.prev;
	c->next = &all;
	all.prev->next = c;
	all.prev = c;
	nclients++;
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
	else if (ev->timer)
		doom(c, "dropped: too slow");
	else if (!c->doom && (ev->events & NETKIT_POLLER_WRITE))
		flush(c);
	if (ev->fd != lfd && !ev->timer && !c->doom &&
	    (ev->events & ~NETKIT_POLLER_WRITE)) {
		if (c->held && (ev->events & (NETKIT_POLLER_HUP |
					      NETKIT_POLLER_ERR)))
			doom(c, "left");	/* reset while held */
		else
			on_read(c);
	}
	return 0;
}

static void
usage(void)
{
	fputs("usage: chat-server [host [port]]\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	netkit_server_opts opts = { .backlog = 128 };
	const netkit_poller_event *ev;
	const char *host = argc > 1 ? argv[1] : "0.0.0.0";
	const char *service = argc > 2 ? argv[2] : "8889";
	struct sigaction sa = { .sa_handler = on_signal };
	char here[NAME_MAX];
	netkit_addr addr;
	int lfd, n, i, stop = 0;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-') ||
	    parse_port(service) < 0)
		usage();
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
	if (netkit_local_addr(lfd, &addr) < 0 ||
	    netkit_addr_format(&addr, here, sizeof(here)) < 0)
		strcpy(here, "?");
	printf("chat room open on %s\n", here);
	while (!stop) {
		if ((n = netkit_poller_wait(p, &ev, NETKIT_FOREVER)) < 0)
			die("wait", n);
		for (i = 0; i < n; i++)
			stop |= handle(&ev[i], lfd);
		settle();
	}
	while (all.next != &all)
		kick(all.next, 0);
	netkit_close(lfd);
	netkit_poller_free(p);
	printf("chat room closed\n");
	return 0;
}
