/* SPDX-License-Identifier: MIT */
/*
 * nkcat: a small netcat on libnetkit, the tool to poke the tutorial's
 * servers with instead of telnet.
 *
 *   nkcat [-w SECONDS] HOST PORT        connect (Happy Eyeballs)
 *   nkcat [-w SECONDS] -l [HOST] PORT   listen, serve one client
 *
 * Copies standard input to the socket and the socket to standard
 * output. At the end of standard input it half-closes the connection
 * (the peer reads end of stream) and goes on printing what the peer
 * sends until the peer closes. -w bounds the connect and any idle time
 * (nothing either way for that long): then it says so and exits 1.
 */
#include <errno.h>
#include <netkit.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
usage(void)
{
	fputs("usage: nkcat [-w SECONDS] HOST PORT\n"
	      "       nkcat [-w SECONDS] -l [HOST] PORT\n"
	      "  HOST: a name or a numeric IPv4/IPv6 address\n"
	      "  PORT: a number or a service name\n", stderr);
	return 2;
}

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "nkcat: %s: %s\n", what, netkit_strerror(rc));
	return 1;
}

/* Writes all of buf to standard output. */
static int
write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The copy loop: until the peer closes, or idle_ms passes (-1: never)
 * with nothing moving either way. */
static int
relay(int fd, int idle_ms)
{
	struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
			       { .fd = fd, .events = POLLIN } };
	char buf[16384];
	ssize_t n;
	int rc;

	for (;;) {
		rc = poll(p, 2, idle_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return fail("idle", -ETIMEDOUT);
		if (p[1].revents) {
			n = netkit_recv(fd, buf, sizeof(buf));
			if (n <= 0)
				return n < 0 ? fail("recv", (int)n) : 0;
			if ((rc = write_all(buf, (size_t)n)) < 0)
				return fail("stdout", rc);
		}
		if (p[0].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* End of input: half-close, keep reading. */
				netkit_shutdown(fd, SHUT_WR);
				p[0].fd = -1;
				continue;
			}
			n = netkit_send_all(fd, buf, (size_t)n);
			if (n < 0)
				return fail("send", (int)n);
		}
	}
}

int
main(int argc, char **argv)
{
	int listen_mode = 0, idle_ms = -1, opt, fd, srv, rc;
	const char *host, *port;
	char *end;
	long w;

	while ((opt = getopt(argc, argv, "lw:")) != -1) {
		if (opt == 'l') {
			listen_mode = 1;
		} else if (opt == 'w') {
			w = strtol(optarg, &end, 10);
			if (*end || end == optarg || w < 1 || w > 86400)
				return usage();
			idle_ms = (int)w * 1000;
		} else {
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 + !listen_mode || argc > 2)
		return usage();
	host = argc == 2 ? argv[0] : NULL;
	port = argv[argc - 1];

	if (!listen_mode) {
		fd = netkit_create_connection(host, port, NULL, NULL,
					      netkit_deadline_in(idle_ms));
		if (fd < 0)
			return fail(host, fd);
	} else {
		srv = netkit_create_server(host, port, NULL, NETKIT_FOREVER);
		if (srv < 0)
			return fail(port, srv);
		fd = netkit_accept_until(srv, NULL, netkit_deadline_in(idle_ms));
		netkit_close(srv);
		if (fd < 0)
			return fail("accept", fd);
	}
	rc = relay(fd, idle_ms);
	netkit_close(fd);
	return rc;
}
