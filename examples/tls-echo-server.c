/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's echo server over TLS, for any number of clients at
 * once on one thread: each message is answered with "Receive your
 * message", and "Bey" goes to a client that ends (its close_notify),
 * with multi-echo-server's lines on stdout.
 *
 *   tls-echo-server --cert FILE --key FILE [--handshake-ms MS]
 *                   [host [port]]         (default 0.0.0.0 8443)
 *
 * multi-echo-server on the connection layer (netkit_loop), plus one
 * call: netkit_conn_start_tls() at each client's OPEN event. The loop
 * then runs the handshake, decrypts into the reader and encrypts the
 * queue, so the rest is the plain server's code. A client has MS
 * milliseconds (10000) to finish its handshake, or it is dropped (one
 * line on stderr): a client that connects and says nothing holds one
 * descriptor that long, never the server. Replies are queued, never
 * sent blocking, and above the queue's high mark the loop stops
 * reading that client, so a client that sends without reading only
 * slows itself. SIGINT or SIGTERM ends the server with status 0, once
 * every client got close_notify (or a second passed).
 *
 * Python: asyncio.start_server(handler, host, port, ssl=context),
 * with an ssl.SSLContext(PROTOCOL_TLS_SERVER) that load_cert_chain()
 * loaded, and ssl_handshake_timeout.
 */
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the loop keeps for us in each connection. */
struct client {
	bool talked;		/* its handshake is done: it sent bytes */
};

/* Answers one receive: the loop read at most 1024 bytes (input_size),
 * so one read takes all of it (see multi-echo-server). */
static void
serve(netkit_conn *conn)
{
	struct client *c = netkit_conn_storage(conn);
	char data[1024];
	ssize_t n = netkit_reader_read(netkit_conn_reader(conn), data,
				       sizeof(data), NETKIT_NOW);

	c->talked = true;
	if (n > 0) {
		fputs("Receive ", stdout);
		fwrite(data, 1, (size_t)n, stdout);
		n = netkit_conn_write(conn, "Receive your message", 20);
		printf("\nsend %d\n", n < 0 ? (int)n : 20);
	} else if (n == 0) {	/* its close_notify: "Bey", then ours */
		netkit_conn_write(conn, "Bey", 3);
		netkit_conn_close(conn, netkit_deadline_in(1000));
	}
}

/* Why a client ended, on stderr, unless it simply left: a truncated
 * stream after talking is a client that closed without close_notify,
 * as most do when killed. */
static void
ended(const netkit_loop_event *ev, const char *peer)
{
	const struct client *c = netkit_conn_storage(ev->conn);

	if (ev->err == 0 || (c->talked && ev->err == NETKIT_ETLS_TRUNCATED))
		return;
	fprintf(stderr, "tls-echo-server: %s %s: %s\n",
		c->talked ? "recv" : "handshake", peer,
		netkit_strerror(ev->err));
}

static int
usage(void)
{
	fputs("usage: tls-echo-server --cert FILE --key FILE "
	      "[--handshake-ms MS] [host [port]]\n", stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	netkit_tls_opts to = { .role = NETKIT_TLS_SERVER };
	netkit_loop_opts o = { .input_size = 1024,
			       .conn_size = sizeof(struct client) };
	const char *host = "0.0.0.0", *port = "8443";
	char text[NETKIT_REPRSTRLEN], *end;
	const netkit_loop_event *ev;
	netkit_tls_ctx *ctx = NULL;
	netkit_loop *loop = NULL;
	long handshake_ms = 10000;
	int i, a, n, lfd, live = 0;
	bool stopping = false;
	netkit_conn *c;
	netkit_addr addr;

	for (a = 1; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		if (strcmp(argv[a], "--cert") == 0) {
			to.cert_file = argv[a + 1];
		} else if (strcmp(argv[a], "--key") == 0) {
			to.key_file = argv[a + 1];
		} else if (strcmp(argv[a], "--handshake-ms") == 0) {
			handshake_ms = strtol(argv[a + 1], &end, 10);
			if (*end || end == argv[a + 1] || handshake_ms < 1 ||
			    handshake_ms > 86400000)
				return usage();
		} else {
			return usage();
		}
	}
	host = argc > a ? argv[a] : host;
	port = argc > a + 1 ? argv[a + 1] : port;
	/* a numeric address and port only, as the tutorial's tuple */
	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
		 host, port);
	if (!to.cert_file || !to.key_file || argc > a + 2 || host[0] == '-' ||
	    netkit_addr_parse(&addr, text) < 0)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((n = netkit_tls_ctx_new(&ctx, &to)) < 0 ||
	    (n = lfd = netkit_create_server(host, port, NULL,
					    NETKIT_FOREVER)) < 0 ||
	    (n = netkit_loop_new(&loop, &o)) < 0 ||
	    (n = netkit_loop_listen(loop, lfd, NULL)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGINT)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGTERM)) < 0) {
		fprintf(stderr, "tls-echo-server: %s\n", netkit_strerror(n));
		netkit_loop_free(loop);
		netkit_tls_ctx_free(ctx);
		return 1;
	}
	printf("waiting for connect....\n");
	while ((!stopping || live > 0) &&
	       (n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) >= 0) {
		for (i = 0; i < n; i++) {
			/* the peer as Python prints it: ('127.0.0.1', 54321) */
			netkit_addr_tuple(netkit_conn_peer(ev[i].conn), text,
					  sizeof(text));
			switch (ev[i].kind) {
			case NETKIT_LOOP_OPEN:	/* print(addr), print(conn) */
				printf("Connect from %s\n", text);
				live++;
				if (stopping || netkit_conn_start_tls(ev[i].conn,
					ctx, NULL, netkit_deadline_in(handshake_ms)))
					netkit_conn_abort(ev[i].conn, false);
				netkit_socket_repr(ev[i].fd, text,
						   sizeof(text));
				printf("Connect from %s\n", text);
				break;
			case NETKIT_LOOP_INPUT:
				serve(ev[i].conn);
				break;
			case NETKIT_LOOP_CLOSED:
				live--;
				ended(&ev[i], text);
				break;
			case NETKIT_LOOP_ACCEPT_PAUSED:	/* it retries */
				fprintf(stderr, "tls-echo-server: accept: "
					"%s\n", netkit_strerror(ev[i].err));
				break;
			case NETKIT_LOOP_SIGNAL:	/* SIGINT, SIGTERM */
				/* close_notify to each, then out (within 1 s) */
				stopping = true;
				for (c = NULL; (c = netkit_loop_next(loop, c));)
					netkit_conn_close(c,
						netkit_deadline_in(1000));
				break;
			}
		}
	}
	/* all closed after the signal, or a failed wait (n < 0: status 1) */
	netkit_loop_free(loop);
	netkit_tls_ctx_free(ctx);
	return n < 0;
}
