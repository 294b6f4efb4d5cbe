/* SPDX-License-Identifier: MIT */
/*
 * The smallest useful HTTP server, on the connection layer (loop.h):
 * "GET /" is answered "Hello, World!", anything else 404.
 *
 *   http-hello [host [port]]             (default 0.0.0.0 8080)
 *
 * HTTP/1.1 keeps the connection open unless the request says
 * "Connection: close"; HTTP/1.0 closes it after the answer unless the
 * request says "Connection: keep-alive". Pipelined requests (sent before
 * the first answer came) are answered in order, and their answers leave
 * in one send: netkit_conn_write() only queues, and the loop sends each
 * connection's queue once, at the next netkit_loop_wait().
 *
 * What one client cannot do to the server or to the others:
 * - make it buffer without bound: a request's head (its request line
 *   and headers) is at most HEAD_MAX bytes (longer: 431, then close);
 *   a client that sends requests without reading the answers is no
 *   longer read once 64 KiB of answers wait for it (the loop's high
 *   mark; TCP flow control then slows that client down, and only it);
 * - keep a connection forever: silent for IDLE_MS, or not reading its
 *   answers for STALL_MS, and it is closed;
 * - make it spin when descriptors run out: the loop stops accepting
 *   for a while (clients wait in the listen backlog).
 * Garbage gets 400 and the connection closed. Request bodies are not
 * read: a request that has one is answered, then the connection closed.
 *
 * Nothing is printed per request. SIGINT or SIGTERM comes as an
 * event of the loop (netkit_loop_catch()): it closes every connection
 * and exits with 0.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HEAD_MAX 8192		/* request line and headers, bytes */
#define IDLE_MS 60000
#define STALL_MS 30000
#define CLOSE_MS 5000		/* for a graceful close */

struct client {
	bool in_head;		/* request line read, headers next */
	bool found;		/* it is GET / */
	bool keep;		/* keep the connection after the answer */
	bool body;		/* it has a body (which we do not read) */
	bool high;		/* above the high mark: wait for DRAINED */
	size_t head;		/* bytes of its head so far */
};

static netkit_loop *loop;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "http-hello: %s: %s\n", what, netkit_strerror(rc));
	exit(1);
}

/* RFC 9110 wants a Date in every answer: formatted once a second. */
static const char *
http_date(void)
{
	static char text[32];
	static time_t last;
	time_t now = time(NULL);
	struct tm tm;

	if (now != last && gmtime_r(&now, &tm)) {
		strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		last = now;
	}
	return text;
}

/* Queues the answer; returns what netkit_conn_write() says. */
static int
answer(netkit_conn *conn, const struct client *c, int status)
{
	const char *reason = status == 200 ? "OK" : status == 404 ?
		"Not Found" : status == 431 ?
		"Request Header Fields Too Large" : "Bad Request";
	const char *body = status == 200 ? "Hello, World!" : reason;
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\n"
			 "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Date: %s\r\nConnection: %s\r\n\r\n%s", status,
			 reason, strlen(body), http_date(),
			 c->keep && !c->body ? "keep-alive" : "close", body);

	return netkit_conn_write(conn, buf, (size_t)n);
}

/* "GET / HTTP/1.1", its line end cut: false if it is not one. */
static bool
request_line(struct client *c, const char *line)
{
	const char *sp1 = strchr(line, ' ');
	const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	if (!sp2 || sp1 == line || sp2 == sp1 + 1)
		return false;
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		c->keep = true;		/* 1.1: kept unless "close" */
	else if (strcmp(sp2 + 1, "HTTP/1.0") != 0)
		return false;
	c->found = strncmp(line, "GET / ", 6) == 0 && sp2 == line + 5;
	c->in_head = true;
	return true;
}

/* "Name: value": the two that matter here. False if not a header. */
static bool
header(struct client *c, char *line)
{
	char *value = strchr(line, ':');

	if (!value || value == line)
		return false;
	*value++ = '\0';
	value += strspn(value, " \t");
	/* one token: what clients send ("keep-alive, Upgrade" is rare) */
	if (strcasecmp(line, "Connection") == 0)
		c->keep = strcasecmp(value, "close") != 0 &&
			(c->keep || strcasecmp(value, "keep-alive") == 0);
	else if (strcasecmp(line, "Transfer-Encoding") == 0 ||
		 (strcasecmp(line, "Content-Length") == 0 &&
		  strcmp(value, "0") != 0))
		c->body = true;
	return true;
}

/* One line of a request. Returns 0 to go on with the next line,
 * NETKIT_CONN_HIGH to wait for DRAINED, or < 0: the connection goes. */
static int
on_line(netkit_conn *conn, struct client *c, char *line, size_t len)
{
	int status = 0, rc = 0;

	c->head += len;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (c->head > HEAD_MAX)
		status = 431;
	else if (!c->in_head)	/* empty lines before a request: allowed */
		status = len == 0 || request_line(c, line) ? 0 : 400;
	else if (len > 0)
		status = header(c, line) ? 0 : 400;
	else {			/* the empty line: the head is complete */
		rc = answer(conn, c, c->found ? 200 : 404);
		if (!c->keep || c->body)
			rc = -1;
		*c = (struct client){ 0 };	/* the next request */
	}
	if (status != 0) {
		c->keep = false;
		answer(conn, c, status);
		rc = -1;
	}
	if (rc < 0)
		netkit_conn_close(conn, netkit_deadline_in(CLOSE_MS));
	return rc;
}

/* Answers every complete request buffered, in order; called for INPUT
 * and for DRAINED (when we stopped above the high mark). */
static void
serve(netkit_conn *conn, struct client *c)
{
	netkit_reader *in = netkit_conn_reader(conn);
	char line[HEAD_MAX + 1];
	ssize_t n;
	int rc;

	while ((n = netkit_reader_read_line(in, line, sizeof(line),
					    NETKIT_NOW)) > 0)
		if ((rc = on_line(conn, c, line, (size_t)n)) != 0) {
			c->high = rc == NETKIT_CONN_HIGH;
			return;
		}
	if (n == NETKIT_ETOOLONG) {		/* a line past HEAD_MAX */
		c->keep = false;
		answer(conn, c, 431);
	}
	if (n != -EAGAIN)	/* the client is done, or junk, or an error */
		netkit_conn_close(conn, netkit_deadline_in(CLOSE_MS));
}

/* One event; false once the program is to stop. Each client's state
 * is in its connection (conn_size): zeroed at OPEN, freed with it. */
static bool
handle(const netkit_loop_event *ev)
{
	struct client *c = netkit_conn_storage(ev->conn);

	switch (ev->kind) {
	case NETKIT_LOOP_DRAINED:
		c->high = false;
		serve(ev->conn, c);	/* input may be waiting */
		break;
	case NETKIT_LOOP_INPUT:
		if (!c->high)	/* else it waits in the reader */
			serve(ev->conn, c);
		break;
	case NETKIT_LOOP_SIGNAL:	/* SIGINT or SIGTERM */
		return false;
	}
	/* ACCEPT_PAUSED (out of descriptors) needs nothing: the loop
	 * tries again by itself, and a line per pause would be a flood. */
	return true;
}

static int
parse_port(const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -1;
	return atoi(text) <= 65535 ? atoi(text) : -1;
}

int
main(int argc, char **argv)
{
	netkit_server_opts sopts = { .backlog = 512 };
	netkit_loop_opts lopts = { .idle_ms = IDLE_MS, .stall_ms = STALL_MS,
				   .conn_size = sizeof(struct client) };
	const netkit_loop_event *ev;
	const char *host = argc > 1 ? argv[1] : "0.0.0.0";
	const char *service = argc > 2 ? argv[2] : "8080";
	char here[NETKIT_ADDRSTRLEN];
	netkit_addr addr;
	int fd, n, i;
	bool run = true;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-') ||
	    parse_port(service) < 0) {
		fputs("usage: http-hello [host [port]]\n", stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((n = netkit_addr_from_ip(&addr, host, 0)) < 0)
		die(host, n);	/* a numeric address, as the others take */
	fd = netkit_create_server(host, service, &sopts, NETKIT_FOREVER);
	if (fd < 0)
		die("create_server", fd);
	if ((n = netkit_loop_new(&loop, &lopts)) < 0 ||
	    (n = netkit_loop_listen(loop, fd, NULL)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGINT)) < 0 ||
	    (n = netkit_loop_catch(loop, SIGTERM)) < 0)
		die("loop", n);
	if (netkit_local_addr(fd, &addr) < 0 ||
	    netkit_addr_format(&addr, here, sizeof(here)) < 0)
		strcpy(here, "?");
	printf("http-hello listening on http://%s/\n", here);
	while (run) {
		if ((n = netkit_loop_wait(loop, &ev, NETKIT_FOREVER)) < 0)
			die("wait", n);
		for (i = 0; i < n && run; i++)
			run = handle(&ev[i]);
	}
	netkit_loop_free(loop);	/* closes every connection, no events */
	return 0;
}
