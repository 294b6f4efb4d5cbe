/* SPDX-License-Identifier: MIT */
/*
 * TLS on the connection layer (netkit_conn_start_tls()): a loop serving
 * TLS clients on one thread while they run in others (netkit's own
 * blocking TLS calls, and openssl s_client, a peer nobody here wrote);
 * a loop as the client of a blocking netkit TLS server; handshakes that
 * fail, peers that cut the stream, clients that never say hello, and
 * the misuses. Loopback only; the certificates are made per process by
 * the openssl command.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <netkit.h>

#include "helpers.h"
#include "timing.h"

_Static_assert(NETKIT_HAS_TLS == 1, "built with TLS");

static char dir[] = "/tmp/netkit-loop-tls-XXXXXX";
static pid_t owner;

static const char certs_script[] =
	"set -e\n"
	"cd \"$1\"\n"
	"k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	"openssl req -x509 $k -keyout ca.key -out ca.pem -days 3650 "
	"-subj /CN=netkit-loop-test-ca\n"
	"openssl req $k -keyout server.key -out server.csr -subj /CN=localhost\n"
	"printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext\n"
	"openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
	"-CAcreateserial -out server.pem -days 365 -extfile server.ext\n"
	"openssl req -x509 $k -keyout self.key -out self.pem -days 365 "
	"-subj /CN=localhost -addext subjectAltName=DNS:localhost\n";

static const char *
file(const char *name)
{
	static _Thread_local char buf[4][512];
	static _Thread_local unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void
remove_certs(void)
{
	char cmd[600];

	if (getpid() != owner)	/* Check's forked tests run atexit too */
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void
make_certs(void)
{
	char cmd[1600];
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	owner = getpid();
	atexit(remove_certs);
	f = fopen(file("make.sh"), "w");
	if (!f)
		abort();
	fputs(certs_script, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh '%s/make.sh' '%s' >'%s/log' 2>&1",
		 dir, dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "making the certificates failed: %s/log\n",
			dir);
		owner = 0;
		exit(1);
	}
}

static netkit_tls_ctx *
server_ctx(const char *name)
{
	char cert[64], key[64];
	netkit_tls_opts o = { .role = NETKIT_TLS_SERVER };
	netkit_tls_ctx *ctx;

	snprintf(cert, sizeof(cert), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key", name);
	o.cert_file = file(cert);
	o.key_file = file(key);
	ck_assert_int_eq(netkit_tls_ctx_new(&ctx, &o), 0);
	return ctx;
}

static netkit_tls_ctx *
client_ctx(void)
{
	netkit_tls_opts o = { .role = NETKIT_TLS_CLIENT };
	netkit_tls_ctx *ctx;

	o.ca_file = file("ca.pem");
	ck_assert_int_eq(netkit_tls_ctx_new(&ctx, &o), 0);
	return ctx;
}

static unsigned char
pattern(size_t i, unsigned seed)
{
	return (unsigned char)((i * 7 + seed * 13 + 3) % 251);
}

/* ---- a TLS echo server on a loop, in a thread ---- */

#define MAX_CLOSED 64

struct echo {
	netkit_loop *loop;
	netkit_tls_ctx *ctx;
	netkit_addr addr;
	nk_thread *thread;
	pthread_mutex_t lock;	/* stop, closed[], n_closed */
	bool stop;
	/* Filled by the thread, read after the join. */
	int closed[MAX_CLOSED];
	int n_closed, n_open, start_err;
	netkit_deadline hs_deadline;	/* for every handshake */
};

static void *
echo_run(void *arg)
{
	struct echo *e = arg;
	const netkit_loop_event *ev;
	const void *data;
	char probe;
	int n, i, rc;

	for (;;) {
		pthread_mutex_lock(&e->lock);
		if (e->stop) {
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_unlock(&e->lock);
		n = netkit_loop_wait(e->loop, &ev, netkit_deadline_in(100));
		for (i = 0; i < n; i++) {
			netkit_conn *c = ev[i].conn;
			netkit_reader *in = netkit_conn_reader(c);
			size_t len;

			switch (ev[i].kind) {
			case NETKIT_LOOP_OPEN:
				e->n_open++;
				rc = netkit_conn_start_tls(c, e->ctx, NULL,
							   e->hs_deadline);
				if (rc < 0) {
					e->start_err = rc;
					netkit_conn_abort(c, false);
				}
				break;
			case NETKIT_LOOP_INPUT:
			case NETKIT_LOOP_DRAINED:
				len = netkit_reader_buffered(in, &data);
				if (len > 0) {
					rc = netkit_conn_write(c, data, len);
					if (rc < 0)
						netkit_conn_abort(c, false);
					else
						netkit_reader_consume(in, len);
				} else if (netkit_reader_read(in, &probe, 1,
							      NETKIT_NOW) == 0) {
					netkit_conn_close(c,
						netkit_deadline_in(5000));
				}
				break;
			case NETKIT_LOOP_CLOSED:
				pthread_mutex_lock(&e->lock);
				if (e->n_closed < MAX_CLOSED)
					e->closed[e->n_closed++] = ev[i].err;
				pthread_mutex_unlock(&e->lock);
				break;
			default:
				break;
			}
		}
	}
	return NULL;
}

/* A server whose handshakes end by hs (set before the thread starts:
 * it reads it). */
static void
echo_start_hs(struct echo *e, const netkit_loop_opts *o, const char *cert,
	      netkit_deadline hs)
{
	int lfd;

	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	e->hs_deadline = hs;
	e->ctx = server_ctx(cert);
	ck_assert_int_eq(netkit_loop_new(&e->loop, o), 0);
	lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(netkit_local_addr(lfd, &e->addr), 0);
	ck_assert_int_eq(netkit_loop_listen(e->loop, lfd, NULL), 0);
	e->thread = nk_spawn(echo_run, e);
}

static void
echo_start(struct echo *e, const netkit_loop_opts *o, const char *cert)
{
	echo_start_hs(e, o, cert, NETKIT_FOREVER);
}

static void
echo_stop(struct echo *e)
{
	pthread_mutex_lock(&e->lock);
	e->stop = true;
	pthread_mutex_unlock(&e->lock);
	netkit_loop_wake(e->loop);
	nk_join(e->thread);
	pthread_mutex_destroy(&e->lock);
	netkit_loop_free(e->loop);
	netkit_tls_ctx_free(e->ctx);
}

/* Waits (at most 10 s) until the server saw n connections end. */
static void
echo_wait_closed(struct echo *e, int n)
{
	long long end = nk_now_ms() + nk_scaled_ms(10000);
	int seen;

	for (;;) {
		pthread_mutex_lock(&e->lock);
		seen = e->n_closed;
		pthread_mutex_unlock(&e->lock);
		if (seen >= n || nk_now_ms() >= end)
			break;
		usleep(5000);
	}
	ck_assert_int_ge(seen, n);
}

static int
tcp_to(const netkit_addr *a)
{
	int fd = netkit_socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_connect(fd, a), 0);
	return fd;
}

/* A client: TLS over its own socket, `total` bytes out in chunks, each
 * read back whole and compared, then close_notify, and the server's
 * close_notify read as a clean end. */
struct client {
	const netkit_addr *addr;
	netkit_tls_ctx *ctx;
	size_t total, chunk;
	unsigned seed;
	const char *fail;
};

static void *
client_run(void *arg)
{
	struct client *k = arg;
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(30000));
	unsigned char *out = malloc(k->chunk), *in = malloc(k->chunk);
	netkit_tls *t = NULL;
	size_t done = 0, i, n;
	char end;
	int fd = tcp_to(k->addr);

	if (netkit_tls_connect(&t, k->ctx, fd, "localhost", dl) != 0) {
		k->fail = "handshake";
		goto out;
	}
	while (done < k->total) {
		n = k->total - done < k->chunk ? k->total - done : k->chunk;
		for (i = 0; i < n; i++)
			out[i] = pattern(done + i, k->seed);
		if (netkit_tls_send_all(t, out, n, NULL, dl) != (ssize_t)n ||
		    netkit_tls_recv_exact(t, in, n, NULL, dl) != (ssize_t)n) {
			k->fail = "exchange";
			goto out;
		}
		if (memcmp(in, out, n) != 0) {
			k->fail = "bytes differ";
			goto out;
		}
		done += n;
	}
	/* Our close_notify; the server's comes back after its queue. */
	if (netkit_tls_send(t, "", 0, dl) != 0) {
		k->fail = "empty send";
		goto out;
	}
	{
		int rc = netkit_tls_close(t, dl);

		t = NULL;
		if (rc != 0) {
			k->fail = "close_notify";
			goto out;
		}
	}
	/* The server closed after its close_notify: a plain end now. */
	if (netkit_recv_until(fd, &end, 1, dl) < 0)
		k->fail = "after close";
out:
	netkit_tls_free(t);
	netkit_close(fd);
	free(out);
	free(in);
	return NULL;
}

static void
many_clients_with(const netkit_loop_opts *o, netkit_deadline hs,
		  size_t total, size_t chunk)
{
	struct client k[8];
	nk_thread *th[8];
	netkit_tls_ctx *cctx[8];
	struct echo e;
	int i;

	echo_start_hs(&e, o, "server", hs);
	/* One context per client thread: a shared one is OpenSSL's to
	 * lock, with atomics ThreadSanitizer cannot see in libcrypto. */
	for (i = 0; i < 8; i++)
		cctx[i] = client_ctx();
	for (i = 0; i < 8; i++) {
		k[i] = (struct client){ &e.addr, cctx[i], total, chunk,
					(unsigned)i, NULL };
		th[i] = nk_spawn(client_run, &k[i]);
	}
	for (i = 0; i < 8; i++) {
		nk_join(th[i]);
		ck_assert_msg(k[i].fail == NULL, "client %d: %s", i,
			      k[i].fail);
	}
	echo_wait_closed(&e, 8);
	echo_stop(&e);
	ck_assert_int_eq(e.start_err, 0);
	ck_assert_int_eq(e.n_open, 8);
	for (i = 0; i < 8; i++)	/* each ended by the program's close */
		ck_assert_int_eq(e.closed[i], 0);
	for (i = 0; i < 8; i++)
		netkit_tls_ctx_free(cctx[i]);
}

static void
many_clients(size_t input_size, size_t total, size_t chunk)
{
	netkit_loop_opts o = { .input_size = input_size };

	many_clients_with(&o, NETKIT_FOREVER, total, chunk);
}

/* Eight clients at once, 256 KiB each way in 16 KiB exchanges: every
 * byte back in order, every connection ended cleanly both ways. */
START_TEST(echo_many)
{
	many_clients(0, 256 * 1024, 16 * 1024);
}
END_TEST

/* A reader smaller than a TLS record (16 KiB): OpenSSL holds the rest
 * of each record, which no readiness announces; the loop reads it once
 * the program made room. */
START_TEST(echo_small_reader)
{
	many_clients(1000, 200 * 1024, 40 * 1024);
}
END_TEST

/* 1 MiB exchanges under high marks above them: the loop reads each
 * whole before the client reads a byte, so its answers wait for the
 * socket to take them (EAGAIN, then writability), with idle and stall
 * timers and a handshake deadline running, none of which fires. */
START_TEST(echo_big_exchanges)
{
	netkit_loop_opts o = { .output_high = 8 << 20, .output_max = 16 << 20,
			       .idle_ms = 30000, .stall_ms = 30000 };

	many_clients_with(&o, netkit_deadline_in(nk_scaled_ms(30000)),
			  2 << 20, 1 << 20);
}
END_TEST

/* openssl s_client, verifying the server against the test CA: its
 * lines come back. */
START_TEST(echo_openssl_client)
{
	struct echo e;
	char cmd[1024], out[256] = "";
	FILE *p;
	size_t n;

	echo_start(&e, NULL, "server");
	/* Its input stays open until the echo came back (or 20 s), then
	 * ends, and -no_ign_eof makes that its end. */
	snprintf(cmd, sizeof(cmd),
		 "o='%s'; : > \"$o\"; { printf 'hello over tls\\n'; i=0; "
		 "while [ $i -lt 400 ] && ! grep -q 'hello over tls' \"$o\"; "
		 "do sleep 0.05; i=$((i+1)); done; } | timeout 30 openssl "
		 "s_client -connect 127.0.0.1:%u -servername localhost "
		 "-CAfile '%s' -verify_return_error -quiet -no_ign_eof "
		 ">\"$o\" 2>/dev/null; cat \"$o\"",
		 file("s_client.out"), (unsigned)netkit_addr_port(&e.addr),
		 file("ca.pem"));
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	pclose(p);
	out[n] = '\0';
	echo_stop(&e);
	ck_assert_int_eq(e.start_err, 0);
	ck_assert_str_eq(out, "hello over tls\n");
}
END_TEST

/* A client that is not TLS: the handshake fails, CLOSED says so. */
START_TEST(handshake_not_tls)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct echo e;
	char buf[64];
	int fd;

	echo_start(&e, NULL, "server");
	fd = tcp_to(&e.addr);
	ck_assert_int_eq(netkit_send_all(fd, req, sizeof(req) - 1),
			 (ssize_t)sizeof(req) - 1);
	echo_wait_closed(&e, 1);
	/* The loop closed it: our read ends (an alert may come first). */
	while (netkit_recv_until(fd, buf, sizeof(buf),
				 netkit_deadline_in(nk_scaled_ms(10000))) > 0)
		;
	netkit_close(fd);
	echo_stop(&e);
	ck_assert_int_eq(e.closed[0], NETKIT_ETLS);
}
END_TEST

/* A peer that closes without close_notify: what it sent arrives, then
 * the connection ends with NETKIT_ETLS_TRUNCATED, not as a clean end. */
START_TEST(peer_truncates)
{
	netkit_tls_ctx *cctx = client_ctx();
	netkit_tls *t;
	struct echo e;
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(10000));
	char back[5];
	int fd;

	echo_start(&e, NULL, "server");
	fd = tcp_to(&e.addr);
	ck_assert_int_eq(netkit_tls_connect(&t, cctx, fd, "localhost", dl),
			 0);
	ck_assert_int_eq(netkit_tls_send_all(t, "hello", 5, NULL, dl), 5);
	ck_assert_int_eq(netkit_tls_recv_exact(t, back, 5, NULL, dl), 5);
	ck_assert_int_eq(memcmp(back, "hello", 5), 0);
	netkit_tls_free(t);	/* no close_notify */
	netkit_close(fd);
	echo_wait_closed(&e, 1);
	echo_stop(&e);
	ck_assert_int_eq(e.closed[0], NETKIT_ETLS_TRUNCATED);
	netkit_tls_ctx_free(cctx);
}
END_TEST

/* A client that connects and never says hello: idle_ms drops it, and
 * never before its time. */
START_TEST(idle_bounds_handshake)
{
	netkit_loop_opts o = { .idle_ms = 300 };
	struct echo e;
	char c;
	double t0;
	int fd;

	echo_start(&e, &o, "server");
	t0 = nk_now_ms();
	fd = tcp_to(&e.addr);
	ck_assert_int_eq(netkit_recv_until(fd, &c, 1, netkit_deadline_in(
						   nk_scaled_ms(10000))), 0);
	ck_assert_msg(nk_now_ms() - t0 >= 300, "dropped after %.0f ms",
		      nk_now_ms() - t0);
	netkit_close(fd);
	echo_wait_closed(&e, 1);
	echo_stop(&e);
	ck_assert_int_eq(e.closed[0], NETKIT_EIDLE);
}
END_TEST

/* The same client, no idle time: the handshake's own deadline drops
 * it with -ETIMEDOUT, never before the deadline. */
START_TEST(handshake_deadline)
{
	struct echo e;
	char c;
	double t0;
	int fd;

	t0 = nk_now_ms();
	echo_start_hs(&e, NULL, "server", netkit_deadline_in(300));
	fd = tcp_to(&e.addr);
	ck_assert_int_eq(netkit_recv_until(fd, &c, 1, netkit_deadline_in(
						   nk_scaled_ms(10000))), 0);
	ck_assert_msg(nk_now_ms() - t0 >= 300, "dropped after %.0f ms",
		      nk_now_ms() - t0);
	netkit_close(fd);
	echo_wait_closed(&e, 1);
	echo_stop(&e);
	ck_assert_int_eq(e.closed[0], -ETIMEDOUT);
}
END_TEST

/* ---- the loop as a client ---- */

struct blocking_server {
	int lfd;
	netkit_tls_ctx *ctx;
	int rc;		/* the accept's result */
	int write_rc;	/* the loop client's write before the handshake */
	char got[16];
};

/* Takes one client, reads "hello", answers "world" and close_notify. */
static void *
blocking_serve(void *arg)
{
	struct blocking_server *s = arg;
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(20000));
	netkit_tls *t = NULL;
	int fd = netkit_accept_until(s->lfd, NULL, dl);

	if (fd < 0) {
		s->rc = fd;
		return NULL;
	}
	s->rc = netkit_tls_accept(&t, s->ctx, fd, dl);
	if (s->rc == 0 &&
	    netkit_tls_recv_exact(t, s->got, 5, NULL, dl) == 5 &&
	    netkit_tls_send_all(t, "world", 5, NULL, dl) == 5)
		netkit_tls_close(t, dl);
	else
		netkit_tls_free(t);
	/* Until the client's end, so that it is not reset. */
	while (netkit_recv_until(fd, s->got + 8, 1, dl) > 0)
		;
	netkit_close(fd);
	return NULL;
}

/* Runs the loop with one adopted connection to a blocking server with
 * certificate cert; returns the CLOSED err, the bytes it read in got. */
static int
loop_client(const char *cert, char got[16], struct blocking_server *s)
{
	netkit_tls_ctx *cctx = client_ctx();
	const netkit_loop_event *ev;
	netkit_loop *loop;
	netkit_conn *c;
	netkit_addr a;
	nk_thread *th;
	size_t have = 0;
	int err = 1, n, i, fd;
	long long end = nk_now_ms() + nk_scaled_ms(20000);

	s->ctx = server_ctx(cert);
	s->lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(s->lfd, 0);
	ck_assert_int_eq(netkit_local_addr(s->lfd, &a), 0);
	th = nk_spawn(blocking_serve, s);
	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	fd = tcp_to(&a);
	ck_assert_int_eq(netkit_loop_adopt(loop, fd, NULL, &c), 0);
	ck_assert_int_eq(netkit_conn_start_tls(c, cctx, "localhost",
					       NETKIT_FOREVER), 0);
	/* Written before the handshake ends: it waits in the queue (or,
	 * on a slow machine, the first step took the server's answer and
	 * refused it, and the connection is already over). */
	s->write_rc = netkit_conn_write(c, "hello", 5);
	while (err == 1 && nk_now_ms() < end) {
		n = netkit_loop_wait(loop, &ev, netkit_deadline_in(1000));
		for (i = 0; i < n; i++) {
			netkit_reader *in = netkit_conn_reader(ev[i].conn);
			ssize_t r;

			if (ev[i].kind == NETKIT_LOOP_CLOSED) {
				err = ev[i].err;
				continue;
			}
			if (ev[i].kind != NETKIT_LOOP_INPUT)
				continue;
			r = netkit_reader_read(in, got + have, 15 - have,
					       NETKIT_NOW);
			if (r > 0)
				have += (size_t)r;
			else if (r == 0)	/* its close_notify */
				netkit_conn_close(ev[i].conn,
						  netkit_deadline_in(5000));
		}
	}
	got[have] = '\0';
	netkit_loop_free(loop);
	nk_join(th);
	netkit_close(s->lfd);
	netkit_tls_ctx_free(s->ctx);
	netkit_tls_ctx_free(cctx);
	return err;
}

/* The loop's client side against a trusted server: the request written
 * before the handshake went after it, the answer came, the server's
 * close_notify was the end, and ours closed the connection cleanly. */
START_TEST(client_side)
{
	struct blocking_server s = { 0 };
	char got[16];

	ck_assert_int_eq(loop_client("server", got, &s), 0);
	ck_assert_int_eq(s.write_rc, 0);
	ck_assert_int_eq(s.rc, 0);
	ck_assert_int_eq(memcmp(s.got, "hello", 5), 0);
	ck_assert_str_eq(got, "world");
}
END_TEST

/* A self-signed server: the loop refuses it, and CLOSED says why. */
START_TEST(client_refuses_self_signed)
{
	struct blocking_server s = { 0 };
	char got[16];

	ck_assert_int_eq(loop_client("self", got, &s),
			 NETKIT_ETLS_SELF_SIGNED);
	ck_assert(s.write_rc == 0 || s.write_rc == -EPIPE);
	ck_assert_str_eq(got, "");
	ck_assert_int_ne(s.rc, 0);	/* the server saw it fail */
}
END_TEST

/* ---- misuse ---- */

#define F NETKIT_FOREVER

START_TEST(misuse)
{
	netkit_tls_ctx *sctx = server_ctx("server"), *cctx = client_ctx();
	const netkit_loop_event *ev;
	netkit_loop *loop;
	netkit_conn *c, *d;
	char buf[8];
	size_t len;
	int a, b, x, y;

	nk_tcp_pair(AF_INET, &a, &b);
	nk_tcp_pair(AF_INET, &x, &y);
	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, a, NULL, &c), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, x, NULL, &d), 0);
	ck_assert_int_eq(netkit_conn_start_tls(NULL, sctx, NULL, F), -EINVAL);
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, NULL,
					       netkit_deadline_at(-2)),
			 -EINVAL);
	ck_assert_int_eq(netkit_conn_start_tls(c, NULL, NULL, F), -EINVAL);
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, "localhost", F),
			 -EINVAL);
	ck_assert_int_eq(netkit_conn_start_tls(c, cctx, NULL, F), -EINVAL);
	/* Plain text queued: it would go out unencrypted. */
	ck_assert_int_eq(netkit_conn_write(d, "x", 1), 0);
	ck_assert_int_eq(netkit_conn_start_tls(d, sctx, NULL, F), -EBUSY);
	/* Once, then no second time, and no detach. */
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, NULL, F), 0);
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, NULL, F), -EBUSY);
	ck_assert_int_eq(netkit_conn_detach(c, buf, sizeof(buf), &len),
			 -EBUSY);
	ck_assert_int_eq(netkit_conn_abort(c, false), 0);
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, NULL, F), -EPIPE);
	ck_assert_int_ge(netkit_loop_wait(loop, &ev, NETKIT_NOW), 1);
	netkit_loop_free(loop);	/* frees d's queue, and c */
	netkit_close(b);
	netkit_close(y);
	netkit_tls_ctx_free(sctx);
	netkit_tls_ctx_free(cctx);
}
END_TEST

/* A close while the handshake waits: no close_notify (there is no
 * session), the write side shut, and the peer's end ends it. */
START_TEST(close_during_handshake)
{
	netkit_tls_ctx *sctx = server_ctx("server");
	const netkit_loop_event *ev;
	netkit_loop *loop;
	netkit_conn *c;
	char buf[8];
	int a, b, n, err = 1;
	long long end = nk_now_ms() + nk_scaled_ms(10000);

	nk_tcp_pair(AF_INET, &a, &b);
	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, a, NULL, &c), 0);
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, NULL, F), 0);
	ck_assert_int_eq(netkit_conn_close(c, netkit_deadline_in(5000)), 0);
	/* The loop's end: nothing came, the stream ends. */
	ck_assert_int_eq(netkit_loop_wait(loop, &ev, NETKIT_NOW), 0);
	ck_assert_int_eq(netkit_recv_until(b, buf, sizeof(buf),
					   netkit_deadline_in(5000)), 0);
	netkit_close(b);
	while (err == 1 && nk_now_ms() < end) {
		n = netkit_loop_wait(loop, &ev, netkit_deadline_in(1000));
		if (n == 1 && ev[0].kind == NETKIT_LOOP_CLOSED)
			err = ev[0].err;
	}
	ck_assert_int_eq(err, 0);
	netkit_loop_free(loop);
	netkit_tls_ctx_free(sctx);
}
END_TEST

/* Bytes read before TLS starts would be plain text too. */
START_TEST(misuse_input_first)
{
	netkit_tls_ctx *sctx = server_ctx("server");
	const netkit_loop_event *ev;
	netkit_loop *loop;
	netkit_conn *c;
	int a, b, n;

	nk_tcp_pair(AF_INET, &a, &b);
	ck_assert_int_eq(netkit_loop_new(&loop, NULL), 0);
	ck_assert_int_eq(netkit_loop_adopt(loop, a, NULL, &c), 0);
	ck_assert_int_eq(netkit_send_all(b, "plain", 5), 5);
	do
		n = netkit_loop_wait(loop, &ev, netkit_deadline_in(5000));
	while (n == 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ev[0].kind, NETKIT_LOOP_INPUT);
	ck_assert_int_eq(netkit_conn_start_tls(c, sctx, NULL, F), -EBUSY);
	netkit_loop_free(loop);
	netkit_close(b);
	netkit_tls_ctx_free(sctx);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("loop-tls");

	make_certs();
	NK_ADD_TEST(s, echo_many);
	NK_ADD_TEST(s, echo_small_reader);
	NK_ADD_TEST(s, echo_big_exchanges);
	NK_ADD_TEST(s, echo_openssl_client);
	NK_ADD_TEST(s, handshake_not_tls);
	NK_ADD_TEST(s, peer_truncates);
	NK_ADD_TEST(s, idle_bounds_handshake);
	NK_ADD_TEST(s, handshake_deadline);
	NK_ADD_TEST(s, client_side);
	NK_ADD_TEST(s, client_refuses_self_signed);
	NK_ADD_TEST(s, misuse);
	NK_ADD_TEST(s, misuse_input_first);
	NK_ADD_TEST(s, close_during_handshake);
	return s;
}
