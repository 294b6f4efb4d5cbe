/* SPDX-License-Identifier: MIT */
/*
 * A signal that interrupts a thread blocked in recv, recvfrom, accept or
 * connect (a handler without SA_RESTART) must not surface as -EINTR:
 * the library retries the call (or, for connect, waits for the
 * handshake) and the call then completes with the right bytes or peer.
 *
 * Loop tests run with _i = 0 for IPv4 and _i = 1 for IPv6; the IPv6
 * run is skipped (NK_SKIP) where ::1 is unavailable.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

/* ---- EINTR: a signal while blocked must not surface ---- */

enum call_kind { CALL_RECV, CALL_RECVFROM, CALL_ACCEPT, CALL_CONNECT };

struct blocked_call {
	nk_blocker b;
	enum call_kind kind;
	int fd;
	netkit_addr addr;
	char buf[32];
	ssize_t rc;
};

static void *
blocked_call_run(void *arg)
{
	struct blocked_call *c = arg;

	nk_blocker_enter(&c->b);
	switch (c->kind) {
	case CALL_RECV:
		c->rc = netkit_recv(c->fd, c->buf, sizeof(c->buf));
		break;
	case CALL_RECVFROM:
		c->rc = netkit_recvfrom(c->fd, c->buf, sizeof(c->buf),
					&c->addr);
		break;
	case CALL_ACCEPT:
		c->rc = netkit_accept(c->fd, &c->addr);
		break;
	case CALL_CONNECT:
		c->rc = netkit_connect(c->fd, &c->addr);
		break;
	}
	nk_blocker_leave(&c->b);
	return NULL;
}

START_TEST(recv_interrupted_by_signal_still_returns_data)
{
	struct blocked_call bc;
	struct sigaction old;
	nk_thread *t;
	int family, c, s;

	FAMILY_OR_SKIP(family);
	nk_sigusr1_no_restart(&old);
	nk_tcp_pair(family, &c, &s);
	memset(&bc, 0, sizeof(bc));
	bc.kind = CALL_RECV;
	bc.fd = s;
	t = nk_spawn(blocked_call_run, &bc);

	nk_interrupt_blocked(&bc.b, NK_CALLS(recv), NK_CALLS(recv));
	ck_assert_int_eq(netkit_send(c, "after signal", 12), 12);
	nk_join(t);
	ck_assert_int_eq(bc.rc, 12);
	ck_assert_mem_eq(bc.buf, "after signal", 12);

	netkit_close(c);
	netkit_close(s);
	sigaction(SIGUSR1, &old, NULL);
}
END_TEST

START_TEST(recvfrom_interrupted_by_signal_still_returns_datagram)
{
	struct blocked_call bc;
	struct sigaction old;
	netkit_addr a_addr, b_addr;
	nk_thread *t;
	int family, a, b;

	FAMILY_OR_SKIP(family);
	nk_sigusr1_no_restart(&old);
	a = nk_udp(family, &a_addr);
	b = nk_udp(family, &b_addr);
	memset(&bc, 0, sizeof(bc));
	bc.kind = CALL_RECVFROM;
	bc.fd = b;
	t = nk_spawn(blocked_call_run, &bc);

	nk_interrupt_blocked(&bc.b, NK_CALLS(recv), NK_CALLS(recv));
	ck_assert_int_eq(netkit_sendto(a, "dgram", 5, &b_addr), 5);
	nk_join(t);
	ck_assert_int_eq(bc.rc, 5);
	ck_assert_mem_eq(bc.buf, "dgram", 5);
	nk_assert_addr_equal(&bc.addr, &a_addr);

	netkit_close(a);
	netkit_close(b);
	sigaction(SIGUSR1, &old, NULL);
}
END_TEST

START_TEST(accept_interrupted_by_signal_still_accepts)
{
	struct blocked_call bc;
	struct sigaction old;
	netkit_addr bound, mine;
	nk_thread *t;
	int family, lfd, c;

	FAMILY_OR_SKIP(family);
	nk_sigusr1_no_restart(&old);
	lfd = nk_listen(family, &bound);
	memset(&bc, 0, sizeof(bc));
	bc.kind = CALL_ACCEPT;
	bc.fd = lfd;
	t = nk_spawn(blocked_call_run, &bc);

	nk_interrupt_blocked(&bc.b, NK_CALLS(accept),
			  NK_CALLS(accept));
	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c, &bound), 0);
	nk_join(t);
	ck_assert_int_ge(bc.rc, 0);
	ck_assert_int_eq(netkit_local_addr(c, &mine), 0);
	nk_assert_addr_equal(&bc.addr, &mine);

	netkit_close((int)bc.rc);
	netkit_close(c);
	netkit_close(lfd);
	sigaction(SIGUSR1, &old, NULL);
}
END_TEST

START_TEST(connect_interrupted_by_signal_still_connects)
{
	struct blocked_call bc;
	struct sigaction old;
	netkit_addr a, bound, mine, peer;
	nk_thread *t;
	int lfd, first, conn;

	nk_sigusr1_no_restart(&old);
	/* A listener with backlog 0 holds one pending connection; the
	 * kernel drops the next SYN, so a second connect blocks until the
	 * queue drains and the SYN is retransmitted (about 1 s later). */
	nk_loopback(AF_INET, 0, &a);
	lfd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_bind(lfd, &a), 0);
	ck_assert_int_eq(netkit_listen(lfd, 0), 0);
	ck_assert_int_eq(netkit_local_addr(lfd, &bound), 0);
	first = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(first, &bound), 0);

	memset(&bc, 0, sizeof(bc));
	bc.kind = CALL_CONNECT;
	bc.fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(bc.fd, 0);
	bc.addr = bound;
	t = nk_spawn(blocked_call_run, &bc);

	/* After EINTR the library must wait for the handshake (poll), not
	 * return -EINTR nor call connect() again. */
	nk_interrupt_blocked(&bc.b, NK_CALLS(connect),
			  NK_CALLS(poll));
	conn = netkit_accept(lfd, NULL);
	ck_assert_int_ge(conn, 0);
	netkit_close(conn);
	nk_join(t);
	ck_assert_int_eq(bc.rc, 0);

	conn = netkit_accept(lfd, &peer);
	ck_assert_int_ge(conn, 0);
	ck_assert_int_eq(netkit_local_addr(bc.fd, &mine), 0);
	nk_assert_addr_equal(&peer, &mine);
	ck_assert_int_eq(netkit_send(bc.fd, "hi", 2), 2);
	ck_assert_int_eq(netkit_recv(conn, bc.buf, sizeof(bc.buf)), 2);
	ck_assert_mem_eq(bc.buf, "hi", 2);

	netkit_close(conn);
	netkit_close(bc.fd);
	netkit_close(first);
	netkit_close(lfd);
	sigaction(SIGUSR1, &old, NULL);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("socket-eintr");

	NK_ADD_TEST_V4_V6(s, recv_interrupted_by_signal_still_returns_data);
	NK_ADD_TEST_V4_V6(s,
		recvfrom_interrupted_by_signal_still_returns_datagram);
	NK_ADD_TEST_V4_V6(s, accept_interrupted_by_signal_still_accepts);
	NK_ADD_TEST(s, connect_interrupted_by_signal_still_connects);
	return s;
}
