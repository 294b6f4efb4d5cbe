/* SPDX-License-Identifier: MIT */
/*
 * A file server, on libnetkit: sends FILE with sendfile(2) to every
 * client that connects, one after the other, and closes.
 *
 *   file-server FILE [host [port]]   (default 127.0.0.1 9999)
 *
 * Try it with: file-client copy, or: nc 127.0.0.1 9999 > copy
 */
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>

static void
die(const char *what, int rc)
{
	fprintf(stderr, "file-server: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *host = argc > 2 ? argv[2] : "127.0.0.1";
	const char *port = argc > 3 ? argv[3] : "9999";
	char who[NETKIT_ADDRSTRLEN];
	netkit_addr peer;
	size_t sent;
	int lfd, c;
	FILE *f;
	ssize_t n;

	if (argc < 2 || argc > 4) {
		fputs("usage: file-server FILE [host [port]]\n", stderr);
		return 2;
	}
	lfd = netkit_create_server(host, port, NULL, NETKIT_FOREVER);
	if (lfd < 0)
		die(host, lfd);
	printf("serving %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		if ((c = netkit_accept(lfd, &peer)) < 0)
			die("accept", c);
		/* Opened again for each client: it gets the file as it is. */
		if (!(f = fopen(argv[1], "rbe"))) {
			perror(argv[1]);
			return 1;
		}
		/* sock.sendfile(f): the whole file, at most 60 s */
		n = netkit_sendfile(c, fileno(f), 0, 0, &sent,
				    netkit_deadline_in(60000));
		netkit_addr_format(&peer, who, sizeof(who));
		if (n < 0)
			fprintf(stderr, "file-server: %s: %s after %zu bytes\n",
				who, netkit_strerror((int)n), sent);
		else
			printf("sent %zu bytes to %s\n", sent, who);
		fflush(stdout);
		fclose(f);
		netkit_close(c);
	}
}
