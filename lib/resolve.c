/* SPDX-License-Identifier: MIT */
/*
 * The resolver helpers of Python's socket module: host names, host
 * entries, services, getaddrinfo/getnameinfo. Each one follows the
 * steps of CPython's Modules/socketmodule.c on the same libc, so it
 * gives the same answer for the same input, good or bad; but only with
 * reentrant calls (getaddrinfo, getnameinfo and the _r functions) and
 * no static buffers, so every function here is thread-safe.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netkit-private.h"

/* First size for the scratch buffer of the _r calls (CPython's own) and
 * the most it grows to on ERANGE. */
#define SCRATCH_FIRST 16384
#define SCRATCH_MAX (1024 * 1024)

/* The longest texts handed to libc, in bytes before the NUL; a longer
 * one is answered here after reading at most one byte more. A DNS name
 * has at most 253 bytes, and glibc answers "no such name", without a
 * query, from 254 bytes on (Python then raises gaierror EAI_NONAME, for
 * 300 bytes as for 2000): host names up to NI_MAXHOST - 1 still go to
 * libc, and longer ones get that same answer here. Service and
 * protocol names fit NI_MAXSERV; a longer one is no known service. */
#define HOST_MAX (NI_MAXHOST - 1)
#define SERV_MAX (NI_MAXSERV - 1)
#define PROTO_MAX (NI_MAXSERV - 1)

/* Maps the h_errno-style result of a gethostby*_r call (Python's
 * socket.herror) to a netkit code; rc is the call's return value. */
static int
herror_code(int h_err, int rc)
{
	switch (h_err) {
	case HOST_NOT_FOUND:
	case NO_DATA:
		return NETKIT_ENONAME;
	case TRY_AGAIN:
		return NETKIT_EAGAIN_RESOLVE;
#ifdef NETDB_INTERNAL
	/* glibc's "see errno"; musl has no such value: its failures come
	 * as NO_RECOVERY, a resolver error. */
	case NETDB_INTERNAL:
		return rc > 0 ? -rc : NETKIT_ERESOLVE;
#endif
	default:
		return NETKIT_ERESOLVE;
	}
}

/* Python encodes a host name given as str with the "idna" codec, whose
 * ASCII fast path rejects (UnicodeError, a ValueError) an empty label
 * before the last and any label of 64 bytes or more. Non-ASCII names go
 * to the resolver unchanged, as Python passes bytes. Looks at the first
 * len bytes of name only: a last label cut short there is checked for
 * its length so far. */
static bool
idna_ok(const char *name, size_t len)
{
	size_t i, label = 0;

	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 0x80)
			return true;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i - label >= 64 || (i < len && i == label))
			return false;
		label = i + 1;
	}
	return true;
}

/* Checks a host name before it goes anywhere, reading at most
 * HOST_MAX + 1 bytes of it: 0, -EINVAL for a name Python's IDNA codec
 * refuses, or NETKIT_ENONAME for one too long for any resolver. */
static int
host_check(const char *name)
{
	size_t len = strnlen(name, HOST_MAX + 1);

	if (!idna_ok(name, len))
		return -EINVAL;
	return len > HOST_MAX ? NETKIT_ENONAME : 0;
}

/* Copies the first answer of res into ss and frees res. Anything but
 * an IPv4/IPv6 answer, or acceptable false, is NETKIT_ERESOLVE. */
static int
take_first(struct addrinfo *res, bool acceptable, struct sockaddr_storage *ss)
{
	int rc = NETKIT_ERESOLVE;

	if (acceptable &&
	    (res->ai_family == AF_INET || res->ai_family == AF_INET6)) {
		memcpy(ss, res->ai_addr, res->ai_addrlen < sizeof(*ss) ?
		       res->ai_addrlen : sizeof(*ss));
		rc = 0;
	}
	freeaddrinfo(res);
	return rc;
}

/* The passive "any" address of hints->ai_family, as CPython's
 * setipaddr() finds it for the empty name. */
static int
wildcard_addr(struct addrinfo *hints, struct sockaddr_storage *ss)
{
	struct addrinfo *res = NULL;
	int rc;

	hints->ai_socktype = SOCK_DGRAM;
	hints->ai_flags = AI_PASSIVE;
	rc = NK_SYS(getaddrinfo)(NULL, "0", hints, &res);
	if (rc != 0)
		return netkit__gai_error(rc);
	/* Python: "wildcard resolved to multiple address" */
	return take_first(res, !res->ai_next, ss);
}

/* CPython's setipaddr(): "" is the wildcard (getaddrinfo's passive
 * address), "<broadcast>" and "255.255.255.255" are INADDR_BROADCAST,
 * numeric text is parsed without the resolver, anything else goes to
 * getaddrinfo() and its first answer is taken. Returns 0 or a code. */
static int
setipaddr(const char *name, int af, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(ss, 0, sizeof(*ss));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = af;
	if (name[0] == '\0')
		return wildcard_addr(&hints, ss);
	if (strcmp(name, "255.255.255.255") == 0 ||
	    strcmp(name, "<broadcast>") == 0) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
		return 0;
	}
	if (inet_pton(AF_INET, name, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (af == AF_UNSPEC && !strchr(name, '%') &&
	    inet_pton(AF_INET6, name, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	rc = NK_SYS(getaddrinfo)(name, NULL, &hints, &res);
	if (rc != 0)
		return netkit__gai_error(rc);
	return take_first(res, true, ss);
}

NETKIT_EXPORT int
netkit_gethostname(char *buf, size_t len)
{
	char name[256];

	if (!buf)
		return -EINVAL;
	if (NK_SYS(gethostname)(name, sizeof(name) - 1) < 0)
		return netkit__errno();
	name[sizeof(name) - 1] = '\0';
	return netkit__copy_text(buf, len, name);
}

NETKIT_EXPORT int
netkit_gethostbyname(const char *name, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	char text[INET_ADDRSTRLEN];
	int rc;

	if (!name || !buf)
		return -EINVAL;
	rc = host_check(name);
	if (rc == 0)
		rc = setipaddr(name, AF_INET, &ss);
	if (rc < 0)
		return rc;
	if (!inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		       text, sizeof(text)))
		return netkit__errno();
	return netkit__copy_text(buf, len, text);
}

NETKIT_EXPORT void
netkit_hostent_free(netkit_hostent *h)
{
	/* One block holds the struct, its arrays and its strings. */
	free(h);
}

/* Room for a NULL-terminated list of strings: the pointers and the
 * bytes. */
static size_t
list_size(char **list)
{
	size_t n = sizeof(char *);

	for (; list && *list; list++)
		n += sizeof(char *) + strlen(*list) + 1;
	return n;
}

/* Appends s at *pool and returns where it went. */
static char *
pool_add(char **pool, const char *s)
{
	char *dst = *pool;
	size_t n = strlen(s) + 1;

	memcpy(dst, s, n);
	*pool += n;
	return dst;
}

/* CPython's gethost_common(): the name, the aliases and the addresses
 * of a struct hostent of family af, as numeric text, in one allocation
 * that netkit_hostent_free() releases. */
static int
hostent_copy(const struct hostent *h, int af, netkit_hostent **out)
{
	char text[INET6_ADDRSTRLEN];
	netkit_hostent *r;
	size_t na = 0, nd = 0, i, size;
	char **vec, *pool;

	if (h->h_addrtype != af)
		return -EAFNOSUPPORT;
	/* musl lists the canonical name itself (h_name's very pointer) as
	 * the first alias; glibc, and Python on it, list only other names. */
	for (i = 0; h->h_aliases && h->h_aliases[i]; i++)
		na += h->h_aliases[i] != h->h_name;
	while (h->h_addr_list[nd])
		nd++;
	size = sizeof(*r) + list_size(h->h_aliases) +
	       (nd + 1) * (sizeof(char *) + INET6_ADDRSTRLEN) +
	       strlen(h->h_name) + 1;
	r = malloc(size);
	if (!r)
		return -ENOMEM;
	vec = (char **)(r + 1);
	pool = (char *)(vec + na + 1 + nd + 1);
	r->aliases = vec;
	r->addresses = vec + na + 1;
	for (i = 0, na = 0; h->h_aliases && h->h_aliases[i]; i++)
		if (h->h_aliases[i] != h->h_name)
			r->aliases[na++] = pool_add(&pool, h->h_aliases[i]);
	r->aliases[na] = NULL;
	for (i = 0; i < nd; i++) {
		if (!inet_ntop(af, h->h_addr_list[i], text, sizeof(text))) {
			free(r);
			return -EAFNOSUPPORT;
		}
		r->addresses[i] = pool_add(&pool, text);
	}
	r->addresses[nd] = NULL;
	r->name = pool_add(&pool, h->h_name);
	*out = r;
	return 0;
}

/* The arguments of gethostbyname_r() or gethostbyaddr_r(): which one is
 * called depends on addr. */
struct hostquery {
	const char *name;
	const void *addr;
	socklen_t addrlen;
	int af;
};

/* Runs the query with a scratch buffer that grows on ERANGE, and copies
 * the answer out while the buffer still holds it. */
static int
host_lookup(const struct hostquery *q, netkit_hostent **out)
{
	struct hostent he, *h;
	size_t size = SCRATCH_FIRST;
	char *buf;
	int rc, herr;

	for (;;) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		h = NULL;
		herr = 0;
		if (q->addr)
			rc = NK_SYS(gethostbyaddr_r)(q->addr, q->addrlen,
						     q->af, &he, buf, size,
						     &h, &herr);
		else
			rc = NK_SYS(gethostbyname_r)(q->name, &he, buf, size,
						     &h, &herr);
		if (rc != ERANGE || size >= SCRATCH_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (h)
		rc = hostent_copy(h, q->af, out);
	else
		rc = herror_code(herr, rc);
	free(buf);
	return rc;
}

NETKIT_EXPORT int
netkit_gethostbyname_ex(const char *name, netkit_hostent **out)
{
	struct sockaddr_storage ss;
	struct hostquery q = { .name = name, .af = AF_INET };
	int rc;

	if (!name || !out)
		return -EINVAL;
	/* Python resolves the name once with getaddrinfo() (its errors
	 * win), then asks gethostbyname_r() for the entry. */
	rc = host_check(name);
	if (rc == 0)
		rc = setipaddr(name, AF_INET, &ss);
	if (rc < 0)
		return rc;
	return host_lookup(&q, out);
}

NETKIT_EXPORT int
netkit_gethostbyaddr(const char *ip, netkit_hostent **out)
{
	struct sockaddr_storage ss;
	struct hostquery q = { .name = NULL };
	int rc;

	if (!ip || !out)
		return -EINVAL;
	/* A name is accepted too: Python resolves it first and looks up
	 * its first address. */
	rc = host_check(ip);
	if (rc == 0)
		rc = setipaddr(ip, AF_UNSPEC, &ss);
	if (rc < 0)
		return rc;
	q.af = ss.ss_family;
	if (q.af == AF_INET) {
		q.addr = &((struct sockaddr_in *)&ss)->sin_addr;
		q.addrlen = sizeof(struct in_addr);
	} else {
		q.addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		q.addrlen = sizeof(struct in6_addr);
	}
	return host_lookup(&q, out);
}

/* getservbyname_r() or getservbyport_r() (when name is NULL) with a
 * growing scratch buffer; returns the port, or the length of the name
 * copied to out. The scratch buffer stops growing at SCRATCH_MAX: an
 * entry that still does not fit is -ERANGE. */
static int
serv_lookup(const char *name, int port, const char *proto, char *out,
	    size_t outlen)
{
	struct servent se, *res;
	size_t size = 1024;
	char *buf;
	int rc;

	/* Python: OSError("service/proto not found"), which libc would
	 * answer for such names; they are not read any further. */
	if ((name && !netkit__text_fits(name, SERV_MAX)) ||
	    (proto && !netkit__text_fits(proto, PROTO_MAX)))
		return NETKIT_ENOSERVICE;
	for (;;) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		res = NULL;
		if (name)
			rc = NK_SYS(getservbyname_r)(name, proto, &se, buf,
						     size, &res);
		else
			rc = NK_SYS(getservbyport_r)(htons((uint16_t)port),
						     proto, &se, buf, size,
						     &res);
		if (rc != ERANGE || size >= SCRATCH_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (!res)
		rc = rc == ERANGE || rc == ENOMEM ? -rc : NETKIT_ENOSERVICE;
	else if (name)
		rc = ntohs((uint16_t)res->s_port);
	else
		rc = netkit__copy_text(out, outlen, res->s_name);
	free(buf);
	return rc;
}

NETKIT_EXPORT int
netkit_getservbyname(const char *name, const char *proto)
{
	if (!name)
		return -EINVAL;
	return serv_lookup(name, 0, proto, NULL, 0);
}

NETKIT_EXPORT int
netkit_getservbyport(int port, const char *proto, char *buf, size_t len)
{
	/* Python: OverflowError("getservbyport: port must be 0-65535.") */
	if (port < 0 || port > 65535 || !buf)
		return -EINVAL;
	return serv_lookup(NULL, port, proto, buf, len);
}

NETKIT_EXPORT void
netkit_addrinfo_free(netkit_addrinfo *list)
{
	netkit_addrinfo *next;

	for (; list; list = next) {
		next = list->next;
		free(list->canonname);
		free(list);
	}
}

/* NETKIT_AI_* to the system's AI_* bits. */
static int
ai_flags(int flags)
{
	return (flags & NETKIT_AI_PASSIVE ? AI_PASSIVE : 0) |
	       (flags & NETKIT_AI_NUMERICHOST ? AI_NUMERICHOST : 0) |
	       (flags & NETKIT_AI_NUMERICSERV ? AI_NUMERICSERV : 0) |
	       (flags & NETKIT_AI_CANONNAME ? AI_CANONNAME : 0);
}

/* One netkit_addrinfo from one struct addrinfo, with a copy of
 * canonname if not NULL; NULL (and *rc set) when it cannot be made,
 * *rc = 0 for a family that is skipped. */
static netkit_addrinfo *
ai_node(const struct addrinfo *ai, const char *canonname, int *rc)
{
	netkit_addrinfo *n = calloc(1, sizeof(*n));

	*rc = -ENOMEM;
	if (!n)
		return NULL;
	*rc = netkit__addr_set(&n->addr, ai->ai_addr, ai->ai_addrlen);
	if (*rc < 0) {
		free(n);
		*rc = 0;
		return NULL;
	}
	n->family = ai->ai_family;
	n->type = ai->ai_socktype;
	n->protocol = ai->ai_protocol;
	if (canonname) {
		n->canonname = strdup(canonname);
		if (!n->canonname) {
			free(n);
			*rc = -ENOMEM;
			return NULL;
		}
	}
	return n;
}

/* Turns getaddrinfo()'s answer to hints into a netkit list and frees
 * res: returns the count, NETKIT_ENOADDR without an IPv4/IPv6 answer,
 * NETKIT_ENOSERVICE without one of the protocol asked for, or -ENOMEM.
 * Only results of that protocol are kept: musl, asked for one other
 * than TCP and UDP with type 0, answers with its TCP and UDP results.
 * The canonical name (on getaddrinfo()'s first result) is kept on the
 * first result, and only when asked for, as glibc answers: musl puts
 * it on every result, asked for or not. */
static int
gai_convert(struct addrinfo *res, const struct addrinfo *hints,
	    netkit_addrinfo **out)
{
	netkit_addrinfo *head = NULL, **tail = &head, *n;
	const char *canon = hints->ai_flags & AI_CANONNAME ?
			    res->ai_canonname : NULL;
	bool other_protocol = false;
	struct addrinfo *ai;
	int rc = 0, count = 0;

	for (ai = res; ai; ai = ai->ai_next) {
		if (hints->ai_protocol &&
		    ai->ai_protocol != hints->ai_protocol) {
			other_protocol = true;
			continue;
		}
		n = ai_node(ai, head ? NULL : canon, &rc);
		if (rc < 0)
			break;
		if (!n)
			continue;
		*tail = n;
		tail = &n->next;
		count++;
	}
	freeaddrinfo(res);
	if (rc < 0 || count == 0) {
		netkit_addrinfo_free(head);
		return rc < 0 ? rc : other_protocol ? NETKIT_ENOSERVICE :
		       NETKIT_ENOADDR;
	}
	*out = head;
	return count;
}

/* The answer glibc gives, with no lookup, for a host or a service too
 * long to hand it: its checks of flags, family and type come first,
 * then the service's, then the host's. */
static int
overlong_error(const char *service, bool service_fits,
	       const struct addrinfo *hints)
{
	struct addrinfo *res = NULL;
	int rc;

	/* A NULL host is loopback: no resolver is asked. */
	rc = NK_SYS(getaddrinfo)(NULL, service_fits ? service : "0", hints,
				 &res);
	if (rc != 0)
		return netkit__gai_error(rc);
	freeaddrinfo(res);
	return service_fits ? NETKIT_ENONAME : NETKIT_ENOSERVICE;
}

/* True unless service is text that libc would read as a number other
 * than a port: getaddrinfo() takes whatever strtoul() reads in full and
 * keeps its low 16 bits, so glibc makes "99999" port 34463, "" and
 * "65536" port 0 (any free port), and skips leading blanks and signs
 * ("-4294967216" is port 80). A port is 1 to 5 decimal digits, 0 to
 * 65535 (leading zeros allowed, as Python on glibc takes them); text
 * that starts with anything else but a blank or a sign is a service
 * name (RFC 6335 names may start with a digit: "80abc" is one) and is
 * looked up. For text that fits SERV_MAX. */
static bool
service_ok(const char *service)
{
	unsigned long port = 0;
	size_t i;

	if (service[0] == '\0' || strchr(" \t\n\v\f\r+-", service[0]))
		return false;
	for (i = 0; service[i]; i++) {
		if (service[i] < '0' || service[i] > '9')
			return true;
		if (port <= 65535)
			port = port * 10 + (unsigned long)(service[i] - '0');
	}
	return port <= 65535;
}

/* Checks netkit_getaddrinfo()'s arguments and fills hints. Returns 0 to
 * go on with the lookup, or its answer. */
static int
gai_prepare(const char *host, const char *service, int family, int type,
	    int protocol, int flags, struct addrinfo *hints)
{
	int rc = host ? host_check(host) : 0;
	bool service_fits = !service || netkit__text_fits(service, SERV_MAX);

	/* An over-long service keeps libc's answer (overlong_error()). */
	if ((flags & ~NETKIT_AI_ALL) || protocol < 0 || rc == -EINVAL ||
	    (service && service_fits && !service_ok(service)))
		return -EINVAL;
	memset(hints, 0, sizeof(*hints));
	hints->ai_family = family;
	hints->ai_socktype = type;
	hints->ai_protocol = protocol;
	hints->ai_flags = ai_flags(flags);
	if (rc < 0 || !service_fits)
		return overlong_error(service, service_fits, hints);
	return 0;
}

/* One blocking getaddrinfo() and its answer as a netkit list. */
static int
resolve_now(const char *host, const char *service,
	    const struct addrinfo *hints, netkit_addrinfo **out)
{
	struct addrinfo *res = NULL;
	int rc;

	rc = NK_SYS(getaddrinfo)(host, service, hints, &res);
	if (rc != 0)
		return netkit__gai_error(rc);
	return gai_convert(res, hints, out);
}

NETKIT_EXPORT int
netkit_getaddrinfo(const char *host, const char *service, int family,
		   int type, int flags, netkit_addrinfo **out)
{
	struct addrinfo hints;
	int rc;

	if (!out)
		return -EINVAL;
	rc = gai_prepare(host, service, family, type, 0, flags, &hints);
	if (rc != 0)
		return rc;
	return resolve_now(host, service, &hints, out);
}

/* Numeric text needs no resolver: getaddrinfo() with AI_NUMERICHOST
 * answers it at once, with the answer of a plain lookup. Returns 0 for
 * a host that is not numeric (a count is at least 1), else that answer. */
static int
resolve_numeric(const char *host, const char *service,
		const struct addrinfo *hints, netkit_addrinfo **out)
{
	struct addrinfo numeric = *hints, *res = NULL;
	int rc;

	numeric.ai_flags |= AI_NUMERICHOST;
	rc = NK_SYS(getaddrinfo)(host, service, &numeric, &res);
	if (rc == EAI_NONAME && !(hints->ai_flags & AI_NUMERICHOST))
		return 0;
	if (rc != 0)
		return netkit__gai_error(rc);
	return gai_convert(res, hints, out);
}

NETKIT_EXPORT int
netkit_getaddrinfo_until(const char *host, const char *service,
			 const netkit_addrinfo_hints *want,
			 netkit_addrinfo **out, netkit_deadline dl)
{
	static const netkit_addrinfo_hints any;
	int64_t deadline = dl.at;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (!want)
		want = &any;
	if (!out || !netkit__deadline_ok(deadline) ||
	    !NETKIT__RESERVED_ZERO(want))
		return -EINVAL;
	rc = gai_prepare(host, service, want->family, want->type,
			 want->protocol, want->flags, &hints);
	if (rc != 0)
		return rc;
	if (deadline == NETKIT__NEVER)
		return resolve_now(host, service, &hints, out);
	/* A NULL host is loopback or the wildcard: no resolver either. */
	if (!host)
		return resolve_now(host, service, &hints, out);
	rc = resolve_numeric(host, service, &hints, out);
	if (rc != 0)
		return rc;
	rc = netkit__getaddrinfo_until(host, service, &hints, deadline, &res);
	if (rc < 0)
		return rc;
	return gai_convert(res, &hints, out);
}

/* NETKIT_NI_* to the system's NI_* bits. */
static int
ni_flags(int flags)
{
	return (flags & NETKIT_NI_NUMERICHOST ? NI_NUMERICHOST : 0) |
	       (flags & NETKIT_NI_NUMERICSERV ? NI_NUMERICSERV : 0) |
	       (flags & NETKIT_NI_NAMEREQD ? NI_NAMEREQD : 0) |
	       (flags & NETKIT_NI_DGRAM ? NI_DGRAM : 0) |
	       (flags & NETKIT_NI_NOFQDN ? NI_NOFQDN : 0);
}

NETKIT_EXPORT int
netkit_getnameinfo(const netkit_addr *a, int flags, char *host,
		   size_t hostlen, char *serv, size_t servlen)
{
	char h[NI_MAXHOST], s[NI_MAXSERV];
	int rc;

	if (!netkit__addr_valid(a) || (flags & ~NETKIT_NI_ALL) ||
	    (!host && !serv))
		return -EINVAL;
	rc = NK_SYS(getnameinfo)((const struct sockaddr *)&a->ss, a->len,
				 host ? h : NULL, host ? sizeof(h) : 0,
				 serv ? s : NULL, serv ? sizeof(s) : 0,
				 ni_flags(flags));
	if (rc != 0)
		return netkit__gai_error(rc);
	if ((host && strlen(h) >= hostlen) || (serv && strlen(s) >= servlen))
		return -ENOSPC;
	if (host)
		netkit__copy_text(host, hostlen, h);
	if (serv)
		netkit__copy_text(serv, servlen, s);
	return 0;
}
