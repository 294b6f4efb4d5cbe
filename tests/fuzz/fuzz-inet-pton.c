/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for netkit_inet_pton() and netkit_inet_ntop().
 *
 * Every input is tried as AF_INET and as AF_INET6 text. Properties:
 * - parity: success exactly when libc inet_pton() accepts the text for
 *   that family, with the same bytes (Python's socket.inet_pton() is
 *   libc's answer);
 * - failure leaves the output untouched;
 * - on success, netkit_inet_ntop() writes libc inet_ntop()'s text, and
 *   netkit_inet_pton() of that gives the same bytes back;
 * - netkit_inet_ntop() into a buffer one byte too small is -ENOSPC and
 *   leaves the buffer untouched;
 * - the first 4/16 input bytes, as raw addresses, format and parse back;
 * - a family other than AF_INET/AF_INET6 (taken from the first byte)
 *   is -EAFNOSUPPORT for pton and -EINVAL for ntop, as Python raises
 *   OSError(EAFNOSUPPORT) and ValueError; nothing is written.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>

#include <netkit.h>

#include "fuzz-common.h"

/* Raw bytes of one address of either family. */
#define ADDR_MAX sizeof(struct in6_addr)

static size_t
addr_size(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : ADDR_MAX;
}

/* ntop of a raw address: libc's text, which pton reads back. */
static void
check_ntop(int family, const void *in)
{
	char buf[INET6_ADDRSTRLEN], ref[INET6_ADDRSTRLEN];
	char small[INET6_ADDRSTRLEN];
	unsigned char again[ADDR_MAX];
	size_t len;
	int n;

	n = netkit_inet_ntop(family, in, buf, sizeof(buf));
	len = strlen(buf);
	FUZZ_CHECK(n > 0 && (size_t)n == len);
	FUZZ_CHECK(inet_ntop(family, in, ref, sizeof(ref)) != NULL);
	FUZZ_CHECK(strcmp(buf, ref) == 0);

	FUZZ_CHECK(netkit_inet_pton(family, buf, again) == 0);
	FUZZ_CHECK(memcmp(in, again, addr_size(family)) == 0);

	memset(small, 0x5a, sizeof(small));
	FUZZ_CHECK(netkit_inet_ntop(family, in, small, len) == -ENOSPC);
	FUZZ_CHECK(fuzz_all_bytes(small, sizeof(small), 0x5a));
	FUZZ_CHECK(netkit_inet_ntop(family, in, small, len + 1) == n);
	FUZZ_CHECK(strcmp(small, buf) == 0);
}

static void
check_pton(int family, const char *text)
{
	unsigned char out[ADDR_MAX], ref[ADDR_MAX];
	size_t size = addr_size(family);
	int rc, ok;

	memset(out, 0xa5, sizeof(out));
	rc = netkit_inet_pton(family, text, out);
	ok = inet_pton(family, text, ref);
	FUZZ_CHECK((rc == 0) == (ok == 1));
	if (rc == 0) {
		FUZZ_CHECK(memcmp(out, ref, size) == 0);
		/* Nothing past the address's own bytes is written. */
		FUZZ_CHECK(fuzz_all_bytes(out + size, sizeof(out) - size,
					  0xa5));
		check_ntop(family, out);
	} else {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(fuzz_all_bytes(out, sizeof(out), 0xa5));
	}
}

/* Any family but the two we know is refused by both calls. */
static void
check_bad_family(int family, const char *text)
{
	unsigned char out[ADDR_MAX];
	char buf[INET6_ADDRSTRLEN];

	if (family == AF_INET || family == AF_INET6)
		return;
	memset(out, 0xa5, sizeof(out));
	FUZZ_CHECK(netkit_inet_pton(family, text, out) == -EAFNOSUPPORT);
	FUZZ_CHECK(fuzz_all_bytes(out, sizeof(out), 0xa5));
	memset(buf, 0x5a, sizeof(buf));
	FUZZ_CHECK(netkit_inet_ntop(family, out, buf, sizeof(buf)) == -EINVAL);
	FUZZ_CHECK(fuzz_all_bytes(buf, sizeof(buf), 0x5a));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);

	check_pton(AF_INET, text);
	check_pton(AF_INET6, text);
	if (size >= sizeof(struct in_addr))
		check_ntop(AF_INET, data);
	if (size >= sizeof(struct in6_addr))
		check_ntop(AF_INET6, data);
	if (size > 0)
		check_bad_family((signed char)data[0], text);
	free(text);
	return 0;
}
