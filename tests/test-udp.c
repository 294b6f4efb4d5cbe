/* SPDX-License-Identifier: MIT */
/*
 * Datagrams over loopback: a datagram longer than the buffer is
 * reported (-EMSGSIZE, its real length) and never cut in silence,
 * connected and unconnected sockets, disconnecting, sendmsg() through
 * the seam, and every bad input answered before any system call.
 * Broadcast and multicast are in test-udp-netns.c.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fault.h"
#include "helpers.h"
#include "netkit-private.h"

#define WAIT_MS 5000

static netkit_deadline
soon(void)
{
	return netkit_deadline_in(nk_scaled_ms(WAIT_MS));
}

/* An unbound datagram socket of family that sends from loopback. */
static int
sender(int family, netkit_addr *bound)
{
	return nk_udp(family, bound);
}

static void
fill(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)('a' + i % 26);
}

START_TEST(long_datagram_is_reported_truncated_with_its_length)
{
	char out[100], in[10], whole[200];
	netkit_addr ra, sa, from;
	netkit_datagram_info info;
	int family, r, s;
	ssize_t n;

	FAMILY_OR_SKIP(family);
	r = nk_udp(family, &ra);
	s = sender(family, &sa);
	fill(out, sizeof(out));
	ck_assert_int_eq(netkit_send_datagram(s, out, sizeof(out), &ra,
					      soon()), sizeof(out));
	ck_assert_int_eq(netkit_send_datagram(s, out, 7, &ra, soon()), 7);
	memset(in, SENTINEL, sizeof(in));
	memset(&info, 0xa5, sizeof(info));
	n = netkit_recv_datagram(r, in, sizeof(in), &from, &info, soon());
	ck_assert_int_eq(n, -EMSGSIZE);
	ck_assert_uint_eq(info.size, sizeof(out));
	ck_assert(info.truncated);
	/* Room for later fields: written as zeros, never left as found. */
	for (size_t k = 0; k < N_ELEMS(info.reserved_); k++)
		ck_assert_uint_eq(info.reserved_[k], 0);
	ck_assert_mem_eq(in, out, sizeof(in));
	nk_assert_addr_equal(&from, &sa);
	/* The next one is whole, and said to be. */
	n = netkit_recv_datagram(r, whole, sizeof(whole), NULL, &info, soon());
	ck_assert_int_eq(n, 7);
	ck_assert_uint_eq(info.size, 7);
	ck_assert(!info.truncated);
	ck_assert_mem_eq(whole, out, 7);
	netkit_close(s);
	netkit_close(r);
}
END_TEST

START_TEST(datagram_of_exactly_the_buffer_size_is_whole)
{
	char out[64], in[64];
	netkit_datagram_info info;
	netkit_addr ra, sa;
	int family, r, s;

	FAMILY_OR_SKIP(family);
	r = nk_udp(family, &ra);
	s = sender(family, &sa);
	fill(out, sizeof(out));
	ck_assert_int_eq(netkit_sendto(s, out, sizeof(out), &ra), sizeof(out));
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), NULL, &info,
					      soon()), sizeof(in));
	ck_assert(!info.truncated);
	ck_assert_mem_eq(in, out, sizeof(in));
	netkit_close(s);
	netkit_close(r);
}
END_TEST

START_TEST(zero_length_buffer_takes_empty_datagram_and_reports_others)
{
	netkit_datagram_info info;
	netkit_addr ra, sa;
	int r, s;

	r = nk_udp(AF_INET, &ra);
	s = sender(AF_INET, &sa);
	ck_assert_int_eq(netkit_send_datagram(s, NULL, 0, &ra, soon()), 0);
	ck_assert_int_eq(netkit_send_datagram(s, "xyz", 3, &ra, soon()), 3);
	ck_assert_int_eq(netkit_recv_datagram(r, NULL, 0, NULL, &info,
					      soon()), 0);
	ck_assert(!info.truncated);
	ck_assert_int_eq(netkit_recv_datagram(r, NULL, 0, NULL, &info,
					      soon()), -EMSGSIZE);
	ck_assert_uint_eq(info.size, 3);
	netkit_close(s);
	netkit_close(r);
}
END_TEST

START_TEST(plain_recvfrom_still_cuts_silently)
{
	char out[50], in[8];
	netkit_addr ra, sa;
	int r, s;

	r = nk_udp(AF_INET, &ra);
	s = sender(AF_INET, &sa);
	fill(out, sizeof(out));
	ck_assert_int_eq(netkit_sendto(s, out, sizeof(out), &ra), sizeof(out));
	ck_assert(nk_readable(r, WAIT_MS));
	/* What netkit_recvfrom() documents, and why recv_datagram exists. */
	ck_assert_int_eq(netkit_recvfrom(r, in, sizeof(in), NULL), sizeof(in));
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), NULL, NULL,
					      NETKIT_NOW), -ETIMEDOUT);
	netkit_close(s);
	netkit_close(r);
}
END_TEST

START_TEST(recv_datagram_with_past_deadline_times_out_at_once)
{
	char in[8];
	netkit_addr ra;
	int64_t t0;
	int r;

	r = nk_udp(AF_INET, &ra);
	t0 = netkit_now();
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), NULL, NULL,
					      NETKIT_NOW), -ETIMEDOUT);
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), NULL, NULL,
					      netkit_deadline_at(t0 - 1)), -ETIMEDOUT);
	netkit_close(r);
}
END_TEST

START_TEST(connected_socket_hears_only_its_peer)
{
	netkit_addr ra, pa, oa, from;
	int family, r, peer, other;
	char in[16];

	FAMILY_OR_SKIP(family);
	r = nk_udp(family, &ra);
	peer = sender(family, &pa);
	other = sender(family, &oa);
	ck_assert_int_eq(netkit_connect(r, &pa), 0);
	ck_assert_int_eq(netkit_send_datagram(other, "no", 2, &ra, soon()), 2);
	ck_assert_int_eq(netkit_send_datagram(peer, "yes", 3, &ra, soon()), 3);
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), &from, NULL,
					      soon()), 3);
	ck_assert_mem_eq(in, "yes", 3);
	nk_assert_addr_equal(&from, &pa);
	/* Sends with no address go to the peer. */
	ck_assert_int_eq(netkit_send_datagram(r, "back", 4, NULL, soon()), 4);
	ck_assert_int_eq(netkit_recv_datagram(peer, in, sizeof(in), &from,
					      NULL, soon()), 4);
	ck_assert_mem_eq(in, "back", 4);
	nk_assert_addr_equal(&from, &ra);
	/* Disconnected, it needs an address again. */
	ck_assert_int_eq(netkit_disconnect(r), 0);
	ck_assert_int_eq(netkit_send_datagram(r, "x", 1, NULL, soon()),
			 -EDESTADDRREQ);
	ck_assert_int_eq(netkit_send_datagram(r, "hi", 2, &oa, soon()), 2);
	ck_assert_int_eq(netkit_recv_datagram(other, in, sizeof(in), &from,
					      NULL, soon()), 2);
	ck_assert_mem_eq(in, "hi", 2);
	ck_assert_int_ne(netkit_addr_port(&from), 0);
	netkit_close(other);
	netkit_close(peer);
	netkit_close(r);
}
END_TEST

START_TEST(connected_socket_reports_closed_port_as_refused)
{
	netkit_addr gone, sa;
	int family, s;
	char in[4];
	ssize_t n;

	FAMILY_OR_SKIP(family);
	s = sender(family, &sa);
	nk_refused_addr(family, &gone);
	ck_assert_int_eq(netkit_connect(s, &gone), 0);
	ck_assert_int_eq(netkit_send_datagram(s, "ping", 4, NULL, soon()), 4);
	/* Loopback answers with ICMP port unreachable at once. */
	n = netkit_recv_datagram(s, in, sizeof(in), NULL, NULL, soon());
	ck_assert_int_eq(n, -ECONNREFUSED);
	netkit_close(s);
}
END_TEST

START_TEST(datagram_calls_retry_eintr_and_return_other_errors)
{
	netkit_addr ra, sa;
	char in[8];
	int r, s;

	r = nk_udp(AF_INET, &ra);
	s = sender(AF_INET, &sa);
	nk_fault_install(1);
	nk_fault_fail(NK_FAULT_SENDMSG, EINTR, 2);
	nk_fault_fail(NK_FAULT_RECVMSG, EINTR, 2);
	ck_assert_int_eq(netkit_send_datagram(s, "abc", 3, &ra, soon()), 3);
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), NULL, NULL,
					      soon()), 3);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_SENDMSG), 2);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_RECVMSG), 2);
	nk_fault_fail(NK_FAULT_RECVMSG, ENOMEM, 1);
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), NULL, NULL,
					      NETKIT_NOW), -ENOMEM);
	nk_fault_reset();
	netkit_close(s);
	netkit_close(r);
}
END_TEST

START_TEST(bad_datagram_arguments_are_refused_before_any_call)
{
	netkit_addr ra, empty, from;
	netkit_datagram_info info;
	char in[8];
	int r;

	r = nk_udp(AF_INET, &ra);
	memset(&empty, 0, sizeof(empty));
	memset(&from, SENTINEL, sizeof(from));
	memset(&info, SENTINEL, sizeof(info));
	nk_fault_install(1);
	ck_assert_int_eq(netkit_recv_datagram(r, NULL, 1, &from, &info, NETKIT_NOW),
			 -EINVAL);
	ck_assert_int_eq(netkit_recv_datagram(r, in, sizeof(in), &from, &info,
					      netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_recv_datagram(-1, in, sizeof(in), &from,
					      &info, NETKIT_NOW), -EBADF);
	ck_assert_int_eq(netkit_send_datagram(r, NULL, 1, &ra, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_send_datagram(r, "x", 1, &empty, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_send_datagram(r, "x", 1, &ra, netkit_deadline_at(-5)), -EINVAL);
	ck_assert_int_eq(netkit_send_datagram(-1, "x", 1, &ra, NETKIT_NOW), -EBADF);
	ck_assert_int_eq(netkit_disconnect(-1), -EBADF);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_RECVMSG) +
			  nk_fault_seen(NK_FAULT_SENDMSG) +
			  nk_fault_seen(NK_FAULT_CONNECT) +
			  nk_fault_seen(NK_FAULT_POLL), 0);
	nk_fault_reset();
	ck_assert_uint_eq(((unsigned char *)&from)[0], SENTINEL);
	ck_assert_uint_eq(((unsigned char *)&info)[0], SENTINEL);
	netkit_close(r);
}
END_TEST

START_TEST(bad_multicast_groups_are_refused_and_nothing_set)
{
	netkit_addr g4, g6, uni, any4;
	int v4, v6;

	ck_assert_int_eq(netkit_addr_from_ip(&g4, "239.1.2.3", 0), 0);
	ck_assert_int_eq(netkit_addr_from_ip(&g6, "ff02::123", 0), 0);
	ck_assert_int_eq(netkit_addr_from_ip(&uni, "127.0.0.1", 0), 0);
	ck_assert_int_eq(netkit_addr_from_ip(&any4, "0.0.0.0", 0), 0);
	v4 = netkit_socket(AF_INET, SOCK_DGRAM, 0);
	v6 = netkit_socket(AF_INET6, SOCK_DGRAM, 0);
	ck_assert_int_ge(v4, 0);
	nk_fault_install(1);
	ck_assert_int_eq(netkit_join_multicast(v4, NULL, 0), -EINVAL);
	ck_assert_int_eq(netkit_join_multicast(v4, &uni, 0), -EINVAL);
	ck_assert_int_eq(netkit_join_multicast(v4, &g4, 0x80000000u), -EINVAL);
	ck_assert_int_eq(netkit_leave_multicast(v4, &uni, 0), -EINVAL);
	ck_assert_int_eq(netkit_join_multicast(-1, &g4, 0), -EBADF);
	ck_assert_int_eq(netkit_join_multicast_on(v4, &g4, NULL), -EINVAL);
	ck_assert_int_eq(netkit_join_multicast_on(v4, &uni, &any4), -EINVAL);
	ck_assert_int_eq(netkit_join_multicast_on(v4, &g4, &g6), -EINVAL);
	ck_assert_int_eq(netkit_join_multicast(v4, &g6, 0), -EINVAL);
	if (v6 >= 0) {
		ck_assert_int_eq(netkit_join_multicast(v6, &g4, 0), -EINVAL);
		ck_assert_int_eq(netkit_join_multicast_on(v6, &g6, &any4),
				 -EINVAL);
	}
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_SETSOCKOPT), 0);
	nk_fault_reset();
	/* Leaving a group never joined is the kernel's refusal. */
	ck_assert_int_eq(netkit_leave_multicast(v4, &g4, 1), -EADDRNOTAVAIL);
	if (v6 >= 0)
		netkit_close(v6);
	netkit_close(v4);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("udp");

	NK_ADD_TEST_V4_V6(s, long_datagram_is_reported_truncated_with_its_length);
	NK_ADD_TEST_V4_V6(s, datagram_of_exactly_the_buffer_size_is_whole);
	NK_ADD_TEST(s, zero_length_buffer_takes_empty_datagram_and_reports_others);
	NK_ADD_TEST(s, plain_recvfrom_still_cuts_silently);
	NK_ADD_TEST(s, recv_datagram_with_past_deadline_times_out_at_once);
	NK_ADD_TEST_V4_V6(s, connected_socket_hears_only_its_peer);
	NK_ADD_TEST_V4_V6(s, connected_socket_reports_closed_port_as_refused);
	NK_ADD_FAULT_TEST(s,
		datagram_calls_retry_eintr_and_return_other_errors);
	NK_ADD_FAULT_TEST(s, bad_datagram_arguments_are_refused_before_any_call);
	NK_ADD_FAULT_TEST(s, bad_multicast_groups_are_refused_and_nothing_set);
	return s;
}
