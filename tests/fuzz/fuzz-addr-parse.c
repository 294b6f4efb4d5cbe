/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for netkit_addr_parse() ("ip:port" text).
 *
 * Properties, checked on every input:
 * - failure is -EINVAL and leaves the output untouched;
 * - on success the port is the number after the last ':';
 * - netkit_addr_format() fits NETKIT_ADDRSTRLEN, and its text parses
 *   back to an equal address that formats to the same text (numeric
 *   scopes that name no interface come back as the number);
 * - formatting into a buffer one byte too small is -ENOSPC and leaves
 *   the buffer untouched; the exact size works;
 * - netkit_addr_ip() plus the port rebuilds the same address through
 *   netkit_addr_from_ip().
 */
#include "config.h"

#include <errno.h>

#include <netkit.h>

#include "fuzz-common.h"

/* The round trips of an address that parsed. */
static void
check_parsed(const char *text, const netkit_addr *a)
{
	char buf[NETKIT_ADDRSTRLEN], again[NETKIT_ADDRSTRLEN];
	char small[NETKIT_ADDRSTRLEN], ip[NETKIT_ADDRSTRLEN];
	const char *colon = strrchr(text, ':');
	netkit_addr b, c;
	int n, port;

	FUZZ_CHECK(netkit_addr_family(a) == AF_INET ||
		   netkit_addr_family(a) == AF_INET6);
	port = netkit_addr_port(a);
	FUZZ_CHECK(port >= 0 && port <= 65535);
	FUZZ_CHECK(colon != NULL && atoi(colon + 1) == port);
	FUZZ_CHECK(netkit_addr_equal(a, a));

	n = netkit_addr_format(a, buf, sizeof(buf));
	FUZZ_CHECK(n > 0 && n < NETKIT_ADDRSTRLEN);
	FUZZ_CHECK((size_t)n == strlen(buf));

	FUZZ_CHECK(netkit_addr_parse(&b, buf) == 0);
	FUZZ_CHECK(netkit_addr_equal(a, &b));
	FUZZ_CHECK(netkit_addr_format(&b, again, sizeof(again)) == n);
	FUZZ_CHECK(strcmp(buf, again) == 0);

	memset(small, 0x5a, sizeof(small));
	FUZZ_CHECK(netkit_addr_format(a, small, (size_t)n) == -ENOSPC);
	FUZZ_CHECK(fuzz_all_bytes(small, sizeof(small), 0x5a));
	FUZZ_CHECK(netkit_addr_format(a, small, (size_t)n + 1) == n);
	FUZZ_CHECK(strcmp(small, buf) == 0);

	n = netkit_addr_ip(a, ip, sizeof(ip));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(ip));
	FUZZ_CHECK(netkit_addr_from_ip(&c, ip, port) == 0);
	FUZZ_CHECK(netkit_addr_equal(a, &c));
}

/* The round trips of an AF_UNIX address that parsed ("unix:..."). */
static void
check_parsed_unix(const netkit_addr *a)
{
	char buf[NETKIT_UNIX_ADDRSTRLEN], small[NETKIT_UNIX_ADDRSTRLEN];
	netkit_addr b;
	int n;

	FUZZ_CHECK(netkit_addr_port(a) == -EAFNOSUPPORT);
	FUZZ_CHECK(netkit_addr_ip(a, buf, sizeof(buf)) == -EAFNOSUPPORT);
	FUZZ_CHECK(netkit_addr_equal(a, a));
	n = netkit_addr_format(a, buf, sizeof(buf));
	FUZZ_CHECK(n >= 5 && (size_t)n == strlen(buf));
	FUZZ_CHECK(strncmp(buf, "unix:", 5) == 0);
	FUZZ_CHECK(netkit_addr_parse(&b, buf) == 0);
	FUZZ_CHECK(netkit_addr_equal(a, &b));
	memset(small, 0x5a, sizeof(small));
	FUZZ_CHECK(netkit_addr_format(a, small, (size_t)n) == -ENOSPC);
	FUZZ_CHECK(fuzz_all_bytes(small, sizeof(small), 0x5a));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	netkit_addr a;
	int rc;

	memset(&a, 0xa5, sizeof(a));
	rc = netkit_addr_parse(&a, text);
	if (rc == 0 && netkit_addr_family(&a) == AF_UNIX) {
		check_parsed_unix(&a);
	} else if (rc == 0) {
		check_parsed(text, &a);
		/* The classifiers read every field; they must not trip. */
		(void)netkit_addr_is_loopback(&a);
		(void)netkit_addr_is_any(&a);
		(void)netkit_addr_is_broadcast(&a);
		(void)netkit_addr_is_multicast(&a);
	} else {
		/* -ENAMETOOLONG: a "unix:" name of more than 107 bytes. */
		FUZZ_CHECK(rc == -EINVAL ||
			   (rc == -ENAMETOOLONG && strncmp(text, "unix:", 5) == 0));
		FUZZ_CHECK(fuzz_all_bytes(&a, sizeof(a), 0xa5));
	}
	free(text);
	return 0;
}
