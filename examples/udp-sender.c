/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's UDP sender, on libnetkit: sends each line of standard
 * input (without its newline) as one datagram to host and port.
 *
 *   udp-sender [host [port]]        (default 127.0.0.1 9999)
 *
 * Try it with: echo hello | udp-sender, against udp-receiver or
 * nc -u -l 127.0.0.1 9999.
 */
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
die(const char *what, int rc)
{
	fprintf(stderr, "udp-sender: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int port = argc > 2 ? atoi(argv[2]) : 9999;
	char line[65536];
	netkit_addr to;
	size_t len;
	ssize_t n;
	int fd, rc;

	if (argc > 3) {
		fputs("usage: udp-sender [host [port]]\n", stderr);
		return 2;
	}
	if ((rc = netkit_addr_from_ip(&to, host, port)) < 0)
		die(host, rc);
	if ((fd = netkit_socket(netkit_addr_family(&to), SOCK_DGRAM, 0)) < 0)
		die("socket", fd);
	while (fgets(line, sizeof(line), stdin)) {
		len = strcspn(line, "\n");
		/* s.sendto(line.encode(), (host, port)) */
		n = netkit_send_datagram(fd, line, len, &to,
					 netkit_deadline_in(5000));
		if (n < 0)
			die("send", (int)n);
	}
	netkit_close(fd);
	return 0;
}
