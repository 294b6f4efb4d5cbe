/* SPDX-License-Identifier: MIT */
/*
 * IPv6 scopes of interfaces whose names look like numbers or hold the
 * characters of the text form: parse(format(x)) == x for every one.
 *
 * Each test forks a child that enters a network namespace of its own
 * (the test process is unchanged) and creates links there with ip(8),
 * named "1x", "12", "x]", ... The child makes the checks and writes the
 * first failure to a pipe; the parent fails the test with it. Where
 * namespaces or ip are unavailable the test says SKIP.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"


/* Names that trip a scope parser: a digit first, all digits (one of
 * them a valid index), the brackets of the text form, the longest name,
 * a non-ASCII one. */
static const char *const link_names[] = {
	"1x", "12", "0", "4294967295", "x]", "a[b", "-x",
	"abcdefghijklmno", "\xc3\xa9",
};

/* Runs "ip link add NAME type TYPE" quietly; true if it worked. */
static bool
ip_link_add(const char *name, const char *type)
{
	char *argv[] = { "ip", "link", "add", (char *)name, "type",
			 (char *)type, NULL };

	return nk_run_ip(argv);
}

/* The report a check in the child writes; 0 if none failed yet. */
struct report {
	char msg[512];
	int failed;
};

static void report_fail(struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
report_fail(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed++)
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* fe80::1 with scope index, port 80, built from the raw sockaddr. */
static netkit_addr
scoped(uint32_t index)
{
	struct sockaddr_in6 sin6;
	netkit_addr a;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(80);
	sin6.sin6_addr.s6_addr[0] = 0xfe;
	sin6.sin6_addr.s6_addr[1] = 0x80;
	sin6.sin6_addr.s6_addr[15] = 1;
	sin6.sin6_scope_id = index;
	memset(&a, 0, sizeof(a));
	netkit_addr_from_sockaddr(&a, (struct sockaddr *)&sin6, sizeof(sin6));
	return a;
}

/* format -> parse and ip -> from_ip both give back scope index; want,
 * if not NULL, is the text format must produce. */
static void
check_round_trip(struct report *r, uint32_t index, const char *want)
{
	netkit_addr a = scoped(index), b, c;
	char text[NETKIT_ADDRSTRLEN], ip[NETKIT_ADDRSTRLEN];

	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	if (netkit_addr_format(&a, text, sizeof(text)) < 0 ||
	    netkit_addr_ip(&a, ip, sizeof(ip)) < 0)
		report_fail(r, "index %u: format failed", index);
	else if (want && strcmp(text, want) != 0)
		report_fail(r, "index %u: \"%s\", not \"%s\"", index, text,
			    want);
	else if (netkit_addr_parse(&b, text) < 0 || !netkit_addr_equal(&a, &b))
		report_fail(r, "index %u: parse(\"%s\") gave another address",
		     index, text);
	else if (netkit_addr_from_ip(&c, ip, 80) < 0 ||
		 !netkit_addr_equal(&a, &c))
		report_fail(r, "index %u: from_ip(\"%s\") gave another address",
		     index, ip);
}

/* What parse("[fe80::1%scope]:80") gives: the scope index, or -1. */
static long long
parsed_scope(const char *scope)
{
	char text[128];
	netkit_addr a;
	const struct sockaddr_in6 *sin6;

	snprintf(text, sizeof(text), "[fe80::1%%%s]:80", scope);
	if (netkit_addr_parse(&a, text) < 0)
		return -1;
	sin6 = (const struct sockaddr_in6 *)netkit_addr_sockaddr(&a, NULL);
	return sin6->sin6_scope_id;
}

/* The child's part, in its namespace: the links, then check(). */
static void
netns_body(void *arg, char *msg, size_t len)
{
	void (*check)(struct report *) = *(void (**)(struct report *))arg;
	struct report r = { .failed = 0 };
	size_t i;

	for (i = 0; i < N_ELEMS(link_names); i++)
		if (!ip_link_add(link_names[i], "dummy") &&
		    !ip_link_add(link_names[i], "bridge"))
			_exit(NK_NETNS_NO_LINKS);
	check(&r);
	if (r.failed)
		snprintf(msg, len, "%s", r.msg);
}

/* Runs check() in a child in a new namespace with the links made (see
 * nk_in_netns()). */
static void
run_in_netns(int i, void (*check)(struct report *))
{
	nk_in_netns(i, "ip(8) cannot create dummy or bridge links",
		    netns_body, &check);
}

static void
check_every_interface(struct report *r)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	char want[NETKIT_ADDRSTRLEN];
	size_t count = 0;

	if (!ifs) {
		report_fail(r, "if_nameindex: %s", strerror(errno));
		return;
	}
	for (i = ifs; i->if_index != 0; i++, count++) {
		/* An all-digit name would read back as an index, and ']'
		 * would end the brackets: those are written as numbers. */
		if (strspn(i->if_name, "0123456789") == strlen(i->if_name) ||
		    strchr(i->if_name, ']') ||
		    (unsigned char)i->if_name[0] > 0x7e)
			snprintf(want, sizeof(want), "[fe80::1%%%u]:80",
				 i->if_index);
		else
			snprintf(want, sizeof(want), "[fe80::1%%%s]:80",
				 i->if_name);
		check_round_trip(r, i->if_index, want);
	}
	if_freenameindex(ifs);
	if (count != N_ELEMS(link_names) + 1)
		report_fail(r, "%zu interfaces, not lo and the %zu made", count,
		     N_ELEMS(link_names));
}

START_TEST(scope_of_every_interface_round_trips_through_format_and_parse)
{
	run_in_netns(_i, check_every_interface);
}
END_TEST

static void
check_unknown_indexes(struct report *r)
{
	static const uint32_t unknown[] = { 12, 99, 1000, 4000000000u,
					    4294967295u };
	char want[NETKIT_ADDRSTRLEN], name[IF_NAMESIZE];
	size_t i;

	for (i = 0; i < N_ELEMS(unknown); i++) {
		if (if_indextoname(unknown[i], name)) {
			report_fail(r, "index %u exists (%s)", unknown[i],
				    name);
			return;
		}
		snprintf(want, sizeof(want), "[fe80::1%%%u]:80", unknown[i]);
		check_round_trip(r, unknown[i], want);
	}
}

START_TEST(unknown_scope_index_is_kept_and_written_as_its_number)
{
	run_in_netns(_i, check_unknown_indexes);
}
END_TEST

static void
check_digits_and_names(struct report *r)
{
	static const char *const names[] = { "1x", "-x", "a[b",
					     "abcdefghijklmno" };
	size_t i;

	/* A name is looked up, even one starting with a digit. */
	for (i = 0; i < N_ELEMS(names); i++)
		if (parsed_scope(names[i]) != if_nametoindex(names[i]))
			report_fail(r, "scope %s: %lld, not its index %u",
				    names[i], parsed_scope(names[i]),
				    if_nametoindex(names[i]));
	/* All digits is an index, whatever interface has that name. */
	if (parsed_scope("12") != 12)
		report_fail(r, "scope 12: %lld, not index 12",
			    parsed_scope("12"));
	if (parsed_scope("0") != 0 ||
	    parsed_scope("4294967295") != 4294967295)
		report_fail(r, "scopes 0 and 4294967295 are not indexes");
	if (parsed_scope("0012") != 12)
		report_fail(r, "scope 0012: %lld, not 12",
			    parsed_scope("0012"));
	/* Refused: too big, unknown names, over-long names. */
	if (parsed_scope("4294967296") != -1 || parsed_scope("1y") != -1 ||
	    parsed_scope("abcdefghijklmnop") != -1)
		report_fail(r, "an out-of-range or unknown scope passed");
}

START_TEST(scope_of_digits_is_an_index_anything_else_a_name)
{
	run_in_netns(_i, check_digits_and_names);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("addr-scope");

	NK_ADD_TEST(s,
		scope_of_every_interface_round_trips_through_format_and_parse);
	NK_ADD_TEST(s, unknown_scope_index_is_kept_and_written_as_its_number);
	NK_ADD_TEST(s, scope_of_digits_is_an_index_anything_else_a_name);
	return s;
}
