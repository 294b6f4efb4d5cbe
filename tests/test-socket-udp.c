/* SPDX-License-Identifier: MIT */
/*
 * UDP over real loopback sockets, IPv4 and IPv6: sendto/recvfrom report
 * the sender, empty, truncated and oversized datagrams, and a connected
 * UDP socket meeting a closed port.
 *
 * Loop tests run with _i = 0 for IPv4 and _i = 1 for IPv6; the IPv6
 * run is skipped (NK_SKIP) where ::1 is unavailable.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

/* ---- UDP ---- */

START_TEST(udp_sendto_recvfrom_reports_sender_address)
{
	netkit_addr a_addr, b_addr, from;
	char buf[64];
	int family, a, b;

	FAMILY_OR_SKIP(family);
	a = nk_udp(family, &a_addr);
	b = nk_udp(family, &b_addr);

	ck_assert_int_eq(netkit_sendto(a, "ping", 4, &b_addr), 4);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(netkit_recvfrom(b, buf, sizeof(buf), &from), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	nk_assert_addr_equal(&from, &a_addr);

	/* Answer to whoever sent it, as a UDP server does. */
	ck_assert_int_eq(netkit_sendto(b, "pong!", 5, &from), 5);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(netkit_recvfrom(a, buf, sizeof(buf), &from), 5);
	ck_assert_mem_eq(buf, "pong!", 5);
	nk_assert_addr_equal(&from, &b_addr);

	/* from may be NULL. */
	ck_assert_int_eq(netkit_sendto(a, "x", 1, &b_addr), 1);
	ck_assert_int_eq(netkit_recvfrom(b, buf, sizeof(buf), NULL), 1);
	ck_assert_int_eq(buf[0], 'x');

	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(udp_empty_datagram_is_received_as_zero_bytes)
{
	netkit_addr a_addr, b_addr, from;
	char buf[16];
	int family, a, b;

	FAMILY_OR_SKIP(family);
	a = nk_udp(family, &a_addr);
	b = nk_udp(family, &b_addr);

	ck_assert_int_eq(netkit_sendto(a, NULL, 0, &b_addr), 0);
	ck_assert_int_eq(netkit_sendto(a, "", 0, &b_addr), 0);
	ck_assert_int_eq(netkit_sendto(a, "after", 5, &b_addr), 5);

	ck_assert_int_eq(netkit_recvfrom(b, buf, sizeof(buf), &from), 0);
	nk_assert_addr_equal(&from, &a_addr);
	ck_assert_int_eq(netkit_recv(b, buf, sizeof(buf)), 0);
	/* The next datagram is intact: the empty ones were separate. */
	ck_assert_int_eq(netkit_recvfrom(b, buf, sizeof(buf), &from), 5);
	ck_assert_mem_eq(buf, "after", 5);

	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(udp_datagram_longer_than_buffer_is_truncated)
{
	netkit_addr a_addr, b_addr;
	char buf[16];
	int family, a, b;

	FAMILY_OR_SKIP(family);
	a = nk_udp(family, &a_addr);
	b = nk_udp(family, &b_addr);

	ck_assert_int_eq(netkit_sendto(a, "0123456789", 10, &b_addr), 10);
	ck_assert_int_eq(netkit_sendto(a, "next", 4, &b_addr), 4);
	memset(buf, SENTINEL, sizeof(buf));
	ck_assert_int_eq(netkit_recvfrom(b, buf, 4, NULL), 4);
	ck_assert_mem_eq(buf, "0123", 4);
	ck_assert_int_eq((unsigned char)buf[4], SENTINEL);
	ck_assert_int_eq(netkit_recvfrom(b, buf, sizeof(buf), NULL), 4);
	ck_assert_mem_eq(buf, "next", 4);

	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(udp_oversized_datagram_gives_emsgsize)
{
	netkit_addr a_addr, b_addr;
	char *big;
	int family, a, b;

	FAMILY_OR_SKIP(family);
	a = nk_udp(family, &a_addr);
	b = nk_udp(family, &b_addr);
	big = calloc(1, 70000);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(netkit_sendto(a, big, 70000, &b_addr), -EMSGSIZE);
	free(big);
	ck_assert(!nk_readable(b, 0));
	netkit_close(a);
	netkit_close(b);
}
END_TEST

START_TEST(udp_connected_send_recv_and_refused_port)
{
	netkit_addr a_addr, b_addr, gone;
	char buf[16];
	int family, a, b;

	FAMILY_OR_SKIP(family);
	a = nk_udp(family, &a_addr);
	b = nk_udp(family, &b_addr);
	ck_assert_int_eq(netkit_connect(a, &b_addr), 0);
	ck_assert_int_eq(netkit_send(a, "hey", 3), 3);
	ck_assert_int_eq(netkit_recv(b, buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "hey", 3);
	netkit_close(b);

	/* A connected UDP socket learns of an unreachable port from ICMP:
	 * the next receive reports it. */
	nk_refused_addr(family, &gone);
	ck_assert_int_eq(netkit_connect(a, &gone), 0);
	ck_assert_int_eq(netkit_send(a, "anyone", 6), 6);
	ck_assert(nk_readable(a, 5000));
	ck_assert_int_eq(netkit_recv(a, buf, sizeof(buf)), -ECONNREFUSED);
	netkit_close(a);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("socket-udp");

	NK_ADD_TEST_V4_V6(s, udp_sendto_recvfrom_reports_sender_address);
	NK_ADD_TEST_V4_V6(s, udp_empty_datagram_is_received_as_zero_bytes);
	NK_ADD_TEST_V4_V6(s, udp_datagram_longer_than_buffer_is_truncated);
	NK_ADD_TEST_V4_V6(s, udp_oversized_datagram_gives_emsgsize);
	NK_ADD_TEST_V4_V6(s, udp_connected_send_recv_and_refused_port);
	return s;
}
