/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's echo server over TLS, for any number of clients at
 * once on one thread: each message is answered with "Receive your
 * message", and "Bey" goes to a client that ends (its close_notify),
 * with multi-echo-server's lines on stdout.
 *
 *   tls-echo-server --cert FILE --key FILE [--handshake-ms MS]
 *                   [host [port]]         (default 0.0.0.0 8443)
 *
 * Non-blocking TLS on the poller: every TLS call is made with
 * NETKIT_NOW, and one that answers -EAGAIN says with netkit_tls_wants()
 * whether it waits to read or to write, which is what the client's
 * descriptor is then registered for. A client has MS milliseconds
 * (10000) to finish its handshake, or it is dropped (one line on
 * stderr): a client that connects and says nothing holds one
 * descriptor for that long, never the server. A reply that cannot go
 * at once stops the reading of that client until it went, so a client
 * that sends without reading only slows itself. SIGINT or SIGTERM
 * ends the server: every client gets close_notify, status 0.
 *
 * Python: an ssl.SSLContext(PROTOCOL_TLS_SERVER) with
 * load_cert_chain(), wrap_socket(do_handshake_on_connect=False) on
 * each accepted socket, and a selectors loop driving do_handshake(),
 * recv() and send() through SSLWantReadError/SSLWantWriteError.
 */
#include <errno.h>
#include <netkit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client {
	struct client *prev, *next;	/* every client, for the end */
	netkit_tls *t;
	netkit_poller_timer handshake;	/* its deadline; stopped after */
	int fd;
	bool ready;			/* handshake done */
	bool ending;			/* "Bey" queued: close once sent */
	char out[32];			/* one reply (or "Bey") being sent */
	size_t out_off, out_len;
	char peer[NETKIT_REPRSTRLEN];	/* ('127.0.0.1', 54321) */
};

static netkit_poller *poller;
static struct client *clients;
static volatile sig_atomic_t stop;
static netkit_poller_timer accept_pause;	/* out of descriptors */

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
	netkit_poller_wake(poller);	/* async-signal-safe */
}

static void
drop(struct client *c, bool notify)
{
	netkit_poller_timer_stop(poller, &c->handshake);
	netkit_poller_remove(poller, c->fd);
	if (notify)	/* one try: close_notify if the socket takes it */
		netkit_tls_close(c->t, NETKIT_NOW);
	else
		netkit_tls_free(c->t);
	netkit_close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* Sends what is queued; -EAGAIN: the rest waits for netkit_tls_wants(). */
static int
flush(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = netkit_tls_send(c->t, c->out + c->out_off,
				    c->out_len - c->out_off, NETKIT_NOW);
		if (n < 0)
			return (int)n;
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static int
queue(struct client *c, const char *text)
{
	size_t len = strlen(text);

	memcpy(c->out + c->out_len, text, len);	/* empty: see serve() */
	c->out_len += len;
	return flush(c);
}

/* Reads and answers until the client's descriptor must be waited for
 * (-EAGAIN) or the client is gone (any other error, or it ended). */
static int
serve(struct client *c)
{
	char data[1024];
	ssize_t n;
	int rc;

	if (!c->ready) {
		if ((rc = netkit_tls_handshake(c->t, NETKIT_NOW)) < 0)
			return rc;
		c->ready = true;
		netkit_poller_timer_stop(poller, &c->handshake);
	}
	if ((rc = flush(c)) < 0 || c->ending)
		return rc < 0 ? rc : 1;		/* 1: "Bey" went: done */
	/* OpenSSL may hold decrypted bytes the descriptor no longer
	 * shows: read until -EAGAIN, not once per readiness. */
	while ((n = netkit_tls_recv(c->t, data, sizeof(data),
				    NETKIT_NOW)) > 0) {
		fputs("Receive ", stdout);
		fwrite(data, 1, (size_t)n, stdout);
		rc = queue(c, "Receive your message");
		printf("\nsend %d\n", rc == 0 || rc == -EAGAIN ? 20 : rc);
		if (rc < 0)	/* nothing more read until it went */
			return rc;
	}
	if (n < 0)
		return (int)n;
	c->ending = true;		/* its close_notify: "Bey" */
	rc = queue(c, "Bey");
	return rc < 0 ? rc : 1;
}

static void
handle(struct client *c)
{
	int rc = serve(c);

	if (rc == -EAGAIN) {
		netkit_poller_modify(poller, c->fd, netkit_tls_wants(c->t), c);
		return;
	}
	if (rc < 0 && !(rc == NETKIT_ETLS_TRUNCATED && c->ready))
		fprintf(stderr, "tls-echo-server: %s %s: %s\n",
			c->ready ? "recv" : "handshake", c->peer,
			netkit_strerror(rc));
	drop(c, rc > 0);
}

static void
take(int lfd, netkit_tls_ctx *ctx, int64_t handshake_ms)
{
	char text[NETKIT_REPRSTRLEN];
	struct client *c;
	netkit_addr peer;
	int fd, i, rc;

	for (i = 0; i < 64; i++) {	/* a batch, then the others' turn */
		fd = netkit_accept(lfd, &peer);
		if (fd == -EAGAIN || fd == -ECONNABORTED)
			return;
		c = fd < 0 ? NULL : calloc(1, sizeof(*c));
		if (!c) {	/* EMFILE...: no accepting for 100 ms */
			fprintf(stderr, "tls-echo-server: accept: %s\n",
				netkit_strerror(fd < 0 ? fd : -ENOMEM));
			if (fd >= 0)
				netkit_close(fd);
			netkit_poller_modify(poller, lfd, 0, NULL);
			netkit_poller_timer_start_in(poller, &accept_pause,
						     100, 0);
			return;
		}
		c->fd = fd;
		netkit_addr_tuple(&peer, c->peer, sizeof(c->peer));
		printf("Connect from %s\n", c->peer);	/* print(addr) */
		netkit_socket_repr(fd, text, sizeof(text));
		printf("Connect from %s\n", text);	/* print(conn) */
		c->next = clients;
		if (clients)
			clients->prev = c;
		clients = c;
		c->handshake.data = c;
		rc = netkit_tls_accept(&c->t, ctx, fd, NETKIT_NOW);
		if (rc == -EAGAIN)
			rc = netkit_poller_timer_start_in(poller,
					&c->handshake, handshake_ms, 0);
		else
			c->ready = rc == 0;
		if (rc == 0)
			rc = netkit_poller_add(poller, fd, c->ready ?
					       NETKIT_POLLER_READ :
					       netkit_tls_wants(c->t), c);
		if (rc < 0) {
			fprintf(stderr, "tls-echo-server: handshake %s: %s\n",
				c->peer, netkit_strerror(rc));
			drop(c, false);
		}
	}
}

/* Its handshake deadline passed. */
static void
too_slow(struct client *c)
{
	fprintf(stderr, "tls-echo-server: handshake %s: %s\n", c->peer,
		netkit_strerror(-ETIMEDOUT));
	drop(c, false);
}

static int
usage(void)
{
	fputs("usage: tls-echo-server --cert FILE --key FILE "
	      "[--handshake-ms MS] [host [port]]\n", stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	netkit_tls_opts o = { .role = NETKIT_TLS_SERVER };
	const char *host = "0.0.0.0", *port = "8443";
	char text[NETKIT_REPRSTRLEN], *end;
	const netkit_poller_event *ev;
	struct sigaction sa = { .sa_handler = on_signal };
	netkit_tls_ctx *ctx = NULL;
	long handshake_ms = 10000;
	int i, a, n, lfd = -1;
	netkit_addr addr;

	for (a = 1; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		if (strcmp(argv[a], "--cert") == 0) {
			o.cert_file = argv[a + 1];
		} else if (strcmp(argv[a], "--key") == 0) {
			o.key_file = argv[a + 1];
		} else if (strcmp(argv[a], "--handshake-ms") == 0) {
			handshake_ms = strtol(argv[a + 1], &end, 10);
			if (*end || end == argv[a + 1] || handshake_ms < 1 ||
			    handshake_ms > 86400000)
				return usage();
		} else {
			return usage();
		}
	}
	host = argc > a ? argv[a] : host;
	port = argc > a + 1 ? argv[a + 1] : port;
	/* a numeric address and port only, as the tutorial's tuple */
	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]:%s" : "%s:%s",
		 host, port);
	if (!o.cert_file || !o.key_file || argc > a + 2 || host[0] == '-' ||
	    netkit_addr_parse(&addr, text) < 0)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sa.sa_mask);
	if ((n = netkit_tls_ctx_new(&ctx, &o)) < 0 ||
	    (n = lfd = netkit_create_server(host, port, NULL,
					    NETKIT_FOREVER)) < 0 ||
	    (n = netkit_set_blocking(lfd, false)) < 0 ||
	    (n = netkit_poller_new(&poller, 0)) < 0 ||
	    (n = netkit_poller_add(poller, lfd, NETKIT_POLLER_READ,
				   NULL)) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0) {
		fprintf(stderr, "tls-echo-server: %s\n", netkit_strerror(n));
		netkit_tls_ctx_free(ctx);
		return 1;
	}
	printf("waiting for connect....\n");
	while (!stop && (n = netkit_poller_wait(poller, &ev,
						NETKIT_FOREVER)) >= 0) {
		for (i = 0; i < n; i++) {
			if (ev[i].events == 0)
				continue;		/* cancelled */
			if (ev[i].timer == &accept_pause)
				netkit_poller_modify(poller, lfd,
						     NETKIT_POLLER_READ, NULL);
			else if (ev[i].timer)		/* no handshake */
				too_slow(ev[i].data);
			else if (ev[i].fd == lfd)
				take(lfd, ctx, handshake_ms);
			else if (ev[i].fd >= 0)
				handle(ev[i].data);
		}
	}
	while (clients)		/* the signal, or a failed wait */
		drop(clients, clients->ready);
	netkit_poller_timer_stop(poller, &accept_pause);
	netkit_poller_free(poller);
	netkit_close(lfd);
	netkit_tls_ctx_free(ctx);
	if (n < 0)
		fprintf(stderr, "tls-echo-server: %s\n", netkit_strerror(n));
	return n < 0;
}
