/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's first server, on libnetkit: accept one client, print
 * what it sends, answer "Hello, I'm the server", close.
 *
 *   tcp-oneshot-server [host [port]]      (default 127.0.0.1 6666)
 *
 * Try it with: telnet 127.0.0.1 6666, or: echo hi | nc -N 127.0.0.1 6666
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
	fputs("usage: tcp-oneshot-server [host [port]]\n"
		"  host: numeric IPv4 or IPv6 address (default 127.0.0.1)\n"
		"  port: 0..65535 (default 6666)\n", stderr);
	return 2;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "tcp-oneshot-server: %s: %s\n", what,
		netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int port = argc > 2 ? parse_port(argv[2]) : 6666;
	const char *service = argc > 2 ? argv[2] : "6666";
	const char *reply = "Hello, I'm the server";
	netkit_server_opts opts = { .backlog = 5 };	/* listen(5) */
	char data[1024];
	netkit_addr addr;
	int sockd, cond, rc;
	ssize_t n;

	if (argc > 3 || port < 0)
		return usage();
	/* the tuple ("127.0.0.1", 6666): a numeric address, as Python's */
	if ((rc = netkit_addr_from_ip(&addr, host, port)) < 0)
		die(host, rc);

	/* socket(), bind() and listen(5) in one call; SO_REUSEADDR is on,
	 * so a restart binds at once */
	sockd = netkit_create_server(host, service, &opts, NETKIT_FOREVER);
	if (sockd < 0)
		die("create_server", sockd);

	cond = netkit_accept(sockd, NULL);	/* waits for a client */
	if (cond < 0)
		die("accept", cond);
	n = netkit_recv(cond, data, sizeof(data));	/* recv(1024) */
	if (n < 0)
		die("recv", (int)n);
	/* print(data.decode()): the bytes, then a newline */
	fwrite(data, 1, (size_t)n, stdout);
	putchar('\n');
	fflush(stdout);

	n = netkit_send(cond, reply, strlen(reply));
	if (n < 0)
		die("send", (int)n);
	netkit_close(cond);
	netkit_close(sockd);
	return 0;
}
