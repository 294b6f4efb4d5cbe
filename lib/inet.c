/* SPDX-License-Identifier: MIT */
/*
 * inet_aton/ntoa/pton/ntop: address text to bytes and back, answering
 * exactly as Python's socket module does on the same machine. No
 * resolver, no allocation, no system state: every function here is a
 * pure function of its arguments, which makes them easy to fuzz.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "netkit-private.h"

NETKIT_EXPORT int
netkit_inet_aton(const char *text, unsigned char out[4])
{
	struct in_addr a;

	if (!text || !out)
		return -EINVAL;
	/* The platform's own parser, as CPython calls it: on glibc this
	 * accepts "1.2", "0x7f.1", "010.0.0.1" and even "1.2.3.4 junk"
	 * (text after whitespace is ignored), and Python returns the same
	 * bytes for all of them. inet_aton is reentrant. No length limit
	 * here, unlike pton: Python accepts any number of leading zeros
	 * ("000...0001.2.3.4", 100 KB of them) and any junk after the
	 * space, so no cut-off keeps parity. glibc stops reading at the
	 * first byte that cannot continue an address. */
	if (inet_aton(text, &a) == 0)
		return -EINVAL;
	memcpy(out, &a.s_addr, 4);
	return 0;
}

NETKIT_EXPORT int
netkit_inet_ntoa(const unsigned char in[4], char *buf, size_t len)
{
	char text[INET_ADDRSTRLEN];

	if (!in || !buf)
		return -EINVAL;
	if (!inet_ntop(AF_INET, in, text, sizeof(text)))
		return -EINVAL;
	return netkit__copy_text(buf, len, text);
}

NETKIT_EXPORT int
netkit_inet_pton(int family, const char *text, void *out)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	size_t max;
	int rc;

	if (!text || !out)
		return -EINVAL;
	/* Python lets inet_pton() itself judge the family: OSError with
	 * errno EAFNOSUPPORT for any family but these two. */
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	/* Strict text is never longer than inet_ntop's longest ("ffff:...:
	 * 255.255.255.255"; no leading zeros in IPv4 parts, at most 4 hex
	 * digits a group), so longer text is refused unread, as Python
	 * refuses it read. */
	max = family == AF_INET ? INET_ADDRSTRLEN : INET6_ADDRSTRLEN;
	if (strnlen(text, max) == max)
		return -EINVAL;
	rc = inet_pton(family, text, tmp);
	if (rc != 1)
		return -EINVAL;
	memcpy(out, tmp, family == AF_INET ? sizeof(struct in_addr) :
	       sizeof(struct in6_addr));
	return 0;
}

NETKIT_EXPORT int
netkit_inet_ntop(int family, const void *in, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (!in || !buf)
		return -EINVAL;
	/* Python: ValueError("unknown address family") */
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (!inet_ntop(family, in, text, sizeof(text)))
		return netkit__errno();
	return netkit__copy_text(buf, len, text);
}
