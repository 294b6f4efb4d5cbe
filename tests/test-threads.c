/* SPDX-License-Identifier: MIT */
/*
 * Every helper of inet.c, resolve.c and iface.c called from 8 threads at
 * once, 200 times each, every answer compared with the one the same
 * call gave single-threaded. A static buffer or a non-reentrant libc
 * call underneath shows up as a wrong answer here, and as a race under
 * ThreadSanitizer or helgrind. Then the deadline paths: several threads
 * resolving "localhost" with netkit_getaddrinfo_until() (glibc's
 * resolver threads, the lookup table and its condition variable) and
 * connecting with netkit_create_connection() at once.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault.h"

#define NTHREADS 8
#define ITERATIONS 200
#define ANSWER 512

typedef void (*helper_fn)(char *out, size_t len);

static void
h_gethostname(char *out, size_t len)
{
	char buf[256];
	int rc = netkit_gethostname(buf, sizeof(buf));

	snprintf(out, len, "%d %s", rc, rc >= 0 ? buf : "");
}

static void
h_gethostbyname(char *out, size_t len)
{
	char buf[16] = "";
	int a = netkit_gethostbyname("10.20.30.40", buf, sizeof(buf));
	char buf2[16] = "";
	int b = netkit_gethostbyname("<broadcast>", buf2, sizeof(buf2));

	snprintf(out, len, "%d %s %d %s", a, buf, b, buf2);
}

static void
render_hostent(char *out, size_t len, int rc, netkit_hostent *h)
{
	size_t n;
	char **p;

	n = (size_t)snprintf(out, len, "%d", rc);
	if (rc < 0)
		return;
	n += (size_t)snprintf(out + n, len - n, " %s;", h->name);
	for (p = h->aliases; *p && n < len; p++)
		n += (size_t)snprintf(out + n, len - n, " %s", *p);
	for (p = h->addresses; *p && n < len; p++)
		n += (size_t)snprintf(out + n, len - n, " [%s]", *p);
	netkit_hostent_free(h);
}

static void
h_gethostbyname_ex(char *out, size_t len)
{
	netkit_hostent *h = NULL;
	int rc = netkit_gethostbyname_ex("127.0.0.1", &h);

	render_hostent(out, len, rc, h);
}

static void
h_gethostbyaddr(char *out, size_t len)
{
	netkit_hostent *h = NULL;
	int rc = netkit_gethostbyaddr("127.0.0.1", &h);

	render_hostent(out, len, rc, h);
}

static void
h_localhost(char *out, size_t len)
{
	netkit_hostent *h = NULL;
	char buf[16] = "", rest[ANSWER];
	int rc = netkit_gethostbyname("localhost", buf, sizeof(buf));
	int rc2 = netkit_gethostbyname_ex("localhost", &h);

	render_hostent(rest, sizeof(rest), rc2, h);
	snprintf(out, len, "%d %s / %s", rc, buf, rest);
}

static void
h_inet(char *out, size_t len)
{
	unsigned char b4[4] = { 0 }, b6[16] = { 0 };
	char t4[16] = "", t6[46] = "";
	int a, b, c, d;

	a = netkit_inet_aton("0x7f.1 junk", b4);
	b = netkit_inet_ntoa(b4, t4, sizeof(t4));
	c = netkit_inet_pton(AF_INET6, "2001:db8::1", b6);
	d = netkit_inet_ntop(AF_INET6, b6, t6, sizeof(t6));
	snprintf(out, len, "%d %d %s %d %d %s", a, b, t4, c, d, t6);
}

static void
h_serv(char *out, size_t len)
{
	char name[32] = "";
	int a = netkit_getservbyname("ssh", NULL);
	int b = netkit_getservbyname("mysql", "tcp");
	int c = netkit_getservbyname("no-such-service", NULL);
	int d = netkit_getservbyport(80, "tcp", name, sizeof(name));

	snprintf(out, len, "%d %d %d %d %s", a, b, c, d, name);
}

static void
h_addrinfo(char *out, size_t len)
{
	netkit_addrinfo *list = NULL, *ai;
	char ip[NETKIT_ADDRSTRLEN];
	int rc;
	size_t n;

	rc = netkit_getaddrinfo(NULL, "http", AF_UNSPEC, SOCK_STREAM,
				NETKIT_AI_PASSIVE, &list);
	n = (size_t)snprintf(out, len, "%d", rc);
	for (ai = rc > 0 ? list : NULL; ai && n < len; ai = ai->next) {
		netkit_addr_format(&ai->addr, ip, sizeof(ip));
		n += (size_t)snprintf(out + n, len - n, " %d/%s", ai->protocol,
				      ip);
	}
	if (rc > 0)
		netkit_addrinfo_free(list);
}

static void
h_nameinfo(char *out, size_t len)
{
	netkit_addr a;
	char host[64] = "", serv[32] = "";
	int rc;

	netkit_addr_from_ip(&a, "127.0.0.1", 22);
	rc = netkit_getnameinfo(&a, 0, host, sizeof(host), serv, sizeof(serv));
	snprintf(out, len, "%d %s %s", rc, host, serv);
}

static void
h_iface(char *out, size_t len)
{
	netkit_iface *list = NULL;
	char name[NETKIT_IFNAMESIZE] = "";
	int n, i, idx;
	size_t k;

	idx = netkit_if_nametoindex("lo");
	netkit_if_indextoname(idx, name, sizeof(name));
	n = netkit_iface_list(&list);
	k = (size_t)snprintf(out, len, "%d %s %d", idx, name, n);
	for (i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(out + k, len - k, " %s/%d/%zu",
				      list[i].name, list[i].index,
				      list[i].naddrs);
	netkit_iface_list_free(list);
}

static const struct {
	const char *name;
	helper_fn fn;
} helpers[] = {
	{ "gethostname", h_gethostname },
	{ "gethostbyname", h_gethostbyname },
	{ "gethostbyname_ex", h_gethostbyname_ex },
	{ "gethostbyaddr", h_gethostbyaddr },
	{ "localhost", h_localhost },
	{ "inet", h_inet },
	{ "getserv", h_serv },
	{ "getaddrinfo", h_addrinfo },
	{ "getnameinfo", h_nameinfo },
	{ "iface", h_iface },
};
#define NHELPERS N_ELEMS(helpers)

static char reference[NHELPERS][ANSWER];
static pthread_barrier_t start;

struct result {
	int mismatches;
	char first[ANSWER * 2 + 64];
};

static void *
worker(void *arg)
{
	struct result *r = arg;
	char got[ANSWER];
	size_t i;
	int it;

	pthread_barrier_wait(&start);
	for (it = 0; it < ITERATIONS; it++) {
		for (i = 0; i < NHELPERS; i++) {
			helpers[i].fn(got, sizeof(got));
			if (strcmp(got, reference[i]) == 0)
				continue;
			if (r->mismatches++ == 0)
				snprintf(r->first, sizeof(r->first),
					 "%s: \"%.200s\" instead of \"%.200s\"",
					 helpers[i].name, got, reference[i]);
		}
	}
	return NULL;
}

START_TEST(helpers_agree_across_8_threads)
{
	nk_thread *tid[NTHREADS];
	struct result res[NTHREADS];
	size_t i;
	int t;

	for (i = 0; i < NHELPERS; i++)
		helpers[i].fn(reference[i], sizeof(reference[i]));
	memset(res, 0, sizeof(res));
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (t = 0; t < NTHREADS; t++)
		tid[t] = nk_spawn(worker, &res[t]);
	/* Bounded: 10 s each, scaled for valgrind and helgrind. */
	for (t = 0; t < NTHREADS; t++)
		nk_join(tid[t]);
	pthread_barrier_destroy(&start);
	for (t = 0; t < NTHREADS; t++)
		ck_assert_msg(res[t].mismatches == 0,
			      "thread %d: %d wrong answers; first %s", t,
			      res[t].mismatches, res[t].first);
}
END_TEST

#define DL_THREADS 4
#define DL_ROUNDS 5
#define DL_CONNS (DL_THREADS * DL_ROUNDS)

struct dl_worker {
	const char *port;	/* the listener's, as text */
	int want_port;
	int resolved;		/* lookups that found 127.0.0.1:port */
	int connected;		/* connections made and 1 byte sent */
	int first_err;
};

static pthread_barrier_t dl_start;

/* True if list holds 127.0.0.1 at port. */
static bool
has_loopback(const netkit_addrinfo *list, int port)
{
	char ip[NETKIT_ADDRSTRLEN];

	for (; list; list = list->next)
		if (netkit_addr_ip(&list->addr, ip, sizeof(ip)) >= 0 &&
		    strcmp(ip, "127.0.0.1") == 0 &&
		    netkit_addr_port(&list->addr) == port)
			return true;
	return false;
}

static void
dl_round(struct dl_worker *w)
{
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(5000));
	netkit_addrinfo *list = NULL;
	int rc, fd;

	rc = netkit_getaddrinfo_until("localhost", w->port, &(netkit_addrinfo_hints){ .type = SOCK_STREAM }, &list, dl);
	if (rc > 0) {
		w->resolved += has_loopback(list, w->want_port);
		netkit_addrinfo_free(list);
	} else if (!w->first_err) {
		w->first_err = rc;
	}
	fd = netkit_create_connection("localhost", w->port, NULL, NULL, dl);
	if (fd >= 0) {
		w->connected += netkit_send_all(fd, "x", 1) == 1;
		netkit_close(fd);
	} else if (!w->first_err) {
		w->first_err = fd;
	}
}

static void *
dl_run(void *arg)
{
	struct dl_worker *w = arg;
	int i;

	pthread_barrier_wait(&dl_start);
	for (i = 0; i < DL_ROUNDS; i++)
		dl_round(w);
	return NULL;
}

struct dl_acceptor {
	int lfd;
	int accepted;		/* connections that delivered their byte */
};

/* Takes the workers' connections (every one of them must arrive). */
static void *
dl_accept(void *arg)
{
	struct dl_acceptor *a = arg;
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(10000));
	char b;
	int fd;

	while (a->accepted < DL_CONNS) {
		fd = netkit_accept_until(a->lfd, NULL, dl);
		if (fd < 0)
			break;
		if (netkit_recv_until(fd, &b, 1, dl) == 1 && b == 'x')
			a->accepted++;
		netkit_close(fd);
	}
	return NULL;
}

START_TEST(getaddrinfo_until_and_create_connection_agree_across_threads)
{
	struct dl_worker w[DL_THREADS];
	struct dl_acceptor acc = { .accepted = 0 };
	nk_thread *tid[DL_THREADS], *at;
	char port[16];
	netkit_addr a;
	int t;

	acc.lfd = nk_listen(AF_INET, &a);
	snprintf(port, sizeof(port), "%d", netkit_addr_port(&a));
	memset(w, 0, sizeof(w));
	ck_assert_int_eq(pthread_barrier_init(&dl_start, NULL, DL_THREADS),
			 0);
	at = nk_spawn(dl_accept, &acc);
	for (t = 0; t < DL_THREADS; t++) {
		w[t].port = port;
		w[t].want_port = netkit_addr_port(&a);
		tid[t] = nk_spawn(dl_run, &w[t]);
	}
	for (t = 0; t < DL_THREADS; t++)
		nk_join(tid[t]);
	nk_join(at);
	pthread_barrier_destroy(&dl_start);
	netkit_close(acc.lfd);
	for (t = 0; t < DL_THREADS; t++)
		ck_assert_msg(w[t].resolved == DL_ROUNDS &&
			      w[t].connected == DL_ROUNDS,
			      "thread %d: %d lookups, %d connections of %d; "
			      "first error %s", t, w[t].resolved,
			      w[t].connected, DL_ROUNDS,
			      netkit_errname(w[t].first_err));
	ck_assert_int_eq(acc.accepted, DL_CONNS);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = nk_tcase_with("helpers_agree_across_8_threads",
				  helpers_agree_across_8_threads, 1);

	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	NK_ADD_TEST(s,
		getaddrinfo_until_and_create_connection_agree_across_threads);
	return s;
}
