/* SPDX-License-Identifier: MIT */
/*
 * The public endpoint calls over real loopback sockets: what
 * netkit_create_connection() returns and refuses (the race itself is in
 * test-endpoint.c), and netkit_create_server(): its addresses, socket
 * options, restart over TIME_WAIT, port sharing, backlog and errors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "netkit-private.h"

static int
get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	ck_assert_int_eq(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

static char *
port_text(const netkit_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%d", netkit_addr_port(a));
	return buf;
}

START_TEST(create_connection_returns_a_blocking_cloexec_socket)
{
	const char *host;
	netkit_addr a;
	char port[8];
	int family, lfd, fd;

	FAMILY_OR_SKIP(family);
	host = family == AF_INET6 ? "::1" : "127.0.0.1";
	lfd = nk_listen(family, &a);
	fd = netkit_create_connection(host, port_text(&a, port, sizeof(port)), NULL, NULL,
				      netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 0);
	ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	nk_assert_connected_to(fd, lfd, &a);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

START_TEST(create_connection_resolves_localhost)
{
	netkit_attempt tries[4];
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .attempts = tries, .len = 4, .count = 0 };
	netkit_addr a;
	char port[8];
	int lfd, fd;

	lfd = nk_listen(AF_INET, &a);
	fd = netkit_create_connection("localhost",
				      port_text(&a, port, sizeof(port)), &o, &rep,
				      netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_ge(rep.count, 1);
	ck_assert_int_eq(tries[rep.count - 1].result, 0);
	nk_assert_connected_to(fd, lfd, &a);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

START_TEST(create_connection_sets_nodelay_and_keepalive)
{
	netkit_connect_opts o = { .flags = NETKIT_CONNECT_NODELAY };
	netkit_addr a;
	char port[8];
	int lfd, fd;

	lfd = nk_listen(AF_INET, &a);
	port_text(&a, port, sizeof(port));
	fd = netkit_create_connection("127.0.0.1", port, &o, NULL, NETKIT_FOREVER);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	netkit_close(fd);
	o.flags = NETKIT_CONNECT_KEEPALIVE;
	fd = netkit_create_connection("127.0.0.1", port, &o, NULL, NETKIT_FOREVER);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 0);
	ck_assert_int_ne(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

START_TEST(bad_arguments_are_rejected_and_nothing_is_created)
{
	netkit_addr a, bad;
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .count = 99 };
	netkit_connect_report no_room = { .len = 1, .count = 99 };
	const netkit_connect_opts bads[] = {
		{ .family = AF_UNIX },
		{ .family = 99 },
		{ .flags = 0x4 },
		{ .attempt_delay = -1 },
		{ .max_in_flight = -1 },
		{ .source = &bad },
		{ .family = AF_INET6, .source = &a },
		{ .reserved_ = { 0, 0, 0, 0, 0, 0, 0, 1 } },
	};
	size_t i;

	memset(&bad, 0, sizeof(bad));
	nk_refused_addr(AF_INET, &a);
	ck_assert_int_eq(netkit_create_connection(NULL, "80", NULL, &rep,
						  NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_create_connection("127.0.0.1", NULL, NULL,
						  &rep, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_create_connection("127.0.0.1", "80", &o, &rep,
						  netkit_deadline_at(-2)),
			 -EINVAL);
	ck_assert_int_eq(netkit_create_connection("127.0.0.1", "80", &o,
						  &no_room, NETKIT_FOREVER),
			 -EINVAL);
	ck_assert_int_eq(netkit__connect_addrs(NULL, 1, &o, &rep, NETKIT_NOW),
			 -EINVAL);
	ck_assert_int_eq(netkit__connect_addrs(&a, 0, &o, &rep, NETKIT_NOW),
			 -EINVAL);
	ck_assert_int_eq(netkit__connect_addrs(&bad, 1, &o, &rep, NETKIT_NOW),
			 -EINVAL);
	ck_assert_int_eq(netkit__connect_addrs(&a, 1, &o, &rep,
					       netkit_deadline_at(-5)),
			 -EINVAL);
	for (i = 0; i < N_ELEMS(bads); i++) {
		ck_assert_int_eq(netkit_create_connection("127.0.0.1", "80",
							  &bads[i], &rep,
							  NETKIT_FOREVER),
				 -EINVAL);
		ck_assert_int_eq(netkit__connect_addrs(&a, 1, &bads[i], &rep,
						       NETKIT_FOREVER),
				 -EINVAL);
	}
	ck_assert_uint_eq(rep.count, 99);	/* the report untouched */
	ck_assert_uint_eq(no_room.count, 99);
}
END_TEST

START_TEST(resolver_errors_pass_through)
{
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .count = 99 };

	ck_assert_int_eq(netkit_create_connection("127.0.0.1",
			 "no-such-service-here", &o, &rep, NETKIT_FOREVER),
			 NETKIT_ENOSERVICE);
	ck_assert_uint_eq(rep.count, 0);
	o.family = AF_INET6;
	ck_assert_int_lt(netkit_create_connection("127.0.0.1", "80", &o, &rep,
			 NETKIT_FOREVER), NETKIT_EBASE + 1);
}
END_TEST

/* A client connected to 127.0.0.1 or ::1 at the port of server srv,
 * accepted; *conn gets the server's side, *peer what accept() saw. */
static int
client_of(int srv, int family, int *conn, netkit_addr *peer)
{
	netkit_addr local, to;
	int fd;

	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	nk_loopback(family, netkit_addr_port(&local), &to);
	fd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_connect_until(fd, &to,
					      netkit_deadline_in(5000)), 0);
	*conn = netkit_accept_until(srv, peer, netkit_deadline_in(5000));
	ck_assert_int_ge(*conn, 0);
	return fd;
}

START_TEST(server_null_host_listens_on_any_ipv4)
{
	netkit_addr local, peer, want;
	int srv, fd, conn;

	srv = netkit_create_server(NULL, "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	ck_assert_int_eq(netkit_addr_family(&local), AF_INET);
	ck_assert(netkit_addr_is_any(&local));
	ck_assert_int_gt(netkit_addr_port(&local), 0);	/* "0": a free one */
	ck_assert_int_eq(fcntl(srv, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(srv, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_ACCEPTCONN), 1);
	fd = client_of(srv, AF_INET, &conn, &peer);
	ck_assert_int_eq(netkit_local_addr(fd, &want), 0);
	nk_assert_addr_equal(&peer, &want);
	netkit_close(conn);
	netkit_close(fd);
	netkit_close(srv);
}
END_TEST

START_TEST(server_ipv6_sets_v6only_explicitly)
{
	netkit_server_opts o = { .family = AF_INET6 };
	netkit_addr local, v4;
	int srv, fd;

	if (!nk_have_ipv6())
		NK_SKIP("::1 is unavailable");
	srv = netkit_create_server("::1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(get_int(srv, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	netkit_close(srv);
	/* All interfaces, IPv6 only: an IPv4 client is refused. */
	srv = netkit_create_server(NULL, "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	ck_assert_int_eq(netkit_addr_family(&local), AF_INET6);
	ck_assert(netkit_addr_is_any(&local));
	ck_assert_int_eq(get_int(srv, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	nk_loopback(AF_INET, netkit_addr_port(&local), &v4);
	fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect_until(fd, &v4,
			 netkit_deadline_in(5000)), -ECONNREFUSED);
	netkit_close(fd);
	netkit_close(srv);
}
END_TEST

START_TEST(server_dualstack_takes_an_ipv4_client)
{
	netkit_server_opts o = { .flags = NETKIT_SERVER_DUALSTACK };
	netkit_addr local, peer;
	char ip[NETKIT_ADDRSTRLEN];
	int srv, fd, conn;

	if (!nk_have_ipv6())
		NK_SKIP("::1 is unavailable");
	srv = netkit_create_server(NULL, "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	ck_assert_int_eq(netkit_addr_family(&local), AF_INET6);
	ck_assert_int_eq(get_int(srv, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	fd = client_of(srv, AF_INET, &conn, &peer);
	ck_assert_int_ge(netkit_addr_ip(&peer, ip, sizeof(ip)), 0);
	ck_assert_str_eq(ip, "::ffff:127.0.0.1");
	netkit_close(conn);
	netkit_close(fd);
	netkit_close(srv);
}
END_TEST

START_TEST(server_resolves_a_named_service)
{
	netkit_addr local;
	int port, srv;

	/* Not "http": port 80 is privileged. socks is 1080 in netbase. */
	port = netkit_getservbyname("socks", "tcp");
	if (port < 0)
		NK_SKIP("no socks in /etc/services");
	srv = netkit_create_server("127.0.0.1", "socks", NULL, NETKIT_FOREVER);
	if (srv == -EADDRINUSE)
		NK_SKIP("port %d is in use", port);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	ck_assert_int_eq(netkit_addr_port(&local), port);
	netkit_close(srv);
	ck_assert_int_eq(netkit_create_server("127.0.0.1", "no-such-service",
					      NULL, NETKIT_FOREVER), NETKIT_ENOSERVICE);
}
END_TEST

START_TEST(server_reuseaddr_is_on_unless_turned_off)
{
	netkit_server_opts o = { .flags = NETKIT_SERVER_NO_REUSEADDR };
	int srv;

	srv = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_REUSEADDR), 1);
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_REUSEPORT), 0);
	netkit_close(srv);
	srv = netkit_create_server("127.0.0.1", "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_REUSEADDR), 0);
	netkit_close(srv);
}
END_TEST

/* Is a TCP socket on 127.0.0.1:port in TIME_WAIT (/proc/net/tcp)? */
static bool
time_wait_on(int port)
{
	char line[256];
	unsigned int lport, st;
	bool found = false;
	FILE *f = fopen("/proc/net/tcp", "re");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %x", &lport, &st) == 2 &&
		    (int)lport == port && st == 0x06)
			found = true;
	fclose(f);
	return found;
}

START_TEST(server_restarts_at_once_over_time_wait)
{
	netkit_server_opts off = { .flags = NETKIT_SERVER_NO_REUSEADDR };
	netkit_addr local;
	char port[8], b;
	int srv, fd, conn;

	srv = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	fd = client_of(srv, AF_INET, &conn, NULL);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	port_text(&local, port, sizeof(port));
	/* The server closes first, so its side ends in TIME_WAIT. */
	netkit_close(conn);
	ck_assert_int_eq(netkit_recv_until(fd, &b, 1,
					   netkit_deadline_in(5000)), 0);
	netkit_close(fd);
	netkit_close(srv);
	ck_assert_msg(time_wait_on(netkit_addr_port(&local)),
		      "no TIME_WAIT socket on port %s", port);
	/* Without SO_REUSEADDR the port is still taken... */
	ck_assert_int_eq(netkit_create_server("127.0.0.1", port, &off, NETKIT_FOREVER),
			 -EADDRINUSE);
	/* ...with it (the default) the restart binds at once. */
	srv = netkit_create_server("127.0.0.1", port, NULL, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	fd = client_of(srv, AF_INET, &conn, NULL);
	netkit_close(conn);
	netkit_close(fd);
	netkit_close(srv);
}
END_TEST

START_TEST(server_reuseport_lets_two_servers_share_a_port)
{
	netkit_server_opts o = { .flags = NETKIT_SERVER_REUSEPORT };
	netkit_addr local;
	char port[8];
	int a, b, fd, conn;

	a = netkit_create_server("127.0.0.1", "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(get_int(a, SOL_SOCKET, SO_REUSEPORT), 1);
	ck_assert_int_eq(netkit_local_addr(a, &local), 0);
	port_text(&local, port, sizeof(port));
	ck_assert_int_eq(netkit_create_server("127.0.0.1", port, NULL, NETKIT_FOREVER),
			 -EADDRINUSE);
	b = netkit_create_server("127.0.0.1", port, &o, NETKIT_FOREVER);
	ck_assert_int_ge(b, 0);
	netkit_close(a);
	/* The second one serves on its own. */
	fd = client_of(b, AF_INET, &conn, NULL);
	netkit_close(conn);
	netkit_close(fd);
	netkit_close(b);
}
END_TEST

START_TEST(server_backlog_bounds_the_accept_queue)
{
	netkit_server_opts o = { .backlog = 1 };
	netkit_addr local, to;
	int srv, fd[3], i;

	srv = netkit_create_server("127.0.0.1", "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	nk_loopback(AF_INET, netkit_addr_port(&local), &to);
	/* Linux queues backlog + 1 connections, then drops SYNs. */
	for (i = 0; i < 3; i++) {
		fd[i] = netkit_socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(fd[i], 0);
		ck_assert_int_eq(netkit_connect_until(fd[i], &to,
				 netkit_deadline_in(i < 2 ? 5000 : 300)),
				 i < 2 ? 0 : -ETIMEDOUT);
		/* Until the kernel has queued it, the next may still fit. */
		if (i < 2)
			ck_assert(nk_readable(srv, 5000));
	}
	for (i = 0; i < 3; i++)
		netkit_close(fd[i]);
	netkit_close(srv);
}
END_TEST

/* The header's recipe for a server whose host lookup has a deadline:
 * netkit_getaddrinfo_until() first, then its answer as numeric text. */
START_TEST(server_on_the_numeric_answer_of_getaddrinfo_until)
{
	netkit_addrinfo *ai = NULL;
	char ip[NETKIT_ADDRSTRLEN];
	netkit_addr a;
	int fd;

	ck_assert_int_ge(netkit_getaddrinfo_until("localhost", NULL, &(netkit_addrinfo_hints){ .family = AF_INET, .type = SOCK_STREAM, .flags = NETKIT_AI_PASSIVE },
						  &ai,
						  netkit_deadline_in(5000)), 1);
	ck_assert_int_gt(netkit_addr_ip(&ai->addr, ip, sizeof(ip)), 0);
	netkit_addrinfo_free(ai);
	fd = netkit_create_server(ip, "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_local_addr(fd, &a), 0);
	ck_assert(netkit_addr_is_loopback(&a));
	ck_assert_int_gt(netkit_addr_port(&a), 0);
	netkit_close(fd);
}
END_TEST

static int
listen_fails(int fd, int backlog)
{
	(void)fd; (void)backlog;
	errno = EOPNOTSUPP;
	return -1;
}

START_TEST(server_bad_arguments_and_failures_leave_nothing_open)
{
	const netkit_server_opts bads[] = {
		{ .family = AF_UNIX }, { .family = 99 }, { .flags = 0x8 },
		{ .backlog = -1 },
		{ .family = AF_INET, .flags = NETKIT_SERVER_DUALSTACK },
	};
	netkit_server_opts dual = { .flags = NETKIT_SERVER_DUALSTACK };
	size_t i;

	ck_assert_int_eq(netkit_create_server("127.0.0.1", NULL, NULL, NETKIT_FOREVER),
			 -EINVAL);
	for (i = 0; i < N_ELEMS(bads); i++)
		ck_assert_int_eq(netkit_create_server(NULL, "0", &bads[i], NETKIT_FOREVER),
				 -EINVAL);
	/* Bind only, no packet: 192.0.2.1 (TEST-NET-1) is not ours. */
	ck_assert_int_eq(netkit_create_server("192.0.2.1", "0", NULL, NETKIT_FOREVER),
			 -EADDRNOTAVAIL);
	/* Dual-stack needs an IPv6 address for the host. */
	ck_assert_int_le(netkit_create_server("127.0.0.1", "0", &dual, NETKIT_FOREVER),
			 NETKIT_EBASE);
	netkit__sys.listen = listen_fails;
	ck_assert_int_eq(netkit_create_server(NULL, "0", NULL, NETKIT_FOREVER), -EOPNOTSUPP);
	netkit__sys = netkit__sys_default;
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("endpoint-calls");

	NK_ADD_TEST_V4_V6(s,
		create_connection_returns_a_blocking_cloexec_socket);
	NK_ADD_TEST(s, create_connection_resolves_localhost);
	NK_ADD_TEST(s, create_connection_sets_nodelay_and_keepalive);
	NK_ADD_TEST(s, bad_arguments_are_rejected_and_nothing_is_created);
	NK_ADD_TEST(s, resolver_errors_pass_through);
	NK_ADD_TEST(s, server_null_host_listens_on_any_ipv4);
	NK_ADD_TEST(s, server_ipv6_sets_v6only_explicitly);
	NK_ADD_TEST(s, server_dualstack_takes_an_ipv4_client);
	NK_ADD_TEST(s, server_resolves_a_named_service);
	NK_ADD_TEST(s, server_reuseaddr_is_on_unless_turned_off);
	NK_ADD_TEST(s, server_restarts_at_once_over_time_wait);
	NK_ADD_TEST(s, server_reuseport_lets_two_servers_share_a_port);
	NK_ADD_TEST(s, server_backlog_bounds_the_accept_queue);
	NK_ADD_TEST(s, server_bad_arguments_and_failures_leave_nothing_open);
	NK_ADD_TEST(s, server_on_the_numeric_answer_of_getaddrinfo_until);
	return s;
}
