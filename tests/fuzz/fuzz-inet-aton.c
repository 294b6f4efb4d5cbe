/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for netkit_inet_aton() and netkit_inet_ntoa().
 *
 * Properties:
 * - parity: netkit_inet_aton() succeeds exactly when glibc inet_aton()
 *   does (short, hex and octal forms, trailing text after whitespace)
 *   and gives the same 4 bytes, since Python's socket.inet_aton() is
 *   libc's answer;
 * - failure leaves the output untouched;
 * - on success, netkit_inet_ntoa() writes the dotted quad inet_ntop()
 *   writes, and netkit_inet_aton() of it gives the same 4 bytes back;
 * - netkit_inet_ntoa() into a buffer one byte too small is -ENOSPC and
 *   leaves the buffer untouched;
 * - netkit_inet_ntoa() of the first 4 input bytes (any values) parses
 *   back to those bytes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>

#include <netkit.h>

#include "fuzz-common.h"

/* ntoa of any 4 bytes: the libc text, which aton reads back. */
static void
check_ntoa(const unsigned char in[4])
{
	char buf[INET_ADDRSTRLEN], ref[INET_ADDRSTRLEN];
	char small[INET_ADDRSTRLEN];
	unsigned char again[4];
	size_t len;
	int n;

	n = netkit_inet_ntoa(in, buf, sizeof(buf));
	len = strlen(buf);
	FUZZ_CHECK(n >= 7 && n <= 15 && (size_t)n == len);
	FUZZ_CHECK(inet_ntop(AF_INET, in, ref, sizeof(ref)) != NULL);
	FUZZ_CHECK(strcmp(buf, ref) == 0);

	FUZZ_CHECK(netkit_inet_aton(buf, again) == 0);
	FUZZ_CHECK(memcmp(in, again, 4) == 0);

	memset(small, 0x5a, sizeof(small));
	FUZZ_CHECK(netkit_inet_ntoa(in, small, len) == -ENOSPC);
	FUZZ_CHECK(fuzz_all_bytes(small, sizeof(small), 0x5a));
	FUZZ_CHECK(netkit_inet_ntoa(in, small, len + 1) == n);
	FUZZ_CHECK(strcmp(small, buf) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	unsigned char out[4];
	struct in_addr ref;
	int rc, ok;

	memset(out, 0xa5, sizeof(out));
	rc = netkit_inet_aton(text, out);
	ok = inet_aton(text, &ref);
	FUZZ_CHECK((rc == 0) == (ok != 0));
	if (rc == 0) {
		FUZZ_CHECK(memcmp(out, &ref, 4) == 0);
		check_ntoa(out);
	} else {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(fuzz_all_bytes(out, sizeof(out), 0xa5));
	}
	if (size >= 4)
		check_ntoa(data);
	free(text);
	return 0;
}
