/* SPDX-License-Identifier: MIT */
/*
 * netkit_addr text: numeric parsing and formatting, their limits, and
 * the sizes of their buffers. No network: these calls never touch a
 * socket. Every failure case also proves the output was left untouched.
 * Classes and raw sockaddrs are in test-addr-class.c, scopes of named
 * interfaces in test-addr-scope.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addr-helpers.h"

START_TEST(from_ip_ipv4_sets_family_ip_port_and_sockaddr)
{
	netkit_addr a = from_ip("127.0.0.1", 6666);
	const struct sockaddr_in *sin;
	const struct sockaddr *sa;
	socklen_t len = 0;
	char buf[NETKIT_ADDRSTRLEN];

	ck_assert_int_eq(netkit_addr_family(&a), AF_INET);
	ck_assert_int_eq(netkit_addr_port(&a), 6666);
	ck_assert_int_eq(netkit_addr_ip(&a, buf, sizeof(buf)), 9);
	ck_assert_str_eq(buf, "127.0.0.1");
	ck_assert_int_eq(netkit_addr_format(&a, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "127.0.0.1:6666");

	sa = netkit_addr_sockaddr(&a, &len);
	ck_assert_ptr_nonnull(sa);
	ck_assert_int_eq(len, sizeof(struct sockaddr_in));
	sin = (const struct sockaddr_in *)sa;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(sin->sin_port, htons(6666));
	ck_assert_uint_eq(sin->sin_addr.s_addr, htonl(0x7f000001));
}
END_TEST

START_TEST(from_ip_ipv6_sets_family_ip_port_and_sockaddr)
{
	static const unsigned char want[16] = { 0x20, 0x01, 0x0d, 0xb8,
		[15] = 1 };
	netkit_addr a = from_ip("2001:DB8::1", 443);
	const struct sockaddr_in6 *sin6;
	socklen_t len = 0;
	char buf[NETKIT_ADDRSTRLEN];

	ck_assert_int_eq(netkit_addr_family(&a), AF_INET6);
	ck_assert_int_eq(netkit_addr_port(&a), 443);
	ck_assert_int_eq(netkit_addr_ip(&a, buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "2001:db8::1");
	format(&a, buf);
	ck_assert_str_eq(buf, "[2001:db8::1]:443");

	sin6 = (const struct sockaddr_in6 *)netkit_addr_sockaddr(&a, &len);
	ck_assert_ptr_nonnull(sin6);
	ck_assert_int_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(sin6->sin6_port, htons(443));
	ck_assert_uint_eq(sin6->sin6_scope_id, 0);
	ck_assert_mem_eq(&sin6->sin6_addr, want, 16);
}
END_TEST

START_TEST(from_ip_accepts_any_loopback_mapped_and_port_bounds)
{
	static const struct {
		const char *ip;
		int port;
		const char *text;
	} ok[] = {
		{ "0.0.0.0", 0, "0.0.0.0:0" },
		{ "255.255.255.255", 65535, "255.255.255.255:65535" },
		{ "::", 0, "[::]:0" },
		{ "::1", 65535, "[::1]:65535" },
		{ "::ffff:1.2.3.4", 80, "[::ffff:1.2.3.4]:80" },
		{ "0:0:0:0:0:0:0:1", 1, "[::1]:1" },
	};
	char buf[NETKIT_ADDRSTRLEN];
	netkit_addr a;
	size_t i;

	for (i = 0; i < N_ELEMS(ok); i++) {
		a = from_ip(ok[i].ip, ok[i].port);
		ck_assert_int_eq(netkit_addr_port(&a), ok[i].port);
		format(&a, buf);
		ck_assert_str_eq(buf, ok[i].text);
	}
}
END_TEST

START_TEST(from_ip_scope_by_name_and_by_index)
{
	unsigned int lo = if_nametoindex("lo");
	const struct sockaddr_in6 *sin6;
	char buf[NETKIT_ADDRSTRLEN], want[64];
	netkit_addr a, b;

	ck_assert_uint_ne(lo, 0);
	a = from_ip("fe80::1%lo", 80);
	sin6 = (const struct sockaddr_in6 *)netkit_addr_sockaddr(&a, NULL);
	ck_assert_uint_eq(sin6->sin6_scope_id, lo);
	ck_assert_int_eq(netkit_addr_ip(&a, buf, sizeof(buf)), 10);
	ck_assert_str_eq(buf, "fe80::1%lo");
	format(&a, buf);
	ck_assert_str_eq(buf, "[fe80::1%lo]:80");

	/* The same scope given by its index is the same address. */
	snprintf(want, sizeof(want), "fe80::1%%%u", lo);
	b = from_ip(want, 80);
	ck_assert(netkit_addr_equal(&a, &b));

	/* An index without an interface is kept and printed as a number. */
	a = from_ip("fe80::1%4000000000", 80);
	sin6 = (const struct sockaddr_in6 *)netkit_addr_sockaddr(&a, NULL);
	ck_assert_uint_eq(sin6->sin6_scope_id, 4000000000u);
	format(&a, buf);
	ck_assert_str_eq(buf, "[fe80::1%4000000000]:80");
}
END_TEST

START_TEST(from_ip_rejects_port_outside_0_to_65535)
{
	assert_from_ip_rejected("127.0.0.1", -1);
	assert_from_ip_rejected("127.0.0.1", 65536);
	assert_from_ip_rejected("::1", 65536);
	assert_from_ip_rejected("::1", -1);
	assert_from_ip_rejected("127.0.0.1", 70000);
	assert_from_ip_rejected("127.0.0.1", INT_MAX);
	assert_from_ip_rejected("127.0.0.1", INT_MIN);
}
END_TEST

START_TEST(from_ip_rejects_null_arguments)
{
	assert_from_ip_rejected(NULL, 80);
	ck_assert_int_eq(netkit_addr_from_ip(NULL, "127.0.0.1", 80), -EINVAL);
	ck_assert_int_eq(netkit_addr_from_ip(NULL, NULL, 80), -EINVAL);
}
END_TEST

START_TEST(from_ip_rejects_names_short_hex_and_malformed_forms)
{
	static const char *const bad[] = {
		"", "localhost", "example.com", "ip6-localhost",
		/* forms inet_aton accepts but a numeric IP must not */
		"127.1", "127.0.1", "2130706433", "0x7f.0.0.1", "0x7f000001",
		"0177.0.0.1", "127.0.0.01",
		"256.0.0.1", "1.2.3.4.5", "1.2.3.", ".1.2.3.4", "1..2.3",
		" 127.0.0.1", "127.0.0.1 ", "127.0.0.1\n", "-1.2.3.4",
		/* with a port or brackets: that is parse()'s job */
		"127.0.0.1:80", "[::1]", "[::1]:80",
		/* broken IPv6 */
		":::1", "::1:", "1:2:3:4:5:6:7:8:9", "12345::1", "fe80::g",
		"::ffff:1.2.3", "1::2::3",
		/* scopes: empty, unknown, on IPv4, doubled, too long */
		"fe80::1%", "fe80::1%nosuchif0", "127.0.0.1%lo",
		"fe80::1%lo%lo", "fe80::1%4294967296", "fe80::1%12x",
		"fe80::1%-1", "fe80::1%abcdefghijklmnopq",
	};
	size_t i;

	for (i = 0; i < N_ELEMS(bad); i++)
		assert_from_ip_rejected(bad[i], 80);
}
END_TEST

START_TEST(from_ip_and_parse_reject_over_long_text)
{
	char longtext[512];

	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_from_ip_rejected(longtext, 80);
	assert_parse_rejected(longtext);

	/* A valid IPv6 address padded with leading zero groups... */
	snprintf(longtext, sizeof(longtext), "%s",
		 "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:1");
	assert_from_ip_rejected(longtext, 80);
	/* ...and a valid one followed by an over-long scope. */
	snprintf(longtext, sizeof(longtext), "fe80::1%%%0200d", 1);
	assert_from_ip_rejected(longtext, 80);
	snprintf(longtext, sizeof(longtext), "[fe80::1%%%0200d]:80", 1);
	assert_parse_rejected(longtext);
	snprintf(longtext, sizeof(longtext), "127.0.0.1:%0300d", 80);
	assert_parse_rejected(longtext);
}
END_TEST

/* The longest texts each call takes: a full IPv6 text with an IPv4 tail
 * and a 15-digit scope (the length of the longest interface name). */
#define LONGEST_IP \
	"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%000000000000001"
#define LONGEST_TEXT "[" LONGEST_IP "]:65535"

START_TEST(from_ip_and_parse_take_their_longest_text_at_a_page_end)
{
	struct nk_guarded g;
	const char *t;
	netkit_addr a, b;

	ck_assert_uint_eq(strlen(LONGEST_IP), INET6_ADDRSTRLEN - 1 + 1 +
			  IF_NAMESIZE - 1);
	ck_assert_uint_eq(strlen(LONGEST_TEXT), NETKIT_ADDRSTRLEN - 1);

	/* Its NUL is the last readable byte. */
	t = nk_guarded_text(&g, LONGEST_IP, sizeof(LONGEST_IP));
	ck_assert_int_eq(netkit_addr_from_ip(&a, t, 80), 0);
	nk_guarded_free(&g);
	t = nk_guarded_text(&g, LONGEST_TEXT, sizeof(LONGEST_TEXT));
	ck_assert_int_eq(netkit_addr_parse(&b, t), 0);
	nk_guarded_free(&g);
	ck_assert_int_eq(netkit_addr_port(&b), 65535);
	a = from_ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%1", 65535);
	ck_assert(netkit_addr_equal(&a, &b));

	/* One more leading zero in the scope: one byte too long. */
	assert_from_ip_rejected("ffff:ffff:ffff:ffff:ffff:ffff:"
				"255.255.255.255%0000000000000001", 80);
	assert_parse_rejected("[ffff:ffff:ffff:ffff:ffff:ffff:"
			      "255.255.255.255%0000000000000001]:65535");
}
END_TEST

/* Expects -EINVAL for len bytes without a NUL that end at a guard page:
 * the call may read limit + 1 bytes to see that the text is too long,
 * and not one byte more. */
static void
assert_unterminated_rejected(char fill, size_t len, bool parse_it)
{
	struct nk_guarded g;
	char bytes[NETKIT_ADDRSTRLEN + 8];
	netkit_addr out, ref;
	const char *t;
	int rc;

	ck_assert_uint_le(len, sizeof(bytes));
	memset(bytes, fill, len);
	if (parse_it)
		bytes[0] = '[';
	t = nk_guarded_text(&g, bytes, len);
	nk_sentinel_addr(&out, &ref);
	rc = parse_it ? netkit_addr_parse(&out, t) :
			netkit_addr_from_ip(&out, t, 80);
	nk_guarded_free(&g);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
}

START_TEST(from_ip_and_parse_refuse_unterminated_text_past_limit)
{
	/* from_ip reads at most INET6_ADDRSTRLEN + IF_NAMESIZE bytes,
	 * parse at most NETKIT_ADDRSTRLEN: a call reading further would
	 * fault on the guard page. */
	assert_unterminated_rejected('1', INET6_ADDRSTRLEN + IF_NAMESIZE,
				     false);
	assert_unterminated_rejected(':', INET6_ADDRSTRLEN + IF_NAMESIZE,
				     false);
	assert_unterminated_rejected('1', NETKIT_ADDRSTRLEN, true);
	assert_unterminated_rejected(':', NETKIT_ADDRSTRLEN, true);
}
END_TEST

START_TEST(parse_accepts_ipv4_ipv6_and_scoped_forms)
{
	char buf[NETKIT_ADDRSTRLEN];
	netkit_addr a, b;

	a = parse("1.2.3.4:80");
	b = from_ip("1.2.3.4", 80);
	ck_assert(netkit_addr_equal(&a, &b));

	a = parse("[::1]:8080");
	b = from_ip("::1", 8080);
	ck_assert(netkit_addr_equal(&a, &b));

	a = parse("[fe80::1%lo]:1");
	b = from_ip("fe80::1%lo", 1);
	ck_assert(netkit_addr_equal(&a, &b));

	/* 1 to 5 digits, as documented: leading zeros included. */
	a = parse("1.2.3.4:00080");
	ck_assert_int_eq(netkit_addr_port(&a), 80);

	a = parse("0.0.0.0:0");
	ck_assert_int_eq(netkit_addr_port(&a), 0);
	ck_assert(netkit_addr_is_any(&a));

	a = parse("[::ffff:10.0.0.1]:65535");
	ck_assert_int_eq(netkit_addr_family(&a), AF_INET6);
	ck_assert_int_eq(netkit_addr_port(&a), 65535);
	format(&a, buf);
	ck_assert_str_eq(buf, "[::ffff:10.0.0.1]:65535");
}
END_TEST

START_TEST(parse_rejects_malformed_text)
{
	static const char *const bad[] = {
		"", ":", "1.2.3.4", "1.2.3.4:", ":80", "[::1]80", "[::1]",
		"[::1]:", "[::1:80", "::1:80", "[]:80", "[::1]]:80",
		"1.2.3.4:080000", "1.2.3.4:000080", "1.2.3.4:65536",
		"1.2.3.4:99999", "1.2.3.4:4294967376",
		"1.2.3.4:-1", "1.2.3.4:+80", "1.2.3.4: 80", "1.2.3.4:80 ",
		"1.2.3.4:8x", "1.2.3.4:0x50", "1.2.3.4:80:80",
		"[1.2.3.4]:80", "localhost:80", "[localhost]:80",
		"example.com:80", "127.1:80", "0x7f.0.0.1:80",
		"1.2.3.4]:80", "[::1]:80x", "[fe80::1%]:80",
		"[fe80::1%nosuchif0]:80", "1.2.3.4%lo:80", " 1.2.3.4:80",
	};
	size_t i;

	for (i = 0; i < N_ELEMS(bad); i++)
		assert_parse_rejected(bad[i]);
	assert_parse_rejected(NULL);
	ck_assert_int_eq(netkit_addr_parse(NULL, "1.2.3.4:80"), -EINVAL);
}
END_TEST

START_TEST(parse_and_format_are_inverse)
{
	static const char *const texts[] = {
		"127.0.0.1:6666", "0.0.0.0:0", "255.255.255.255:65535",
		"[::1]:8888", "[::]:0", "[2001:db8::abcd:1]:1",
		"[fe80::1%lo]:80", "[ff02::1]:5353", "[::ffff:127.0.0.1]:22",
		"[1:2:3:4:5:6:7:8]:9",
	};
	char buf[NETKIT_ADDRSTRLEN];
	netkit_addr a, b;
	size_t i;

	for (i = 0; i < N_ELEMS(texts); i++) {
		a = parse(texts[i]);
		format(&a, buf);
		ck_assert_str_eq(buf, texts[i]);
		b = parse(buf);
		ck_assert(netkit_addr_equal(&a, &b));
	}
}
END_TEST

/* Formats with buffers of the exact size and one byte less. */
static void
assert_exact_buffer(const netkit_addr *a, const char *want,
		    int (*fn)(const netkit_addr *, char *, size_t))
{
	size_t need = strlen(want) + 1;
	char buf[NETKIT_ADDRSTRLEN + 8], ref[NETKIT_ADDRSTRLEN + 8];
	size_t small;

	ck_assert_uint_le(need, NETKIT_ADDRSTRLEN);

	memset(buf, SENTINEL, sizeof(buf));
	ck_assert_int_eq(fn(a, buf, need), (int)need - 1);
	ck_assert_str_eq(buf, want);
	/* Nothing written past the NUL. */
	memset(ref, SENTINEL, sizeof(ref));
	ck_assert_mem_eq(buf + need, ref, sizeof(buf) - need);

	for (small = 0; small < need; small++) {
		memset(buf, SENTINEL, sizeof(buf));
		ck_assert_msg(fn(a, buf, small) == -ENOSPC,
			      "\"%s\" in %zu bytes: not -ENOSPC", want, small);
		ck_assert_msg(memcmp(buf, ref, sizeof(buf)) == 0,
			      "\"%s\" in %zu bytes: buffer changed", want,
			      small);
	}
}

START_TEST(format_and_ip_need_exact_buffer_else_enospc_untouched)
{
	netkit_addr a;

	a = from_ip("127.0.0.1", 80);
	assert_exact_buffer(&a, "127.0.0.1:80", netkit_addr_format);
	assert_exact_buffer(&a, "127.0.0.1", netkit_addr_ip);
	a = from_ip("::1", 65535);
	assert_exact_buffer(&a, "[::1]:65535", netkit_addr_format);
	assert_exact_buffer(&a, "::1", netkit_addr_ip);
	a = from_ip("fe80::1%lo", 8);
	assert_exact_buffer(&a, "[fe80::1%lo]:8", netkit_addr_format);
	assert_exact_buffer(&a, "fe80::1%lo", netkit_addr_ip);
}
END_TEST

START_TEST(addrstrlen_fits_longest_scoped_mapped_form)
{
	static const char *const longest[] = {
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535",
		"[::ffff:255.255.255.255%4294967295]:65535",
		"[1111:2222:3333:4444:5555:6666:7777:8888%4294967295]:65535",
	};
	char buf[NETKIT_ADDRSTRLEN];
	netkit_addr a;
	size_t i;

	/* '[' + the longest IPv6 text inet_ntop can make (45) + '%' + an
	 * interface name (IF_NAMESIZE - 1) + "]:65535" + NUL */
	ck_assert_uint_ge(NETKIT_ADDRSTRLEN,
		strlen("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%") +
		(IF_NAMESIZE - 1) + strlen("]:65535") + 1);
	ck_assert_uint_ge(NETKIT_ADDRSTRLEN, 1 + (INET6_ADDRSTRLEN - 1) + 1 +
			  (IF_NAMESIZE - 1) + 7 + 1);

	for (i = 0; i < N_ELEMS(longest); i++) {
		a = parse(longest[i]);
		/* Pre-filled with non-NUL bytes: strlen proves termination. */
		memset(buf, SENTINEL, sizeof(buf));
		ck_assert_int_eq(netkit_addr_format(&a, buf, sizeof(buf)),
				 (int)strlen(longest[i]));
		ck_assert_str_eq(buf, longest[i]);
	}
}
END_TEST

START_TEST(format_ip_port_family_reject_null_and_empty)
{
	char buf[NETKIT_ADDRSTRLEN], ref[NETKIT_ADDRSTRLEN];
	netkit_addr empty, bogus, ok;

	memset(&empty, 0, sizeof(empty));
	/* AF_INET with an IPv6 length: not a valid netkit_addr */
	ok = from_ip("127.0.0.1", 1);
	bogus = ok;
	bogus.len = sizeof(struct sockaddr_in6);
	memset(ref, SENTINEL, sizeof(ref));

	memset(buf, SENTINEL, sizeof(buf));
	ck_assert_int_eq(netkit_addr_format(NULL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_format(&empty, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_format(&bogus, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_ip(NULL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_ip(&empty, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_addr_ip(&bogus, buf, sizeof(buf)), -EINVAL);
	ck_assert_mem_eq(buf, ref, sizeof(buf));
	ck_assert_int_eq(netkit_addr_format(&ok, NULL, 64), -EINVAL);
	ck_assert_int_eq(netkit_addr_ip(&ok, NULL, 64), -EINVAL);

	ck_assert_int_eq(netkit_addr_port(NULL), -EINVAL);
	ck_assert_int_eq(netkit_addr_port(&empty), -EINVAL);
	ck_assert_int_eq(netkit_addr_port(&bogus), -EINVAL);
	ck_assert_int_eq(netkit_addr_family(NULL), -EINVAL);
	ck_assert_int_eq(netkit_addr_family(&empty), -EINVAL);
	ck_assert_int_eq(netkit_addr_family(&bogus), -EINVAL);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("addr");

	NK_ADD_TEST(s, from_ip_ipv4_sets_family_ip_port_and_sockaddr);
	NK_ADD_TEST(s, from_ip_ipv6_sets_family_ip_port_and_sockaddr);
	NK_ADD_TEST(s, from_ip_accepts_any_loopback_mapped_and_port_bounds);
	NK_ADD_TEST(s, from_ip_scope_by_name_and_by_index);
	NK_ADD_TEST(s, from_ip_rejects_port_outside_0_to_65535);
	NK_ADD_TEST(s, from_ip_rejects_null_arguments);
	NK_ADD_TEST(s, from_ip_rejects_names_short_hex_and_malformed_forms);
	NK_ADD_TEST(s, from_ip_and_parse_reject_over_long_text);
	NK_ADD_TEST(s, from_ip_and_parse_take_their_longest_text_at_a_page_end);
	NK_ADD_TEST(s, from_ip_and_parse_refuse_unterminated_text_past_limit);
	NK_ADD_TEST(s, parse_accepts_ipv4_ipv6_and_scoped_forms);
	NK_ADD_TEST(s, parse_rejects_malformed_text);
	NK_ADD_TEST(s, parse_and_format_are_inverse);
	NK_ADD_TEST(s, format_and_ip_need_exact_buffer_else_enospc_untouched);
	NK_ADD_TEST(s, addrstrlen_fits_longest_scoped_mapped_form);
	NK_ADD_TEST(s, format_ip_port_family_reject_null_and_empty);
	return s;
}
