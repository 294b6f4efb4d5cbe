/* SPDX-License-Identifier: MIT */
/*
 * kTLS (NETKIT_TLS_KTLS) and netkit_tls_sendfile(), netkit at both ends
 * of a loopback connection: a server thread that sends, a client that
 * receives with OpenSSL in user space and compares every byte.
 *
 * Where the kernel has no TLS (no `tls` in tcp_available_ulp, as on
 * this project's machines) every test runs the user-space path and
 * checks that netkit_tls_ktls() says so. NETKIT_TEST_KTLS=1 makes kTLS
 * required: the `ktls-vm` test runs this program inside Debian's own
 * kernel, its tls module loaded, under qemu (tests/vm/run.sh), where
 * the server's records are then made by the kernel and read by OpenSSL.
 *
 * The certificate is made here with OpenSSL's calls, not the openssl
 * command, so that the program needs nothing beside itself in the VM.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "helpers.h"
#include "sys.h"

static char dir[64];
static char cert_path[96], key_path[96];
static pid_t maker;	/* Check forks a process per test: only this one
			 * removes the files */

static void
remove_cert(void)
{
	if (getpid() != maker)
		return;
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
}

/* A self-signed P-256 certificate for localhost, valid for a day. */
static void
make_cert(void)
{
	const char *tmp = getenv("TMPDIR");
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/nk-ktls-XXXXXX", tmp ? tmp : "/tmp");
	if (!k || !x || !mkdtemp(dir)) {
		fprintf(stderr, "test-ktls: cannot make the certificate\n");
		exit(1);
	}
	snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
	maker = getpid();
	atexit(remove_cert);
	/* OpenSSL's one-time set-up, here before any thread: the server
	 * thread's first context and the client's would make it at once,
	 * and helgrind cannot see OpenSSL's own ordering of the two. */
	SSL_CTX_free(SSL_CTX_new(TLS_method()));
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_sign(x, k, EVP_sha256());
	f = fopen(cert_path, "w");
	if (f) {
		PEM_write_X509(f, x);
		fclose(f);
	}
	f = fopen(key_path, "w");
	if (f) {
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	X509_free(x);
	EVP_PKEY_free(k);
}

/* Whether the kernel offers TLS now (after a connection asked, a
 * privileged process gets the module loaded). */
static bool
ulp_listed(void)
{
	char line[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	return strstr(line, "tls") != NULL;
}

static bool
required(void)
{
	const char *r = getenv("NETKIT_TEST_KTLS");

	return r && strcmp(r, "1") == 0;
}

/* What netkit_tls_ktls() must say of a connection that asked. */
static void
check_ktls(netkit_tls *t, bool asked)
{
	int on = netkit_tls_ktls(t);

	if (!asked) {
		ck_assert_int_eq(on, 0);
		return;
	}
	if (required())
		ck_assert_msg(on == 1, "kTLS is required and is off");
	else
		ck_assert_int_eq(on, ulp_listed());
}

static unsigned char
pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 4099);
}

/* A file of size bytes of the pattern, unlinked: its descriptor. */
static int
pattern_file(size_t size)
{
	char path[128];
	unsigned char buf[8192];
	size_t i, done = 0, n;
	int fd;

	snprintf(path, sizeof(path), "%s/file-XXXXXX", dir);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	while (done < size) {
		n = size - done < sizeof(buf) ? size - done : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(done + i);
		ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
		done += n;
	}
	return fd;
}

static netkit_tls_ctx *
ctx_new(int role, unsigned flags)
{
	netkit_tls_opts o = { .role = role, .flags = flags };
	netkit_tls_ctx *c = NULL;

	if (role == NETKIT_TLS_SERVER) {
		o.cert_file = cert_path;
		o.key_file = key_path;
	} else {
		o.ca_file = cert_path;
	}
	ck_assert_int_eq(netkit_tls_ctx_new(&c, &o), 0);
	return c;
}

/* The server thread: accepts one client, makes the handshake, then runs
 * the test's part. */
struct server {
	unsigned flags;
	int lfd, rc;
	int (*part)(struct server *s, netkit_tls *t);
	int fd, file;
	off_t offset;
	size_t count, sent;
	int stops, eagains;
	nk_thread *th;
};

static void *
server_main(void *arg)
{
	struct server *s = arg;
	netkit_tls_ctx *ctx = ctx_new(NETKIT_TLS_SERVER, s->flags);
	netkit_deadline dl = netkit_deadline_in(30000);
	netkit_tls *t = NULL;
	int fd = netkit_accept_until(s->lfd, NULL, dl);

	s->fd = fd;
	s->rc = fd < 0 ? fd : netkit_tls_accept(&t, ctx, fd, dl);
	if (s->rc == 0)
		s->rc = s->part(s, t);
	if (t && s->rc == 0)
		s->rc = netkit_tls_close(t, netkit_deadline_in(10000));
	else
		netkit_tls_free(t);
	if (fd >= 0)
		netkit_close(fd);
	netkit_tls_ctx_free(ctx);
	return NULL;
}

/* Starts a server thread running fn and connects to it: the client's
 * descriptor. */
static int
connect_to(struct server *s, void *(*fn)(void *))
{
	netkit_addr a;
	char port[8];
	int fd;

	s->lfd = nk_listen(AF_INET, &a);
	s->th = nk_spawn(fn, s);
	snprintf(port, sizeof(port), "%d", netkit_addr_port(&a));
	fd = netkit_create_connection("127.0.0.1", port, NULL, NULL,
				      netkit_deadline_in(30000));
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* Starts the server; connects and handshakes a client, whose connection
 * goes to *t and descriptor to *fd. */
static void
start(struct server *s, unsigned client_flags, netkit_tls_ctx **cctx,
      netkit_tls **t, int *fd)
{
	*cctx = ctx_new(NETKIT_TLS_CLIENT, client_flags);
	*fd = connect_to(s, server_main);
	ck_assert_int_eq(netkit_tls_connect(t, *cctx, *fd, "localhost",
					    netkit_deadline_in(30000)), 0);
}

/* What a test that start() began and that joined the server itself
 * holds: the client's connection and context, the server's listener
 * and file (finish() joins and checks the server too). */
static void
release(struct server *s, netkit_tls *t, int fd, netkit_tls_ctx *cctx)
{
	netkit_tls_free(t);
	netkit_close(fd);
	netkit_tls_ctx_free(cctx);
	netkit_close(s->lfd);
	close(s->file);
}

static void
finish(struct server *s, netkit_tls_ctx *cctx, netkit_tls *t, int fd)
{
	nk_join(s->th);
	netkit_tls_free(t);
	netkit_close(fd);
	netkit_tls_ctx_free(cctx);
	netkit_close(s->lfd);
	ck_assert_int_eq(s->rc, 0);
}

/* Receives n bytes and checks they are the pattern from first on. */
static void
receive_bytes(netkit_tls *t, size_t first, size_t n)
{
	unsigned char *b = malloc(n + 1);
	size_t got = 0, i;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(netkit_tls_recv_exact(t, b, n, &got,
					       netkit_deadline_in(60000)),
			 (ssize_t)n);
	for (i = 0; i < n; i++)
		if (b[i] != pattern(first + i))
			ck_abort_msg("byte %zu is %u, not %u", i, b[i],
				     pattern(first + i));
	free(b);
}

/* The same, then the clean end (the server's close_notify: with kTLS a
 * record the kernel made from OpenSSL's alert). */
static void
receive_pattern(netkit_tls *t, size_t first, size_t n)
{
	char end;

	receive_bytes(t, first, n);
	ck_assert_int_eq(netkit_tls_recv(t, &end, 1,
					 netkit_deadline_in(30000)), 0);
}

/* Each test in two setups: kTLS asked by the server only (_server), and
 * by both (_both). */
static const unsigned client_flags[] = { 0, NETKIT_TLS_KTLS };
#define ADD_BOTH(s, t) \
	do { \
		suite_add_tcase((s), nk_tcase_part((t), "_server", 0, 1)); \
		suite_add_tcase((s), nk_tcase_part((t), "_both", 1, 2)); \
	} while (0)

/* ---- sending with send_all ---- */

enum { BULK = 3 * 1024 * 1024 + 77 };

static int
part_send(struct server *s, netkit_tls *t)
{
	unsigned char *b = malloc(BULK), echo[16];
	size_t i;
	ssize_t n;

	check_ktls(t, true);
	if (!b)
		return -ENOMEM;
	for (i = 0; i < BULK; i++)
		b[i] = pattern(i);
	n = netkit_tls_send_all(t, b, BULK, NULL, netkit_deadline_in(60000));
	free(b);
	if (n != BULK)
		return n < 0 ? (int)n : -EIO;
	/* Reading still works: the client's 16 bytes. */
	n = netkit_tls_recv_exact(t, echo, sizeof(echo), NULL,
				  netkit_deadline_in(30000));
	for (i = 0; n == (ssize_t)sizeof(echo) && i < sizeof(echo); i++)
		if (echo[i] != pattern(i))
			return -EBADMSG;
	return n == (ssize_t)sizeof(echo) ? 0 : -EIO;
}

START_TEST(send_all_arrives_whole_and_ends_clean)
{
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_send };
	unsigned char b[16];
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	size_t i;
	int fd;

	start(&s, client_flags[_i], &cctx, &t, &fd);
	check_ktls(t, client_flags[_i] != 0);
	for (i = 0; i < sizeof(b); i++)
		b[i] = pattern(i);
	ck_assert_int_eq(netkit_tls_send_all(t, b, sizeof(b), NULL,
					     netkit_deadline_in(30000)), 16);
	receive_pattern(t, 0, BULK);
	finish(&s, cctx, t, fd);
}
END_TEST

/* ---- netkit_tls_sendfile() ---- */

static int
part_sendfile(struct server *s, netkit_tls *t)
{
	ssize_t n;

	check_ktls(t, true);
	n = netkit_tls_sendfile(t, s->file, s->offset, s->count, &s->sent,
				netkit_deadline_in(60000));
	if (n < 0)
		return (int)n;
	return (size_t)n == s->sent ? 0 : -EIO;
}

START_TEST(sendfile_to_the_end)
{
	enum { SIZE = 4 * 1024 * 1024 + 4321 };
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_sendfile };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	s.file = pattern_file(SIZE);
	start(&s, client_flags[_i], &cctx, &t, &fd);
	receive_pattern(t, 0, SIZE);
	finish(&s, cctx, t, fd);
	ck_assert_uint_eq(s.sent, SIZE);
	/* The file's own offset did not move. */
	ck_assert_int_eq(lseek(s.file, 0, SEEK_CUR), SIZE);
	close(s.file);
}
END_TEST

START_TEST(sendfile_a_range)
{
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_sendfile,
			    .offset = 5000, .count = 300001 };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	s.file = pattern_file(400000);
	start(&s, client_flags[_i], &cctx, &t, &fd);
	receive_pattern(t, 5000, 300001);
	finish(&s, cctx, t, fd);
	ck_assert_uint_eq(s.sent, 300001);
	close(s.file);
}
END_TEST

/* With NETKIT_NOW and a client that reads only later, the call answers
 * -EAGAIN with its count; called again for the rest, every byte arrives
 * once, in order. Meanwhile a plain send is refused (without kTLS, the
 * piece OpenSSL holds is the file's). */
enum { RESUME_SIZE = 8 * 1024 * 1024 };

static int
part_resume(struct server *s, netkit_tls *t)
{
	netkit_deadline end = netkit_deadline_in(60000);
	int small = 4096;
	size_t sent;
	ssize_t n;

	check_ktls(t, true);
	/* Without kTLS, a send buffer smaller than a record: a record's
	 * send stops half-way, and the call that made it must be made
	 * again. */
	if (!netkit_tls_ktls(t))
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &small,
			   sizeof(small));
	while (s->sent < RESUME_SIZE) {
		n = netkit_tls_sendfile(t, s->file, (off_t)s->sent,
					RESUME_SIZE - s->sent, &sent,
					NETKIT_NOW);
		s->sent += sent;
		if (n >= 0 && sent < RESUME_SIZE - s->sent + sent)
			return -EIO;	/* the file ended early */
		/* -EAGAIN: nothing went; -ETIMEDOUT: some did (as every
		 * count call of the library with a deadline past). */
		if (n != -EAGAIN && n != -ETIMEDOUT && n < 0)
			return (int)n;
		if (n < 0) {
			s->stops++;
			if (n == -EAGAIN && s->eagains++ == 0 &&
			    !netkit_tls_ktls(t) &&
			    netkit_tls_send(t, "x", 1, NETKIT_NOW) != -EBUSY)
				return -EPROTO;
			if (netkit_deadline_left(end) == 0)
				return -ETIMEDOUT;
			/* After -ETIMEDOUT the next call tries at once,
			 * often into a full socket: -EAGAIN. */
			if (n == -EAGAIN)
				nk_wait_fd(s->fd, netkit_tls_wants(t) ==
					   NETKIT_POLLER_READ ? POLLIN :
					   POLLOUT, 1000);
		}
	}
	return 0;
}

START_TEST(sendfile_resumes_after_eagain)
{
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_resume };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	s.file = pattern_file(RESUME_SIZE);
	start(&s, client_flags[_i], &cctx, &t, &fd);
	/* The server fills the socket before this reads anything. */
	usleep(300 * 1000);
	receive_pattern(t, 0, RESUME_SIZE);
	finish(&s, cctx, t, fd);
	ck_assert_uint_eq(s.sent, RESUME_SIZE);
	/* Without kTLS, each call sends one record's worth at most, and a
	 * record that went half-way was finished by the next call. (With
	 * kTLS one sendfile() may take it all: in an emulated machine its
	 * encryption is slower than the client's 300 ms.) */
	if (!required() && !ulp_listed()) {
		ck_assert_int_gt(s.stops, 0);
		ck_assert_int_gt(s.eagains, 0);
	}
	close(s.file);
}
END_TEST

/* ---- a stand-in kernel ----
 *
 * The host's kernel has no TLS; to test netkit's side of the hand-over
 * here too, the seam stands in for it: it takes the keys (and records
 * what they were) without encrypting anything, and takes the records
 * sent with a type (recording the type) as plain bytes. The server's
 * OpenSSL then writes data as it is, so a client reading the raw socket
 * after its handshake sees the plain text of what the server sent: the
 * data, the file, and the records OpenSSL made (session tickets, the
 * close_notify alert) in order. */

static struct stand_in {
	bool refuse_keys;		/* TLS_TX fails, as for a cipher the
					 * kernel lacks */
	int ulp, keys;			/* calls seen */
	unsigned version, cipher;
	socklen_t size;
	unsigned char types[16];	/* record types, in order */
	int n_types;
	int sendmsgs;
} fake;

static int
fake_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	const struct tls_crypto_info *info = v;

	if (level == IPPROTO_TCP && name == TCP_ULP) {
		fake.ulp++;
		return strcmp(v, "tls") == 0 ? 0 : -1;
	}
	if (level == SOL_TLS && name == TLS_TX) {
		fake.keys++;
		fake.version = info->version;
		fake.cipher = info->cipher_type;
		fake.size = len;
		if (fake.refuse_keys) {
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	return netkit__sys_default.setsockopt(fd, level, name, v, len);
}

static ssize_t
fake_sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct msghdr plain = *m;
	struct cmsghdr *c;

	/* The first record meets a signal, then a full socket: it is
	 * made again, with its type again. */
	if (++fake.sendmsgs <= 2) {
		errno = fake.sendmsgs == 1 ? EINTR : EAGAIN;
		return -1;
	}

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c))
		if (c->cmsg_level == SOL_TLS &&
		    c->cmsg_type == TLS_SET_RECORD_TYPE &&
		    fake.n_types < (int)sizeof(fake.types))
			fake.types[fake.n_types++] = *CMSG_DATA(c);
	plain.msg_control = NULL;
	plain.msg_controllen = 0;
	return netkit__sys_default.sendmsg(fd, &plain, flags);
}

/* The file with NETKIT_NOW, into a small send buffer: -EAGAIN when
 * nothing went, and each call again for the rest. */
static int
part_fake(struct server *s, netkit_tls *t)
{
	netkit_deadline end = netkit_deadline_in(30000);
	size_t sent;
	ssize_t n;

	if (netkit_tls_ktls(t) != !fake.refuse_keys)
		return -EPROTO;
	n = netkit_tls_send_all(t, "plain text", 10, NULL, end);
	if (n != 10)
		return n < 0 ? (int)n : -EIO;
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int));
	while (s->sent < s->count) {
		n = netkit_tls_sendfile(t, s->file, (off_t)s->sent,
					s->count - s->sent, &sent, NETKIT_NOW);
		s->sent += sent;
		if (n >= 0)
			continue;
		if (n != -EAGAIN && n != -ETIMEDOUT)
			return (int)n;
		s->eagains += n == -EAGAIN;
		if (netkit_deadline_left(end) == 0)
			return -ETIMEDOUT;
		if (n == -EAGAIN)
			nk_wait_fd(s->fd, POLLOUT, 1000);
	}
	return 0;
}

/* Reads the raw socket to its end (bounded): what it got. */
static size_t
read_raw(int fd, unsigned char *b, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size && nk_readable(fd, 10000) &&
	       (n = read(fd, b + got, size - got)) > 0)
		got += (size_t)n;
	return got;
}

enum { FAKE_FILE = 1024 * 1024, RAW = FAKE_FILE + 64 * 1024 };

START_TEST(stand_in_kernel_gets_the_keys_and_the_plain_text)
{
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_fake,
			    .count = FAKE_FILE };
	unsigned char *raw = malloc(RAW), *p;
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	size_t got, i;
	int fd;

	ck_assert_ptr_nonnull(raw);
	memset(&fake, 0, sizeof(fake));
	netkit__sys.setsockopt = fake_setsockopt;
	netkit__sys.sendmsg = fake_sendmsg;
	s.file = pattern_file(FAKE_FILE);
	start(&s, 0, &cctx, &t, &fd);
	usleep(200 * 1000);	/* the server meets a full socket */
	got = read_raw(fd, raw, RAW);
	nk_join(s.th);
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(s.rc, 0);
	ck_assert_int_eq(fake.ulp, 1);
	ck_assert_int_eq(fake.keys, 1);
	ck_assert_uint_eq(fake.version, TLS_1_3_VERSION);
	ck_assert_uint_eq(fake.cipher, TLS_CIPHER_AES_GCM_256);
	ck_assert_uint_eq(fake.size,
			  sizeof(struct tls12_crypto_info_aes_gcm_256));
	/* The data and the file, as they are, after OpenSSL's records
	 * (the session tickets: type 22, handshake); close_notify last
	 * (type 21, alert: warning, close_notify). */
	p = memmem(raw, got, "plain text", 10);
	ck_assert_msg(p != NULL, "no plain text in %zu raw bytes", got);
	ck_assert_uint_ge(got - (size_t)(p - raw), 10 + FAKE_FILE + 2);
	for (i = 0; i < FAKE_FILE; i++)
		if (p[10 + i] != pattern(i))
			ck_abort_msg("file byte %zu is %u", i, p[10 + i]);
	ck_assert_mem_eq(p + 10 + FAKE_FILE, "\x01\x00", 2);
	ck_assert_uint_eq(got, (size_t)(p - raw) + 10 + FAKE_FILE + 2);
	ck_assert_int_ge(fake.n_types, 2);
	ck_assert_uint_eq(fake.types[0], 22);
	ck_assert_uint_eq(fake.types[fake.n_types - 1], 21);
	ck_assert_int_gt(fake.sendmsgs, 2);
	ck_assert_int_gt(s.eagains, 0);
	free(raw);
	release(&s, t, fd, cctx);
}
END_TEST

/* Keys the kernel refuses (a cipher it lacks): OpenSSL encrypts, and
 * the connection works as without the flag. */
START_TEST(keys_refused_the_connection_stays_in_user_space)
{
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_fake };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	unsigned char b[10];
	int fd;

	memset(&fake, 0, sizeof(fake));
	fake.refuse_keys = true;
	netkit__sys.setsockopt = fake_setsockopt;
	s.count = 1000;
	s.file = pattern_file(1000);
	start(&s, 0, &cctx, &t, &fd);
	ck_assert_int_eq(netkit_tls_recv_exact(t, b, 10, NULL,
					       netkit_deadline_in(10000)), 10);
	ck_assert_mem_eq(b, "plain text", 10);
	receive_pattern(t, 0, 1000);
	finish(&s, cctx, t, fd);
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(fake.keys, 1);
	ck_assert_int_eq(fake.n_types, 0);
	close(s.file);
}
END_TEST

/* ---- the edges of netkit_tls_sendfile() ---- */

/* A server whose handshake is not done yet: sendfile makes it first
 * (and sent may be NULL). */
static int
part_handshake_first(struct server *s, netkit_tls *t)
{
	ssize_t n = netkit_tls_sendfile(t, s->file, 0, 0, NULL,
					netkit_deadline_in(30000));

	return n == 5000 ? 0 : n < 0 ? (int)n : -EIO;
}

static void *
server_lazy(void *arg)
{
	struct server *s = arg;
	netkit_tls_ctx *ctx = ctx_new(NETKIT_TLS_SERVER, s->flags);
	netkit_tls *t = NULL;
	int fd = netkit_accept_until(s->lfd, NULL, netkit_deadline_in(30000));

	s->fd = fd;
	/* NETKIT_NOW: the client's hello has not come, the handshake
	 * stays under way. */
	s->rc = fd < 0 ? fd : netkit_tls_accept(&t, ctx, fd, NETKIT_NOW);
	if (s->rc == -EAGAIN)
		s->rc = s->part(s, t);
	if (s->rc == 0)
		s->rc = netkit_tls_close(t, netkit_deadline_in(10000));
	else
		netkit_tls_free(t);
	if (fd >= 0)
		netkit_close(fd);
	netkit_tls_ctx_free(ctx);
	return NULL;
}

START_TEST(sendfile_makes_the_handshake_first)
{
	struct server s = { .flags = NETKIT_TLS_KTLS,
			    .part = part_handshake_first };
	netkit_tls_ctx *cctx = ctx_new(NETKIT_TLS_CLIENT, 0);
	netkit_tls *t = NULL;
	int fd;

	s.file = pattern_file(5000);
	fd = connect_to(&s, server_lazy);
	/* The server takes a moment to try (and wait) first. */
	usleep(100 * 1000);
	ck_assert_int_eq(netkit_tls_connect(&t, cctx, fd, "localhost",
					    netkit_deadline_in(30000)), 0);
	receive_pattern(t, 0, 5000);
	finish(&s, cctx, t, fd);
	close(s.file);
}
END_TEST

/* A peer that is not TLS: the handshake sendfile makes fails, and
 * nothing is sent. */
static int
part_no_tls_peer(struct server *s, netkit_tls *t)
{
	ssize_t n = netkit_tls_sendfile(t, s->file, 0, 0, &s->sent,
					netkit_deadline_in(30000));

	/* The handshake's failure, or -EPROTO for anything else. */
	return n < 0 && n != -EPROTO && s->sent == 0 ? (int)n : -EPROTO;
}

START_TEST(sendfile_fails_with_the_handshake)
{
	struct server s = { .flags = NETKIT_TLS_KTLS,
			    .part = part_no_tls_peer };
	int fd;

	s.file = pattern_file(5000);
	fd = connect_to(&s, server_lazy);
	usleep(100 * 1000);
	ck_assert_int_eq(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	nk_join(s.th);
	/* An HTTP request where a ClientHello should be. */
	ck_assert_int_eq(s.rc, NETKIT_ETLS);
	netkit_close(fd);
	netkit_close(s.lfd);
	close(s.file);
}
END_TEST

/* The file fails to read half-way: its error, with what went. */
static int pread_calls, pread_fail_at;

static ssize_t
failing_pread(int fd, void *buf, size_t len, off_t off)
{
	if (++pread_calls == pread_fail_at) {
		errno = EIO;
		return -1;
	}
	return netkit__sys_default.pread(fd, buf, len, off);
}

static int
part_read_fails(struct server *s, netkit_tls *t)
{
	ssize_t n;

	pread_calls = 0;
	pread_fail_at = 3;	/* the check, one piece, then the failure */
	netkit__sys.pread = failing_pread;
	n = netkit_tls_sendfile(t, s->file, 0, 0, &s->sent,
				netkit_deadline_in(30000));
	netkit__sys.pread = netkit__sys_default.pread;
	return n == -EIO && s->sent == 16384 ? -EIO : -EPROTO;
}

START_TEST(sendfile_a_file_that_fails_to_read)
{
	struct server s = { .flags = 0, .part = part_read_fails };
	unsigned char *b = malloc(16384);
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	size_t i;
	int fd;

	ck_assert_ptr_nonnull(b);
	s.file = pattern_file(100000);
	start(&s, 0, &cctx, &t, &fd);
	ck_assert_int_eq(netkit_tls_recv_exact(t, b, 16384, NULL,
					       netkit_deadline_in(30000)),
			 16384);
	for (i = 0; i < 16384; i++)
		ck_assert_uint_eq(b[i], pattern(i));
	/* The server gave up without close_notify: a cut, not an end. */
	ck_assert_int_eq(netkit_tls_recv(t, b, 1, netkit_deadline_in(30000)),
			 NETKIT_ETLS_TRUNCATED);
	nk_join(s.th);
	ck_assert_int_eq(s.rc, -EIO);
	release(&s, t, fd, cctx);
	free(b);
}
END_TEST

/* A netkit_tls_send() that must be made again: sendfile refuses, then
 * the send is finished and the file goes after it. */
static int
part_send_held(struct server *s, netkit_tls *t)
{
	enum { BIG = 4 * 1024 * 1024 };
	unsigned char *b = malloc(BIG);
	size_t off = 0, i;
	ssize_t n = 0;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < BIG; i++)
		b[i] = pattern(i);
	/* A small send buffer: the sends meet a full socket well before
	 * the end, whatever the kernel's default sizes. */
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int));
	while (off < BIG) {
		n = netkit_tls_send(t, b + off, BIG - off, NETKIT_NOW);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (n == -EAGAIN &&
	    netkit_tls_sendfile(t, s->file, 0, 0, &s->sent,
				NETKIT_FOREVER) == -EBUSY && s->sent == 0)
		n = netkit_tls_send_all(t, b + off, BIG - off, NULL,
					netkit_deadline_in(30000));
	else
		n = -EPROTO;
	free(b);
	if (n < 0)
		return (int)n;
	n = netkit_tls_sendfile(t, s->file, 0, 0, &s->sent,
				netkit_deadline_in(30000));
	return n == 1000 ? 0 : n < 0 ? (int)n : -EIO;
}

START_TEST(sendfile_after_an_unfinished_send_is_busy)
{
	struct server s = { .flags = 0, .part = part_send_held };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	s.file = pattern_file(1000);
	start(&s, 0, &cctx, &t, &fd);
	usleep(200 * 1000);	/* the server fills the socket */
	receive_bytes(t, 0, 4 * 1024 * 1024);
	receive_pattern(t, 0, 1000);
	finish(&s, cctx, t, fd);
	close(s.file);
}
END_TEST

/* ---- what a call that answered -EAGAIN waits for ---- */

/* Sends the file with NETKIT_NOW into a full socket (the client reads
 * nothing) until a call answers -EAGAIN: 0, or why not. Bounded. */
static int
fill_until_eagain(struct server *s, netkit_tls *t, size_t size)
{
	netkit_deadline end = netkit_deadline_in(30000);
	size_t sent;
	ssize_t n;

	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int));
	while (s->sent < size && netkit_deadline_left(end) > 0) {
		n = netkit_tls_sendfile(t, s->file, (off_t)s->sent,
					size - s->sent, &sent, NETKIT_NOW);
		s->sent += sent;
		if (n == -EAGAIN)
			return 0;
		if (n < 0 && n != -ETIMEDOUT)
			return (int)n;
	}
	return -ENOSPC;	/* the socket never filled */
}

enum { FILL_FILE = 8 * 1024 * 1024, DONE = 1 };

/* With kTLS (the stand-in kernel's), a sendfile that answers -EAGAIN
 * says to wait for writing, as the user-space path does. DONE: the
 * server frees its connection without close_notify (the socket is
 * full). */
static int
part_ktls_wants(struct server *s, netkit_tls *t)
{
	int rc;

	if (netkit_tls_ktls(t) != 1)
		return -EPROTO;
	rc = fill_until_eagain(s, t, FILL_FILE);
	if (rc < 0)
		return rc;
	s->stops = (int)netkit_tls_wants(t);
	return DONE;
}

START_TEST(ktls_sendfile_eagain_says_what_it_waits_for)
{
	struct server s = { .flags = NETKIT_TLS_KTLS,
			    .part = part_ktls_wants };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	memset(&fake, 0, sizeof(fake));
	netkit__sys.setsockopt = fake_setsockopt;
	s.file = pattern_file(FILL_FILE);
	start(&s, 0, &cctx, &t, &fd);
	nk_join(s.th);
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(s.rc, DONE);
	ck_assert_msg(s.stops == (int)NETKIT_POLLER_WRITE,
		      "netkit_tls_wants() after -EAGAIN is %d, not %d",
		      s.stops, (int)NETKIT_POLLER_WRITE);
	release(&s, t, fd, cctx);
}
END_TEST

/* ---- the file changes under a piece OpenSSL holds ---- */

/* Without kTLS: a sendfile answers -EAGAIN with a piece held, then the
 * file is cut where the rest would start. The call for the rest cannot
 * make the piece again: it must not answer a success, after which
 * netkit_tls_send() would answer -EBUSY for ever. */
static int
part_shrink_held(struct server *s, netkit_tls *t)
{
	size_t sent = 99;
	ssize_t n;
	int rc = fill_until_eagain(s, t, FILL_FILE);

	if (rc < 0)
		return rc;
	if (netkit_tls_send(t, "x", 1, NETKIT_NOW) != -EBUSY)
		return -EPROTO;	/* no piece held: nothing to test */
	if (ftruncate(s->file, (off_t)s->sent) < 0)
		return -errno;
	n = netkit_tls_sendfile(t, s->file, (off_t)s->sent,
				FILL_FILE - s->sent, &sent, NETKIT_NOW);
	s->count = sent;
	s->offset = (off_t)n;
	return DONE;
}

START_TEST(sendfile_of_a_file_cut_under_a_held_piece_fails)
{
	struct server s = { .flags = 0, .part = part_shrink_held };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	s.file = pattern_file(FILL_FILE);
	start(&s, 0, &cctx, &t, &fd);
	nk_join(s.th);
	ck_assert_int_eq(s.rc, DONE);
	ck_assert_msg(s.offset == -EIO,
		      "the call after the cut answered %jd (sent %zu), not "
		      "-EIO", (intmax_t)s.offset, s.count);
	ck_assert_uint_eq(s.count, 0);
	release(&s, t, fd, cctx);
}
END_TEST

/* ---- after the connection failed ---- */

/* With kTLS (the stand-in kernel's), a connection whose read failed
 * (a record that does not decrypt: OpenSSL sent its fatal alert) sends
 * no file after it, as neither netkit_tls_send() nor the user-space
 * path does: TLS allows nothing after a fatal alert. */
static int
part_after_failure(struct server *s, netkit_tls *t)
{
	char b[16];
	ssize_t n;

	if (netkit_tls_ktls(t) != 1)
		return -EPROTO;
	n = netkit_tls_recv(t, b, sizeof(b), netkit_deadline_in(30000));
	if (n != NETKIT_ETLS)
		return n < 0 ? (int)n : -EPROTO;
	if (netkit_tls_send(t, "x", 1, netkit_deadline_in(30000)) >= 0)
		return -EPROTO;
	n = netkit_tls_sendfile(t, s->file, 0, 0, &s->sent,
				netkit_deadline_in(30000));
	s->offset = (off_t)n;
	return DONE;
}

START_TEST(ktls_sendfile_after_a_fatal_error_sends_nothing)
{
	struct server s = { .flags = NETKIT_TLS_KTLS,
			    .part = part_after_failure };
	/* Application data that no key decrypts. */
	static const char junk[] = "\x17\x03\x03\x00\x20"
				   "0123456789abcdef0123456789abcdef";
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	memset(&fake, 0, sizeof(fake));
	netkit__sys.setsockopt = fake_setsockopt;
	s.file = pattern_file(5000);
	start(&s, 0, &cctx, &t, &fd);
	ck_assert_int_eq(write(fd, junk, sizeof(junk) - 1),
			 (ssize_t)sizeof(junk) - 1);
	nk_join(s.th);
	netkit__sys = netkit__sys_default;
	ck_assert_int_eq(s.rc, DONE);
	ck_assert_msg(s.offset == NETKIT_ETLS && s.sent == 0,
		      "sendfile after the failure answered %jd, sent %zu",
		      (intmax_t)s.offset, s.sent);
	release(&s, t, fd, cctx);
}
END_TEST

/* ---- misuse ---- */

/* Each refusal sends nothing and says so; then the file goes. */
static int
part_misuse(struct server *s, netkit_tls *t)
{
	size_t sent = 7;
	int p[2], bad = 0;

	if (pipe(p) < 0)
		return -errno;
	bad |= netkit_tls_sendfile(NULL, s->file, 0, 0, &sent,
				   NETKIT_FOREVER) != -EINVAL || sent != 0;
	bad |= netkit_tls_sendfile(t, -1, 0, 0, &sent, NETKIT_FOREVER) !=
		-EBADF;
	bad |= netkit_tls_sendfile(t, s->file, -1, 0, &sent,
				   NETKIT_FOREVER) != -EINVAL;
	bad |= netkit_tls_sendfile(t, p[0], 0, 0, &sent, NETKIT_FOREVER) !=
		-ESPIPE;
	bad |= netkit_tls_sendfile(t, s->file, 0, 0, &sent,
				   netkit_deadline_stall(1000, NETKIT_FOREVER))
		!= -EINVAL || sent != 0;
	close(p[0]);
	close(p[1]);
	if (bad)
		return -EPROTO;
	return netkit_tls_sendfile(t, s->file, 0, 0, &s->sent,
				   NETKIT_FOREVER) == 10 ? 0 : -EIO;
}

START_TEST(sendfile_refuses_bad_arguments)
{
	struct server s = { .flags = NETKIT_TLS_KTLS, .part = part_misuse };
	netkit_tls_ctx *cctx;
	netkit_tls *t;
	int fd;

	ck_assert_int_eq(netkit_tls_ktls(NULL), 0);
	s.file = pattern_file(10);
	start(&s, 0, &cctx, &t, &fd);
	receive_pattern(t, 0, 10);
	finish(&s, cctx, t, fd);
	close(s.file);
}
END_TEST

START_TEST(the_flag_is_taken_by_both_roles_only_known_flags)
{
	netkit_tls_opts o = { .role = NETKIT_TLS_CLIENT,
			      .flags = NETKIT_TLS_KTLS | 0x80u };
	netkit_tls_ctx *c = NULL;

	ck_assert_int_eq(netkit_tls_ctx_new(&c, &o), -EINVAL);
	ck_assert_ptr_null(c);
	netkit_tls_ctx_free(ctx_new(NETKIT_TLS_CLIENT, NETKIT_TLS_KTLS));
	netkit_tls_ctx_free(ctx_new(NETKIT_TLS_SERVER, NETKIT_TLS_KTLS));
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("ktls");

	make_cert();
	ADD_BOTH(s, send_all_arrives_whole_and_ends_clean);
	ADD_BOTH(s, sendfile_to_the_end);
	ADD_BOTH(s, sendfile_a_range);
	ADD_BOTH(s, sendfile_resumes_after_eagain);
	NK_ADD_TEST(s, stand_in_kernel_gets_the_keys_and_the_plain_text);
	NK_ADD_TEST(s, keys_refused_the_connection_stays_in_user_space);
	NK_ADD_TEST(s, sendfile_makes_the_handshake_first);
	NK_ADD_TEST(s, sendfile_fails_with_the_handshake);
	NK_ADD_TEST(s, sendfile_a_file_that_fails_to_read);
	NK_ADD_TEST(s, sendfile_after_an_unfinished_send_is_busy);
	NK_ADD_TEST(s, sendfile_refuses_bad_arguments);
	NK_ADD_TEST(s, ktls_sendfile_eagain_says_what_it_waits_for);
	NK_ADD_TEST(s, sendfile_of_a_file_cut_under_a_held_piece_fails);
	NK_ADD_TEST(s, ktls_sendfile_after_a_fatal_error_sends_nothing);
	NK_ADD_TEST(s, the_flag_is_taken_by_both_roles_only_known_flags);
	return s;
}
