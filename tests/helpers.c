#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

int
nk_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own descriptor */
}

static int fds_before;

static void
fd_setup(void)
{
	fds_before = nk_count_fds();
}

static void
fd_teardown(void)
{
	ck_assert_msg(nk_count_fds() == fds_before,
		      "descriptor leak: %d open before the test, %d after",
		      fds_before, nk_count_fds());
}

TCase *
nk_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fd_setup, fd_teardown);
	tcase_set_timeout(tc, 30);
	return tc;
}

bool
nk_have_ipv6(void)
{
	netkit_addr a;
	int fd, rc;

	fd = netkit_socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	netkit_addr_from_ip(&a, "::1", 0);
	rc = netkit_bind(fd, &a);
	netkit_close(fd);
	return rc == 0;
}

void
nk_loopback(int family, int port, netkit_addr *out)
{
	ck_assert_int_eq(netkit_addr_from_ip(out,
		family == AF_INET6 ? "::1" : "127.0.0.1", port), 0);
}

int
nk_listen(int family, netkit_addr *bound)
{
	netkit_addr a;
	int fd;

	nk_loopback(family, 0, &a);
	fd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), 0);
	ck_assert_int_eq(netkit_listen(fd, 16), 0);
	ck_assert_int_eq(netkit_local_addr(fd, bound), 0);
	return fd;
}

void
nk_tcp_pair(int family, int *client, int *server)
{
	netkit_addr a;
	int lfd = nk_listen(family, &a);

	*client = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(*client, 0);
	ck_assert_int_eq(netkit_connect(*client, &a), 0);
	*server = netkit_accept(lfd, NULL);
	ck_assert_int_ge(*server, 0);
	netkit_close(lfd);
}

int
nk_udp(int family, netkit_addr *bound)
{
	netkit_addr a;
	int fd;

	nk_loopback(family, 0, &a);
	fd = netkit_socket(family, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), 0);
	ck_assert_int_eq(netkit_local_addr(fd, bound), 0);
	return fd;
}

void
nk_refused_addr(int family, netkit_addr *out)
{
	int fd = nk_listen(family, out);

	netkit_close(fd);
}

struct nk_thread {
	pthread_t tid;
	void *(*fn)(void *);
	void *arg;
	void *ret;
};

nk_thread *
nk_spawn(void *(*fn)(void *), void *arg)
{
	nk_thread *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	t->fn = fn;
	t->arg = arg;
	ck_assert_int_eq(pthread_create(&t->tid, NULL, fn, arg), 0);
	return t;
}

void *
nk_join(nk_thread *t)
{
	struct timespec ts;
	void *ret = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	ck_assert_msg(pthread_timedjoin_np(t->tid, &ret, &ts) == 0,
		      "helper thread did not finish within 10 s");
	free(t);
	return ret;
}

bool
nk_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}
