/* SPDX-License-Identifier: MIT */
/*
 * netkit_addr: numeric IPv4/IPv6 socket addresses, their text forms and
 * their classes. No resolver, no allocation. AF_UNIX addresses are
 * unix-addr.c's: the calls here hand them over.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "netkit-private.h"

/* '[' + longest IPv6 text (45) + '%' + interface name (IF_NAMESIZE - 1)
 * + "]:65535" + NUL */
_Static_assert(NETKIT_ADDRSTRLEN >= 1 + (INET6_ADDRSTRLEN - 1) + 1 +
	       (IF_NAMESIZE - 1) + 7 + 1, "NETKIT_ADDRSTRLEN too small");

bool
netkit__addr_valid(const netkit_addr *a)
{
	if (!a)
		return false;
	switch (a->ss.ss_family) {
	case AF_INET:
		return a->len == sizeof(struct sockaddr_in);
	case AF_INET6:
		return a->len == sizeof(struct sockaddr_in6);
	default:
		return false;
	}
}

int
netkit__addr_set(netkit_addr *out, const struct sockaddr *sa, socklen_t len)
{
	netkit_addr tmp;

	assert(out && (sa || len == 0));
	/* The length first: an unnamed address (len 0) has no family to
	 * read. */
	if (len >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET)
		len = sizeof(struct sockaddr_in);
	else if (len >= sizeof(struct sockaddr_in6) &&
		 sa->sa_family == AF_INET6)
		len = sizeof(struct sockaddr_in6);
	else if (len >= sizeof(sa_family_t) &&
		 len <= sizeof(struct sockaddr_un) && sa->sa_family == AF_UNIX)
		; /* its length is part of a Unix address */
	else
		return -EAFNOSUPPORT;
	memset(&tmp, 0, sizeof(tmp));
	memcpy(&tmp.ss, sa, len);
	tmp.len = len;
	*out = tmp;
	return 0;
}

/* The longest IP text worth reading, with its NUL: the longest IPv6
 * text, '%' and an interface name. Longer text is refused unread. */
#define IP_TEXT_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE)

/* True if s is one or more decimal digits and nothing else. */
static bool
all_digits(const char *s)
{
	return *s != '\0' && s[strspn(s, "0123456789")] == '\0';
}

/* Parses an IPv6 scope: all digits is an interface index, taken as it
 * is (any value up to UINT32_MAX, an interface or not); anything else
 * is the name of an existing interface. glibc's getaddrinfo tries a
 * name first for link-local addresses, which makes "%12" ambiguous when
 * an interface is named "12"; digits here are always an index. Returns
 * 0 and the index, or -EINVAL. */
static int
parse_scope(const char *s, uint32_t *out)
{
	unsigned long v;
	unsigned int idx;

	if (all_digits(s)) {
		errno = 0;
		v = strtoul(s, NULL, 10);
		if (errno || v > UINT32_MAX)
			return -EINVAL;
		*out = (uint32_t)v;
		return 0;
	}
	if (*s == '\0' || strnlen(s, IF_NAMESIZE) == IF_NAMESIZE)
		return -EINVAL;
	idx = NK_SYS(if_nametoindex)(s);
	if (idx == 0)
		return -EINVAL;
	*out = idx;
	return 0;
}

/* Fills *out from numeric IP text of ip_len bytes (not NUL-terminated)
 * and a port already checked to be 0..65535. */
static int
addr_from_text(netkit_addr *out, const char *ip, size_t ip_len, int port)
{
	char text[IP_TEXT_MAX];
	netkit_addr tmp;
	struct sockaddr_in *sin = (struct sockaddr_in *)&tmp.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&tmp.ss;
	char *pct;
	int rc;

	if (ip_len == 0 || ip_len >= sizeof(text))
		return -EINVAL;
	memcpy(text, ip, ip_len);
	text[ip_len] = '\0';

	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		tmp.len = sizeof(*sin);
		*out = tmp;
		return 0;
	}

	pct = strchr(text, '%');
	if (pct) {
		rc = parse_scope(pct + 1, &sin6->sin6_scope_id);
		if (rc < 0)
			return rc;
		*pct = '\0';
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1)
		return -EINVAL;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	tmp.len = sizeof(*sin6);
	*out = tmp;
	return 0;
}

NETKIT_EXPORT int
netkit_addr_from_ip(netkit_addr *out, const char *ip, int port)
{
	size_t n;

	if (!out || !ip || port < 0 || port > 65535)
		return -EINVAL;
	n = strnlen(ip, IP_TEXT_MAX);
	if (n == IP_TEXT_MAX)
		return -EINVAL;
	return addr_from_text(out, ip, n, port);
}

/* Strict decimal port: 1-5 digits, at most 65535, nothing after. */
static int
parse_port(const char *s)
{
	int v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i == 5 || s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || v > 65535)
		return -EINVAL;
	return v;
}

NETKIT_EXPORT int
netkit_addr_parse(netkit_addr *out, const char *text)
{
	const char *ip, *colon;
	size_t ip_len;
	int port;

	if (!out || !text)
		return -EINVAL;
	if (strncmp(text, "unix:", 5) == 0)
		return netkit__unix_parse(out, text + 5);
	/* No valid text is longer than netkit_addr_format()'s longest. */
	if (strnlen(text, NETKIT_ADDRSTRLEN) == NETKIT_ADDRSTRLEN)
		return -EINVAL;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		/* Brackets hold IPv6 only: "[1.2.3.4]:80" is refused. */
		if (!close || close[1] != ':' ||
		    !memchr(text, ':', (size_t)(close - text)))
			return -EINVAL;
		ip = text + 1;
		ip_len = (size_t)(close - ip);
		colon = close + 1;
	} else {
		/* Unbracketed: IPv4 only, so exactly one colon. */
		colon = strchr(text, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		ip = text;
		ip_len = (size_t)(colon - text);
	}
	port = parse_port(colon + 1);
	if (port < 0)
		return port;
	return addr_from_text(out, ip, ip_len, port);
}

/* True if parse_scope() reads name back as the interface it names: not
 * all digits (that would be an index), and only printable ASCII other
 * than ']' (which would end the brackets of netkit_addr_parse()). */
static bool
name_reads_back(const char *name)
{
	const char *p;

	if (all_digits(name))
		return false;
	for (p = name; *p; p++)
		if (*p < '!' || *p > '~' || *p == ']')
			return false;
	return true;
}

/* Appends "%scope" to buf (n bytes used of NETKIT_ADDRSTRLEN) so that
 * parse_scope() gives back the same index: the interface's name where
 * that reads back, else the number. Returns the new length. */
static size_t
scope_text(uint32_t scope, char *buf, size_t n)
{
	char name[IF_NAMESIZE];

	if (NK_SYS(if_indextoname)(scope, name) && name_reads_back(name))
		return n + (size_t)snprintf(buf + n, NETKIT_ADDRSTRLEN - n,
					    "%%%s", name);
	return n + (size_t)snprintf(buf + n, NETKIT_ADDRSTRLEN - n, "%%%u",
				    (unsigned int)scope);
}

/* Writes the IP text (with "%scope" for scoped IPv6) into buf, which
 * holds at least NETKIT_ADDRSTRLEN bytes. Returns its length. */
static int
ip_text(const netkit_addr *a, char *buf)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	size_t n;

	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, buf, INET_ADDRSTRLEN);
		return (int)strlen(buf);
	}
	inet_ntop(AF_INET6, &sin6->sin6_addr, buf, INET6_ADDRSTRLEN);
	n = strlen(buf);
	if (sin6->sin6_scope_id != 0)
		n = scope_text(sin6->sin6_scope_id, buf, n);
	return (int)n;
}

NETKIT_EXPORT int
netkit_addr_ip(const netkit_addr *a, char *buf, size_t len)
{
	char text[NETKIT_ADDRSTRLEN];

	if (!netkit__addr_usable(a) || !buf)
		return -EINVAL;
	if (!netkit__addr_valid(a))
		return -EAFNOSUPPORT;
	ip_text(a, text);
	return netkit__copy_text(buf, len, text);
}

NETKIT_EXPORT int
netkit_addr_format(const netkit_addr *a, char *buf, size_t len)
{
	char ip[NETKIT_ADDRSTRLEN], text[NETKIT_ADDRSTRLEN];

	if (!netkit__addr_usable(a) || !buf)
		return -EINVAL;
	if (netkit__unix_valid(a))
		return netkit__unix_format(a, buf, len);
	ip_text(a, ip);
	snprintf(text, sizeof(text),
		 a->ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
		 ip, netkit_addr_port(a));
	return netkit__copy_text(buf, len, text);
}

NETKIT_EXPORT int
netkit_addr_port(const netkit_addr *a)
{
	if (netkit__unix_valid(a))
		return -EAFNOSUPPORT;
	if (!netkit__addr_valid(a))
		return -EINVAL;
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

NETKIT_EXPORT int
netkit_addr_family(const netkit_addr *a)
{
	if (!netkit__addr_usable(a))
		return -EINVAL;
	return a->ss.ss_family;
}

/* The IPv4 address in host order, for AF_INET and IPv4-mapped IPv6.
 * Returns false if the address has no IPv4 meaning. */
static bool
ipv4_of(const netkit_addr *a, uint32_t *out)
{
	const struct in6_addr *in6;

	if (!netkit__addr_valid(a))
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&a->ss;

		*out = ntohl(sin->sin_addr.s_addr);
		return true;
	}
	in6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	if (!IN6_IS_ADDR_V4MAPPED(in6))
		return false;
	*out = (uint32_t)in6->s6_addr[12] << 24 |
	       (uint32_t)in6->s6_addr[13] << 16 |
	       (uint32_t)in6->s6_addr[14] << 8 | in6->s6_addr[15];
	return true;
}

/* The IPv6 address of a non-mapped AF_INET6 address, else NULL. */
static const struct in6_addr *
ipv6_of(const netkit_addr *a)
{
	const struct in6_addr *in6;

	if (!netkit__addr_valid(a) || a->ss.ss_family != AF_INET6)
		return NULL;
	in6 = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	return IN6_IS_ADDR_V4MAPPED(in6) ? NULL : in6;
}

NETKIT_EXPORT bool
netkit_addr_is_loopback(const netkit_addr *a)
{
	const struct in6_addr *in6 = ipv6_of(a);
	uint32_t v4;

	if (in6)
		return IN6_IS_ADDR_LOOPBACK(in6);
	return ipv4_of(a, &v4) && (v4 >> 24) == 127;
}

NETKIT_EXPORT bool
netkit_addr_is_any(const netkit_addr *a)
{
	const struct in6_addr *in6 = ipv6_of(a);
	uint32_t v4;

	if (in6)
		return IN6_IS_ADDR_UNSPECIFIED(in6);
	return ipv4_of(a, &v4) && v4 == 0;
}

NETKIT_EXPORT bool
netkit_addr_is_broadcast(const netkit_addr *a)
{
	uint32_t v4;

	return !ipv6_of(a) && ipv4_of(a, &v4) && v4 == 0xffffffffu;
}

NETKIT_EXPORT bool
netkit_addr_is_multicast(const netkit_addr *a)
{
	const struct in6_addr *in6 = ipv6_of(a);
	uint32_t v4;

	if (in6)
		return IN6_IS_ADDR_MULTICAST(in6);
	return ipv4_of(a, &v4) && (v4 >> 28) == 0xe;
}

NETKIT_EXPORT bool
netkit_addr_equal(const netkit_addr *a, const netkit_addr *b)
{
	const struct sockaddr_in6 *x, *y;

	if (netkit__unix_valid(a) && netkit__unix_valid(b))
		return netkit__unix_equal(a, b);
	if (!netkit__addr_valid(a) || !netkit__addr_valid(b) ||
	    a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *p =
			(const struct sockaddr_in *)&a->ss;
		const struct sockaddr_in *q =
			(const struct sockaddr_in *)&b->ss;

		return p->sin_port == q->sin_port &&
		       p->sin_addr.s_addr == q->sin_addr.s_addr;
	}
	x = (const struct sockaddr_in6 *)&a->ss;
	y = (const struct sockaddr_in6 *)&b->ss;
	return x->sin6_port == y->sin6_port &&
	       x->sin6_scope_id == y->sin6_scope_id &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

NETKIT_EXPORT int
netkit_addr_from_sockaddr(netkit_addr *out, const struct sockaddr *sa,
			  socklen_t len)
{
	if (!out || !sa || len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	return netkit__addr_set(out, sa, len) < 0 ? -EINVAL : 0;
}

NETKIT_EXPORT const struct sockaddr *
netkit_addr_sockaddr(const netkit_addr *a, socklen_t *len)
{
	if (!netkit__addr_usable(a))
		return NULL;
	if (len)
		*len = a->len;
	return (const struct sockaddr *)&a->ss;
}

NETKIT_EXPORT int
netkit_addr_tuple(const netkit_addr *a, char *buf, size_t len)
{
	const struct sockaddr_in6 *sin6;
	char ip[NETKIT_ADDRSTRLEN], text[NETKIT_TUPLESTRLEN];

	if (!netkit__addr_usable(a) || !buf)
		return -EINVAL;
	if (!netkit__addr_valid(a))
		return -EAFNOSUPPORT;
	if (a->ss.ss_family == AF_INET) {
		ip_text(a, ip);
		snprintf(text, sizeof(text), "('%s', %d)", ip,
			 netkit_addr_port(a));
	} else {
		/* Python's host is inet_ntop()'s text alone: the scope is
		 * the tuple's last number, never a "%scope" suffix. */
		sin6 = (const struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(text, sizeof(text), "('%s', %d, %lu, %lu)", ip,
			 netkit_addr_port(a),
			 (unsigned long)ntohl(sin6->sin6_flowinfo),
			 (unsigned long)sin6->sin6_scope_id);
	}
	return netkit__copy_text(buf, len, text);
}
