/* SPDX-License-Identifier: MIT */
/*
 * netkit_addr classes (loopback, any, broadcast, multicast), equality,
 * port and family, and raw sockaddr conversion. No network.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "addr-helpers.h"

START_TEST(port_and_family_of_both_families)
{
	netkit_addr a;

	a = from_ip("10.1.2.3", 0);
	ck_assert_int_eq(netkit_addr_port(&a), 0);
	ck_assert_int_eq(netkit_addr_family(&a), AF_INET);
	a = from_ip("10.1.2.3", 65535);
	ck_assert_int_eq(netkit_addr_port(&a), 65535);
	a = from_ip("::", 12345);
	ck_assert_int_eq(netkit_addr_port(&a), 12345);
	ck_assert_int_eq(netkit_addr_family(&a), AF_INET6);
	/* IPv4-mapped IPv6 is still an IPv6 address. */
	a = from_ip("::ffff:10.1.2.3", 7);
	ck_assert_int_eq(netkit_addr_family(&a), AF_INET6);
}
END_TEST

struct class_case {
	const char *ip;
	bool loopback, any, broadcast, multicast;
};

START_TEST(classifiers_answer_each_class_and_mapped_by_ipv4_part)
{
	static const struct class_case cases[] = {
		{ "127.0.0.1",            1, 0, 0, 0 },
		{ "127.255.255.254",      1, 0, 0, 0 },
		{ "126.255.255.255",      0, 0, 0, 0 },
		{ "128.0.0.1",            0, 0, 0, 0 },
		{ "::1",                  1, 0, 0, 0 },
		{ "::2",                  0, 0, 0, 0 },
		{ "::ffff:127.0.0.1",     1, 0, 0, 0 },
		{ "0.0.0.0",              0, 1, 0, 0 },
		{ "0.0.0.1",              0, 0, 0, 0 },
		{ "::",                   0, 1, 0, 0 },
		{ "::ffff:0.0.0.0",       0, 1, 0, 0 },
		{ "255.255.255.255",      0, 0, 1, 0 },
		{ "255.255.255.254",      0, 0, 0, 0 },
		{ "192.168.1.255",        0, 0, 0, 0 },
		{ "::ffff:255.255.255.255", 0, 0, 1, 0 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 0, 1 },
		{ "224.0.0.1",            0, 0, 0, 1 },
		{ "239.255.255.255",      0, 0, 0, 1 },
		{ "223.255.255.255",      0, 0, 0, 0 },
		{ "240.0.0.0",            0, 0, 0, 0 },
		{ "ff02::1",              0, 0, 0, 1 },
		{ "fe80::1",              0, 0, 0, 0 },
		{ "::ffff:224.0.0.251",   0, 0, 0, 1 },
		{ "192.168.1.2",          0, 0, 0, 0 },
	};
	netkit_addr a;
	size_t i;

	for (i = 0; i < N_ELEMS(cases); i++) {
		a = from_ip(cases[i].ip, 80);
		ck_assert_msg(netkit_addr_is_loopback(&a) == cases[i].loopback,
			      "is_loopback(%s)", cases[i].ip);
		ck_assert_msg(netkit_addr_is_any(&a) == cases[i].any,
			      "is_any(%s)", cases[i].ip);
		ck_assert_msg(netkit_addr_is_broadcast(&a) ==
			      cases[i].broadcast, "is_broadcast(%s)",
			      cases[i].ip);
		ck_assert_msg(netkit_addr_is_multicast(&a) ==
			      cases[i].multicast, "is_multicast(%s)",
			      cases[i].ip);
	}
}
END_TEST

START_TEST(classifiers_answer_false_for_null_and_empty)
{
	netkit_addr empty;

	memset(&empty, 0, sizeof(empty));
	ck_assert(!netkit_addr_is_loopback(NULL));
	ck_assert(!netkit_addr_is_any(NULL));
	ck_assert(!netkit_addr_is_broadcast(NULL));
	ck_assert(!netkit_addr_is_multicast(NULL));
	/* A zero-filled address must not pass as 0.0.0.0. */
	ck_assert(!netkit_addr_is_loopback(&empty));
	ck_assert(!netkit_addr_is_any(&empty));
	ck_assert(!netkit_addr_is_broadcast(&empty));
	ck_assert(!netkit_addr_is_multicast(&empty));
}
END_TEST

START_TEST(equal_compares_family_ip_port_and_scope)
{
	netkit_addr a = from_ip("127.0.0.1", 80), b;
	netkit_addr empty;

	memset(&empty, 0, sizeof(empty));
	ck_assert(netkit_addr_equal(&a, &a));
	b = from_ip("127.0.0.1", 80);
	ck_assert(netkit_addr_equal(&a, &b));
	ck_assert(netkit_addr_equal(&b, &a));
	b = from_ip("127.0.0.1", 81);
	ck_assert(!netkit_addr_equal(&a, &b));
	b = from_ip("127.0.0.2", 80);
	ck_assert(!netkit_addr_equal(&a, &b));
	b = from_ip("::ffff:127.0.0.1", 80);
	ck_assert(!netkit_addr_equal(&a, &b));

	a = from_ip("fe80::1%lo", 80);
	b = from_ip("fe80::1", 80);
	ck_assert(!netkit_addr_equal(&a, &b));
	b = from_ip("fe80::1%4000000000", 80);
	ck_assert(!netkit_addr_equal(&a, &b));
	b = from_ip("fe80::2%lo", 80);
	ck_assert(!netkit_addr_equal(&a, &b));
	b = from_ip("fe80::1%lo", 80);
	ck_assert(netkit_addr_equal(&a, &b));

	ck_assert(!netkit_addr_equal(&a, NULL));
	ck_assert(!netkit_addr_equal(NULL, &a));
	ck_assert(!netkit_addr_equal(NULL, NULL));
	ck_assert(!netkit_addr_equal(&empty, &empty));
	ck_assert(!netkit_addr_equal(&a, &empty));
}
END_TEST

START_TEST(from_sockaddr_round_trips_ipv4_and_ipv6)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	netkit_addr a, b;
	socklen_t len;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(6666);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	/* Junk in the padding must not matter. */
	memset(sin.sin_zero, 0x5a, sizeof(sin.sin_zero));
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a, (struct sockaddr *)&sin,
						   sizeof(sin)), 0);
	b = from_ip("127.0.0.1", 6666);
	ck_assert(netkit_addr_equal(&a, &b));

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(8888);
	sin6.sin6_addr.s6_addr[15] = 1;
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a, (struct sockaddr *)&sin6,
						   sizeof(sin6)), 0);
	b = from_ip("::1", 8888);
	ck_assert(netkit_addr_equal(&a, &b));

	/* sockaddr -> netkit_addr -> sockaddr gives back the same bytes. */
	sa = netkit_addr_sockaddr(&a, &len);
	ck_assert_ptr_nonnull(sa);
	ck_assert_int_eq(len, sizeof(sin6));
	ck_assert_mem_eq(sa, &sin6, sizeof(sin6));
	ck_assert_int_eq(netkit_addr_from_sockaddr(&b, sa, len), 0);
	ck_assert(netkit_addr_equal(&a, &b));

	/* A longer length (a whole sockaddr_storage) is fine. */
	{
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &sin, sizeof(sin));
		ck_assert_int_eq(netkit_addr_from_sockaddr(&a,
			(struct sockaddr *)&ss, sizeof(ss)), 0);
		ck_assert_int_eq(netkit_addr_port(&a), 6666);
		ck_assert_int_eq(netkit_addr_family(&a), AF_INET);
	}
}
END_TEST

static void
assert_from_sockaddr_rejected(const void *sa, socklen_t len)
{
	netkit_addr out, ref;
	int rc;

	nk_sentinel_addr(&out, &ref);
	rc = netkit_addr_from_sockaddr(&out, sa, len);
	ck_assert_msg(rc == -EINVAL, "from_sockaddr(len %u) gave %d",
		      (unsigned int)len, rc);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
}

START_TEST(from_sockaddr_rejects_null_family_and_length)
{
	struct sockaddr_storage ss[2];
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss[0];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss[0];

	memset(ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	assert_from_sockaddr_rejected(NULL, sizeof(*sin));
	assert_from_sockaddr_rejected(sin, 0);
	assert_from_sockaddr_rejected(sin, sizeof(*sin) - 1);
	assert_from_sockaddr_rejected(sin, sizeof(struct sockaddr_storage) + 1);
	ck_assert_int_eq(netkit_addr_from_sockaddr(NULL,
		(struct sockaddr *)sin, sizeof(*sin)), -EINVAL);

	memset(ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	assert_from_sockaddr_rejected(sin6, sizeof(*sin6) - 1);
	assert_from_sockaddr_rejected(sin6, sizeof(struct sockaddr_in));

	memset(ss, 0, sizeof(ss));
	ss[0].ss_family = AF_UNIX;
	assert_from_sockaddr_rejected(&ss[0], sizeof(ss[0]));
	ss[0].ss_family = AF_UNSPEC;
	assert_from_sockaddr_rejected(&ss[0], sizeof(ss[0]));
	ss[0].ss_family = 12345;
	assert_from_sockaddr_rejected(&ss[0], sizeof(ss[0]));
}
END_TEST

START_TEST(sockaddr_of_null_or_empty_is_null_and_len_untouched)
{
	netkit_addr empty;
	socklen_t len = 4242;

	memset(&empty, 0, sizeof(empty));
	ck_assert_ptr_null(netkit_addr_sockaddr(NULL, &len));
	ck_assert_ptr_null(netkit_addr_sockaddr(&empty, &len));
	ck_assert_int_eq(len, 4242);
	ck_assert_ptr_null(netkit_addr_sockaddr(NULL, NULL));
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("addr-class");

	NK_ADD_TEST(s, port_and_family_of_both_families);
	NK_ADD_TEST(s, classifiers_answer_each_class_and_mapped_by_ipv4_part);
	NK_ADD_TEST(s, classifiers_answer_false_for_null_and_empty);
	NK_ADD_TEST(s, equal_compares_family_ip_port_and_scope);
	NK_ADD_TEST(s, from_sockaddr_round_trips_ipv4_and_ipv6);
	NK_ADD_TEST(s, from_sockaddr_rejects_null_family_and_length);
	NK_ADD_TEST(s, sockaddr_of_null_or_empty_is_null_and_len_untouched);
	return s;
}
