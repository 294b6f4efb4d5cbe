/* SPDX-License-Identifier: MIT */
/*
 * The chat room's client (see chat-server.c): what you type goes to the
 * room, what the room says is printed.
 *
 *   chat-client [host [port]]            (default 127.0.0.1 8889)
 *
 * It reads the keyboard (standard input) and the socket at once, on
 * the poller, so the room's lines appear while you type. No send
 * blocks: typed bytes wait in a 64 KiB buffer until the socket is
 * writable, and standard input is not read while that buffer is full.
 * A standard input that epoll cannot watch (a regular file, /dev/null)
 * makes it use the poll(2) backend instead.
 *
 * At the end of standard input (Ctrl-D) it sends what is left,
 * half-closes the connection, prints what the room still says until
 * the server closes, and exits with 0. If the server closes first (it
 * stopped, or dropped this client) it says so and exits with 1.
 */
#include <errno.h>
#include <netkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF 65536

static netkit_poller *p;
static int sock = -1;
static char out[BUF];		/* typed, not yet sent */
static size_t out_off, out_len;
static int in_eof, shut;
static unsigned sock_armed, in_armed;

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "chat-client: %s: %s\n", what, netkit_strerror(rc));
	return 1;
}

static int
parse_port(const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
		return -1;
	return atoi(text) <= 65535 ? atoi(text) : -1;
}

/* The socket is watched for writing only while bytes wait, standard
 * input for reading only while there is room for them. */
static void
set_interest(void)
{
	unsigned s = NETKIT_POLLER_READ, i = 0;

	if (out_len > out_off)
		s |= NETKIT_POLLER_WRITE;
	if (out_len < BUF || out_off > 0)
		i = NETKIT_POLLER_READ;
	if (s != sock_armed && netkit_poller_modify(p, sock, s, NULL) == 0)
		sock_armed = s;
	if (!in_eof && i != in_armed &&
	    netkit_poller_modify(p, STDIN_FILENO, i, NULL) == 0)
		in_armed = i;
}

/* Sends what it can without blocking: 0, or a negative code. */
static int
on_send(void)
{
	ssize_t n;

	if (out_len == out_off)
		return 0;
	n = netkit_send_until(sock, out + out_off, out_len - out_off,
			      NETKIT_NOW);
	if (n < 0 && netkit_err_is_temporary(n))	/* no room now */
		return 0;
	if (n < 0)
		return (int)n;
	out_off += (size_t)n;
	if (out_off == out_len)
		out_off = out_len = 0;
	return 0;
}

static int
on_stdin(void)
{
	ssize_t n;

	if (out_off > 0) {
		memmove(out, out + out_off, out_len - out_off);
		out_len -= out_off;
		out_off = 0;
	}
	if (out_len == BUF)	/* full: a read of 0 bytes is no end */
		return 0;
	n = read(STDIN_FILENO, out + out_len, BUF - out_len);
	if (n < 0)
		return netkit_err_is_temporary(-errno) ? 0 : -errno;
	if (n == 0) {
		in_eof = 1;
		netkit_poller_remove(p, STDIN_FILENO);
		return 0;
	}
	out_len += (size_t)n;
	return on_send();
}

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

/* Prints what the room says: 0, 1 once the server closed, or < 0. */
static int
on_recv(void)
{
	char buf[BUF];
	ssize_t n = netkit_recv_until(sock, buf, sizeof(buf), NETKIT_NOW);

	if (n < 0 && netkit_err_is_temporary(n))	/* nothing now */
		return 0;
	if (n <= 0)
		return n == 0 ? 1 : (int)n;
	return write_all(buf, (size_t)n);
}

/* Both descriptors on a new poller; -EPERM: epoll refused stdin. */
static int
watch(unsigned flags)
{
	int rc;

	netkit_poller_free(p);
	p = NULL;
	if ((rc = netkit_poller_new(&p, flags)) < 0 ||
	    (rc = netkit_poller_add(p, sock, NETKIT_POLLER_READ, NULL)) < 0 ||
	    (rc = netkit_poller_add(p, STDIN_FILENO, NETKIT_POLLER_READ,
				    NULL)) < 0)
		return rc;
	sock_armed = in_armed = NETKIT_POLLER_READ;
	return 0;
}

/* The loop: 0 when the server closed after our end, 1 before, < 0. */
static int
chat(void)
{
	const netkit_poller_event *ev;
	int n, i, rc = 0;

	while (rc == 0) {
		if (in_eof && out_len == out_off && !shut) {
			if ((rc = netkit_shutdown(sock, SHUT_WR)) < 0)
				return rc;
			shut = 1;
		}
		set_interest();
		if ((n = netkit_poller_wait(p, &ev, NETKIT_FOREVER)) < 0)
			return n;
		for (i = 0; i < n && rc == 0; i++) {
			if (ev[i].events == 0)
				continue;
			if (ev[i].fd == STDIN_FILENO)
				rc = on_stdin();
			else if (ev[i].events & NETKIT_POLLER_WRITE)
				rc = on_send();
			if (rc == 0 && ev[i].fd == sock &&
			    (ev[i].events & ~NETKIT_POLLER_WRITE))
				rc = on_recv();
		}
	}
	return rc == 1 && !shut ? 1 : rc == 1 ? 0 : rc;
}

int
main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	const char *service = argc > 2 ? argv[2] : "8889";
	int rc;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-') ||
	    parse_port(service) < 0) {
		fputs("usage: chat-client [host [port]]\n", stderr);
		return 2;
	}
	sock = netkit_create_connection(host, service, NULL, NULL,
					netkit_deadline_in(10000));
	if (sock < 0)
		return fail(host, sock);
	rc = watch(0);
	if (rc == -EPERM)	/* a file or /dev/null: poll(2) takes it */
		rc = watch(NETKIT_POLLER_USE_POLL);
	if (rc == 0)
		rc = chat();
	netkit_poller_free(p);
	netkit_close(sock);
	if (rc == 1)
		fputs("chat-client: the server closed the connection\n",
		      stderr);
	if (rc < 0)
		return fail("chat", rc);
	return rc;
}
