/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's interactive client, on libnetkit: send each line typed
 * at the "Msg>>" prompt and print the server's answer. An empty line (or
 * the end of input) ends it.
 *
 *   tcp-client [host [port]]      (default 127.0.0.1 8888)
 *   tcp-client --tls [--cafile FILE] [--insecure] [host [port]]
 *                                 (default 127.0.0.1 8443)
 *
 * A line longer than 1023 bytes goes out in several messages. With
 * --tls it talks to tls-echo-server: the same exchange over TLS, the
 * server's certificate verified for the host address (against FILE,
 * else the system's trust store; --insecure: not at all), the
 * handshake given 10 s; at the end it sends close_notify.
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
		"  port: 0..65535 (default 8888)\n"
		"   or: tcp-client --tls [--cafile FILE] [--insecure] "
		"[host [port]]\n"
		"  (over TLS; default port 8443)\n", stderr);
	return 2;
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "tcp-client: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

/* --tls: the TLS connection, or NULL without it. */
static netkit_tls *tls;

/* The options before host and port; returns how many words they took,
 * -1 for a bad one. */
static int
parse_tls(int argc, char **argv, netkit_tls_opts *o)
{
	int a = 1;

	if (argc < 2 || strcmp(argv[1], "--tls") != 0)
		return 0;
	for (a = 2; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--cafile") == 0 && a + 1 < argc)
			o->ca_file = argv[++a];
		else if (strcmp(argv[a], "--insecure") == 0)
			o->flags |= NETKIT_TLS_INSECURE_NO_VERIFY;
		else
			return -1;
	}
	return a - 1;
}

static void
start_tls(netkit_tls_ctx **ctx, const netkit_tls_opts *o, int fd,
	  const char *host)
{
	int rc = netkit_tls_ctx_new(ctx, o);

	if (rc < 0)
		die(o->ca_file ? o->ca_file : "TLS", rc);
	rc = netkit_tls_connect(&tls, *ctx, fd, host,
				netkit_deadline_in(10000));
	if (rc < 0)
		die("handshake", rc);
}

static ssize_t
send_msg(int fd, const char *msg, size_t len)
{
	if (tls)
		return netkit_tls_send_all(tls, msg, len, NULL, NETKIT_FOREVER);
	return netkit_send(fd, msg, len);
}

static ssize_t
recv_msg(int fd, char *buf, size_t len)
{
	if (tls)
		return netkit_tls_recv(tls, buf, len, NETKIT_FOREVER);
	return netkit_recv(fd, buf, len);
}

int
main(int argc, char **argv)
{
	netkit_tls_opts o = { .role = NETKIT_TLS_CLIENT };
	int skip = parse_tls(argc, argv, &o);
	const char *dflt = skip > 0 ? "8443" : "8888";
	const char *host = argc > 1 + skip ? argv[1 + skip] : "127.0.0.1";
	const char *service = argc > 2 + skip ? argv[2 + skip] : dflt;
	int port = parse_port(service);
	netkit_tls_ctx *ctx = NULL;
	char msg[1024], data[1024];
	netkit_addr addr;
	int sockfd, rc;
	ssize_t n;

	if (skip < 0 || argc > 3 + skip || port < 0)
		return usage();
	/* a numeric address only, as the tutorial's tuple */
	if ((rc = netkit_addr_from_ip(&addr, host, port)) < 0)
		die(host, rc);
	/* socket() and connect() in one call, without a time limit */
	sockfd = netkit_create_connection(host, service, NULL, NULL,
					  NETKIT_FOREVER);
	if (sockfd < 0)
		die("connect", sockfd);
	if (skip > 0)
		start_tls(&ctx, &o, sockfd, host);

	for (;;) {
		/* msg = input("Msg>>") */
		fputs("Msg>>", stdout);
		fflush(stdout);
		if (!fgets(msg, sizeof(msg), stdin))
			break;		/* end of input */
		msg[strcspn(msg, "\n")] = '\0';
		if (msg[0] == '\0')
			break;		/* if msg == "": break */
		n = send_msg(sockfd, msg, strlen(msg));
		if (n < 0)
			die("send", (int)n);
		n = recv_msg(sockfd, data, sizeof(data));
		if (n < 0)
			die("recv", (int)n);
		if (n == 0)
			break;		/* the server has closed */
		fwrite(data, 1, (size_t)n, stdout); /* print(data.decode()) */
		putchar('\n');
	}
	if (tls)	/* close_notify: the server answers "Bey" */
		netkit_tls_close(tls, netkit_deadline_in(1000));
	netkit_tls_ctx_free(ctx);
	netkit_close(sockfd);
	return 0;
}
