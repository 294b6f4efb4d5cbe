/* SPDX-License-Identifier: MIT */
/*
 * Typed socket options: each one read back after it is set (with the
 * kernel's adjustments: doubled buffers), bad values refused with
 * -EINVAL before any system call (the seam counts them) and the option
 * left as it was, the family checks, SO_ERROR, the socket's own
 * family/type/protocol, and the raw escape hatch.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "helpers.h"
#include "sockopt-common.h"
#include "netkit-private.h"

/* One on/off option: off, on and off again each read back as set. */
static void
check_bool(int fd, int (*set)(int, bool), int (*get)(int), const char *what)
{
	ck_assert_msg(set(fd, false) == 0, "%s off", what);
	ck_assert_msg(get(fd) == 0, "%s reads %d after off", what, get(fd));
	ck_assert_msg(set(fd, true) == 0, "%s on", what);
	ck_assert_msg(get(fd) == 1, "%s reads %d after on", what, get(fd));
	ck_assert_msg(set(fd, false) == 0, "%s off again", what);
	ck_assert_msg(get(fd) == 0, "%s reads %d after off", what, get(fd));
}

START_TEST(bool_options_read_back_as_set)
{
	int family, t, u;

	FAMILY_OR_SKIP(family);
	t = tcp_socket(family);
	u = udp_socket(family);
	check_bool(t, netkit_set_reuseaddr, netkit_get_reuseaddr, "reuseaddr");
	check_bool(t, netkit_set_reuseport, netkit_get_reuseport, "reuseport");
	check_bool(t, netkit_set_nodelay, netkit_get_nodelay, "nodelay");
	check_bool(u, netkit_set_broadcast, netkit_get_broadcast, "broadcast");
	check_bool(u, netkit_set_multicast_loop, netkit_get_multicast_loop,
		   "multicast_loop");
	if (family == AF_INET6)
		check_bool(u, netkit_set_v6only, netkit_get_v6only, "v6only");
	netkit_close(u);
	netkit_close(t);
}
END_TEST

START_TEST(tcp_options_on_udp_socket_are_the_kernels_refusal)
{
	int u = udp_socket(AF_INET), rc;

	rc = netkit_set_nodelay(u, true);
	ck_assert_msg(rc == -EOPNOTSUPP || rc == -ENOPROTOOPT, "nodelay: %s",
		      netkit_errname(rc));
	rc = netkit_set_tcp_user_timeout(u, 100);
	ck_assert_msg(rc == -EOPNOTSUPP || rc == -ENOPROTOOPT,
		      "user timeout: %s", netkit_errname(rc));
	netkit_close(u);
}
END_TEST

/* net.core.rmem_max or wmem_max. */
static int
core_max(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "net/core/%s", name);
	return sysctl_int(path);
}

static void
check_buffer(int fd, int (*set)(int, int), int (*get)(int), int max)
{
	int want = 65536, before;

	/* Linux keeps twice the request, clamped to the sysctl first. */
	ck_assert_int_eq(set(fd, want), 0);
	if (max >= 0 && max < want)
		want = max;
	ck_assert_int_eq(get(fd), 2 * want);
	before = get(fd);
	count_begin();
	ck_assert_int_eq(set(fd, -1), -EINVAL);
	ck_assert_uint_eq(count_end(), 0);
	ck_assert_int_eq(get(fd), before);
	/* Tiny requests stop at the kernel's floor, above zero. */
	ck_assert_int_eq(set(fd, 0), 0);
	ck_assert_int_gt(get(fd), 0);
}

START_TEST(buffers_read_back_doubled)
{
	int family, fd;

	FAMILY_OR_SKIP(family);
	fd = udp_socket(family);
	check_buffer(fd, netkit_set_rcvbuf, netkit_get_rcvbuf,
		     core_max("rmem_max"));
	check_buffer(fd, netkit_set_sndbuf, netkit_get_sndbuf,
		     core_max("wmem_max"));
	netkit_close(fd);
}
END_TEST

START_TEST(hop_limits_read_back_and_refuse_out_of_range)
{
	int family, fd;

	FAMILY_OR_SKIP(family);
	fd = udp_socket(family);
	ck_assert_int_eq(netkit_set_ttl(fd, 17), 0);
	ck_assert_int_eq(netkit_get_ttl(fd), 17);
	ck_assert_int_eq(netkit_set_ttl(fd, 255), 0);
	ck_assert_int_eq(netkit_get_ttl(fd), 255);
	ck_assert_int_eq(netkit_set_multicast_ttl(fd, 0), 0);
	ck_assert_int_eq(netkit_get_multicast_ttl(fd), 0);
	ck_assert_int_eq(netkit_set_multicast_ttl(fd, 32), 0);
	ck_assert_int_eq(netkit_get_multicast_ttl(fd), 32);
	count_begin();
	ck_assert_int_eq(netkit_set_ttl(fd, 0), -EINVAL);
	ck_assert_int_eq(netkit_set_ttl(fd, 256), -EINVAL);
	ck_assert_int_eq(netkit_set_ttl(fd, -1), -EINVAL);
	ck_assert_int_eq(netkit_set_multicast_ttl(fd, 256), -EINVAL);
	ck_assert_int_eq(netkit_set_multicast_ttl(fd, -1), -EINVAL);
	ck_assert_uint_eq(count_end(), 0);
	ck_assert_int_eq(netkit_get_ttl(fd), 255);
	ck_assert_int_eq(netkit_get_multicast_ttl(fd), 32);
	netkit_close(fd);
}
END_TEST

START_TEST(ip_options_refuse_sockets_of_other_families)
{
	int v4 = udp_socket(AF_INET), sp[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				    sp), 0);
	count_begin();
	ck_assert_int_eq(netkit_set_v6only(v4, true), -EINVAL);
	ck_assert_int_eq(netkit_get_v6only(v4), -EINVAL);
	ck_assert_int_eq(netkit_set_ttl(sp[0], 9), -EINVAL);
	ck_assert_int_eq(netkit_get_ttl(sp[0]), -EINVAL);
	ck_assert_int_eq(netkit_set_multicast_ttl(sp[0], 9), -EINVAL);
	ck_assert_int_eq(netkit_set_multicast_loop(sp[0], false), -EINVAL);
	ck_assert_int_eq(netkit_set_multicast_if(sp[0], 1), -EINVAL);
	ck_assert_int_eq(netkit_get_multicast_if(sp[0]), -EINVAL);
	/* Only the family was read: no option was set. */
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_SETSOCKOPT), 0);
	count_end();
	close(sp[0]);
	close(sp[1]);
	netkit_close(v4);
}
END_TEST

START_TEST(multicast_if_takes_loopback_and_refuses_unknown_index)
{
	int family, fd, rc;

	FAMILY_OR_SKIP(family);
	fd = udp_socket(family);
	ck_assert_int_eq(netkit_set_multicast_if(fd, 1), 0);
	ck_assert_int_eq(netkit_set_multicast_if(fd, 0), 0);
	rc = netkit_set_multicast_if(fd, 0x7ffffff0u);
	ck_assert_int_eq(rc, family == AF_INET ? -EADDRNOTAVAIL : -ENODEV);
	count_begin();
	ck_assert_int_eq(netkit_set_multicast_if(fd, 0x80000000u), -EINVAL);
	ck_assert_uint_eq(count_end(), 0);
	netkit_close(fd);
}
END_TEST

/* The getter answers the index the setter took, in both families:
 * IPv4 reports only an address, which leads back to the index. */
START_TEST(multicast_if_reads_back_the_index_it_took)
{
	int family, fd, lo = netkit_if_nametoindex("lo"), rc;

	FAMILY_OR_SKIP(family);
	ck_assert_int_gt(lo, 0);
	fd = udp_socket(family);
	ck_assert_int_eq(netkit_get_multicast_if(fd), 0);
	ck_assert_int_eq(netkit_set_multicast_if(fd, (unsigned)lo), 0);
	ck_assert_int_eq(netkit_get_multicast_if(fd), lo);
	/* A refused choice leaves the one before. */
	rc = netkit_set_multicast_if(fd, 0x7ffffff0u);
	ck_assert_msg(rc == -EADDRNOTAVAIL || rc == -ENODEV, "%s",
		      netkit_errname(rc));
	ck_assert_int_eq(netkit_get_multicast_if(fd), lo);
	ck_assert_int_eq(netkit_set_multicast_if(fd, 0), 0);
	ck_assert_int_eq(netkit_get_multicast_if(fd), 0);
	netkit_close(fd);
}
END_TEST

/* The interface list failing (AF_INET needs it both ways) is the
 * answer, with nothing set. */
START_TEST(multicast_if_v4_without_the_interface_list_changes_nothing)
{
	int fd = udp_socket(AF_INET), lo = netkit_if_nametoindex("lo");

	ck_assert_int_eq(netkit_set_multicast_if(fd, (unsigned)lo), 0);
	nk_fault_install(1);
	nk_fault_fail(NK_FAULT_GETIFADDRS, ENOMEM, 0);
	ck_assert_int_eq(netkit_set_multicast_if(fd, 0x7ffffff0u), -ENOMEM);
	ck_assert_int_eq(netkit_get_multicast_if(fd), -ENOMEM);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_SETSOCKOPT), 0);
	nk_fault_reset();
	ck_assert_int_eq(netkit_get_multicast_if(fd), lo);
	netkit_close(fd);
}
END_TEST

START_TEST(blocking_mode_reads_back_and_a_nonblocking_recv_answers_eagain)
{
	char c;
	int a, b;

	nk_tcp_pair(AF_INET, &a, &b);
	ck_assert_int_eq(netkit_get_blocking(a), 1);
	ck_assert_int_eq(netkit_set_blocking(a, false), 0);
	ck_assert_int_eq(netkit_get_blocking(a), 0);
	ck_assert_int_eq(netkit_recv(a, &c, 1), -EAGAIN);
	ck_assert_int_eq(netkit_set_blocking(a, false), 0);
	ck_assert_int_eq(netkit_get_blocking(a), 0);
	ck_assert_int_eq(netkit_set_blocking(a, true), 0);
	ck_assert_int_eq(netkit_get_blocking(a), 1);
	ck_assert_int_eq(netkit_send(b, "x", 1), 1);
	ck_assert_int_eq(netkit_recv(a, &c, 1), 1);
	netkit_close(a);
	netkit_close(b);
	ck_assert_int_eq(netkit_set_blocking(a, true), -EBADF);
	ck_assert_int_eq(netkit_get_blocking(a), -EBADF);
	ck_assert_int_eq(netkit_set_blocking(-1, true), -EBADF);
	ck_assert_int_eq(netkit_get_blocking(-1), -EBADF);
}
END_TEST

START_TEST(tcp_user_timeout_reads_back_and_refuses_negative)
{
	int fd = tcp_socket(AF_INET);

	ck_assert_int_eq(netkit_get_tcp_user_timeout(fd), 0);
	ck_assert_int_eq(netkit_set_tcp_user_timeout(fd, 1500), 0);
	ck_assert_int_eq(netkit_get_tcp_user_timeout(fd), 1500);
	count_begin();
	ck_assert_int_eq(netkit_set_tcp_user_timeout(fd, -1), -EINVAL);
	ck_assert_uint_eq(count_end(), 0);
	ck_assert_int_eq(netkit_get_tcp_user_timeout(fd), 1500);
	netkit_close(fd);
}
END_TEST

START_TEST(socket_error_reports_refused_connect_once)
{
	netkit_addr refused;
	int family, fd, rc;

	FAMILY_OR_SKIP(family);
	nk_refused_addr(family, &refused);
	fd = netkit_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_get_error(fd), 0);
	rc = netkit_connect(fd, &refused);
	ck_assert_msg(rc == -EINPROGRESS || rc == -ECONNREFUSED, "%s",
		      netkit_errname(rc));
	if (rc == -EINPROGRESS) {
		ck_assert(nk_readable(fd, 5000));
		ck_assert_int_eq(netkit_get_error(fd), -ECONNREFUSED);
	}
	/* Reading it cleared it. */
	ck_assert_int_eq(netkit_get_error(fd), 0);
	netkit_close(fd);
}
END_TEST

START_TEST(socket_identity_is_family_type_protocol)
{
	int family, t, u;

	FAMILY_OR_SKIP(family);
	t = netkit_socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	u = udp_socket(family);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(netkit_get_family(t), family);
	ck_assert_int_eq(netkit_get_type(t), SOCK_STREAM);
	ck_assert_int_eq(netkit_get_protocol(t), IPPROTO_TCP);
	ck_assert_int_eq(netkit_get_family(u), family);
	ck_assert_int_eq(netkit_get_type(u), SOCK_DGRAM);
	ck_assert_int_eq(netkit_get_protocol(u), IPPROTO_UDP);
	netkit_close(u);
	netkit_close(t);
}
END_TEST

START_TEST(non_sockets_are_refused)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(netkit_set_nodelay(p[0], true), -ENOTSOCK);
	ck_assert_int_eq(netkit_get_rcvbuf(p[0]), -ENOTSOCK);
	ck_assert_int_eq(netkit_get_error(p[0]), -ENOTSOCK);
	ck_assert_int_eq(netkit_get_family(p[0]), -ENOTSOCK);
	ck_assert_int_eq(netkit_get_multicast_if(p[0]), -ENOTSOCK);
	ck_assert_int_eq(netkit_set_ttl(p[0], 3), -ENOTSOCK);
	count_begin();
	ck_assert_int_eq(netkit_set_reuseaddr(-1, true), -EBADF);
	ck_assert_int_eq(netkit_get_reuseaddr(-1), -EBADF);
	ck_assert_int_eq(netkit_set_v6only(-1, true), -EBADF);
	ck_assert_int_eq(netkit_get_error(-1), -EBADF);
	ck_assert_int_eq(netkit_get_type(-2), -EBADF);
	ck_assert_int_eq(netkit_get_multicast_if(-1), -EBADF);
	ck_assert_uint_eq(count_end(), 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(raw_options_follow_the_error_convention)
{
	int fd = udp_socket(AF_INET), v = 32768, got = SENTINEL;
	socklen_t len = sizeof(got);

	ck_assert_int_eq(netkit_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v,
					   sizeof(v)), 0);
	ck_assert_int_eq(netkit_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got,
					   &len), 0);
	ck_assert_int_eq(got, 2 * v);
	ck_assert_uint_eq(len, sizeof(got));
	/* Failures: len untouched, value untouched. */
	got = SENTINEL;
	ck_assert_int_eq(netkit_getsockopt(fd, SOL_SOCKET, 12345, &got, &len),
			 -ENOPROTOOPT);
	ck_assert_int_eq(got, SENTINEL);
	ck_assert_uint_eq(len, sizeof(got));
	ck_assert_int_eq(netkit_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, 1),
			 -EINVAL);
	count_begin();
	ck_assert_int_eq(netkit_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got,
					   NULL), -EINVAL);
	ck_assert_int_eq(netkit_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, NULL,
					   &len), -EINVAL);
	ck_assert_int_eq(netkit_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, NULL,
					   sizeof(v)), -EINVAL);
	ck_assert_int_eq(netkit_setsockopt(-1, SOL_SOCKET, SO_RCVBUF, &v,
					   sizeof(v)), -EBADF);
	ck_assert_uint_eq(count_end(), 0);
	ck_assert_uint_eq(len, sizeof(got));
	netkit_close(fd);
}
END_TEST

START_TEST(system_errors_from_the_seam_come_back_negative)
{
	int fd = tcp_socket(AF_INET);

	nk_fault_install(1);
	nk_fault_fail(NK_FAULT_SETSOCKOPT, ENOMEM, 1);
	nk_fault_fail(NK_FAULT_GETSOCKOPT, ENOBUFS, 1);
	ck_assert_int_eq(netkit_set_nodelay(fd, true), -ENOMEM);
	ck_assert_int_eq(netkit_get_nodelay(fd), -ENOBUFS);
	nk_fault_reset();
	ck_assert_int_eq(netkit_get_nodelay(fd), 0);
	netkit_close(fd);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("sockopt");

	NK_ADD_TEST_V4_V6(s, bool_options_read_back_as_set);
	NK_ADD_TEST(s, tcp_options_on_udp_socket_are_the_kernels_refusal);
	NK_ADD_FAULT_TEST_V4_V6(s, buffers_read_back_doubled);
	NK_ADD_FAULT_TEST_V4_V6(s, hop_limits_read_back_and_refuse_out_of_range);
	NK_ADD_FAULT_TEST(s, ip_options_refuse_sockets_of_other_families);
	NK_ADD_FAULT_TEST_V4_V6(s,
		multicast_if_takes_loopback_and_refuses_unknown_index);
	NK_ADD_TEST_V4_V6(s, multicast_if_reads_back_the_index_it_took);
	NK_ADD_FAULT_TEST(s,
		multicast_if_v4_without_the_interface_list_changes_nothing);
	NK_ADD_FAULT_TEST(s, tcp_user_timeout_reads_back_and_refuses_negative);
	NK_ADD_TEST(s,
		blocking_mode_reads_back_and_a_nonblocking_recv_answers_eagain);
	NK_ADD_TEST_V4_V6(s, socket_error_reports_refused_connect_once);
	NK_ADD_TEST_V4_V6(s, socket_identity_is_family_type_protocol);
	NK_ADD_FAULT_TEST(s, non_sockets_are_refused);
	NK_ADD_FAULT_TEST(s, raw_options_follow_the_error_convention);
	NK_ADD_FAULT_TEST(s, system_errors_from_the_seam_come_back_negative);
	return s;
}
