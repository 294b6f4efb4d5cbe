/* SPDX-License-Identifier: MIT */
/*
 * The tutorial's TCP calls over real loopback sockets, IPv4 and IPv6:
 * socket, bind, listen, accept and connect exchanging bytes both ways,
 * half-close, reset and a closed peer, close-on-exec and non-blocking
 * mode, and Unix sockets next to IP addresses. UDP, errors and bad
 * arguments, and EINTR are in test-socket-udp.c, test-socket-errors.c
 * and test-socket-eintr.c.
 *
 * Loop tests run with _i = 0 for IPv4 and _i = 1 for IPv6; the IPv6
 * run is skipped (NK_SKIP) where ::1 is unavailable.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "helpers.h"

/* ---- TCP exchange ---- */

static const char client_msg[] = "Hello, I'm the client";
static const char server_msg[] = "Hello, I'm the server";

struct server {
	int lfd;
	netkit_addr peer;
	char got[64];
	ssize_t ngot;
	ssize_t sent;
	ssize_t eof;
	int accept_rc;
};

/* Accepts one client, reads its message, answers, waits for its close. */
static void *
server_run(void *arg)
{
	struct server *s = arg;
	ssize_t n;
	int conn;

	conn = netkit_accept(s->lfd, &s->peer);
	s->accept_rc = conn;
	if (conn < 0)
		return NULL;
	s->ngot = 0;
	while (s->ngot < (ssize_t)strlen(client_msg)) {
		n = netkit_recv(conn, s->got + s->ngot,
				sizeof(s->got) - 1 - (size_t)s->ngot);
		if (n <= 0) {
			s->ngot = n < 0 ? n : s->ngot;
			break;
		}
		s->ngot += n;
	}
	s->sent = netkit_send(conn, server_msg, strlen(server_msg));
	s->eof = netkit_recv(conn, s->got + 60, 1);
	netkit_close(conn);
	return NULL;
}

START_TEST(tcp_client_and_server_exchange_bytes_both_ways)
{
	struct server s;
	netkit_addr bound, mine;
	nk_thread *t;
	char buf[64];
	ssize_t n, got = 0;
	int family, fd;

	FAMILY_OR_SKIP(family);
	memset(&s, 0, sizeof(s));
	s.lfd = nk_listen(family, &bound);
	t = nk_spawn(server_run, &s);

	fd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_connect(fd, &bound), 0);
	ck_assert_int_eq(netkit_send(fd, client_msg, strlen(client_msg)),
			 (ssize_t)strlen(client_msg));
	while (got < (ssize_t)strlen(server_msg)) {
		n = netkit_recv(fd, buf + got, sizeof(buf) - 1 - (size_t)got);
		ck_assert_int_gt(n, 0);
		got += n;
	}
	buf[got] = '\0';
	ck_assert_str_eq(buf, server_msg);
	ck_assert_int_eq(netkit_local_addr(fd, &mine), 0);
	ck_assert_int_eq(netkit_close(fd), 0);
	nk_join(t);
	netkit_close(s.lfd);

	ck_assert_int_ge(s.accept_rc, 0);
	ck_assert_int_eq(s.ngot, (ssize_t)strlen(client_msg));
	ck_assert_mem_eq(s.got, client_msg, strlen(client_msg));
	ck_assert_int_eq(s.sent, (ssize_t)strlen(server_msg));
	ck_assert_int_eq(s.eof, 0);
	nk_assert_addr_equal(&s.peer, &mine);
}
END_TEST

START_TEST(accept_peer_and_local_peer_addr_match_both_ends)
{
	netkit_addr bound, peer, a, b;
	int family, lfd, c, conn;

	FAMILY_OR_SKIP(family);
	lfd = nk_listen(family, &bound);
	ck_assert_int_eq(netkit_addr_family(&bound), family);
	ck_assert(netkit_addr_is_loopback(&bound));
	ck_assert_int_gt(netkit_addr_port(&bound), 0);

	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(netkit_connect(c, &bound), 0);
	conn = netkit_accept(lfd, &peer);
	ck_assert_int_ge(conn, 0);

	/* accept's peer is the client's local address... */
	ck_assert_int_eq(netkit_local_addr(c, &a), 0);
	nk_assert_addr_equal(&peer, &a);
	ck_assert(netkit_addr_is_loopback(&a));
	ck_assert_int_ne(netkit_addr_port(&a), netkit_addr_port(&bound));
	/* ...and the server socket's peer_addr. */
	ck_assert_int_eq(netkit_peer_addr(conn, &b), 0);
	nk_assert_addr_equal(&b, &a);
	/* The client's peer is the listening address, as is conn's local. */
	ck_assert_int_eq(netkit_peer_addr(c, &a), 0);
	nk_assert_addr_equal(&a, &bound);
	ck_assert_int_eq(netkit_local_addr(conn, &a), 0);
	nk_assert_addr_equal(&a, &bound);

	netkit_close(conn);
	netkit_close(c);
	netkit_close(lfd);
}
END_TEST

START_TEST(accept_with_null_peer_still_connects)
{
	netkit_addr bound;
	int family, lfd, c, conn;
	char ch = 0;

	FAMILY_OR_SKIP(family);
	lfd = nk_listen(family, &bound);
	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c, &bound), 0);
	conn = netkit_accept(lfd, NULL);
	ck_assert_int_ge(conn, 0);
	ck_assert_int_eq(netkit_send(conn, "z", 1), 1);
	ck_assert_int_eq(netkit_recv(c, &ch, 1), 1);
	ck_assert_int_eq(ch, 'z');
	netkit_close(conn);
	netkit_close(c);
	netkit_close(lfd);
}
END_TEST

/* ---- closing: half-close, reset, closed peer ---- */

START_TEST(half_close_peer_reads_eof_and_can_still_reply)
{
	char buf[32];
	int family, c, s;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &c, &s);

	ck_assert_int_eq(netkit_send(c, "last words", 10), 10);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(netkit_recv(s, buf, sizeof(buf)), 10);
	ck_assert_mem_eq(buf, "last words", 10);
	ck_assert_int_eq(netkit_recv(s, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_recv(s, buf, sizeof(buf)), 0);

	/* The other direction still works. */
	ck_assert_int_eq(netkit_send(s, "still here", 10), 10);
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), 10);
	ck_assert_mem_eq(buf, "still here", 10);

	/* Writing after our own SHUT_WR: EPIPE, and no SIGPIPE. */
	ck_assert_int_eq(netkit_send(c, "x", 1), -EPIPE);

	ck_assert_int_eq(netkit_shutdown(s, SHUT_WR), 0);
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), 0);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(shutdown_rd_and_rdwr_are_accepted)
{
	char buf[8];
	int family, c, s;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &c, &s);
	ck_assert_int_eq(netkit_shutdown(c, SHUT_RD), 0);
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_shutdown(s, SHUT_RDWR), 0);
	ck_assert_int_eq(netkit_recv(s, buf, sizeof(buf)), 0);
	ck_assert_int_eq(netkit_send(s, "x", 1), -EPIPE);
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(peer_reset_gives_econnreset_then_epipe_without_sigpipe)
{
	char buf[16];
	ssize_t n;
	int family, c, s;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &c, &s);

	/* SO_LINGER 0: close() sends RST instead of FIN. */
	nk_set_linger_zero(s);
	ck_assert_int_eq(netkit_close(s), 0);
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), -ECONNRESET);

	/* The connection is gone: sending must fail, not kill us. */
	n = netkit_send(c, "hello", 5);
	ck_assert_msg(n == -EPIPE || n == -ECONNRESET,
		      "send after reset gave %zd", n);
	netkit_close(c);
}
END_TEST

START_TEST(send_to_closed_peer_fails_without_sigpipe)
{
	long long deadline;
	char buf[16];
	ssize_t n = 0;
	int family, c, s;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &c, &s);
	ck_assert_int_eq(netkit_close(s), 0);
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), 0);

	/* The first send reaches a closed socket, which answers RST; after
	 * that every send fails. SIGPIPE is not ignored in this process: if
	 * the library raised it, the test would die of signal 13. */
	deadline = nk_now_ms() + 5000;
	while (nk_now_ms() < deadline) {
		n = netkit_send(c, "data", 4);
		if (n < 0)
			break;
		ck_assert_int_eq(n, 4);
		/* Wait (bounded) for the RST to arrive. */
		nk_wait_fd(c, 0, 100);
	}
	ck_assert_msg(n == -EPIPE || n == -ECONNRESET,
		      "send to closed peer gave %zd", n);
	n = netkit_send(c, "data", 4);
	ck_assert_msg(n == -EPIPE || n == -ECONNRESET,
		      "second send to closed peer gave %zd", n);
	netkit_close(c);
}
END_TEST

/* ---- close-on-exec, non-blocking ---- */

START_TEST(created_and_accepted_sockets_are_close_on_exec)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM,
		SOCK_STREAM | SOCK_NONBLOCK, SOCK_DGRAM | SOCK_NONBLOCK,
		SOCK_STREAM | SOCK_CLOEXEC };
	netkit_addr bound;
	int family, fd, c, conn;
	size_t i;

	FAMILY_OR_SKIP(family);
	for (i = 0; i < N_ELEMS(types); i++) {
		fd = netkit_socket(family, types[i], 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_msg(nk_is_cloexec(fd), "socket type %#x not CLOEXEC",
			      (unsigned int)types[i]);
		netkit_close(fd);
	}
	fd = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert(nk_is_cloexec(fd));
	netkit_close(fd);
	fd = netkit_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert(nk_is_cloexec(fd));
	netkit_close(fd);

	fd = nk_listen(family, &bound);
	ck_assert(nk_is_cloexec(fd));
	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c, &bound), 0);
	conn = netkit_accept(fd, NULL);
	ck_assert_int_ge(conn, 0);
	ck_assert_msg(nk_is_cloexec(conn), "accepted socket not CLOEXEC");
	netkit_close(conn);
	netkit_close(c);
	netkit_close(fd);
}
END_TEST

START_TEST(nonblocking_accept_and_recv_give_eagain)
{
	netkit_addr a, bound, peer, ref;
	char buf[8], bref[8];
	short rev;
	int family, lfd, c, conn, u, rc, err = -1;
	socklen_t len = sizeof(err);

	FAMILY_OR_SKIP(family);
	nk_loopback(family, 0, &a);
	lfd = netkit_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(lfd, 0);
	ck_assert(fcntl(lfd, F_GETFL) & O_NONBLOCK);
	ck_assert_int_eq(netkit_bind(lfd, &a), 0);
	ck_assert_int_eq(netkit_listen(lfd, 4), 0);
	ck_assert_int_eq(netkit_local_addr(lfd, &bound), 0);

	nk_sentinel_addr(&peer, &ref);
	ck_assert_int_eq(netkit_accept(lfd, &peer), -EAGAIN);
	ck_assert_mem_eq(&peer, &ref, sizeof(peer));

	c = netkit_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(c, 0);
	rc = netkit_connect(c, &bound);
	ck_assert_msg(rc == 0 || rc == -EINPROGRESS, "connect gave %d", rc);
	rev = nk_wait_fd(c, POLLOUT, 5000);
	ck_assert(rev & POLLOUT);
	ck_assert_int_eq(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	ck_assert_int_eq(err, 0);

	memset(buf, SENTINEL, sizeof(buf));
	memset(bref, SENTINEL, sizeof(bref));
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), -EAGAIN);
	ck_assert_mem_eq(buf, bref, sizeof(buf));

	ck_assert(nk_readable(lfd, 5000));
	conn = netkit_accept(lfd, &peer);
	ck_assert_int_ge(conn, 0);
	ck_assert(nk_is_cloexec(conn));
	ck_assert_int_eq(netkit_send(conn, "ok", 2), 2);
	ck_assert(nk_readable(c, 5000));
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), 2);
	ck_assert_mem_eq(buf, "ok", 2);
	ck_assert_int_eq(netkit_recv(c, buf, sizeof(buf)), -EAGAIN);
	netkit_close(conn);
	netkit_close(c);
	netkit_close(lfd);

	u = netkit_socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(u, 0);
	ck_assert_int_eq(netkit_bind(u, &a), 0);
	nk_sentinel_addr(&peer, &ref);
	ck_assert_int_eq(netkit_recvfrom(u, buf, sizeof(buf), &peer), -EAGAIN);
	ck_assert_mem_eq(&peer, &ref, sizeof(peer));
	ck_assert_int_eq(netkit_recv(u, buf, sizeof(buf)), -EAGAIN);
	netkit_close(u);
}
END_TEST

/* ---- Unix sockets: AF_UNIX addresses (untouched before 0.2) ---- */

START_TEST(unix_sockets_report_unix_addresses)
{
	struct sockaddr_un sun;
	socklen_t len;
	netkit_addr out, ref, unnamed;
	char buf[8];
	int lfd, c, conn, sv[2];

	/* An autobound abstract listener: no file, no network. */
	lfd = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lfd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sun,
			      sizeof(sa_family_t)), 0);
	len = sizeof(sun);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sun, &len), 0);
	ck_assert_int_eq(netkit_listen(lfd, 1), 0);

	ck_assert_int_eq(netkit_addr_from_sockaddr(&ref,
		(struct sockaddr *)&sun, len), 0);
	ck_assert_int_eq(netkit_addr_parse(&unnamed, "unix:"), 0);
	ck_assert_int_eq(netkit_local_addr(lfd, &out), 0);
	nk_assert_addr_equal(&out, &ref);

	c = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sun, len), 0);
	conn = netkit_accept(lfd, &out);
	ck_assert_int_ge(conn, 0);
	ck_assert(nk_is_cloexec(conn));
	nk_assert_addr_equal(&out, &unnamed);
	ck_assert_int_eq(netkit_peer_addr(conn, &out), 0);
	nk_assert_addr_equal(&out, &unnamed);
	netkit_close(conn);
	netkit_close(c);
	netkit_close(lfd);

	/* An unnamed datagram peer: the kernel reports no sender, so
	 * recvfrom gets the bytes and leaves from alone. */
	nk_sentinel_addr(&out, &ref);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv),
			 0);
	ck_assert_int_eq(netkit_send(sv[0], "unix", 4), 4);
	ck_assert_int_eq(netkit_recvfrom(sv[1], buf, sizeof(buf), &out), 4);
	ck_assert_mem_eq(buf, "unix", 4);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("socket");

	NK_ADD_TEST_V4_V6(s, tcp_client_and_server_exchange_bytes_both_ways);
	NK_ADD_TEST_V4_V6(s, accept_peer_and_local_peer_addr_match_both_ends);
	NK_ADD_TEST_V4_V6(s, accept_with_null_peer_still_connects);
	NK_ADD_TEST_V4_V6(s, half_close_peer_reads_eof_and_can_still_reply);
	NK_ADD_TEST_V4_V6(s, shutdown_rd_and_rdwr_are_accepted);
	NK_ADD_TEST_V4_V6(s,
		peer_reset_gives_econnreset_then_epipe_without_sigpipe);
	NK_ADD_TEST_V4_V6(s, send_to_closed_peer_fails_without_sigpipe);
	NK_ADD_TEST_V4_V6(s, created_and_accepted_sockets_are_close_on_exec);
	NK_ADD_TEST_V4_V6(s, nonblocking_accept_and_recv_give_eagain);
	NK_ADD_TEST(s, unix_sockets_report_unix_addresses);
	return s;
}
