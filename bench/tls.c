/* SPDX-License-Identifier: MIT */
/*
 * netkit's TLS against bare OpenSSL (SSL_set_fd, SSL_connect/accept,
 * SSL_read/SSL_write on blocking sockets) in the same run, the same
 * certificate, the same settings (TLS 1.2 at least, the client
 * verifying the chain and the name), over loopback:
 *   conns  CONNS connections one after the other, each: TCP connect
 *          and accept, the full handshake (no resumption), one byte
 *          each way, close_notify both ways; prints connections/s.
 *   bulk   BULK bytes in 64 KiB writes from the client, read by the
 *          server in 64 KiB reads until the client's close_notify;
 *          prints MiB/s.
 * The client runs in the main thread, the server in another; both
 * ends use the implementation measured. The rounds alternate which of
 * the two runs first. One line per round and implementation:
 *   tlsconns|tlsbulk bare|tls VALUE ROUND
 * usage: bench-tls conns|bulk CERT KEY [ROUNDS]  (1..50, default 5)
 *   CERT: a self-signed certificate for localhost, trusted as is by the
 *   client; KEY its key (bench/run.sh makes them with openssl).
 * Bounded: a round stops at its count or after CAP seconds.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <netkit.h>

#define CHUNK (64 * 1024)
#define CONNS 1000
#define BULK (512L * 1024 * 1024)
#define CAP 60.0

struct impl {
	bool netkit;
	SSL_CTX *bare_cli, *bare_srv;
	netkit_tls_ctx *nk_cli, *nk_srv;
};

/* One end of one connection. */
struct end {
	SSL *ssl;
	netkit_tls *t;
};

static const char *cert, *key;
static netkit_addr where;
static int lfd;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fail(const char *what)
{
	fprintf(stderr, "bench-tls: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static SSL_CTX *
bare_ctx(bool server)
{
	SSL_CTX *c = SSL_CTX_new(server ? TLS_server_method() :
				 TLS_client_method());

	if (!c || SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1)
		fail("SSL_CTX_new");
	SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (server) {
		if (SSL_CTX_use_certificate_chain_file(c, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1)
			fail("server certificate");
	} else {
		if (SSL_CTX_load_verify_locations(c, cert, NULL) != 1)
			fail("CA file");
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	}
	return c;
}

static int
handshake(struct impl *im, struct end *e, int fd, bool server)
{
	if (im->netkit)
		return server ? netkit_tls_accept(&e->t, im->nk_srv, fd,
						  NETKIT_FOREVER) :
				netkit_tls_connect(&e->t, im->nk_cli, fd,
						   "localhost", NETKIT_FOREVER);
	e->ssl = SSL_new(server ? im->bare_srv : im->bare_cli);
	if (!e->ssl || SSL_set_fd(e->ssl, fd) != 1)
		fail("SSL_new");
	if (server)
		return SSL_accept(e->ssl) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(e->ssl, "localhost") != 1 ||
	    SSL_set1_host(e->ssl, "localhost") != 1)
		fail("host name");
	return SSL_connect(e->ssl) == 1 ? 0 : -1;
}

static long
put(struct impl *im, struct end *e, const void *buf, size_t len)
{
	size_t w, done = 0;

	if (im->netkit)
		return netkit_tls_send_all(e->t, buf, len, NULL,
					   NETKIT_FOREVER);
	while (done < len) {	/* partial writes on, as netkit's */
		if (SSL_write_ex(e->ssl, (const char *)buf + done,
				 len - done, &w) != 1)
			return -1;
		done += w;
	}
	return (long)done;
}

static long
get(struct impl *im, struct end *e, void *buf, size_t len)
{
	size_t r;

	if (im->netkit)
		return netkit_tls_recv(e->t, buf, len, NETKIT_FOREVER);
	if (SSL_read_ex(e->ssl, buf, len, &r) == 1)
		return (long)r;
	return SSL_get_error(e->ssl, 0) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static void
finish(struct impl *im, struct end *e)
{
	if (im->netkit) {
		netkit_tls_close(e->t, NETKIT_FOREVER);
	} else {
		SSL_shutdown(e->ssl);	/* sends close_notify, no wait */
		SSL_free(e->ssl);
	}
	ERR_clear_error();
}

static int
dial(void)
{
	int fd = netkit_socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || netkit_connect(fd, &where) < 0)
		fail("connect");
	netkit_set_nodelay(fd, true);
	return fd;
}

/* Closes after the server did: what the client never read (TLS 1.3
 * session tickets, the server's close_notify) would make close() send
 * a reset, which can destroy data the server has not read yet. */
static void
linger_close(int fd)
{
	char buf[4096];

	while (netkit_recv(fd, buf, sizeof(buf)) > 0)
		;
	netkit_close(fd);
}

struct job {
	struct impl *im;
	bool bulk;
	long count;		/* connections served, bytes received */
};

/* The server: conns: until a connection that is not TLS (the client's
 * end mark); bulk: one connection, read to its close_notify. */
static void *
serve(void *arg)
{
	static char buf[CHUNK];
	struct job *j = arg;
	struct end e = { 0 };
	long n;
	int fd;

	for (;;) {
		fd = netkit_accept(lfd, NULL);
		if (fd < 0)
			fail("accept");
		netkit_set_nodelay(fd, true);
		memset(&e, 0, sizeof(e));
		if (handshake(j->im, &e, fd, true) < 0) {
			if (!j->im->netkit)
				SSL_free(e.ssl);
			ERR_clear_error();
			netkit_close(fd);
			return NULL;
		}
		if (j->bulk) {
			while ((n = get(j->im, &e, buf, sizeof(buf))) > 0)
				j->count += n;
		} else if (get(j->im, &e, buf, 1) == 1 &&
			   put(j->im, &e, "s", 1) == 1) {
			j->count++;
		}
		finish(j->im, &e);
		netkit_close(fd);
		if (j->bulk)
			return NULL;
	}
}

/* One round of one implementation; its figure. */
static double
round_of(struct impl *im, bool bulk)
{
	static char chunk[CHUNK];
	struct job j = { im, bulk, 0 };
	struct end e;
	pthread_t th;
	double t0, t;
	long i, sent = 0;
	char c;
	int fd;

	if (pthread_create(&th, NULL, serve, &j) != 0)
		fail("pthread_create");
	t0 = now();
	for (i = 0; bulk ? i < 1 : i < CONNS; i++) {
		if (now() - t0 > CAP)
			break;
		memset(&e, 0, sizeof(e));
		fd = dial();
		if (handshake(im, &e, fd, false) < 0)
			fail("handshake");
		if (bulk) {
			while (sent < BULK && now() - t0 < CAP) {
				if (put(im, &e, chunk, CHUNK) != CHUNK)
					fail("send");
				sent += CHUNK;
			}
		} else if (put(im, &e, "c", 1) != 1 ||
			   get(im, &e, &c, 1) != 1) {
			fail("exchange");
		}
		finish(im, &e);
		linger_close(fd);
	}
	if (!bulk)
		netkit_close(dial());	/* not TLS: the server's end */
	pthread_join(th, NULL);
	t = now() - t0;
	if (bulk && j.count != sent)
		fail(im->netkit ? "bulk (netkit): the server got a different "
		     "count" : "bulk (bare): the server got a different count");
	if (!bulk && j.count != i)
		fail("conns: the server served a different count");
	return bulk ? (double)sent / (1024 * 1024) / t : (double)i / t;
}

int
main(int argc, char **argv)
{
	netkit_tls_opts co = { .role = NETKIT_TLS_CLIENT };
	netkit_tls_opts so = { .role = NETKIT_TLS_SERVER };
	struct impl bare = { .netkit = false }, nk = { .netkit = true };
	int rounds = argc > 4 ? atoi(argv[4]) : 5, r;
	bool bulk;

	if (argc < 4 || argc > 5 || rounds < 1 || rounds > 50 ||
	    (strcmp(argv[1], "conns") && strcmp(argv[1], "bulk"))) {
		fputs("usage: bench-tls conns|bulk CERT KEY [ROUNDS]\n",
		      stderr);
		return 2;
	}
	bulk = strcmp(argv[1], "bulk") == 0;
	cert = argv[2];
	key = argv[3];
	signal(SIGPIPE, SIG_IGN);	/* bare OpenSSL writes with write() */
	co.ca_file = cert;
	so.cert_file = cert;
	so.key_file = key;
	if (netkit_tls_ctx_new(&nk.nk_cli, &co) < 0 ||
	    netkit_tls_ctx_new(&nk.nk_srv, &so) < 0)
		fail("netkit_tls_ctx_new");
	bare.bare_cli = bare_ctx(false);
	bare.bare_srv = bare_ctx(true);
	if (netkit_addr_from_ip(&where, "127.0.0.1", 0) < 0 ||
	    (lfd = netkit_socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    netkit_bind(lfd, &where) < 0 || netkit_listen(lfd, 128) < 0 ||
	    netkit_local_addr(lfd, &where) < 0)
		fail("listen");
	for (r = 1; r <= rounds; r++) {
		struct impl *order[2] = { r % 2 ? &bare : &nk,
					  r % 2 ? &nk : &bare };
		int k;

		for (k = 0; k < 2; k++)
			printf("%s %s %.2f %d\n", bulk ? "tlsbulk" : "tlsconns",
			       order[k]->netkit ? "tls" : "bare",
			       round_of(order[k], bulk), r);
		fflush(stdout);
	}
	netkit_close(lfd);
	netkit_tls_ctx_free(nk.nk_cli);
	netkit_tls_ctx_free(nk.nk_srv);
	SSL_CTX_free(bare.bare_cli);
	SSL_CTX_free(bare.bare_srv);
	return 0;
}
