/* SPDX-License-Identifier: MIT */
/*
 * The VM harness's self-test, run inside the VM by tests/vm/run.sh: the
 * kernel offers the "tls" upper layer protocol, a loopback TCP
 * connection takes it, and a record goes through kTLS with each cipher
 * the kernel offers (which needs the crypto modules run.sh loads). On a
 * kernel without the tls module (this machine's) it fails: that is what
 * the VM is for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define ULP_LIST "/proc/sys/net/ipv4/tcp_available_ulp"

/* Whether the space-separated list in @s holds the word @word. */
static int has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (*s) {
		s += strspn(s, " \t\n");
		/* s[n] may be the end of the string: strchr finds that too. */
		if (!strncmp(s, word, n) && strchr(" \t\n", s[n]))
			return 1;
		s += strcspn(s, " \t\n");
	}
	return 0;
}

static int check_list(void)
{
	char buf[256] = "";
	FILE *f = fopen(ULP_LIST, "r");

	if (!f) {
		printf("ulp-check: %s: %s\n", ULP_LIST, strerror(errno));
		return -1;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (!has_word(buf, "tls")) {
		printf("ulp-check: no tls in %s: \"%.*s\"\n", ULP_LIST,
		       (int)strcspn(buf, "\n"), buf);
		return -1;
	}
	return 0;
}

/* A listener on 127.0.0.1, any port; its address in @sa. */
static int listen_loopback(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A connected pair over loopback in @fds: [0] the connecting end, [1]
 * the accepted one. The kernel takes the tls ULP only on an established
 * connection.
 */
static int connect_pair(int fds[2])
{
	struct sockaddr_in sa;
	int lfd;

	fds[0] = fds[1] = -1;
	lfd = listen_loopback(&sa);
	if (lfd < 0) {
		printf("ulp-check: listen on 127.0.0.1: %s\n", strerror(errno));
		return -1;
	}
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&sa, sizeof(sa)) < 0)
		printf("ulp-check: connect over loopback: %s\n", strerror(errno));
	else if ((fds[1] = accept(lfd, NULL, NULL)) < 0)
		printf("ulp-check: accept: %s\n", strerror(errno));
	close(lfd);
	return fds[1] < 0 ? -1 : 0;
}

static void close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

static int set_ulp(int fd)
{
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0) {
		printf("ulp-check: setsockopt(TCP_ULP, \"tls\"): %s\n",
		       strerror(errno));
		return -1;
	}
	return 0;
}

static int check_ulp(void)
{
	int fds[2], ret = -1;

	if (connect_pair(fds) == 0 && set_ulp(fds[0]) == 0)
		ret = 0;
	close_pair(fds);
	return ret;
}

/*
 * One kTLS cipher: @info (of @len bytes, all-zero key) as the sending
 * key of one end and the receiving key of the other, then a record
 * through. Setting the key is where the kernel needs the cipher's crypto
 * modules (it answers ENOENT without them).
 */
static int check_cipher(const char *name, const void *info, socklen_t len)
{
	static const char msg[] = "kTLS";
	char buf[sizeof(msg)] = "";
	int fds[2], ret = -1;
	ssize_t n = -1;

	if (connect_pair(fds) < 0 || set_ulp(fds[0]) < 0 || set_ulp(fds[1]) < 0)
		goto out;
	if (setsockopt(fds[0], SOL_TLS, TLS_TX, info, len) < 0 ||
	    setsockopt(fds[1], SOL_TLS, TLS_RX, info, len) < 0) {
		printf("ulp-check: %s key: %s\n", name, strerror(errno));
		goto out;
	}
	if (send(fds[0], msg, sizeof(msg), MSG_NOSIGNAL) == (ssize_t)sizeof(msg))
		n = recv(fds[1], buf, sizeof(buf), MSG_WAITALL);
	if (n != (ssize_t)sizeof(msg) || memcmp(buf, msg, sizeof(msg)))
		printf("ulp-check: %s record: %zd bytes back (%s)\n", name, n,
		       n < 0 ? strerror(errno) : "short or wrong");
	else
		ret = 0;
out:
	close_pair(fds);
	return ret;
}

/* The kernel's kTLS ciphers, in TLS 1.2 and 1.3 records. */
static int check_ciphers(void)
{
	struct tls12_crypto_info_aes_gcm_128 gcm128 = {
		.info = { TLS_1_2_VERSION, TLS_CIPHER_AES_GCM_128 } };
	struct tls12_crypto_info_aes_gcm_256 gcm256 = {
		.info = { TLS_1_3_VERSION, TLS_CIPHER_AES_GCM_256 } };
	struct tls12_crypto_info_aes_ccm_128 ccm128 = {
		.info = { TLS_1_2_VERSION, TLS_CIPHER_AES_CCM_128 } };
	struct tls12_crypto_info_chacha20_poly1305 chacha = {
		.info = { TLS_1_3_VERSION, TLS_CIPHER_CHACHA20_POLY1305 } };
	int ret = 0;

	ret |= check_cipher("AES-GCM-128", &gcm128, sizeof(gcm128));
	ret |= check_cipher("AES-GCM-256", &gcm256, sizeof(gcm256));
	ret |= check_cipher("AES-CCM-128", &ccm128, sizeof(ccm128));
	ret |= check_cipher("ChaCha20-Poly1305", &chacha, sizeof(chacha));
	return ret;
}

int main(void)
{
	if (check_list() < 0 || check_ulp() < 0 || check_ciphers() < 0)
		return 1;
	printf("ulp-check: tls ULP set on a loopback connection; "
	       "a record through each kTLS cipher\n");
	return 0;
}
