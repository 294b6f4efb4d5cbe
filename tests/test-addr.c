/*
 * netkit_addr: numeric parsing, formatting, classification and raw
 * sockaddr conversion. No network: these calls never touch a socket.
 * Every failure case also proves the output was left untouched.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define SENTINEL 0xa5

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Fills out and ref with the same sentinel bytes. */
static void
sentinel_addr(netkit_addr *out, netkit_addr *ref)
{
	memset(out, SENTINEL, sizeof(*out));
	memset(ref, SENTINEL, sizeof(*ref));
}

static void
assert_from_ip_rejected(const char *ip, int port)
{
	netkit_addr out, ref;
	int rc;

	sentinel_addr(&out, &ref);
	rc = netkit_addr_from_ip(&out, ip, port);
	ck_assert_msg(rc == -EINVAL, "from_ip(\"%s\", %d) gave %d, not -EINVAL",
		      ip ? ip : "(null)", port, rc);
	ck_assert_msg(memcmp(&out, &ref, sizeof(out)) == 0,
		      "from_ip(\"%s\", %d) wrote its output on failure",
		      ip ? ip : "(null)", port);
}

static void
assert_parse_rejected(const char *text)
{
	netkit_addr out, ref;
	int rc;

	sentinel_addr(&out, &ref);
	rc = netkit_addr_parse(&out, text);
	ck_assert_msg(rc == -EINVAL, "parse(\"%s\") gave %d, not -EINVAL",
		      text ? text : "(null)", rc);
	ck_assert_msg(memcmp(&out, &ref, sizeof(out)) == 0,
		      "parse(\"%s\") wrote its output on failure",
		      text ? text : "(null)");
}

/* from_ip(ip, port) must succeed; returns the address. */
static netkit_addr
from_ip(const char *ip, int port)
{
	netkit_addr a;
	int rc;

	rc = netkit_addr_from_ip(&a, ip, port);
	ck_assert_msg(rc == 0, "from_ip(\"%s\", %d) gave %d", ip, port, rc);
	return a;
}

static netkit_addr
parse(const char *text)
{
	netkit_addr a;
	int rc;

	rc = netkit_addr_parse(&a, text);
	ck_assert_msg(rc == 0, "parse(\"%s\") gave %d", text, rc);
	return a;
}

/* The formatted text of a; fails the test on error. */
static void
format(const netkit_addr *a, char *buf)
{
	int n = netkit_addr_format(a, buf, NETKIT_ADDRSTRLEN);

	ck_assert_int_ge(n, 0);
	ck_assert_int_eq((int)strlen(buf), n);
}

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

	sentinel_addr(&out, &ref);
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
	Suite *s = suite_create("addr");
	TCase *tc = nk_tcase("addr");

	tcase_add_test(tc, from_ip_ipv4_sets_family_ip_port_and_sockaddr);
	tcase_add_test(tc, from_ip_ipv6_sets_family_ip_port_and_sockaddr);
	tcase_add_test(tc, from_ip_accepts_any_loopback_mapped_and_port_bounds);
	tcase_add_test(tc, from_ip_scope_by_name_and_by_index);
	tcase_add_test(tc, from_ip_rejects_port_outside_0_to_65535);
	tcase_add_test(tc, from_ip_rejects_null_arguments);
	tcase_add_test(tc, from_ip_rejects_names_short_hex_and_malformed_forms);
	tcase_add_test(tc, from_ip_and_parse_reject_over_long_text);
	tcase_add_test(tc, parse_accepts_ipv4_ipv6_and_scoped_forms);
	tcase_add_test(tc, parse_rejects_malformed_text);
	tcase_add_test(tc, parse_and_format_are_inverse);
	tcase_add_test(tc,
	               format_and_ip_need_exact_buffer_else_enospc_untouched);
	tcase_add_test(tc, addrstrlen_fits_longest_scoped_mapped_form);
	tcase_add_test(tc, format_ip_port_family_reject_null_and_empty);
	tcase_add_test(tc, port_and_family_of_both_families);
	tcase_add_test(tc,
	               classifiers_answer_each_class_and_mapped_by_ipv4_part);
	tcase_add_test(tc, classifiers_answer_false_for_null_and_empty);
	tcase_add_test(tc, equal_compares_family_ip_port_and_scope);
	tcase_add_test(tc, from_sockaddr_round_trips_ipv4_and_ipv6);
	tcase_add_test(tc, from_sockaddr_rejects_null_family_and_length);
	tcase_add_test(tc, sockaddr_of_null_or_empty_is_null_and_len_untouched);
	suite_add_tcase(s, tc);
	return s;
}
