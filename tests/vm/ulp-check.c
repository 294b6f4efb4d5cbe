/* SPDX-License-Identifier: MIT */
/*
 * The VM harness's self-test, run inside the VM by tests/vm/run.sh: the
 * kernel offers the "tls" upper layer protocol and a loopback TCP
 * connection takes it. On a kernel without the tls module (this
 * machine's) it fails: that is what the VM is for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define ULP_LIST "/proc/sys/net/ipv4/tcp_available_ulp"

/* Whether the space-separated list in @s holds the word @word. */
static int has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (*s) {
		s += strspn(s, " \t\n");
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

/* The kernel takes the tls ULP only on an established connection. */
static int check_setsockopt(void)
{
	struct sockaddr_in sa;
	int lfd, cfd, afd = -1, ret = -1;

	lfd = listen_loopback(&sa);
	if (lfd < 0) {
		printf("ulp-check: listen on 127.0.0.1: %s\n", strerror(errno));
		return -1;
	}
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		printf("ulp-check: connect over loopback: %s\n", strerror(errno));
	else if ((afd = accept(lfd, NULL, NULL)) < 0)
		printf("ulp-check: accept: %s\n", strerror(errno));
	else if (setsockopt(cfd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0)
		printf("ulp-check: setsockopt(TCP_ULP, \"tls\"): %s\n",
		       strerror(errno));
	else
		ret = 0;
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return ret;
}

int main(void)
{
	if (check_list() < 0 || check_setsockopt() < 0)
		return 1;
	printf("ulp-check: tls ULP available and set on a loopback connection\n");
	return 0;
}
