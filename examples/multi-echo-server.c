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
 * bytes move, with no heap work per message). Replies are queued,
 * never sent blocking: a client that sends without reading only fills
 * its own queue, and above the queue's high mark the loop stops reading
 * it until it drains, so it slows nobody else. Out of descriptors, the
 * loop stops accepting (one line on stderr) instead of spinning, and
 * takes the waiting clients once one leaves. SIGINT or SIGTERM comes
 * as an event of the loop (netkit_loop_catch()), which then closes
 * every client and exits with 0.
 */
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers one receive: the loop read at most 1024 bytes (input_size),
 * so one read takes all of it, and the next INPUT event says when more
 * came. Above the queue's high mark the loop stops reading the client
 * until the queue drains: nothing is left waiting in the reader. */
static void
serve(netkit_conn *conn)
{
	char data[1024];
	ssize_t n = netkit_reader_read(netkit_conn_reader(conn), data,
				       sizeof(data), NETKIT_NOW);

	if (n > 0) {
		fputs("Receive ", stdout);
		fwrite(data, 1, (size_t)n, stdout);
		n = netkit_conn_write(conn, "Receive your message", 20);
		printf("\nsend %d\n", n < 0 ? (int)n : 20);
	} else if (n == 0) {	/* it closed: "Bey", then close */
		netkit_conn_write(conn, "Bey", 3);
		netkit_conn_close(conn, netkit_deadline_in(1000));
	}
}

int
main(int argc, char **argv)
{
	int a = argc > 1 && strcmp(argv[1], "-i") == 0 ? 3 : 1, lfd, n, i;
	char *end = "", text[NETKIT_REPRSTRLEN];
	long idle = a == 3 && argc > 2 ? strtol(argv[2], &end, 10) : 0;
	/* 1 KiB per receive; -i 0 drops at once (0 is "never") */
	netkit_loop_opts o = { .input_size = 1024,
			       .idle_ms = idle > 0 ? idle * 1000 : a == 3 };
	const char *host = argc > a ? argv[a] : "0.0.0.0",
		   *port = argc > a + 1 ? argv[a + 1] : "8888";
	const netkit_loop_event *ev;
	netkit_loop *loop = NULL;
	netkit_addr addr;

	/* a numeric address and port only, as the tutorial's tuple */
	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
		 host, port);
	if (argc < a || argc > a + 2 || *end || end == argv[2] || idle < 0 ||
	    idle > 86400 || host[0] == '-' ||
	    netkit_addr_parse(&addr, text) < 0) {
		fputs("usage: multi-echo-server [-i IDLE_SECONDS] "
		      "[host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((n = lfd = netkit_create_server(host, port, NULL,
					    NETKIT_FOREVER)) < 0 ||
	    (n = netkit_loop_new(&loop, &o)) < 0 ||
	    (n = netkit_loop_listen(loop, lfd, NULL)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGINT)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGTERM)) < 0) {
		fprintf(stderr, "multi-echo-server: %s\n", netkit_strerror(n));
		return 1;
	}
	printf("waiting for connect....\n");
	while ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) >= 0) {
		for (i = 0; i < n; i++) {
			/* the peer as Python prints it: ('127.0.0.1', 54321) */
			netkit_addr_tuple(netkit_conn_peer(ev[i].conn), text,
					  sizeof(text));
			switch (ev[i].kind) {
			case NETKIT_LOOP_OPEN:	/* print(addr), print(conn) */
				printf("Connect from %s\n", text);
				netkit_socket_repr(ev[i].fd, text,
						   sizeof(text));
				printf("Connect from %s\n", text);
				break;
			case NETKIT_LOOP_INPUT:
				serve(ev[i].conn);
				break;
			case NETKIT_LOOP_CLOSED:
				if (ev[i].err == NETKIT_EIDLE)
					printf("Idle %s dropped\n", text);
				else if (ev[i].err < 0)	/* it reset */
					fprintf(stderr, "multi-echo-server: "
						"%s: %s\n", text,
						netkit_strerror(ev[i].err));
				break;
			case NETKIT_LOOP_ACCEPT_PAUSED:	/* it retries */
				fprintf(stderr, "multi-echo-server: accept: "
					"%s\n", netkit_strerror(ev[i].err));
				break;
			case NETKIT_LOOP_SIGNAL:	/* SIGINT, SIGTERM */
				goto out;
			}
		}
	}
out:	/* the signal, or a failed wait (n < 0: status 1) */
	netkit_loop_free(loop);	/* closes every client, silently */
	return n < 0;
}
