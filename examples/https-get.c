/* SPDX-License-Identifier: MIT */
/*
 * An HTTPS client with one deadline: fetch a URL over TLS and print the
 * response (status line, headers, body) on stdout as it comes.
 *
 *   https-get [--cafile FILE] [--insecure] [--timeout MS] URL
 *
 * URL is https://host[:port][/path] (host a name, an IPv4 address or
 * an IPv6 one in brackets; port 443). The server's certificate is
 * checked against the system's trust store (or FILE) and against the
 * host; --insecure checks nothing (tests only). One deadline, MS
 * milliseconds from the start (10000), bounds everything: the lookup,
 * the connection, the handshake, the request and the whole response.
 * The response ends at the server's close_notify: a connection closed
 * without it may have been cut short by anyone on the path, so it is a
 * failure, not an end. Any failure is one line on stderr and exit
 * status 1; a bad command line, 2.
 *
 * Python: urllib.request.urlopen(url, timeout=..., context=...), but
 * with one deadline for the whole exchange instead of one per call.
 */
#include <errno.h>
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct url {
	char host[256];		/* without the brackets of an IPv6 one */
	char port[6];
	const char *path;	/* "/..." */
};

static int
usage(void)
{
	fputs("usage: https-get [--cafile FILE] [--insecure] [--timeout MS] "
	      "URL\n  URL: https://host[:port][/path]\n", stderr);
	return 2;
}

/* A port is 1 to 5 decimal digits with a value of at most 65535. */
static int
parse_port(const char *text, size_t len, char *out)
{
	if (len == 0 || len > 5 || strspn(text, "0123456789") < len)
		return -1;
	memcpy(out, text, len);
	out[len] = '\0';
	return atoi(out) <= 65535 ? 0 : -1;
}

/* Splits https://host[:port][/path]; -1 if it is not such a URL. */
static int
parse_url(const char *text, struct url *u)
{
	const char *host = text + 8, *end, *after;
	size_t len;

	if (strncmp(text, "https://", 8) != 0)
		return -1;
	u->path = host + strcspn(host, "/");
	if (*host == '[') {		/* [v6]: the colons are the host's */
		end = memchr(host, ']', (size_t)(u->path - host));
		if (!end)
			return -1;
		host++;
		after = end + 1;
	} else {
		end = host + strcspn(host, ":/");
		after = end;
	}
	len = (size_t)(end - host);
	if (len == 0 || len >= sizeof(u->host) ||
	    memchr(host, '@', len) || memchr(host, '?', len))
		return -1;
	memcpy(u->host, host, len);
	u->host[len] = '\0';
	if (after == u->path) {
		strcpy(u->port, "443");
		return 0;
	}
	if (*after != ':')
		return -1;
	return parse_port(after + 1, (size_t)(u->path - after - 1), u->port);
}

/* Sends the request and copies the response to stdout until the
 * server's close_notify (0) or an error. */
static int
exchange(netkit_tls *t, const struct url *u, netkit_deadline dl)
{
	const char *v6 = strchr(u->host, ':') ? "[" : "";
	char req[1024], buf[16384];
	ssize_t n;
	int len;

	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n"
		       "Host: %s%s%s%s%s\r\n"
		       "User-Agent: https-get (libnetkit)\r\n"
		       "Accept: */*\r\nConnection: close\r\n\r\n",
		       *u->path ? u->path : "/", v6, u->host, *v6 ? "]" : "",
		       strcmp(u->port, "443") ? ":" : "",
		       strcmp(u->port, "443") ? u->port : "");
	if (len < 0 || (size_t)len >= sizeof(req))
		return -E2BIG;
	n = netkit_tls_send_all(t, req, (size_t)len, NULL, dl);
	if (n < 0)
		return (int)n;
	while ((n = netkit_tls_recv(t, buf, sizeof(buf), dl)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return -EIO;
	return fflush(stdout) == 0 ? (int)n : -EIO;
}

int
main(int argc, char **argv)
{
	netkit_tls_opts o = { .role = NETKIT_TLS_CLIENT };
	const char *what = "connect";
	netkit_tls_ctx *ctx = NULL;
	netkit_deadline dl;
	netkit_tls *t = NULL;
	long ms = 10000;
	struct url u;
	char *end;
	int i, fd = -1, rc;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--cafile") == 0 && i + 2 < argc) {
			o.ca_file = argv[++i];
		} else if (strcmp(argv[i], "--insecure") == 0) {
			o.flags |= NETKIT_TLS_INSECURE_NO_VERIFY;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 2 < argc) {
			ms = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || ms < 0 || ms > 86400000)
				return usage();
		} else {
			return usage();
		}
	}
	if (i != argc - 1 || parse_url(argv[i], &u) < 0)
		return usage();
	dl = netkit_deadline_in(ms);	/* one deadline for everything */

	rc = netkit_tls_ctx_new(&ctx, &o);
	if (rc < 0) {
		what = o.ca_file ? o.ca_file : "TLS setup";
		goto out;
	}
	rc = fd = netkit_create_connection(u.host, u.port, NULL, NULL, dl);
	if (rc < 0)
		goto out;
	what = "handshake";
	rc = netkit_tls_connect(&t, ctx, fd, u.host, dl);
	if (rc < 0)
		goto out;
	what = "response";
	rc = exchange(t, &u, dl);
	if (rc == 0) {
		rc = netkit_tls_close(t, dl);	/* our close_notify */
		t = NULL;
		rc = rc == -EPIPE || rc == -ECONNRESET ? 0 : rc;
		what = "close";
	}
out:
	if (rc < 0)
		fprintf(stderr, "https-get: %s: %s: %s\n", u.host, what,
			netkit_strerror(rc));
	netkit_tls_free(t);
	if (fd >= 0)
		netkit_close(fd);
	netkit_tls_ctx_free(ctx);
	return rc < 0;
}
