/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's UDP receiver, on libnetkit: binds a datagram socket
 * and prints every datagram with its sender, as Python prints the
 * address tuple:
 *
 *   ('127.0.0.1', 40000) hello
 *
 *   udp-receiver [host [port]]      (default 127.0.0.1 9999)
 *
 * One trailing newline of a datagram is not printed twice, so that
 * `nc -u` lines come out as one line each. Stop it with Ctrl-C.
 */
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what, int rc)
{
	fprintf(stderr, "udp-receiver: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int port = argc > 2 ? atoi(argv[2]) : 9999;
	char data[65536], who[NETKIT_ADDRSTRLEN + 32];
	netkit_datagram_info info;
	netkit_addr addr, from;
	int fd, rc;
	ssize_t n;

	if (argc > 3) {
		fputs("usage: udp-receiver [host [port]]\n", stderr);
		return 2;
	}
	if ((rc = netkit_addr_from_ip(&addr, host, port)) < 0)
		die(host, rc);
	if ((fd = netkit_socket(netkit_addr_family(&addr), SOCK_DGRAM, 0)) < 0)
		die("socket", fd);
	if ((rc = netkit_bind(fd, &addr)) < 0)	/* s.bind((host, port)) */
		die("bind", rc);
	for (;;) {
		/* data, addr = s.recvfrom(65536); never cut in silence */
		n = netkit_recv_datagram(fd, data, sizeof(data), &from, &info,
					 NETKIT_FOREVER);
		if (n < 0)
			die("recv", (int)n);
		if (n > 0 && data[n - 1] == '\n')
			n--;
		netkit_addr_tuple(&from, who, sizeof(who));
		printf("%s %.*s\n", who, (int)n, data);
		fflush(stdout);
	}
}
