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
 *   mark) within one second is dropped by the loop (slow_ms,
 *   NETKIT_ESLOW), with a notice to the room. So is one whose queue
 *   would pass 64 KiB (only notices can still be queued then): the loop
 *   refuses the write with -ENOBUFS.
 * So the room moves at the pace of its slowest reader as long as that
 * reader takes 32 KiB a second; a slower one is gone within a second.
 * The server's memory is about 80 KiB per client, however fast anyone
 * writes and however slowly anyone reads. Out of descriptors, the
 * loop stops accepting (one line on stderr) instead of spinning, and
 * takes the waiting clients once one leaves.
 *
 * SIGINT or SIGTERM comes as an event of the loop (netkit_loop_catch()),
 * which then closes every client and exits with 0.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define OUT_MAX 65536		/* output queue per client */
#define OUT_HIGH 49152		/* above: the room stops reading */
#define OUT_LOW 16384		/* a slow client must get back under */
#define SLOW_MS 1000		/* ... within this time */
#define LINE_MAX 1024		/* longer lines are cut */

/* What the loop keeps for us in each connection (conn_size). */
struct client {
	bool slow;		/* over OUT_HIGH, not yet under OUT_LOW */
	const char *gone;	/* why it left the room; it closes next */
	char name[NETKIT_ADDRSTRLEN];
};

static netkit_loop *loop;
static int count, nslow;	/* in the room; slow among them */
static bool held;		/* input waits for the room to move */

/* Marks a client slow or not, and gone if it leaves (the first reason
 * stays); returns why it is gone, or NULL. A client is slow from the
 * write that passes the high mark to its DRAINED event (the loop drops
 * it if that takes SLOW_MS), or until it leaves the room: it hears
 * nothing more then, and its CLOSED event tells the room why it left. */
static const char *
mark(netkit_conn *conn, bool slow, const char *leaves)
{
	struct client *c = netkit_conn_storage(conn);

	nslow += slow - c->slow;
	c->slow = slow;
	return c->gone = c->gone ? c->gone : leaves;
}

/* Sends to every client in the room but one. A client that left is
 * closing (-EPIPE: its queue goes out, it takes no more) or closed
 * (the walk skips it). */
static void
broadcast(const netkit_conn *from, const char *msg, size_t len)
{
	netkit_conn *to = NULL;
	int rc;

	while ((to = netkit_loop_next(loop, to))) {
		rc = to == from ? 0 : netkit_conn_write(to, msg, len);
		if (rc == NETKIT_CONN_HIGH) {
			mark(to, true, NULL);
		} else if (rc == -ENOBUFS || rc == -ENOMEM) {	/* full */
			mark(to, false, "dropped: too slow");
			netkit_conn_abort(to, false);	/* queue dropped */
		}
	}
}

/* "* NAME what" to the room and to standard output. */
static void
notice(netkit_conn *from, const char *what)
{
	struct client *c = netkit_conn_storage(from);
	char msg[NETKIT_ADDRSTRLEN + 64];
	int n = snprintf(msg, sizeof(msg), "* %s %s\n", c->name, what);

	fputs(msg, stdout);
	broadcast(from, msg, (size_t)n);
}

/* Sends the client's complete lines to the room, until it is full.
 * The reader answers from what the loop received: -EAGAIN when no
 * whole line is there yet, 0 once the client closed (receive errors
 * come as its CLOSED event). */
static void
consume(netkit_conn *conn)
{
	struct client *c = netkit_conn_storage(conn);
	netkit_reader *in = netkit_conn_reader(conn);
	char msg[NETKIT_ADDRSTRLEN + LINE_MAX + 4];
	size_t head = (size_t)snprintf(msg, sizeof(msg), "%s: ", c->name);
	ssize_t n = 1;

	while (n > 0 && !(held |= nslow > 0)) {
		n = netkit_reader_read_line(in, msg + head, LINE_MAX + 2,
					    NETKIT_NOW);
		if (n == NETKIT_ETOOLONG)	/* a piece of it, as a line */
			n = netkit_reader_read(in, msg + head, LINE_MAX,
					       NETKIT_NOW);
		if (n == 0) {	/* it closed: its queue goes out first */
			mark(conn, false, "left");
			netkit_conn_close(conn, netkit_deadline_in(SLOW_MS));
		} else if (n > 0) {
			if (msg[head + (size_t)n - 1] != '\n')
				msg[head + (size_t)n++] = '\n';
			broadcast(conn, msg, head + (size_t)n);
		}
	}
}

int
main(int argc, char **argv)
{
	netkit_loop_opts limits = { .output_high = OUT_HIGH,
		.output_low = OUT_LOW, .output_max = OUT_MAX,
		.slow_ms = SLOW_MS, .conn_size = sizeof(struct client) };
	const char *host = argc > 1 ? argv[1] : "0.0.0.0",
		   *port = argc > 2 ? argv[2] : "8889";
	const netkit_loop_event *ev;
	char text[NETKIT_ADDRSTRLEN + 64];
	netkit_conn *conn;
	struct client *c;
	netkit_addr addr;
	int lfd, n, i, len;

	/* a numeric address and port only, as the tutorial's tuple */
	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
		 host, port);
	if (argc > 3 || host[0] == '-' || netkit_addr_parse(&addr, text) < 0) {
		fputs("usage: chat-server [host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((n = lfd = netkit_create_server(host, port, NULL,
					    NETKIT_FOREVER)) < 0 ||
	    /* the kernel's part of each queue bounded too (accepted
	     * sockets take the listener's size) */
	    (n = netkit_set_sndbuf(lfd, OUT_MAX)) < 0 ||
	    (n = netkit_loop_new(&loop, &limits)) < 0 ||
	    (n = netkit_loop_listen(loop, lfd, NULL)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGINT)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGTERM)) < 0 ||
	    (n = netkit_local_addr(lfd, &addr)) < 0 ||
	    (n = netkit_addr_format(&addr, text, sizeof(text))) < 0) {
		fprintf(stderr, "chat-server: %s\n", netkit_strerror(n));
		return 1;
	}
	printf("chat room open on %s\n", text);
	while ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) >= 0) {
		for (i = 0; i < n; i++) {
			conn = ev[i].conn;
			c = netkit_conn_storage(conn);
			if (ev[i].kind == NETKIT_LOOP_OPEN) {	/* welcome */
				netkit_addr_format(netkit_conn_peer(conn),
						   c->name, sizeof(c->name));
				len = snprintf(text, sizeof(text), "* welcome "
					       "%s, %d other%s here\n", c->name,
					       count, count == 1 ? "" : "s");
				count++;	/* and its queue is empty: */
				netkit_conn_write(conn, text, (size_t)len);
				notice(conn, "joined");
			} else if (ev[i].kind == NETKIT_LOOP_INPUT ||
				   ev[i].kind == NETKIT_LOOP_DRAINED) {
				if (ev[i].kind == NETKIT_LOOP_DRAINED)
					mark(conn, false, NULL);
				consume(conn);	/* it may have been held */
			} else if (ev[i].kind == NETKIT_LOOP_CLOSED) {
				notice(conn, mark(conn, false,
					ev[i].err == NETKIT_ESLOW ?
					"dropped: too slow" : "left"));
				count--;
			} else if (ev[i].kind == NETKIT_LOOP_ACCEPT_PAUSED) {
				fprintf(stderr, "chat-server: accept: %s\n",
					netkit_strerror(ev[i].err));
			} else if (ev[i].kind == NETKIT_LOOP_SIGNAL) {
				goto out;	/* SIGINT or SIGTERM */
			}
		}
		/* Once no client is slow, the held input is read (until
		 * some client is slow again: consume() holds it again). */
		if (held && nslow == 0)
			for (held = false, conn = NULL; !held &&
			     (conn = netkit_loop_next(loop, conn));)
				consume(conn);
	}
out:	/* the signal, or a failed wait (n < 0: status 1) */
	netkit_loop_free(loop);	/* closes every client, silently */
	printf("chat room closed\n");
	return n < 0;
}
