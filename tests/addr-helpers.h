/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the netkit_addr test files: expected successes that
 * fail the test with the input named, and expected refusals that also
 * prove the output was left untouched.
 */
#ifndef NETKIT_TEST_ADDR_HELPERS_H
#define NETKIT_TEST_ADDR_HELPERS_H

#include <errno.h>
#include <string.h>

#include "helpers.h"

static inline void
assert_from_ip_rejected(const char *ip, int port)
{
	netkit_addr out, ref;
	int rc;

	nk_sentinel_addr(&out, &ref);
	rc = netkit_addr_from_ip(&out, ip, port);
	ck_assert_msg(rc == -EINVAL, "from_ip(\"%s\", %d) gave %d, not -EINVAL",
		      ip ? ip : "(null)", port, rc);
	ck_assert_msg(memcmp(&out, &ref, sizeof(out)) == 0,
		      "from_ip(\"%s\", %d) wrote its output on failure",
		      ip ? ip : "(null)", port);
}

static inline void
assert_parse_rejected(const char *text)
{
	netkit_addr out, ref;
	int rc;

	nk_sentinel_addr(&out, &ref);
	rc = netkit_addr_parse(&out, text);
	ck_assert_msg(rc == -EINVAL, "parse(\"%s\") gave %d, not -EINVAL",
		      text ? text : "(null)", rc);
	ck_assert_msg(memcmp(&out, &ref, sizeof(out)) == 0,
		      "parse(\"%s\") wrote its output on failure",
		      text ? text : "(null)");
}

/* from_ip(ip, port) must succeed; returns the address. */
static inline netkit_addr
from_ip(const char *ip, int port)
{
	netkit_addr a;
	int rc;

	rc = netkit_addr_from_ip(&a, ip, port);
	ck_assert_msg(rc == 0, "from_ip(\"%s\", %d) gave %d", ip, port, rc);
	return a;
}

static inline netkit_addr
parse(const char *text)
{
	netkit_addr a;
	int rc;

	rc = netkit_addr_parse(&a, text);
	ck_assert_msg(rc == 0, "parse(\"%s\") gave %d", text, rc);
	return a;
}

/* The formatted text of a; fails the test on error. */
static inline void
format(const netkit_addr *a, char *buf)
{
	int n = netkit_addr_format(a, buf, NETKIT_ADDRSTRLEN);

	ck_assert_int_ge(n, 0);
	ck_assert_int_eq((int)strlen(buf), n);
}

#endif
