/* SPDX-License-Identifier: MIT */
/*
 * TLS on a connected descriptor, on OpenSSL 3.
 *
 * OpenSSL never touches the socket itself: every connection reads and
 * writes through a BIO of our own (make_bio_method()) whose write is
 * send(MSG_NOSIGNAL | MSG_DONTWAIT) and read recv(MSG_DONTWAIT), both
 * through the seam (sys.h). So no SIGPIPE can be raised, the
 * descriptor's mode is never changed, and the fault tests reach the
 * calls. OpenSSL only ever sees a non-blocking stream: when it wants
 * to read or write, the call waits here with netkit__wait() until the
 * deadline, as every _until call of the library does (fd.c).
 *
 * kTLS (NETKIT_TLS_KTLS): OpenSSL hands the keys for sending to its
 * transport once the handshake made them, with BIO controls it keeps
 * for its own socket BIO (ktls_start() below). Ours answers them, so
 * the transport stays ours: the kernel then encrypts what send() and
 * sendfile() give it, and OpenSSL's records other than data (alerts,
 * session tickets) go with sendmsg() and their type in a control
 * message. Receiving stays OpenSSL's.
 *
 * OpenSSL's error queue is per thread and would outlive a call: every
 * public call clears it on the way in and on the way out, so that the
 * program's own OpenSSL calls never see an error of ours.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/tls.h>
#endif

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "netkit-private.h"

struct netkit_tls_ctx {
	SSL_CTX *ssl;
	BIO_METHOD *bio;
	int role;
	unsigned flags;
	/* The ALPN list in its wire form (length-prefixed names). */
	unsigned char *alpn;
	size_t alpn_len;
};

struct netkit_tls {
	SSL *ssl;
	int fd;
	/* What the last call that would block waits for (POLLIN/POLLOUT). */
	short wants;
	/* The handshake is over. */
	bool ready;
	/* A fatal error ended the connection: its code (0: none); no
	 * close_notify any more. */
	int dead;
	/* The last failed send() or recv(), as a negative errno (0: none). */
	int sys_err;
	/* kTLS: asked for (NETKIT_TLS_KTLS); the kernel encrypts what is
	 * sent; the type of the record the next write is, when it is not
	 * data (0: data). */
	bool ktls_asked;
	bool ktls_tx;
	unsigned char ctrl_type;
	/* A send that must be made again (it answered -EAGAIN or
	 * -ETIMEDOUT): its length, 0 for none; held_file when it was a
	 * piece of netkit_tls_sendfile(), which alone may make it again
	 * (it reads the piece again). */
	size_t held;
	bool held_file;
	char alpn[256];
};

/* The BIO: what OpenSSL sends and receives goes through the seam. */

static ssize_t send_record(struct netkit_tls *t, const char *buf, int len);

static int
bio_write(BIO *b, const char *buf, int len)
{
	struct netkit_tls *t = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (NETKIT__UNLIKELY(t->ctrl_type))
		n = send_record(t, buf, len);
	else
		NETKIT__RETRY(n, NK_SYS(send)(t->fd, buf, (size_t)len,
					      MSG_NOSIGNAL | MSG_DONTWAIT));
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		BIO_set_retry_write(b);
	else
		t->sys_err = netkit__errno();
	return -1;
}

static int
bio_read(BIO *b, char *buf, int len)
{
	struct netkit_tls *t = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	NETKIT__RETRY(n, NK_SYS(recv)(t->fd, buf, (size_t)len, MSG_DONTWAIT));
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		BIO_set_retry_read(b);
	else
		t->sys_err = netkit__errno();
	return -1;
}

/* kTLS. OpenSSL's controls for its socket BIO, which its public header
 * lists only in a comment (3.0 to 3.5 keep these numbers). */
enum {
	CTRL_SET_KTLS = 72,		/* num: 1 to send, 0 to receive;
					 * ptr: the keys */
	CTRL_KTLS_RECORD_TYPE = 74,	/* num: the next write's type */
	CTRL_KTLS_CLEAR_TYPE = 75,
};

/* The size of the kernel's structure for the keys at info, or 0 for a
 * version or cipher it does not take. OpenSSL's keys start with the
 * kernel's own structure, the version and cipher in its head. */
static socklen_t
ktls_info_size(const void *info)
{
#if defined(__linux__) && defined(TLS_TX)
	struct tls_crypto_info head;

	memcpy(&head, info, sizeof(head));
	if (head.version != TLS_1_2_VERSION && head.version != TLS_1_3_VERSION)
		return 0;
	switch (head.cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		return sizeof(struct tls12_crypto_info_aes_gcm_128);
#ifdef TLS_CIPHER_AES_GCM_256
	case TLS_CIPHER_AES_GCM_256:
		return sizeof(struct tls12_crypto_info_aes_gcm_256);
#endif
#ifdef TLS_CIPHER_CHACHA20_POLY1305
	case TLS_CIPHER_CHACHA20_POLY1305:
		return sizeof(struct tls12_crypto_info_chacha20_poly1305);
#endif
	}
#endif
	return 0;
}

/* OpenSSL offers the keys for sending (or receiving) from now on: 1 if
 * the kernel took them, so that OpenSSL writes data as it is; 0 leaves
 * the encryption to OpenSSL. A socket that refused the keys after it
 * took the `tls` protocol goes on as plain TCP. */
static long
ktls_start(struct netkit_tls *t, long is_tx, const void *info)
{
#if defined(__linux__) && defined(TLS_TX) && defined(TCP_ULP)
	static const char ulp[] = "tls";
	socklen_t size;

	if (!t->ktls_asked || !is_tx || !info || t->ktls_tx)
		return 0;
	size = ktls_info_size(info);
	if (size == 0 ||
	    NK_SYS(setsockopt)(t->fd, IPPROTO_TCP, TCP_ULP, ulp,
			       sizeof(ulp)) < 0 ||
	    NK_SYS(setsockopt)(t->fd, SOL_TLS, TLS_TX, info, size) < 0)
		return 0;
	t->ktls_tx = true;
	return 1;
#else
	return 0;
#endif
}

/* kTLS: a record that is not data (an alert, a session ticket) goes
 * whole, its type in a control message; the kernel encrypts it. As
 * send() answers. */
static ssize_t
send_record(struct netkit_tls *t, const char *buf, int len)
{
#if defined(__linux__) && defined(TLS_SET_RECORD_TYPE)
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(unsigned char))];
	} cm;
	struct iovec iov = { (void *)buf, (size_t)len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cm.space,
			    .msg_controllen = sizeof(cm.space) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t n;

	memset(&cm, 0, sizeof(cm));
	c->cmsg_level = SOL_TLS;
	c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(sizeof(unsigned char));
	*CMSG_DATA(c) = t->ctrl_type;
	NETKIT__RETRY(n, NK_SYS(sendmsg)(t->fd, &m,
					 MSG_NOSIGNAL | MSG_DONTWAIT));
	if (n >= 0)
		t->ctrl_type = 0;
	return n;
#else
	errno = EOPNOTSUPP;	/* no kTLS, so never asked */
	return -1;
#endif
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct netkit_tls *t = BIO_get_data(b);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		/* OpenSSL flushes after each flight of records; there is
		 * no buffer of ours to flush. */
		return 1;
	case CTRL_SET_KTLS:
		return ktls_start(t, num, ptr);
	case BIO_CTRL_GET_KTLS_SEND:
		return t->ktls_tx;
	case CTRL_KTLS_RECORD_TYPE:
		if (t->ktls_tx && num > 0 && num <= UCHAR_MAX)
			t->ctrl_type = (unsigned char)num;
		return 0;
	case CTRL_KTLS_CLEAR_TYPE:
		t->ctrl_type = 0;
		return 0;
	}
	/* Everything else (receiving with kTLS among it) is not ours to
	 * answer. */
	return 0;
}

static int
bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *
make_bio_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "netkit");

	/* The setters only store a pointer: they cannot fail. */
	if (m) {
		BIO_meth_set_write(m, bio_write);
		BIO_meth_set_read(m, bio_read);
		BIO_meth_set_ctrl(m, bio_ctrl);
		BIO_meth_set_create(m, bio_create);
	}
	return m;
}

/* Errors. */

/* The code for a certificate the verification refused. */
static int
verify_error(long v)
{
	switch (v) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
	case X509_V_ERR_EMAIL_MISMATCH:
		return NETKIT_ETLS_NAME;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return NETKIT_ETLS_EXPIRED;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return NETKIT_ETLS_SELF_SIGNED;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		return NETKIT_ETLS_UNTRUSTED;
	default:
		return NETKIT_ETLS_VERIFY;
	}
}

/* The code for what is on the error queue (for a setup call): a system
 * error opening a file, or an unusable file. */
static int
queue_error(int otherwise)
{
	unsigned long e;

	/* The system's error comes first, the failures it caused after;
	 * OpenSSL 3 keeps the errno in the code of a system error. */
	while ((e = ERR_get_error()) != 0)
		if (ERR_SYSTEM_ERROR(e))
			return -(int)(e & ERR_SYSTEM_MASK);
	return otherwise;
}

/* The SSL library's reason for error e (0: another library's). */
static int
ssl_reason(unsigned long e)
{
	return ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

/* The code for a failed SSL_* call on t that is no wish to wait. */
static int
fatal_code(struct netkit_tls *t, int err)
{
	int reason = ssl_reason(ERR_peek_error());
	long v;

	/* A failed send() or recv() is the cause of what OpenSSL says. */
	if (err == SSL_ERROR_SYSCALL && t->sys_err < 0)
		return t->sys_err;
	if (err == SSL_ERROR_SYSCALL ||
	    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		return NETKIT_ETLS_TRUNCATED;
	/* In the insecure mode a result is computed but is no refusal. */
	v = SSL_get_verify_result(t->ssl);
	if (!t->ready && v != X509_V_OK &&
	    (SSL_get_verify_mode(t->ssl) & SSL_VERIFY_PEER))
		return verify_error(v);
	if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		return NETKIT_ETLS_VERIFY;
	return NETKIT_ETLS;
}

/* The same, and it ends the connection. */
static int
fatal_error(struct netkit_tls *t, int err)
{
	t->dead = fatal_code(t, err);
	return t->dead;
}

/* The code of the protocol's failure that ended t, which every later
 * send and receive answers again (OpenSSL answers them with no error,
 * which fatal_error() would take for a cut stream); 0 if none. A
 * system error (-EPIPE) ends no protocol: what the peer sent before it
 * may still be read. */
static int
protocol_failure(const struct netkit_tls *t)
{
	return t->dead < NETKIT_EBASE ? t->dead : 0;
}

/* The driver: one SSL_* step, made again while it wants to read or write
 * and the deadline allows; as netkit__until() does for a system call. */

typedef int step_fn(struct netkit_tls *t, void *arg, size_t *done);

/* Makes step until it succeeds (1 and *done), ends (0: the peer's
 * close_notify), or fails (a negative code). When it must wait: -EAGAIN
 * at once if once is set (the deadline had passed when the public call
 * began: "try once"), else a wait, and -ETIMEDOUT once the deadline has
 * passed. A deadline that passes during the first step (a slow machine)
 * is a timeout, not a "try once". */
static int
drive(struct netkit_tls *t, step_fn *step, void *arg, size_t *done,
      int64_t deadline, bool once)
{
	int rc, err;

	for (;;) {
		t->sys_err = 0;
		ERR_clear_error();
		rc = step(t, arg, done);
		if (rc > 0) {
			t->wants = 0;
			return 1;
		}
		err = SSL_get_error(t->ssl, rc);
		if (err == SSL_ERROR_WANT_READ)
			t->wants = POLLIN;
		else if (err == SSL_ERROR_WANT_WRITE)
			t->wants = POLLOUT;
		else if (err == SSL_ERROR_ZERO_RETURN)
			return 0;
		else
			return fatal_error(t, err);
		if (once)
			return -EAGAIN;
		rc = netkit__wait(t->fd, t->wants, deadline);
		if (rc < 0)
			return rc;
	}
}

static int
step_handshake(struct netkit_tls *t, void *arg, size_t *done)
{
	return SSL_do_handshake(t->ssl);
}

struct chunk {
	void *buf;
	size_t len;
};

static int
step_write(struct netkit_tls *t, void *arg, size_t *done)
{
	const struct chunk *c = arg;

	return SSL_write_ex(t->ssl, c->buf, c->len, done);
}

static int
step_read(struct netkit_tls *t, void *arg, size_t *done)
{
	const struct chunk *c = arg;

	return SSL_read_ex(t->ssl, c->buf, c->len, done);
}

static int
step_shutdown(struct netkit_tls *t, void *arg, size_t *done)
{
	/* 0: our close_notify went, the peer's has not come: we do not
	 * wait for it. */
	return SSL_shutdown(t->ssl) >= 0 ? 1 : -1;
}

/* Contexts. */

/* The ALPN list in its wire form: each name after its length byte. */
static int
alpn_wire(struct netkit_tls_ctx *c, const char *const *names)
{
	size_t i, n, len = 0;
	unsigned char *p;

	for (i = 0; names[i]; i++) {
		n = strnlen(names[i], 256);
		if (n == 0 || n > 255)
			return -EINVAL;
		len += 1 + n;
	}
	if (len == 0)
		return -EINVAL;
	c->alpn = p = malloc(len);
	if (!p)
		return -ENOMEM;
	for (i = 0; names[i]; i++) {
		n = strlen(names[i]);
		*p++ = (unsigned char)n;
		memcpy(p, names[i], n);
		p += n;
	}
	c->alpn_len = len;
	return 0;
}

/* The server's ALPN choice: its first protocol the client offers too;
 * none in common, no ALPN (the application protocol decides). */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
	    const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct netkit_tls_ctx *c = arg;
	unsigned char *o;

	if (SSL_select_next_proto(&o, outlen, c->alpn, (unsigned)c->alpn_len,
				  in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

static int
opts_check(const netkit_tls_opts *o)
{
	unsigned known = NETKIT_TLS_INSECURE_NO_VERIFY |
			 NETKIT_TLS_VERIFY_CLIENT | NETKIT_TLS_KTLS;

	if (!NETKIT__RESERVED_ZERO(o) || (o->flags & ~known))
		return -EINVAL;
	if (o->role == NETKIT_TLS_CLIENT)
		return (o->flags & NETKIT_TLS_VERIFY_CLIENT) ||
			(o->key_file && !o->cert_file) ? -EINVAL : 0;
	if (o->role == NETKIT_TLS_SERVER)
		return (o->flags & NETKIT_TLS_INSECURE_NO_VERIFY) ||
			!o->cert_file ? -EINVAL : 0;
	return -EINVAL;
}

/* Trust store, certificate and key, verification mode: 0 or a code. */
static int
ctx_load(struct netkit_tls_ctx *c, const netkit_tls_opts *o)
{
	SSL_CTX *s = c->ssl;
	bool verify = o->role == NETKIT_TLS_CLIENT ?
		!(o->flags & NETKIT_TLS_INSECURE_NO_VERIFY) :
		(o->flags & NETKIT_TLS_VERIFY_CLIENT) != 0;

	if (o->cert_file) {
		if (SSL_CTX_use_certificate_chain_file(s, o->cert_file) != 1)
			return queue_error(NETKIT_ETLS_CONFIG);
		if (SSL_CTX_use_PrivateKey_file(s, o->key_file ? o->key_file :
						o->cert_file,
						SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(s) != 1)
			return queue_error(NETKIT_ETLS_CONFIG);
	}
	if (!verify)
		return 0;
	if (o->ca_file || o->ca_path) {
		if (SSL_CTX_load_verify_locations(s, o->ca_file,
						  o->ca_path) != 1)
			return queue_error(NETKIT_ETLS_CONFIG);
	} else {
		/* It only adds places to look: a failure (no memory) leaves
		 * fewer trusted certificates, never more. */
		SSL_CTX_set_default_verify_paths(s);
	}
	SSL_CTX_set_verify(s, o->role == NETKIT_TLS_CLIENT ? SSL_VERIFY_PEER :
			   SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   NULL);
	return 0;
}

static int
ctx_setup(struct netkit_tls_ctx *c, const netkit_tls_opts *o)
{
	int rc;

	c->bio = make_bio_method();
	c->ssl = SSL_CTX_new(o->role == NETKIT_TLS_CLIENT ?
			     TLS_client_method() : TLS_server_method());
	if (!c->bio || !c->ssl)
		return -ENOMEM;
	/* A known version: it cannot fail. */
	SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
	/* send() semantics: a write answers once a record went, and the
	 * program's buffer may move between a wait and the retry. */
	SSL_CTX_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->flags & NETKIT_TLS_KTLS)
		SSL_CTX_set_options(c->ssl, SSL_OP_ENABLE_KTLS);
	rc = ctx_load(c, o);
	if (rc < 0)
		return rc;
	if (!o->alpn)
		return 0;
	rc = alpn_wire(c, o->alpn);
	if (rc < 0)
		return rc;
	if (o->role == NETKIT_TLS_SERVER)
		SSL_CTX_set_alpn_select_cb(c->ssl, alpn_select, c);
	else if (SSL_CTX_set_alpn_protos(c->ssl, c->alpn,
					 (unsigned)c->alpn_len) != 0)
		return -ENOMEM;
	return 0;
}

NETKIT_EXPORT int
netkit_tls_ctx_new(netkit_tls_ctx **out, const netkit_tls_opts *opts)
{
	struct netkit_tls_ctx *c;
	int rc;

	if (!out || !opts)
		return -EINVAL;
	rc = opts_check(opts);
	if (rc < 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->role = opts->role;
	c->flags = opts->flags;
	ERR_clear_error();
	rc = ctx_setup(c, opts);
	ERR_clear_error();
	if (rc < 0) {
		netkit_tls_ctx_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

NETKIT_EXPORT void
netkit_tls_ctx_free(netkit_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	BIO_meth_free(ctx->bio);
	free(ctx->alpn);
	free(ctx);
}

/* Connections. */

/* The name a client verifies: an IP literal against the certificate's
 * addresses (no SNI: RFC 6066 forbids it), else a host name against its
 * DNS names, and sent as SNI. */
static int
set_name(struct netkit_tls *t, const char *name, bool verify)
{
	unsigned char ip[16];
	bool literal;

	if (!name)
		return verify ? -EINVAL : 0;
	if (!netkit__text_fits(name, 253) || name[0] == '\0')
		return -EINVAL;
	literal = inet_pton(AF_INET, name, ip) == 1 ||
		  inet_pton(AF_INET6, name, ip) == 1;
	/* It fails only for a name over 255 bytes. */
	if (!literal)
		SSL_set_tlsext_host_name(t->ssl, name);
	if (!verify)
		return 0;
	if (literal) {
		X509_VERIFY_PARAM *p = SSL_get0_param(t->ssl);

		return X509_VERIFY_PARAM_set1_ip_asc(p, name) == 1 ? 0 :
			-EINVAL;
	}
	/* No wildcard in the middle of a label, as browsers do. */
	SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(t->ssl, name) == 1 ? 0 : -ENOMEM;
}

static int
tls_new(struct netkit_tls **out, netkit_tls_ctx *ctx, int fd)
{
	struct netkit_tls *t;
	BIO *b;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = fd;
	t->ktls_asked = (ctx->flags & NETKIT_TLS_KTLS) != 0;
	t->ssl = SSL_new(ctx->ssl);
	b = t->ssl ? BIO_new(ctx->bio) : NULL;
	if (!b) {
		netkit_tls_free(t);
		return -ENOMEM;
	}
	BIO_set_data(b, t);
	SSL_set_bio(t->ssl, b, b);
	*out = t;
	return 0;
}

static int handshake(struct netkit_tls *t, int64_t deadline, bool once);

/* A new connection's first handshake: *out keeps it when it is done or
 * may go on (-EAGAIN), else it is freed. */
static int
start(netkit_tls **out, struct netkit_tls *t, int64_t deadline, bool once)
{
	int rc = handshake(t, deadline, once);

	if (rc < 0 && rc != -EAGAIN) {
		netkit_tls_free(t);
		return rc;
	}
	*out = t;
	return rc;
}

/* moving: the caller's buffer may move between a send that must wait
 * and its retry, which kTLS does not allow (OpenSSL then hands the
 * kernel the first buffer again). */
static int
tls_open(netkit_tls **out, netkit_tls_ctx *ctx, int role, int fd,
	 const char *name, netkit_deadline dl, bool moving)
{
	struct netkit_tls *t;
	bool once;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!ctx || ctx->role != role || fd < 0 ||
	    !netkit__deadline_ok(dl.at))
		return -EINVAL;
	once = netkit__expired(dl.at);
	ERR_clear_error();
	rc = tls_new(&t, ctx, fd);
	if (rc < 0)
		goto out;
	if (moving) {
		t->ktls_asked = false;
		SSL_clear_options(t->ssl, SSL_OP_ENABLE_KTLS);
	}
	if (role == NETKIT_TLS_CLIENT) {
		SSL_set_connect_state(t->ssl);
		rc = set_name(t, name, !(ctx->flags &
					 NETKIT_TLS_INSECURE_NO_VERIFY));
		if (rc < 0) {
			netkit_tls_free(t);
			goto out;
		}
	} else {
		SSL_set_accept_state(t->ssl);
	}
	rc = start(out, t, dl.at, once);
out:
	ERR_clear_error();
	return rc;
}

NETKIT_EXPORT int
netkit_tls_connect(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
		   const char *server_name, netkit_deadline deadline)
{
	return tls_open(out, ctx, NETKIT_TLS_CLIENT, fd, server_name,
			deadline, false);
}

NETKIT_EXPORT int
netkit_tls_accept(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
		  netkit_deadline deadline)
{
	return tls_open(out, ctx, NETKIT_TLS_SERVER, fd, NULL, deadline,
			false);
}

/* Happy Eyeballs through the handshake: the race's stage (endpoint.c)
 * is a client handshake with NETKIT_NOW steps on each connected
 * attempt, whose connection is the stage's state. */

struct race_arg {
	netkit_tls_ctx *ctx;
	const char *name;
};

static int
race_step(void *arg, int fd, void **state, short *events)
{
	const struct race_arg *a = arg;
	struct netkit_tls *t = *state;
	int rc;

	if (!t)
		rc = netkit_tls_connect(&t, a->ctx, fd, a->name, NETKIT_NOW);
	else
		rc = netkit_tls_handshake(t, NETKIT_NOW);
	*state = t;
	if (rc == -EAGAIN)
		*events = t->wants;
	return rc;
}

static void
race_drop(void *state)
{
	netkit_tls_free(state);
}

NETKIT_EXPORT int
netkit_tls_create_connection(netkit_tls **out, netkit_tls_ctx *ctx,
			     const char *host, const char *service,
			     const netkit_connect_opts *opts,
			     netkit_connect_report *report,
			     netkit_deadline deadline)
{
	struct race_arg a = { ctx, host };
	struct netkit__stage stage = { race_step, race_drop, &a, NULL };
	int fd;

	if (!out)
		return -EINVAL;
	*out = NULL;
	/* The host is the name to verify: checked before anything is
	 * tried, as a bad argument leaves the report alone. */
	if (!ctx || ctx->role != NETKIT_TLS_CLIENT || !host ||
	    !netkit__text_fits(host, 253) || host[0] == '\0')
		return -EINVAL;
	fd = netkit__create_staged(host, service, opts, report, deadline,
				   &stage);
	if (fd >= 0)
		*out = stage.won;
	return fd;
}

/* The protocol ALPN chose, kept as text for netkit_tls_alpn(). */
static void
keep_alpn(struct netkit_tls *t)
{
	const unsigned char *p = NULL;
	unsigned int n = 0;

	SSL_get0_alpn_selected(t->ssl, &p, &n);
	/* n < 256: the protocol's length is one byte on the wire. */
	if (n > 0) {
		memcpy(t->alpn, p, n);
		t->alpn[n] = '\0';
	}
}

static int
handshake(struct netkit_tls *t, int64_t deadline, bool once)
{
	int rc;

	if (t->ready)
		return 0;
	if (t->dead)
		return NETKIT_ETLS;
	rc = drive(t, step_handshake, NULL, NULL, deadline, once);
	ERR_clear_error();
	if (rc > 0) {
		t->ready = true;
		keep_alpn(t);
		return 0;
	}
	/* A close_notify instead of a handshake is a cut handshake. */
	if (rc == 0) {
		t->dead = NETKIT_ETLS_TRUNCATED;
		return NETKIT_ETLS_TRUNCATED;
	}
	return rc;
}

NETKIT_EXPORT int
netkit_tls_handshake(netkit_tls *t, netkit_deadline deadline)
{
	if (!t || !netkit__deadline_ok(deadline.at))
		return -EINVAL;
	return handshake(t, deadline.at, netkit__expired(deadline.at));
}

/* One send or receive: the handshake first if it is not done. */
static ssize_t
transfer(struct netkit_tls *t, step_fn *step, void *buf, size_t len,
	 int64_t deadline, bool once)
{
	struct chunk c = { buf, len };
	size_t done = 0;
	int rc;

	if (!t->ready) {
		rc = handshake(t, deadline, once);
		if (rc < 0)
			return rc;
	}
	rc = protocol_failure(t);
	if (rc < 0)
		return rc;
	rc = drive(t, step, &c, &done, deadline, once);
	ERR_clear_error();
	if (rc > 0)
		return (ssize_t)done;
	return rc;
}

static bool
args_ok(const netkit_tls *t, const void *buf, size_t len, netkit_deadline dl)
{
	return t && (buf || len == 0) && len <= SSIZE_MAX &&
		netkit__deadline_ok(dl.at);
}

/* One send, for netkit_tls_send() and _send_all(). */
static ssize_t
send_some(struct netkit_tls *t, const void *buf, size_t len,
	  int64_t deadline, bool once)
{
	ssize_t n;

	if (len == 0)
		return 0;
	/* SSL_write_ex() answers a clean end (0) only for a closed write
	 * side: that is a broken pipe here. */
	n = transfer(t, step_write, (void *)buf, len, deadline, once);
	t->held = n == -EAGAIN || n == -ETIMEDOUT ? len : 0;
	return n == 0 ? -EPIPE : n;
}

NETKIT_EXPORT ssize_t
netkit_tls_send(netkit_tls *t, const void *buf, size_t len,
		netkit_deadline deadline)
{
	if (!args_ok(t, buf, len, deadline))
		return -EINVAL;
	if (t->held_file)
		return -EBUSY;
	return send_some(t, buf, len, deadline.at,
			 netkit__expired(deadline.at));
}

NETKIT_EXPORT ssize_t
netkit_tls_recv(netkit_tls *t, void *buf, size_t len,
		netkit_deadline deadline)
{
	if (!args_ok(t, buf, len, deadline) || len == 0)
		return -EINVAL;
	return transfer(t, step_read, buf, len, deadline.at,
			netkit__expired(deadline.at));
}

NETKIT_EXPORT ssize_t
netkit_tls_send_all(netkit_tls *t, const void *buf, size_t len, size_t *sent,
		    netkit_deadline deadline)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n = 0;
	bool once;

	if (sent)
		*sent = 0;
	if (!args_ok(t, buf, len, deadline))
		return -EINVAL;
	if (t->held_file)
		return -EBUSY;
	once = netkit__expired(deadline.at);
	while (done < len) {
		/* Progress never extends the deadline. */
		if (done > 0 && netkit__expired(deadline.at)) {
			n = -ETIMEDOUT;
			break;
		}
		n = send_some(t, p + done, len - done, deadline.at, once);
		if (n < 0)
			break;
		done += (size_t)n;
	}
	if (sent)
		*sent = done;
	return n < 0 ? n : (ssize_t)done;
}

NETKIT_EXPORT ssize_t
netkit_tls_recv_exact(netkit_tls *t, void *buf, size_t len, size_t *got,
		      netkit_deadline deadline)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n = 1;
	bool once;

	if (got)
		*got = 0;
	if (!args_ok(t, buf, len, deadline))
		return -EINVAL;
	once = netkit__expired(deadline.at);
	while (done < len) {
		if (done > 0 && netkit__expired(deadline.at)) {
			n = -ETIMEDOUT;
			break;
		}
		n = transfer(t, step_read, p + done, len - done, deadline.at,
			     once);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (got)
		*got = done;
	return n < 0 ? n : (ssize_t)done;
}

NETKIT_EXPORT int
netkit_tls_close(netkit_tls *t, netkit_deadline deadline)
{
	int rc = NETKIT_ETLS;

	if (!t)
		return 0;
	if (!netkit__deadline_ok(deadline.at))
		deadline = NETKIT_NOW;
	/* After a fatal error, or before the handshake, there is no
	 * session to end: OpenSSL must not be asked. */
	if (t->ready && !t->dead) {
		rc = drive(t, step_shutdown, NULL, NULL, deadline.at,
			   netkit__expired(deadline.at));
		rc = rc > 0 ? 0 : rc == -EAGAIN ? -ETIMEDOUT : rc;
	}
	ERR_clear_error();
	netkit_tls_free(t);
	return rc;
}

NETKIT_EXPORT void
netkit_tls_free(netkit_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	ERR_clear_error();
	free(t);
}

/* netkit_tls_sendfile() without kTLS: the file read a record's worth at
 * a time, each piece sent whole. A piece whose send must be made again
 * is read again by the next call, from where *done ends. */
static ssize_t
sendfile_copy(struct netkit_tls *t, int fd, off_t offset, size_t count,
	      size_t *done, int64_t deadline, bool once)
{
	enum { PIECE = 16384 };	/* one TLS record's data */
	char *buf = malloc(PIECE);
	size_t want, went;
	ssize_t n = 0;

	if (!buf)
		return -ENOMEM;
	while (count == 0 || *done < count) {
		want = count == 0 || count - *done > PIECE ? PIECE :
			count - *done;
		if (t->held_file && t->held < want)
			want = t->held;	/* what OpenSSL holds, again */
		if (*done > 0 && netkit__expired(deadline)) {
			n = -ETIMEDOUT;
			break;
		}
		NETKIT__RETRY(n, NK_SYS(pread)(fd, buf, want,
					       offset + (off_t)*done));
		if (n < 0) {
			n = netkit__errno();
			break;
		}
		if (t->held_file && (size_t)n < want) {
			/* The file was cut inside the piece OpenSSL holds:
			 * the piece cannot be made again, and nothing can
			 * be sent after it. */
			t->dead = -EIO;
			n = -EIO;
			break;
		}
		if (n == 0)
			break;
		want = (size_t)n;
		for (went = 0; went < want; went += (size_t)n) {
			n = send_some(t, buf + went, want - went, deadline,
				      once);
			t->held_file = t->held > 0;
			if (n < 0)
				break;
		}
		*done += went;
		if (n < 0)
			break;
	}
	free(buf);
	return n < 0 ? n : 0;
}

NETKIT_EXPORT int
netkit_tls_ktls(const netkit_tls *t)
{
	return t && t->ktls_tx;
}

NETKIT_EXPORT ssize_t
netkit_tls_sendfile(netkit_tls *t, int file_fd, off_t offset, size_t count,
		    size_t *sent, netkit_deadline deadline)
{
	size_t done = 0;
	ssize_t rc;
	bool once;

	if (sent)
		*sent = 0;
	if (!t || offset < 0 || !netkit__deadline_ok(deadline.at))
		return -EINVAL;
	if (file_fd < 0)
		return -EBADF;
	/* A file that cannot be read at an offset (a pipe) says so here,
	 * before anything is sent. */
	if (NK_SYS(pread)(file_fd, NULL, 0, offset) < 0)
		return netkit__errno();
	/* The bytes of a netkit_tls_send() to make again would come
	 * after the file's. */
	if (t->held && !t->held_file)
		return -EBUSY;
	once = netkit__expired(deadline.at);
	if (!t->ready) {
		rc = handshake(t, deadline.at, once);
		if (rc < 0)
			return rc;
	}
	/* After the protocol failed, TLS allows nothing more (OpenSSL's
	 * alert may have gone): OpenSSL refuses to send, and the kernel
	 * would send all the same. */
	rc = protocol_failure(t);
	if (rc < 0)
		return rc;
	if (t->ktls_tx) {
		/* The kernel encrypts whatever the socket is given. With a
		 * deadline already past, a call that sent nothing would
		 * block: -EAGAIN, as on the other path. */
		rc = netkit_sendfile(t->fd, file_fd, offset, count, &done,
				     deadline);
		if (rc == -ETIMEDOUT && once && done == 0)
			rc = -EAGAIN;
		/* For netkit_tls_wants(), as drive() keeps it. */
		t->wants = rc == -EAGAIN || rc == -ETIMEDOUT ? POLLOUT : 0;
	} else
		rc = sendfile_copy(t, file_fd, offset, count, &done,
				   deadline.at, once);
	ERR_clear_error();
	if (sent)
		*sent = done;
	return rc < 0 ? rc : (ssize_t)done;
}

NETKIT_EXPORT const char *
netkit_tls_alpn(const netkit_tls *t)
{
	return t && t->alpn[0] ? t->alpn : NULL;
}

NETKIT_EXPORT unsigned
netkit_tls_wants(const netkit_tls *t)
{
	if (!t)
		return 0;
	if (t->wants == POLLIN)
		return NETKIT_POLLER_READ;
	if (t->wants == POLLOUT)
		return NETKIT_POLLER_WRITE;
	return 0;
}

int
netkit__tls_ctx_role(const netkit_tls_ctx *ctx)
{
	return ctx->role;
}

int
netkit__tls_open_moving(netkit_tls **out, netkit_tls_ctx *ctx, int fd,
			const char *server_name)
{
	return tls_open(out, ctx, ctx->role, fd,
			ctx->role == NETKIT_TLS_CLIENT ? server_name : NULL,
			NETKIT_NOW, true);
}
