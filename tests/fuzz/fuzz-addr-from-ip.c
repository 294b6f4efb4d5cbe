/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for netkit_addr_from_ip() (numeric IP text + port).
 *
 * Input layout: the first two bytes pick the port, the rest is the IP
 * text. The two bytes v = b0 << 8 | b1 (0..65535) map to
 * port = v + v / 4 - 8192, which spans -8192..73726 and reaches the
 * limits -1, 0, 65535 and 65536, so out-of-range ports are fuzzed too.
 * Inputs shorter than two bytes use port 0 and the whole input as text.
 *
 * Properties:
 * - success only for ports 0..65535, and then the port reads back;
 * - failure is -EINVAL and leaves the output untouched;
 * - for text without a '%' scope, success exactly when libc inet_pton
 *   accepts it as AF_INET or AF_INET6;
 * - netkit_addr_ip() output goes back through netkit_addr_from_ip() to
 *   an equal address, and netkit_addr_format() output through
 *   netkit_addr_parse(); the IP text does not fit one byte less.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>

#include <netkit.h>

#include "fuzz-common.h"

/* The port chosen by the first two bytes (see above). */
static int
port_of(const uint8_t *data)
{
	int v = data[0] << 8 | data[1];

	return v + v / 4 - 8192;
}

/* Does libc take the text as a numeric IPv4 or IPv6 address? */
static int
libc_accepts(const char *text)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, text, buf) == 1 ||
	       inet_pton(AF_INET6, text, buf) == 1;
}

static void
check_built(const netkit_addr *a, int port)
{
	char ip[NETKIT_ADDRSTRLEN], small[NETKIT_ADDRSTRLEN];
	char text[NETKIT_ADDRSTRLEN];
	netkit_addr b, c;
	int n;

	FUZZ_CHECK(netkit_addr_port(a) == port);
	FUZZ_CHECK(netkit_addr_family(a) == AF_INET ||
		   netkit_addr_family(a) == AF_INET6);

	n = netkit_addr_ip(a, ip, sizeof(ip));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(ip));
	FUZZ_CHECK(netkit_addr_from_ip(&b, ip, port) == 0);
	FUZZ_CHECK(netkit_addr_equal(a, &b));

	memset(small, 0x5a, sizeof(small));
	FUZZ_CHECK(netkit_addr_ip(a, small, (size_t)n) == -ENOSPC);
	FUZZ_CHECK(fuzz_all_bytes(small, sizeof(small), 0x5a));

	n = netkit_addr_format(a, text, sizeof(text));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(text));
	FUZZ_CHECK(netkit_addr_parse(&c, text) == 0);
	FUZZ_CHECK(netkit_addr_equal(a, &c));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	netkit_addr a;
	char *text;
	int port, rc;

	if (size < 2) {
		port = 0;
		text = fuzz_strndup(data, size);
	} else {
		port = port_of(data);
		text = fuzz_strndup(data + 2, size - 2);
	}

	memset(&a, 0xa5, sizeof(a));
	rc = netkit_addr_from_ip(&a, text, port);
	if (rc == 0) {
		FUZZ_CHECK(port >= 0 && port <= 65535);
		check_built(&a, port);
	} else {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(fuzz_all_bytes(&a, sizeof(a), 0xa5));
	}
	/* Without a scope, libc's answer is the answer; the port is
	 * checked first and alone decides when it is out of range. */
	if (port >= 0 && port <= 65535 && !strchr(text, '%'))
		FUZZ_CHECK((rc == 0) == libc_accepts(text));
	free(text);
	return 0;
}
