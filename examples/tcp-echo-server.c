/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's echo-style server, on libnetkit: accept one client,
 * answer each message with "Receive your message", and say "Bey" when
 * the client closes.
 *
 *   tcp-echo-server [host [port]]      (default 0.0.0.0 8888)
 *
 * Like the tutorial's Python, it prints the client's address as Python
 * prints a tuple: ('127.0.0.1', 54321), or ('::1', 54321, 0, 0) for
 * IPv6. A client that resets the connection (ConnectionResetError in
 * Python) is reported on stderr and the server exits with status 1.
 */
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A port is 1 to 5 decimal digits with a value of at most 65535. */
static int
parse_port(const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -1;
	return atoi(text) <= 65535 ? atoi(text) : -1;
}

static int
usage(void)
{
	fputs("usage: tcp-echo-server [host [port]]\n"
		"  host: numeric IPv4 or IPv6 address (default 0.0.0.0)\n"
		"  port: 0..65535 (default 8888)\n", stderr);
	return 2;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "tcp-echo-server: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "0.0.0.0";
	int port = argc > 2 ? parse_port(argv[2]) : 8888;
	const char *service = argc > 2 ? argv[2] : "8888";
	const char *reply = "Receive your message";
	netkit_server_opts opts = { .backlog = 5 };	/* listen(5) */
	char data[1024], peer[NETKIT_TUPLESTRLEN], repr[NETKIT_REPRSTRLEN];
	netkit_addr addr;
	int sockfd, conn, rc;
	ssize_t n;

	if (argc > 3 || port < 0)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);	/* each line shows at once */
	/* a numeric address only, as the tutorial's tuple */
	if ((rc = netkit_addr_from_ip(&addr, host, port)) < 0)
		die(host, rc);
	/* socket(), bind() and listen(5); SO_REUSEADDR lets a restarted
	 * server bind at once, old connections in TIME_WAIT or not */
	sockfd = netkit_create_server(host, service, &opts, NETKIT_FOREVER);
	if (sockfd < 0)
		die("create_server", sockfd);

	printf("waiting for connect....\n");
	conn = netkit_accept(sockfd, &addr);	/* conn, addr = accept() */
	if (conn < 0)
		die("accept", conn);
	/* print("Connect from", addr): Python's tuple */
	netkit_addr_tuple(&addr, peer, sizeof(peer));
	printf("Connect from %s\n", peer);
	/* print("Connect from", conn): Python's repr of the socket */
	if ((rc = netkit_socket_repr(conn, repr, sizeof(repr))) < 0)
		die("getsockname", rc);
	printf("Connect from %s\n", repr);

	for (;;) {
		n = netkit_recv(conn, data, sizeof(data));
		if (n < 0)
			die("recv", (int)n);
		if (n == 0) {	/* the client closed; it may be gone */
			(void)netkit_send(conn, "Bey", 3); /* -EPIPE is fine */
			break;
		}
		fputs("Receive ", stdout);
		fwrite(data, 1, (size_t)n, stdout);
		putchar('\n');
		n = netkit_send(conn, reply, strlen(reply));
		if (n < 0)
			die("send", (int)n);
		printf("send %zd\n", n);
	}
	netkit_close(conn);
	netkit_close(sockfd);
	return 0;
}
