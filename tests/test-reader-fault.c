/* SPDX-License-Identifier: MIT */
/*
 * The buffered reader under fault injection (tests/fault.h): seeded
 * random EINTR, EAGAIN and 1-byte counts under recv(), send() and
 * poll() while a writer thread sends a few MiB of a line protocol with
 * binary bodies ("LEN\n" + LEN bytes), ';'-delimited records and lines
 * longer than the reader's buffer. Every byte must come out once, in
 * order. Then short deadlines under the same faults: -ETIMEDOUT, never
 * early, and nothing lost (the rest of the stream still matches).
 *
 * NETKIT_FAULT_SEED=<n> runs the random tests with that seed only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "fault.h"

#define STREAM (2u * 1024 * 1024)
#define RBUF 4096		/* the reader's buffer */
#define LINE_MAX_OUT 8192	/* read_line's output: > RBUF */
#define PAIR_BUF 32768
#define SHORT_MS 100

static const uint64_t seeds[] = { 0x1, 0xdecafbad, 0x5eed0f5eed };

enum op_kind { OP_LINE, OP_SKIP, OP_PIECES, OP_BODY, OP_DELIM };

/* One step of the protocol, at stream[off, off + len). A body's op
 * covers its "LEN\n" header (hdr bytes) and the body after it. */
struct op {
	enum op_kind kind;
	size_t off, len, hdr;
};

struct script {
	unsigned char *stream;	/* what the writer sends */
	unsigned char *want;	/* what the reader must hand out: the
				 * stream with skipped lines zeroed */
	size_t len;
	struct op *ops;
	size_t n_ops, cap_ops;
	uint64_t rng;
};

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* lo..hi inclusive. */
static size_t
rand_in(struct script *sc, size_t lo, size_t hi)
{
	return lo + (size_t)(next_rand(&sc->rng) % (hi - lo + 1));
}

static uint64_t
fnv1a(const unsigned char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static size_t
mismatches(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += a[i] != b[i];
	return n;
}

/* Appends n letters (never '\n' or ';'), then end if end >= 0. */
static void
put_text(struct script *sc, size_t n, int end)
{
	size_t i;

	for (i = 0; i < n; i++)
		sc->stream[sc->len++] =
			(unsigned char)('a' + next_rand(&sc->rng) % 26);
	if (end >= 0)
		sc->stream[sc->len++] = (unsigned char)end;
}

static void
add_op(struct script *sc, enum op_kind kind, size_t off, size_t hdr)
{
	if (sc->n_ops == sc->cap_ops) {
		sc->cap_ops = sc->cap_ops ? 2 * sc->cap_ops : 256;
		sc->ops = realloc(sc->ops, sc->cap_ops * sizeof(*sc->ops));
		ck_assert_ptr_nonnull(sc->ops);
	}
	sc->ops[sc->n_ops++] = (struct op){ kind, off, sc->len - off, hdr };
}

/* "LEN\n" and LEN random bytes (any value, '\n' and ';' included). */
static void
put_body(struct script *sc, size_t n)
{
	size_t off = sc->len, i;
	int hdr;

	hdr = snprintf((char *)sc->stream + sc->len, 32, "%zu\n", n);
	sc->len += (size_t)hdr;
	for (i = 0; i < n; i++)
		sc->stream[sc->len++] = (unsigned char)next_rand(&sc->rng);
	add_op(sc, OP_BODY, off, (size_t)hdr);
}

/* One random step: short, medium (up to a full buffer) and over-long
 * lines, small bodies (through the buffer), large ones (past it), and
 * delimited records. */
static void
put_step(struct script *sc)
{
	size_t off = sc->len, r = rand_in(sc, 0, 9);

	if (r <= 3 || r == 4) {
		put_text(sc, r <= 3 ? rand_in(sc, 0, 120) :
			 rand_in(sc, 120, RBUF - 1), '\n');
		add_op(sc, OP_LINE, off, 0);
	} else if (r == 5) {
		put_text(sc, rand_in(sc, RBUF, 3 * RBUF), '\n');
		add_op(sc, rand_in(sc, 0, 1) ? OP_SKIP : OP_PIECES, off, 0);
	} else if (r <= 7) {
		put_body(sc, rand_in(sc, 1, 3000));
	} else if (r == 8) {
		put_body(sc, rand_in(sc, RBUF, 32 * 1024));
	} else {
		put_text(sc, rand_in(sc, 0, 400), ';');
		add_op(sc, OP_DELIM, off, 0);
	}
}

static void
script_make(struct script *sc, uint64_t seed)
{
	size_t i;

	memset(sc, 0, sizeof(*sc));
	sc->rng = seed | 1;
	/* Room for the last step past STREAM: at most a 32 KiB body. */
	sc->stream = malloc(STREAM + 64 * 1024);
	ck_assert_ptr_nonnull(sc->stream);
	while (sc->len < STREAM)
		put_step(sc);
	sc->want = malloc(sc->len);
	ck_assert_ptr_nonnull(sc->want);
	memcpy(sc->want, sc->stream, sc->len);
	for (i = 0; i < sc->n_ops; i++)
		if (sc->ops[i].kind == OP_SKIP)
			memset(sc->want + sc->ops[i].off, 0, sc->ops[i].len);
}

static void
script_free(struct script *sc)
{
	free(sc->stream);
	free(sc->want);
	free(sc->ops);
}

/* 30% of sends and recvs: 10% EINTR, 10% EAGAIN, 10% a 1-byte count;
 * 30% of polls: 15% EINTR, 15% EAGAIN (p2 and p3 are of the calls the
 * rules before let pass). */
static void
add_mix(enum nk_fault_call call, double p1, double p2, double p3)
{
	nk_fault_add(&(struct nk_fault_rule){ .call = call,
		.action = NK_FAULT_FAIL, .err = EINTR, .prob = p1 });
	nk_fault_add(&(struct nk_fault_rule){ .call = call,
		.action = NK_FAULT_FAIL, .err = EAGAIN, .prob = p2 });
	if (p3 > 0)
		nk_fault_add(&(struct nk_fault_rule){ .call = call,
			.action = NK_FAULT_SHORT, .max = 1, .prob = p3 });
}

static void
add_random_faults(void)
{
	add_mix(NK_FAULT_RECV, 0.1, 0.1 / 0.9, 0.1 / 0.8);
	add_mix(NK_FAULT_SEND, 0.1, 0.1 / 0.9, 0.1 / 0.8);
	add_mix(NK_FAULT_POLL, 0.15, 0.15 / 0.85, 0);
}

/* A loopback TCP pair with small socket buffers (set before the
 * handshake), so that the writer blocks often: many calls, many
 * faults. Made before the faults are installed. */
static void
small_pair(int family, int *c, int *s)
{
	int l, sz = PAIR_BUF;
	netkit_addr a;

	nk_loopback(family, 0, &a);
	l = netkit_socket(family, SOCK_STREAM, 0);
	*c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert(l >= 0 && *c >= 0);
	ck_assert_int_eq(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &sz,
				    sizeof(sz)), 0);
	ck_assert_int_eq(setsockopt(*c, SOL_SOCKET, SO_SNDBUF, &sz,
				    sizeof(sz)), 0);
	ck_assert_int_eq(netkit_bind(l, &a), 0);
	ck_assert_int_eq(netkit_listen(l, 1), 0);
	ck_assert_int_eq(netkit_local_addr(l, &a), 0);
	ck_assert_int_eq(netkit_connect(*c, &a), 0);
	*s = netkit_accept(l, NULL);
	ck_assert_int_ge(*s, 0);
	netkit_close(l);
}

struct feed {
	int fd;
	const struct script *sc;
	netkit_deadline deadline;
	ssize_t rc;
	size_t sent;
};

/* Sends the stream in pieces of 1 byte to 4 KiB (each its own segment),
 * then half-closes: records arrive cut at every offset. */
static void *
feed_run(void *arg)
{
	struct feed *f = arg;
	uint64_t x = f->sc->rng | 1;
	size_t n, part;
	ssize_t rc = 0;
	int one = 1;

	(void)setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (f->sent < f->sc->len && rc >= 0) {
		n = 1 + (size_t)(next_rand(&x) % 4096);
		if (n > f->sc->len - f->sent)
			n = f->sc->len - f->sent;
		part = 0;
		rc = netkit_send_all_until(f->fd, f->sc->stream + f->sent, n, &part,
					   f->deadline);
		f->sent += part;
	}
	f->rc = rc;
	netkit_shutdown(f->fd, SHUT_WR);
	return NULL;
}

/* An over-long line: refused whole, then taken in pieces of up to
 * 1000 bytes with netkit_reader_read(), or dropped with skip_line(). */
static void
read_long(netkit_reader *r, const struct op *o, unsigned char *in,
	  char *line, netkit_deadline dl)
{
	size_t done = 0, ask;
	ssize_t n;

	n = netkit_reader_read_line(r, line, LINE_MAX_OUT, dl);
	ck_assert_msg(n == NETKIT_ETOOLONG, "long line: %zd (%s)", n,
		      netkit_errname((int)n));
	if (o->kind == OP_SKIP) {
		n = netkit_reader_skip_line(r, dl);
		ck_assert_int_eq(n, (ssize_t)o->len);
		return;
	}
	while (done < o->len) {
		ask = o->len - done < 1000 ? o->len - done : 1000;
		n = netkit_reader_read(r, in + o->off + done, ask, dl);
		ck_assert_msg(n > 0, "read: %zd (%s)", n,
			      netkit_errname((int)n));
		done += (size_t)n;
	}
}

/* "LEN\n" by read_line, LEN parsed from what came, then the body by
 * read_exact. */
static void
read_body(netkit_reader *r, const struct op *o, unsigned char *in,
	  char *line, netkit_deadline dl)
{
	size_t body = o->len - o->hdr, got = 0;
	ssize_t n;

	n = netkit_reader_read_line(r, line, LINE_MAX_OUT, dl);
	ck_assert_int_eq(n, (ssize_t)o->hdr);
	memcpy(in + o->off, line, o->hdr);
	ck_assert_uint_eq(strtoul(line, NULL, 10), body);
	n = netkit_reader_read_exact(r, in + o->off + o->hdr, body, &got, dl);
	ck_assert_msg(n == (ssize_t)body && got == body,
		      "read_exact: %zd (%s), got %zu of %zu", n,
		      netkit_errname((int)n), got, body);
}

static void
read_op(netkit_reader *r, const struct op *o, unsigned char *in,
	char *line, netkit_deadline dl)
{
	ssize_t n;

	switch (o->kind) {
	case OP_SKIP:
	case OP_PIECES:
		read_long(r, o, in, line, dl);
		return;
	case OP_BODY:
		read_body(r, o, in, line, dl);
		return;
	case OP_LINE:
		n = netkit_reader_read_line(r, line, LINE_MAX_OUT, dl);
		break;
	default:
		n = netkit_reader_read_delim(r, ';', line, LINE_MAX_OUT, dl);
		break;
	}
	ck_assert_msg(n == (ssize_t)o->len, "record at %zu: %zd (%s), "
		      "not %zu", o->off, n, netkit_errname((int)n), o->len);
	memcpy(in + o->off, line, o->len);
}

/* Reads the whole script through a reader over s; returns the bytes
 * consumed (skipped lines counted, by skip_line's own count). */
static size_t
read_script(int s, const struct script *sc, unsigned char *in, netkit_deadline dl)
{
	unsigned char rbuf[RBUF];
	char *line = malloc(LINE_MAX_OUT);
	netkit_reader r;
	size_t i, total = 0;

	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(netkit_reader_init(&r, s, rbuf, sizeof(rbuf)), 0);
	for (i = 0; i < sc->n_ops; i++) {
		read_op(&r, &sc->ops[i], in, line, dl);
		total += sc->ops[i].len;
	}
	/* The writer's half-close: the end, and nothing after it. */
	ck_assert_int_eq(netkit_reader_read_line(&r, line, LINE_MAX_OUT, dl),
			 0);
	netkit_reader_free(&r);
	free(line);
	return total;
}

static void
run_seed(int family, uint64_t seed)
{
	struct script sc;
	struct feed f = { .rc = 0 };
	unsigned char *in;
	size_t total, bad;
	nk_thread *t;
	int c, s;

	script_make(&sc, seed);
	in = calloc(1, sc.len);
	ck_assert_ptr_nonnull(in);
	small_pair(family, &c, &s);
	nk_fault_install(seed);
	add_random_faults();
	f = (struct feed){ .fd = c, .sc = &sc,
		.deadline = netkit_deadline_in(nk_scaled_ms(8000)) };
	t = nk_spawn(feed_run, &f);
	total = read_script(s, &sc, in, f.deadline);
	nk_join(t);
	bad = mismatches(in, sc.want, sc.len);
	fprintf(stderr, "reader-fault: seed %#llx: %lu calls failed, %zu "
		"bytes delivered, %zu mismatches\n",
		(unsigned long long)seed, nk_fault_failed_total(), total, bad);
	ck_assert_msg(f.rc >= 0 && f.sent == sc.len, "writer: %zd (%s)",
		      f.rc, netkit_errname((int)f.rc));
	ck_assert_uint_eq(total, sc.len);
	ck_assert_uint_eq(fnv1a(in, sc.len), fnv1a(sc.want, sc.len));
	ck_assert_uint_eq(bad, 0);
	ck_assert_msg(nk_fault_failed(NK_FAULT_RECV) > 0 &&
		      nk_fault_failed(NK_FAULT_POLL) > 0,
		      "no fault was injected (seed %#llx)",
		      (unsigned long long)seed);
	nk_fault_reset();
	netkit_close(c);
	netkit_close(s);
	free(in);
	script_free(&sc);
}

START_TEST(random_faults_reader_delivers_every_byte_once_in_order)
{
	int family;
	size_t i;

	FAMILY_OR_SKIP(family);
	if (nk_fault_seed_from_env()) {
		run_seed(family, nk_fault_seed_env(0));
		return;
	}
	for (i = 0; i < N_ELEMS(seeds); i++)
		run_seed(family, seeds[i]);
}
END_TEST

/* Sends text from the test thread (faults apply: send_all_until
 * retries them). */
static void
send_now(int fd, const void *p, size_t n)
{
	size_t sent = 0;

	ck_assert_int_eq(netkit_send_all_until(fd, p, n, &sent,
		netkit_deadline_in(nk_scaled_ms(5000))), (ssize_t)n);
}

/* Calls one reader function with a SHORT_MS deadline on a stream that
 * has stopped: -ETIMEDOUT, on time. */
enum short_call { SC_LINE, SC_DELIM, SC_EXACT, SC_SKIP };

static void
expect_timeout(netkit_reader *r, enum short_call which, void *out,
	       size_t len, size_t *got)
{
	netkit_deadline dl = netkit_deadline_in(SHORT_MS);
	int64_t end;
	ssize_t n;

	if (which == SC_LINE)
		n = netkit_reader_read_line(r, out, len, dl);
	else if (which == SC_DELIM)
		n = netkit_reader_read_delim(r, ';', out, len, dl);
	else if (which == SC_EXACT)
		n = netkit_reader_read_exact(r, out, len, got, dl);
	else
		n = netkit_reader_skip_line(r, dl);
	end = netkit_now();
	ck_assert_msg(n == -ETIMEDOUT, "call %d gave %zd (%s)", (int)which, n,
		      netkit_errname((int)n));
	nk_assert_on_time("reader call", (double)(dl.at - SHORT_MS), dl,
			  (double)end);
}

/* A line, a delimited record and a body, each cut in two by a pause
 * longer than the deadline: each call times out, then the same call
 * with NETKIT_FOREVER gets the whole of it, byte for byte. */
static void
cut_records(int c, netkit_reader *r, const unsigned char *pat)
{
	unsigned char body[20000];
	char out[256];
	size_t got = 0;

	send_now(c, "first line\npartial ", 19);
	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		NETKIT_FOREVER), 11);
	ck_assert_str_eq(out, "first line\n");
	expect_timeout(r, SC_LINE, out, sizeof(out), NULL);
	send_now(c, "line\nrec", 8);
	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		NETKIT_FOREVER), 13);
	ck_assert_str_eq(out, "partial line\n");
	expect_timeout(r, SC_DELIM, out, sizeof(out), NULL);
	send_now(c, "ord;20000\n", 10);
	send_now(c, pat, 7000);
	ck_assert_int_eq(netkit_reader_read_delim(r, ';', out, sizeof(out),
		NETKIT_FOREVER), 7);
	ck_assert_str_eq(out, "record;");
	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		NETKIT_FOREVER), 6);
	expect_timeout(r, SC_EXACT, body, sizeof(body), &got);
	ck_assert_uint_eq(got, 7000);
	send_now(c, pat + 7000, 13000);
	ck_assert_int_eq(netkit_reader_read_exact(r, body + got,
		sizeof(body) - got, &got, NETKIT_FOREVER), 13000);
	ck_assert_uint_eq(mismatches(body, pat, sizeof(body)), 0);
}

/* An over-long line cut by a pause: skip_line times out inside it,
 * the next skip_line finishes it, and the line after it is intact. */
static void
cut_long_line(int c, netkit_reader *r, const unsigned char *pat)
{
	char out[256];
	ssize_t n;

	send_now(c, pat, 6000);
	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		NETKIT_FOREVER), NETKIT_ETOOLONG);
	expect_timeout(r, SC_SKIP, NULL, 0, NULL);
	send_now(c, "tail\nafter\n", 11);
	n = netkit_reader_skip_line(r, NETKIT_FOREVER);
	/* The 6000 bytes were all in the socket before the first skip
	 * began, so it dropped them all, unless the machine was too slow
	 * for 6000 bytes in 100 ms under faults (a late try; valgrind
	 * always is). */
	ck_assert(n >= 5 && n <= 6005);
	if (n != 5 && !nk_slow_runner())
		nk_late("skip_line dropped only %zd of 6000 bytes by its "
			"deadline", 6005 - n);
	ck_assert_int_eq(netkit_reader_read_line(r, out, sizeof(out),
		NETKIT_FOREVER), 6);
	ck_assert_str_eq(out, "after\n");
}

/* Letters only: no '\n' or ';' for the long line. */
static void
letters(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)('a' + next_rand(&x) % 26);
}

static void
run_short(int family, uint64_t seed)
{
	unsigned char pat[20000], rbuf[RBUF];
	netkit_reader r;
	char out[16];
	int c, s;

	letters(pat, sizeof(pat), seed);
	nk_tcp_pair(family, &c, &s);
	ck_assert_int_eq(netkit_reader_init(&r, s, rbuf, sizeof(rbuf)), 0);
	nk_fault_install(seed);
	add_random_faults();
	cut_records(c, &r, pat);
	cut_long_line(c, &r, pat);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(netkit_reader_read_line(&r, out, sizeof(out),
		NETKIT_FOREVER), 0);
	fprintf(stderr, "reader-fault: seed %#llx: %lu calls failed across "
		"4 timeouts, 0 bytes lost\n", (unsigned long long)seed,
		nk_fault_failed_total());
	ck_assert_uint_gt(nk_fault_failed_total(), 0);
	nk_fault_reset();
	netkit_reader_free(&r);
	netkit_close(c);
	netkit_close(s);
}

START_TEST(short_deadlines_under_faults_time_out_on_time_and_lose_nothing)
{
	int family;
	size_t i;

	FAMILY_OR_SKIP(family);
	/* Each seed is one try (timing.h): a late one runs again. */
	if (nk_fault_seed_from_env()) {
		NK_ON_TIME(NK_TRIES)
			run_short(family, nk_fault_seed_env(0));
		return;
	}
	for (i = 0; i < N_ELEMS(seeds); i++)
		NK_ON_TIME(NK_TRIES)
			run_short(family, seeds[i]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("reader-fault");

	NK_ADD_FAULT_TEST_V4_V6(s,
		random_faults_reader_delivers_every_byte_once_in_order);
	NK_ADD_FAULT_TEST_V4_V6(s,
		short_deadlines_under_faults_time_out_on_time_and_lose_nothing);
	return s;
}
