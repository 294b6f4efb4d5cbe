/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's interactive client, on libnetkit: send each line typed
 * at the "Msg>>" prompt and print the server's answer. An empty line (or
 * the end of input) ends it.
 *
 *   tcp-client [host [port]]      (default 127.0.0.1 8888)
 *
 * A line longer than 1023 bytes goes out in several messages.
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
	fputs("usage: tcp-client [host [port]]\n"
		"  host: numeric IPv4 or IPv6 address (default 127.0.0.1)\n"
		"  port: 0..65535 (default 8888)\n", stderr);
	return 2;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "tcp-client: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int port = argc > 2 ? parse_port(argv[2]) : 8888;
	const char *service = argc > 2 ? argv[2] : "8888";
	char msg[1024], data[1024];
	netkit_addr addr;
	int sockfd, rc;
	ssize_t n;

	if (argc > 3 || port < 0)
		return usage();
	/* a numeric address only, as the tutorial's tuple */
	if ((rc = netkit_addr_from_ip(&addr, host, port)) < 0)
		die(host, rc);
	/* socket() and connect() in one call, without a time limit */
	sockfd = netkit_create_connection(host, service, NULL, NULL,
					  NETKIT_FOREVER);
	if (sockfd < 0)
		die("connect", sockfd);

	for (;;) {
		/* msg = input("Msg>>") */
		fputs("Msg>>", stdout);
		fflush(stdout);
		if (!fgets(msg, sizeof(msg), stdin))
			break;		/* end of input */
		msg[strcspn(msg, "\n")] = '\0';
		if (msg[0] == '\0')
			break;		/* if msg == "": break */
		n = netkit_send(sockfd, msg, strlen(msg));
		if (n < 0)
			die("send", (int)n);
		n = netkit_recv(sockfd, data, sizeof(data));
		if (n < 0)
			die("recv", (int)n);
		if (n == 0)
			break;		/* the server has closed */
		fwrite(data, 1, (size_t)n, stdout); /* print(data.decode()) */
		putchar('\n');
	}
	netkit_close(sockfd);
	return 0;
}
