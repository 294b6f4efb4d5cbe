/* SPDX-License-Identifier: MIT */
/*
 * Addresses and sockets as Python prints them: netkit_addr_tuple()
 * (the tuple getpeername() returns) and netkit_socket_repr() (Python
 * 3.11's repr(sock)), on real loopback sockets. Where a python3 of 3.11
 * or later is found, its own repr() of the very same descriptors is
 * the reference.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"

/* ---- netkit_addr_tuple ---- */

static netkit_addr
v4(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	netkit_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a,
		(const struct sockaddr *)&sin, sizeof(sin)), 0);
	return a;
}

static netkit_addr
v6(const char *ip, int port, uint32_t flowinfo, uint32_t scope)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons((uint16_t)port),
				     .sin6_flowinfo = htonl(flowinfo),
				     .sin6_scope_id = scope };
	netkit_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a,
		(const struct sockaddr *)&sin6, sizeof(sin6)), 0);
	return a;
}

/* The tuple of a, which must be want (its length returned too). */
static void
tuple_is(const netkit_addr *a, const char *want)
{
	char buf[NETKIT_TUPLESTRLEN];

	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(netkit_addr_tuple(a, buf, sizeof(buf)),
			 (int)strlen(want));
	ck_assert_str_eq(buf, want);
}

START_TEST(tuple_of_ipv4_and_ipv6)
{
	netkit_addr a;

	a = v4("127.0.0.1", 8888);
	tuple_is(&a, "('127.0.0.1', 8888)");
	a = v4("0.0.0.0", 0);
	tuple_is(&a, "('0.0.0.0', 0)");
	a = v4("255.255.255.255", 65535);
	tuple_is(&a, "('255.255.255.255', 65535)");
	a = v6("::1", 8888, 0, 0);
	tuple_is(&a, "('::1', 8888, 0, 0)");
	a = v6("::", 0, 0, 0);
	tuple_is(&a, "('::', 0, 0, 0)");
	a = v6("::ffff:1.2.3.4", 80, 0, 0);
	tuple_is(&a, "('::ffff:1.2.3.4', 80, 0, 0)");
	a = v6("2001:db8::1", 443, 0x12345, 0);
	tuple_is(&a, "('2001:db8::1', 443, 74565, 0)");
}
END_TEST

/* Flow information in host order, the scope as a number after it, and
 * the host without a "%scope" part: what Python's getpeername() and
 * getaddrinfo() give (CPython formats the host with inet_ntop()). */
START_TEST(tuple_of_scoped_ipv6_has_flowinfo_and_scope_as_python)
{
	netkit_addr a;

	a = v6("fe80::1", 80, 5, 1);
	tuple_is(&a, "('fe80::1', 80, 5, 1)");
	a = v6("ff02::1", 9, 0, 1);
	tuple_is(&a, "('ff02::1', 9, 0, 1)");
	/* The longest: it fits NETKIT_TUPLESTRLEN. */
	a = v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 0xffffffff,
	       0xffffffff);
	tuple_is(&a, "('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 65535, "
		 "4294967295, 4294967295)");
}
END_TEST

START_TEST(tuple_errors_leave_the_buffer_untouched)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX,
				   .sun_path = "/tmp/nk.sock" };
	netkit_addr a = v4("127.0.0.1", 8888), empty, un;
	const char *want = "('127.0.0.1', 8888)";
	size_t n = strlen(want);
	char buf[64];

	memset(&empty, 0, sizeof(empty));
	ck_assert_int_eq(netkit_addr_from_sockaddr(&un,
		(const struct sockaddr *)&sun, sizeof(sun)), 0);
	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(netkit_addr_tuple(NULL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_tuple(&a, NULL, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_tuple(&empty, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_tuple(&un, buf, sizeof(buf)),
			 -EAFNOSUPPORT);
	ck_assert_int_eq(netkit_addr_tuple(&a, buf, 0), -ENOSPC);
	ck_assert_int_eq(netkit_addr_tuple(&a, buf, 1), -ENOSPC);
	ck_assert_int_eq(netkit_addr_tuple(&a, buf, n), -ENOSPC);
	ck_assert(buf[0] == 'Z' && memchr(buf, 'Z', sizeof(buf)) == buf &&
		  buf[n] == 'Z' && buf[sizeof(buf) - 1] == 'Z');
	ck_assert_int_eq(netkit_addr_tuple(&a, buf, n + 1), (int)n);
	ck_assert_str_eq(buf, want);
	ck_assert(buf[n + 1] == 'Z');
}
END_TEST

/* ---- netkit_socket_repr ---- */

/* A listener on ip (family fam) at port 0, a client connected to it and
 * the accepted end. */
struct trio {
	int lfd, cfd, afd;
};

static void
trio_open(struct trio *t, int fam, int type_flags)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	t->lfd = netkit_create_server(fam == AF_INET ? "127.0.0.1" : "::1",
				      "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(t->lfd, 0);
	ck_assert_int_eq(getsockname(t->lfd, (struct sockaddr *)&ss, &len), 0);
	t->cfd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | type_flags, 0);
	ck_assert_int_ge(t->cfd, 0);
	if (type_flags & SOCK_NONBLOCK)
		nk_set_nonblocking(t->cfd, false);
	ck_assert_int_eq(connect(t->cfd, (struct sockaddr *)&ss, len), 0);
	t->afd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(t->afd, 0);
}

static void
trio_close(struct trio *t)
{
	close(t->afd);
	close(t->cfd);
	close(t->lfd);
}

/* The port getsockname() (local) or getpeername() gives fd. */
static int
port_of(int fd, bool local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (local)
		ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len),
				 0);
	else
		ck_assert_int_eq(getpeername(fd, (struct sockaddr *)&ss, &len),
				 0);
	return ntohs(ss.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* netkit_socket_repr(fd) must be want. */
static void
repr_is(int fd, const char *want)
{
	char buf[NETKIT_REPRSTRLEN];

	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(netkit_socket_repr(fd, buf, sizeof(buf)),
			 (int)strlen(want));
	ck_assert_str_eq(buf, want);
}

START_TEST(repr_of_connected_ipv4_sockets_and_listener)
{
	char want[NETKIT_REPRSTRLEN];
	struct trio t;

	trio_open(&t, AF_INET, SOCK_NONBLOCK);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=1, "
		 "proto=0, laddr=('127.0.0.1', %d), raddr=('127.0.0.1', %d)>",
		 t.afd, port_of(t.afd, true), port_of(t.afd, false));
	repr_is(t.afd, want);
	/* The client, made with SOCK_NONBLOCK: still type=1. */
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=1, "
		 "proto=0, laddr=('127.0.0.1', %d), raddr=('127.0.0.1', %d)>",
		 t.cfd, port_of(t.cfd, true), port_of(t.lfd, true));
	repr_is(t.cfd, want);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=1, "
		 "proto=0, laddr=('127.0.0.1', %d)>", t.lfd,
		 port_of(t.lfd, true));
	repr_is(t.lfd, want);
	trio_close(&t);
}
END_TEST

START_TEST(repr_of_connected_ipv6_sockets_and_listener)
{
	char want[NETKIT_REPRSTRLEN];
	struct trio t;

	if (!nk_have_ipv6())
		NK_SKIP("no IPv6 loopback");
	trio_open(&t, AF_INET6, 0);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=10, "
		 "type=1, proto=0, laddr=('::1', %d, 0, 0), "
		 "raddr=('::1', %d, 0, 0)>", t.afd, port_of(t.afd, true),
		 port_of(t.afd, false));
	repr_is(t.afd, want);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=10, "
		 "type=1, proto=0, laddr=('::1', %d, 0, 0)>", t.lfd,
		 port_of(t.lfd, true));
	repr_is(t.lfd, want);
	trio_close(&t);
}
END_TEST

/* UDP: type=2; raddr only once connected. A socket not bound yet has
 * the any address and port 0 as its local one, as Python shows. */
START_TEST(repr_of_udp_and_unbound_sockets)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char want[NETKIT_REPRSTRLEN];
	int u, s;

	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(u, 0);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=2, "
		 "proto=0, laddr=('0.0.0.0', 0)>", u);
	repr_is(u, want);
	ck_assert_int_eq(bind(u, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=2, "
		 "proto=0, laddr=('127.0.0.1', %d)>", u, port_of(u, true));
	repr_is(u, want);
	sin.sin_port = htons(9);
	ck_assert_int_eq(connect(u, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=2, "
		 "proto=0, laddr=('127.0.0.1', %d), raddr=('127.0.0.1', 9)>",
		 u, port_of(u, true));
	repr_is(u, want);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=1, "
		 "proto=0, laddr=('0.0.0.0', 0)>", s);
	repr_is(s, want);
	close(s);
	close(u);
	if (!nk_have_ipv6())
		return;
	u = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(u, 0);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=10, "
		 "type=2, proto=0, laddr=('::', 0, 0, 0)>", u);
	repr_is(u, want);
	close(u);
}
END_TEST

START_TEST(repr_errors_leave_the_buffer_untouched)
{
	char buf[NETKIT_REPRSTRLEN], want[NETKIT_REPRSTRLEN];
	int p[2], sv[2], fd, n;
	struct trio t;

	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(netkit_socket_repr(-1, buf, sizeof(buf)), -EBADF);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(netkit_socket_repr(fd, buf, sizeof(buf)), -EBADF);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(netkit_socket_repr(p[0], buf, sizeof(buf)),
			 -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	ck_assert_int_eq(netkit_socket_repr(sv[0], buf, sizeof(buf)),
			 -EAFNOSUPPORT);
	close(sv[0]);
	close(sv[1]);
	/* Another family the kernel gives anyone: netlink (protocol 0,
	 * NETLINK_ROUTE, without a Linux header musl may not have). */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		ck_assert_int_eq(netkit_socket_repr(fd, buf, sizeof(buf)),
				 -EAFNOSUPPORT);
		close(fd);
	}
	ck_assert(memchr(buf, 'Z', sizeof(buf)) == buf &&
		  buf[sizeof(buf) - 1] == 'Z');
	trio_open(&t, AF_INET, 0);
	ck_assert_int_eq(netkit_socket_repr(t.afd, NULL, sizeof(buf)),
			 -EINVAL);
	snprintf(want, sizeof(want), "<socket.socket fd=%d, family=2, type=1, "
		 "proto=0, laddr=('127.0.0.1', %d), raddr=('127.0.0.1', %d)>",
		 t.afd, port_of(t.afd, true), port_of(t.afd, false));
	n = (int)strlen(want);
	ck_assert_int_eq(netkit_socket_repr(t.afd, buf, (size_t)n), -ENOSPC);
	ck_assert_int_eq(netkit_socket_repr(t.afd, buf, 0), -ENOSPC);
	ck_assert(buf[0] == 'Z' && buf[n - 1] == 'Z' && buf[n] == 'Z');
	ck_assert_int_eq(netkit_socket_repr(t.afd, buf, (size_t)n + 1), n);
	ck_assert_str_eq(buf, want);
	ck_assert(buf[n + 1] == 'Z');
	trio_close(&t);
}
END_TEST

/* ---- Python itself ---- */

/* Python's repr of each descriptor in fds (made as accept() makes its
 * sockets: family, type and proto 0 given, fileno= the descriptor),
 * one line each, into out; false (and out the reason) without a
 * python3 of 3.11 or later. The descriptors are inherited at their
 * numbers. */
static bool
python_reprs(const int *fds, int n, char *out, size_t cap)
{
	static const char script[] =
		"import socket, sys\n"
		"if sys.version_info < (3, 11):\n"
		"    print('python', sys.version.split()[0]); sys.exit(3)\n"
		"for a in sys.argv[1:]:\n"
		"    fd, fam, typ = map(int, a.split(','))\n"
		"    s = socket.socket(fam, typ, 0, fileno=fd)\n"
		"    print(repr(s))\n"
		"    s.detach()\n";
	char args[8][32], *argv[12];
	int j, p[2], st, fam, type;
	socklen_t len;
	size_t got = 0;
	ssize_t r;
	pid_t pid;

	ck_assert_int_le(n, 8);
	argv[0] = "python3";
	argv[1] = "-c";
	argv[2] = (char *)script;
	for (j = 0; j < n; j++) {
		len = sizeof(type);
		ck_assert_int_eq(getsockopt(fds[j], SOL_SOCKET, SO_TYPE, &type,
					    &len), 0);
		len = sizeof(fam);
		ck_assert_int_eq(getsockopt(fds[j], SOL_SOCKET, SO_DOMAIN, &fam,
					    &len), 0);
		snprintf(args[j], sizeof(args[j]), "%d,%d,%d", fds[j], fam,
			 type);
		argv[3 + j] = args[j];
	}
	argv[3 + n] = NULL;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		for (j = 0; j < n; j++)
			fcntl(fds[j], F_SETFD, 0);
		execvp("python3", argv);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < cap &&
	       (r = read(p[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	if (!WIFEXITED(st) || (WEXITSTATUS(st) != 127 &&
			       WEXITSTATUS(st) != 3))
		ck_abort_msg("python3 failed: %s", out);
	if (WEXITSTATUS(st) == 127)
		snprintf(out, cap, "no python3");
	return false;
}

/* Each descriptor's netkit_socket_repr() is Python's repr() of it:
 * accepted and connecting TCP ends, a listener, IPv4 and IPv6, UDP. */
START_TEST(repr_matches_python)
{
	char py[4096], mine[8 * NETKIT_REPRSTRLEN], *m = mine;
	struct trio t4, t6 = { -1, -1, -1 };
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				   .sin_port = htons(9) };
	int fds[8], n = 0, j, u, rc;

	trio_open(&t4, AF_INET, 0);
	fds[n++] = t4.afd;
	fds[n++] = t4.cfd;
	fds[n++] = t4.lfd;
	if (nk_have_ipv6()) {
		trio_open(&t6, AF_INET6, 0);
		fds[n++] = t6.afd;
		fds[n++] = t6.lfd;
	}
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(u, 0);
	fds[n++] = u;
	fds[n] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fds[n], 0);
	ck_assert_int_eq(connect(fds[n], (struct sockaddr *)&sin, sizeof(sin)),
			 0);
	n++;
	for (j = 0; j < n; j++) {
		rc = netkit_socket_repr(fds[j], m, NETKIT_REPRSTRLEN);
		ck_assert_int_gt(rc, 0);
		m += rc;
		*m++ = '\n';
	}
	*m = '\0';
	if (python_reprs(fds, n, py, sizeof(py)))
		ck_assert_str_eq(mine, py);
	close(fds[n - 1]);
	close(u);
	trio_close(&t4);
	if (t6.lfd >= 0)
		trio_close(&t6);
	if (strncmp(py, "<socket", 7) != 0)
		NK_SKIP("%s", py);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("addr-python");

	NK_ADD_TEST(s, tuple_of_ipv4_and_ipv6);
	NK_ADD_TEST(s, tuple_of_scoped_ipv6_has_flowinfo_and_scope_as_python);
	NK_ADD_TEST(s, tuple_errors_leave_the_buffer_untouched);
	NK_ADD_TEST(s, repr_of_connected_ipv4_sockets_and_listener);
	NK_ADD_TEST(s, repr_of_connected_ipv6_sockets_and_listener);
	NK_ADD_TEST(s, repr_of_udp_and_unbound_sockets);
	NK_ADD_TEST(s, repr_errors_leave_the_buffer_untouched);
	NK_ADD_TEST(s, repr_matches_python);
	return s;
}
