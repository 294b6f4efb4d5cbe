/* SPDX-License-Identifier: MIT */
/*
 * The public endpoint calls over real loopback sockets: what
 * netkit_create_connection() returns and refuses (the race itself is in
 * test-endpoint.c), and netkit_create_server(): its addresses, socket
 * options, restart over TIME_WAIT, port sharing, backlog and errors;
 * the socket hook of both, their reserved space, and the report's room.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"
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

	memset(tries, 0xa5, sizeof(tries));
	lfd = nk_listen(AF_INET, &a);
	fd = netkit_create_connection("localhost",
				      port_text(&a, port, sizeof(port)), &o, &rep,
				      netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_ge(rep.count, 1);
	ck_assert_int_eq(tries[rep.count - 1].result, 0);
	/* Room for later fields: written as zeros, never left as found. */
	ck_assert_uint_eq(tries[rep.count - 1].reserved_[0], 0);
	ck_assert_uint_eq(tries[rep.count - 1].reserved_[1], 0);
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

/* ---- the socket hook ---- */

#define HOOK_MAX 4

/* What a socket hook saw on each call, and what it does. */
struct hook_log {
	int calls;
	int fd[HOOK_MAX];		/* the socket it was handed */
	netkit_addr addr[HOOK_MAX];	/* the address it was handed */
	netkit_addr local[HOOK_MAX];	/* the socket's own address, then */
	bool had_peer[HOOK_MAX];	/* connected already? */
	int reuseaddr[HOOK_MAX];	/* SO_REUSEADDR, then */
	int flags[HOOK_MAX];		/* F_GETFL, then */
	int rcvbuf;			/* SO_RCVBUF to set, or 0 */
	bool nodelay;			/* set TCP_NODELAY */
	bool reuseaddr_off;		/* turn SO_REUSEADDR off */
	const netkit_addr *fail;	/* where to answer, or NULL: anywhere */
	int answer;			/* the answer there; elsewhere 0 */
};

static void
set_int(int fd, int level, int name, int v)
{
	ck_assert_int_eq(setsockopt(fd, level, name, &v, sizeof(v)), 0);
}

static int
logging_hook(int fd, const netkit_addr *addr, void *arg)
{
	struct hook_log *h = arg;
	netkit_addr peer;
	int i = h->calls++;

	ck_assert_int_lt(i, HOOK_MAX);
	h->fd[i] = fd;
	h->addr[i] = *addr;
	ck_assert_int_eq(netkit_local_addr(fd, &h->local[i]), 0);
	h->had_peer[i] = netkit_peer_addr(fd, &peer) == 0;
	h->reuseaddr[i] = get_int(fd, SOL_SOCKET, SO_REUSEADDR);
	h->flags[i] = fcntl(fd, F_GETFL);
	if (h->rcvbuf)
		set_int(fd, SOL_SOCKET, SO_RCVBUF, h->rcvbuf);
	if (h->nodelay)
		set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
	if (h->reuseaddr_off)
		set_int(fd, SOL_SOCKET, SO_REUSEADDR, 0);
	if (!h->fail || netkit_addr_equal(addr, h->fail))
		return h->answer;
	return 0;
}

/* SO_RCVBUF as the kernel reports it once set to v (Linux doubles
 * it), which must not be the default: else the check proves nothing. */
static int
rcvbuf_for(int family, int v)
{
	int fd = netkit_socket(family, SOCK_STREAM, 0), dflt, got;

	ck_assert_int_ge(fd, 0);
	dflt = get_int(fd, SOL_SOCKET, SO_RCVBUF);
	set_int(fd, SOL_SOCKET, SO_RCVBUF, v);
	got = get_int(fd, SOL_SOCKET, SO_RCVBUF);
	netkit_close(fd);
	ck_assert_int_ne(got, dflt);
	return got;
}

START_TEST(connect_hook_sets_options_on_the_socket_before_it_connects)
{
	struct hook_log h = { .rcvbuf = 20000, .nodelay = true };
	netkit_connect_opts o = { .hook = logging_hook, .hook_arg = &h };
	netkit_attempt tries[2];
	netkit_connect_report rep = { .attempts = tries, .len = 2 };
	const char *host;
	netkit_addr a;
	char port[8];
	int family, lfd, fd;

	FAMILY_OR_SKIP(family);
	host = family == AF_INET6 ? "::1" : "127.0.0.1";
	lfd = nk_listen(family, &a);
	fd = netkit_create_connection(host, port_text(&a, port, sizeof(port)),
				      &o, &rep, netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	/* Once, on the very socket returned, with the address it then
	 * connected to, before it did (not even bound yet). */
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(h.fd[0], fd);
	nk_assert_addr_equal(&h.addr[0], &a);
	ck_assert(!h.had_peer[0]);
	ck_assert_int_eq(netkit_addr_port(&h.local[0]), 0);
	/* Non-blocking while the race runs (the header says so); the
	 * winner is made blocking afterwards. */
	ck_assert_int_ne(h.flags[0] & O_NONBLOCK, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	/* What it set is on the connected socket; TCP_NODELAY without
	 * NETKIT_CONNECT_NODELAY. */
	ck_assert_int_eq(get_int(fd, SOL_SOCKET, SO_RCVBUF),
			 rcvbuf_for(family, 20000));
	ck_assert_int_eq(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 1);
	ck_assert_uint_eq(rep.count, 1);
	ck_assert_int_eq(tries[0].result, 0);
	nk_assert_connected_to(fd, lfd, &a);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

START_TEST(connect_hook_runs_after_the_source_bind)
{
	struct hook_log h = { 0 };
	netkit_addr src, a, want;
	netkit_connect_opts o = { .source = &src, .hook = logging_hook,
				  .hook_arg = &h };
	char port[8];
	int lfd, fd;

	ck_assert_int_eq(netkit_addr_from_ip(&src, "127.0.0.2", 0), 0);
	lfd = nk_listen(AF_INET, &a);
	fd = netkit_create_connection("127.0.0.1",
				      port_text(&a, port, sizeof(port)), &o,
				      NULL, netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(h.calls, 1);
	ck_assert(!h.had_peer[0]);
	ck_assert_int_eq(netkit_addr_from_ip(&want, "127.0.0.2",
					     netkit_addr_port(&h.local[0])),
			 0);
	nk_assert_addr_equal(&h.local[0], &want);
	ck_assert_int_gt(netkit_addr_port(&h.local[0]), 0);
	nk_assert_connected_to(fd, lfd, &a);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

/* Two listeners; the hook fails the first address: that attempt fails
 * with the hook's code, before any SYN, and the second starts at once
 * and wins. */
NK_ON_TIME_TEST(connect_hook_failing_one_address_lets_the_race_go_on)
{
	struct hook_log h = { .answer = -EACCES };
	netkit_connect_opts o = { .attempt_delay = 5000, .hook = logging_hook,
				  .hook_arg = &h };
	netkit_attempt tries[2];
	netkit_connect_report rep = { .attempts = tries, .len = 2 };
	netkit_addr addrs[2];
	int l0, l1, fd, fds;

	l0 = nk_listen(AF_INET, &addrs[0]);
	l1 = nk_listen(AF_INET, &addrs[1]);
	h.fail = &addrs[0];
	fds = nk_count_fds();
	fd = netkit__connect_addrs(addrs, 2, &o, &rep,
				   netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(nk_count_fds(), fds + 1);	/* the winner only */
	ck_assert_int_eq(h.calls, 2);
	nk_assert_addr_equal(&h.addr[0], &addrs[0]);
	nk_assert_addr_equal(&h.addr[1], &addrs[1]);
	ck_assert_uint_eq(rep.count, 2);
	nk_assert_addr_equal(&tries[0].addr, &addrs[0]);
	ck_assert_int_eq(tries[0].result, -EACCES);
	nk_assert_addr_equal(&tries[1].addr, &addrs[1]);
	ck_assert_int_eq(tries[1].result, 0);
	/* Not after the 5 s attempt delay: a failed attempt is followed at
	 * once. */
	nk_assert_within("the next attempt", (double)tries[0].start,
			 (double)tries[1].start, 0);
	nk_assert_connected_to(fd, l1, &addrs[1]);
	/* The first listener never saw a connection. */
	ck_assert(!nk_readable(l0, 0));
	netkit_close(fd);
	netkit_close(l0);
	netkit_close(l1);
}
END_TEST

START_TEST(connect_hook_failing_every_attempt_is_the_answer)
{
	struct hook_log h = { .answer = -EACCES };
	netkit_connect_opts o = { .hook = logging_hook, .hook_arg = &h };
	netkit_attempt tries[2];
	netkit_connect_report rep = { .attempts = tries, .len = 2 };
	netkit_addr addrs[2];
	char port[8];
	int l0, l1, fds;

	l0 = nk_listen(AF_INET, &addrs[0]);
	l1 = nk_listen(AF_INET, &addrs[1]);
	fds = nk_count_fds();
	ck_assert_int_eq(netkit_create_connection("127.0.0.1",
			 port_text(&addrs[0], port, sizeof(port)), &o, &rep,
			 netkit_deadline_in(5000)), -EACCES);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_uint_eq(rep.count, 1);
	ck_assert_int_eq(tries[0].result, -EACCES);
	h.calls = 0;
	ck_assert_int_eq(netkit__connect_addrs(addrs, 2, &o, &rep,
					       netkit_deadline_in(5000)),
			 -EACCES);
	ck_assert_int_eq(h.calls, 2);
	ck_assert_uint_eq(rep.count, 2);
	ck_assert_int_eq(tries[0].result, -EACCES);
	ck_assert_int_eq(tries[1].result, -EACCES);
	/* A host that answered still wins over the hook's code (the rule
	 * of "Which error"). */
	netkit_close(l1);
	h.calls = 0;
	h.fail = &addrs[0];
	ck_assert_int_eq(netkit__connect_addrs(addrs, 2, &o, &rep,
					       netkit_deadline_in(5000)),
			 -ECONNREFUSED);
	ck_assert_int_eq(tries[0].result, -EACCES);
	ck_assert_int_eq(tries[1].result, -ECONNREFUSED);
	/* Nothing connected, nothing left open. */
	ck_assert_int_eq(nk_count_fds(), fds - 1);
	ck_assert(!nk_readable(l0, 0));
	netkit_close(l0);
}
END_TEST

START_TEST(hook_answering_a_positive_number_is_einval)
{
	static const int answers[] = { 1, 13, INT_MAX };
	struct hook_log h = { 0 };
	netkit_connect_opts co = { .hook = logging_hook, .hook_arg = &h };
	netkit_server_opts so = { .hook = logging_hook, .hook_arg = &h };
	netkit_attempt tries[1];
	netkit_connect_report rep = { .attempts = tries, .len = 1 };
	netkit_addr a;
	char port[8];
	int lfd, fds;
	size_t i;

	lfd = nk_listen(AF_INET, &a);
	port_text(&a, port, sizeof(port));
	fds = nk_count_fds();
	for (i = 0; i < N_ELEMS(answers); i++) {
		h.answer = answers[i];
		h.calls = 0;
		rep.count = 99;
		ck_assert_int_eq(netkit_create_connection("127.0.0.1", port,
				 &co, &rep, netkit_deadline_in(5000)),
				 -EINVAL);
		ck_assert_int_eq(h.calls, 1);
		/* The attempt's failure: the report is written. */
		ck_assert_uint_eq(rep.count, 1);
		ck_assert_int_eq(tries[0].result, -EINVAL);
		ck_assert_int_eq(netkit_create_server("127.0.0.1", "0", &so,
						      NETKIT_FOREVER),
				 -EINVAL);
		ck_assert_int_eq(h.calls, 2);
	}
	ck_assert_int_eq(nk_count_fds(), fds);
	ck_assert(!nk_readable(lfd, 0));
	netkit_close(lfd);
}
END_TEST

START_TEST(server_hook_sets_options_before_bind_after_netkits_own)
{
	struct hook_log h = { .rcvbuf = 20000 };
	netkit_server_opts o = { .hook = logging_hook, .hook_arg = &h };
	netkit_addr local, want;
	const char *host;
	int family, srv, fd, conn;

	FAMILY_OR_SKIP(family);
	host = family == AF_INET6 ? "::1" : "127.0.0.1";
	srv = netkit_create_server(host, "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(h.calls, 1);
	ck_assert_int_eq(h.fd[0], srv);
	/* The address it is about to bind, on a socket not bound yet,
	 * with netkit's SO_REUSEADDR already on. */
	nk_loopback(family, 0, &want);
	nk_assert_addr_equal(&h.addr[0], &want);
	ck_assert_int_eq(netkit_addr_port(&h.local[0]), 0);
	ck_assert_int_eq(h.reuseaddr[0], 1);
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_RCVBUF),
			 rcvbuf_for(family, 20000));
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_ACCEPTCONN), 1);
	fd = client_of(srv, family, &conn, NULL);
	netkit_close(conn);
	netkit_close(fd);
	netkit_close(srv);
	/* It runs after netkit's own options, so it can undo them. */
	h.calls = 0;
	h.rcvbuf = 0;
	h.reuseaddr_off = true;
	srv = netkit_create_server(host, "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	ck_assert_int_eq(get_int(srv, SOL_SOCKET, SO_REUSEADDR), 0);
	ck_assert_int_eq(netkit_local_addr(srv, &local), 0);
	ck_assert_int_gt(netkit_addr_port(&local), 0);
	netkit_close(srv);
}
END_TEST

START_TEST(server_hook_failing_fails_the_call_and_leaves_nothing_open)
{
	struct hook_log h = { .answer = -EACCES };
	netkit_server_opts o = { .hook = logging_hook, .hook_arg = &h };
	netkit_addr freed;
	char port[8];
	int fds, srv;

	/* A port nothing holds: after the failure, it is still free. */
	nk_refused_addr(AF_INET, &freed);
	port_text(&freed, port, sizeof(port));
	fds = nk_count_fds();
	ck_assert_int_eq(netkit_create_server("127.0.0.1", port, &o,
					      NETKIT_FOREVER), -EACCES);
	ck_assert_int_eq(netkit_create_server(NULL, "0", &o, NETKIT_NOW),
			 -EACCES);
	ck_assert_int_eq(h.calls, 2);
	ck_assert_int_eq(nk_count_fds(), fds);
	o.flags = NETKIT_SERVER_NO_REUSEADDR;
	o.hook = NULL;
	srv = netkit_create_server("127.0.0.1", port, &o, NETKIT_FOREVER);
	if (srv == -EADDRINUSE)
		NK_SKIP("port %s was taken meanwhile", port);
	ck_assert_int_ge(srv, 0);
	netkit_close(srv);
}
END_TEST

/* ---- room to grow: reserved space must be zero ---- */

START_TEST(connect_opts_reserved_space_not_zero_is_einval)
{
	netkit_connect_opts o;
	netkit_connect_report rep = { .count = 99 };
	netkit_addr a;
	char port[8];
	int lfd, fds;
	size_t i;

	lfd = nk_listen(AF_INET, &a);
	port_text(&a, port, sizeof(port));
	fds = nk_count_fds();
	for (i = 0; i < N_ELEMS(o.reserved_); i++) {
		memset(&o, 0, sizeof(o));
		o.reserved_[i] = (uint64_t)1 << (i * 8);
		ck_assert_int_eq(netkit_create_connection("127.0.0.1", port,
				 &o, &rep, netkit_deadline_in(5000)),
				 -EINVAL);
		ck_assert_int_eq(netkit__connect_addrs(&a, 1, &o, &rep,
				 netkit_deadline_in(5000)), -EINVAL);
	}
	/* Nothing connected, nothing left open, the report untouched. */
	ck_assert_uint_eq(rep.count, 99);
	ck_assert_int_eq(nk_count_fds(), fds);
	ck_assert(!nk_readable(lfd, 0));
	/* All zero: the same call connects. */
	memset(&o, 0, sizeof(o));
	fds = netkit_create_connection("127.0.0.1", port, &o, &rep,
				       netkit_deadline_in(5000));
	ck_assert_int_ge(fds, 0);
	netkit_close(fds);
	netkit_close(lfd);
}
END_TEST

START_TEST(server_opts_reserved_space_not_zero_is_einval)
{
	netkit_server_opts o;
	int fds, srv;
	size_t i;

	fds = nk_count_fds();
	for (i = 0; i < N_ELEMS(o.reserved_); i++) {
		memset(&o, 0, sizeof(o));
		o.reserved_[i] = (uint64_t)1 << (63 - i);
		ck_assert_int_eq(netkit_create_server("127.0.0.1", "0", &o,
						      NETKIT_FOREVER),
				 -EINVAL);
		ck_assert_int_eq(netkit_create_server(NULL, "0", &o,
						      NETKIT_NOW), -EINVAL);
	}
	ck_assert_int_eq(nk_count_fds(), fds);
	memset(&o, 0, sizeof(o));
	srv = netkit_create_server("127.0.0.1", "0", &o, NETKIT_FOREVER);
	ck_assert_int_ge(srv, 0);
	netkit_close(srv);
}
END_TEST

START_TEST(report_reserved_space_is_neither_read_nor_written)
{
	netkit_attempt tries[1];
	netkit_connect_report rep = { .attempts = tries, .len = 1 };
	unsigned char ref[sizeof(rep.reserved_)];
	netkit_addr a;
	char port[8];
	int lfd, fd;

	lfd = nk_listen(AF_INET, &a);
	memset(rep.reserved_, SENTINEL, sizeof(rep.reserved_));
	memset(ref, SENTINEL, sizeof(ref));
	fd = netkit_create_connection("127.0.0.1",
				      port_text(&a, port, sizeof(port)), NULL,
				      &rep, netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(rep.count, 1);
	ck_assert_mem_eq(rep.reserved_, ref, sizeof(ref));
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

/* ---- the report's room ---- */

START_TEST(report_without_room_counts_only)
{
	netkit_attempt tries[1];
	netkit_connect_report none = { .attempts = NULL, .len = 0 };
	netkit_connect_report zero = { .attempts = tries, .len = 0 };
	unsigned char ref[sizeof(tries)];
	netkit_addr addrs[2];
	char port[8];
	int lfd, fd;

	nk_refused_addr(AF_INET, &addrs[0]);
	nk_refused_addr(AF_INET, &addrs[1]);
	memset(tries, SENTINEL, sizeof(tries));
	memset(ref, SENTINEL, sizeof(ref));
	none.count = zero.count = 99;
	ck_assert_int_eq(netkit__connect_addrs(addrs, 2, NULL, &none,
					       netkit_deadline_in(5000)),
			 -ECONNREFUSED);
	ck_assert_uint_eq(none.count, 2);
	ck_assert_int_eq(netkit__connect_addrs(addrs, 2, NULL, &zero,
					       netkit_deadline_in(5000)),
			 -ECONNREFUSED);
	ck_assert_uint_eq(zero.count, 2);
	ck_assert_mem_eq(tries, ref, sizeof(ref));	/* no room: untouched */
	lfd = nk_listen(AF_INET, &addrs[0]);
	fd = netkit_create_connection("127.0.0.1",
				      port_text(&addrs[0], port, sizeof(port)),
				      NULL, &none, netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(none.count, 1);
	netkit_close(fd);
	netkit_close(lfd);
}
END_TEST

START_TEST(report_with_a_length_and_no_attempts_is_einval)
{
	netkit_connect_report rep = { .attempts = NULL, .len = 2,
				      .count = 99 };
	netkit_addr a;
	char port[8];
	int lfd, fds;

	lfd = nk_listen(AF_INET, &a);
	port_text(&a, port, sizeof(port));
	fds = nk_count_fds();
	ck_assert_int_eq(netkit_create_connection("127.0.0.1", port, NULL,
						  &rep,
						  netkit_deadline_in(5000)),
			 -EINVAL);
	ck_assert_int_eq(netkit__connect_addrs(&a, 1, NULL, &rep,
					       netkit_deadline_in(5000)),
			 -EINVAL);
	ck_assert_uint_eq(rep.count, 99);
	ck_assert_int_eq(nk_count_fds(), fds);
	ck_assert(!nk_readable(lfd, 0));
	netkit_close(lfd);
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
	NK_ADD_TEST_V4_V6(s,
		connect_hook_sets_options_on_the_socket_before_it_connects);
	NK_ADD_TEST(s, connect_hook_runs_after_the_source_bind);
	NK_ADD_TEST(s, connect_hook_failing_one_address_lets_the_race_go_on);
	NK_ADD_TEST(s, connect_hook_failing_every_attempt_is_the_answer);
	NK_ADD_TEST(s, hook_answering_a_positive_number_is_einval);
	NK_ADD_TEST_V4_V6(s,
		server_hook_sets_options_before_bind_after_netkits_own);
	NK_ADD_TEST(s,
		server_hook_failing_fails_the_call_and_leaves_nothing_open);
	NK_ADD_TEST(s, connect_opts_reserved_space_not_zero_is_einval);
	NK_ADD_TEST(s, server_opts_reserved_space_not_zero_is_einval);
	NK_ADD_TEST(s, report_reserved_space_is_neither_read_nor_written);
	NK_ADD_TEST(s, report_without_room_counts_only);
	NK_ADD_TEST(s, report_with_a_length_and_no_attempts_is_einval);
	return s;
}
