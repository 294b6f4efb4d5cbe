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

int
netkit__gai_error(int eai)
{
	switch (eai) {
	case EAI_SYSTEM:
		return netkit__errno();
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return NETKIT_ENONAME;
	case EAI_AGAIN:
		return NETKIT_EAGAIN_RESOLVE;
	case EAI_SERVICE:
		return NETKIT_ENOSERVICE;
	case EAI_MEMORY:
		return -ENOMEM;
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
		return NETKIT_ENOADDR;
#endif
	default:
		return NETKIT_ERESOLVE;
	}
}

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
	case NETDB_INTERNAL:
		return rc > 0 ? -rc : NETKIT_ERESOLVE;
	default:
		return NETKIT_ERESOLVE;
	}
}

/* Python encodes a host name given as str with the "idna" codec, whose
 * ASCII fast path rejects (UnicodeError, a ValueError) an empty label
 * before the last and any label of 64 bytes or more. Non-ASCII names go
 * to the resolver unchanged, as Python passes bytes. */
static bool
idna_ok(const char *name)
{
	const char *p, *label = name;

	for (p = name; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	for (p = name; ; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - label);

			if (n >= 64 || (*p == '.' && n == 0))
				return false;
			if (*p == '\0')
				return true;
			label = p + 1;
		}
	}
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
	rc = getaddrinfo(NULL, "0", hints, &res);
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
	rc = getaddrinfo(name, NULL, &hints, &res);
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
	if (gethostname(name, sizeof(name) - 1) < 0)
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

	if (!name || !buf || !idna_ok(name))
		return -EINVAL;
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
list_size(char **list, size_t extra_each)
{
	size_t n = sizeof(char *);

	for (; list && *list; list++)
		n += sizeof(char *) + strlen(*list) + 1 + extra_each;
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
	while (h->h_aliases && h->h_aliases[na])
		na++;
	while (h->h_addr_list[nd])
		nd++;
	size = sizeof(*r) + list_size(h->h_aliases, 0) +
	       (nd + 1) * (sizeof(char *) + INET6_ADDRSTRLEN) +
	       strlen(h->h_name) + 1;
	r = malloc(size);
	if (!r)
		return -ENOMEM;
	vec = (char **)(r + 1);
	pool = (char *)(vec + na + 1 + nd + 1);
	r->aliases = vec;
	r->addresses = vec + na + 1;
	for (i = 0; i < na; i++)
		r->aliases[i] = pool_add(&pool, h->h_aliases[i]);
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
			rc = gethostbyaddr_r(q->addr, q->addrlen, q->af, &he,
					     buf, size, &h, &herr);
		else
			rc = gethostbyname_r(q->name, &he, buf, size, &h,
					     &herr);
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

	if (!name || !out || !idna_ok(name))
		return -EINVAL;
	/* Python resolves the name once with getaddrinfo() (its errors
	 * win), then asks gethostbyname_r() for the entry. */
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

	if (!ip || !out || !idna_ok(ip))
		return -EINVAL;
	/* A name is accepted too: Python resolves it first and looks up
	 * its first address. */
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
 * growing scratch buffer; on success *port or the name in buf. */
static int
serv_lookup(const char *name, int port, const char *proto, int *ret_port,
	    char *out, size_t outlen)
{
	struct servent se, *res;
	size_t size = 1024;
	char *buf;
	int rc;

	for (;;) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		res = NULL;
		if (name)
			rc = getservbyname_r(name, proto, &se, buf, size, &res);
		else
			rc = getservbyport_r(htons((uint16_t)port), proto, &se,
					     buf, size, &res);
		if (rc != ERANGE || size >= SCRATCH_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (!res)
		rc = rc == ERANGE || rc == ENOMEM ? -rc : NETKIT_ENOSERVICE;
	else if (name)
		rc = *ret_port = ntohs((uint16_t)res->s_port);
	else
		rc = netkit__copy_text(out, outlen, res->s_name);
	free(buf);
	return rc;
}

NETKIT_EXPORT int
netkit_getservbyname(const char *name, const char *proto)
{
	int port;

	if (!name)
		return -EINVAL;
	return serv_lookup(name, 0, proto, &port, NULL, 0);
}

NETKIT_EXPORT int
netkit_getservbyport(int port, const char *proto, char *buf, size_t len)
{
	/* Python: OverflowError("getservbyport: port must be 0-65535.") */
	if (port < 0 || port > 65535 || !buf)
		return -EINVAL;
	return serv_lookup(NULL, port, proto, NULL, buf, len);
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

/* One netkit_addrinfo from one struct addrinfo; NULL (and *rc set)
 * when it cannot be made, *rc = 0 for a family that is skipped. */
static netkit_addrinfo *
ai_node(const struct addrinfo *ai, int *rc)
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
	if (ai->ai_canonname) {
		n->canonname = strdup(ai->ai_canonname);
		if (!n->canonname) {
			free(n);
			*rc = -ENOMEM;
			return NULL;
		}
	}
	return n;
}

NETKIT_EXPORT int
netkit_getaddrinfo(const char *host, const char *service, int family,
		   int type, int flags, netkit_addrinfo **out)
{
	struct addrinfo hints, *res = NULL, *ai;
	netkit_addrinfo *head = NULL, **tail = &head, *n;
	int rc = 0, count = 0;

	if (!out || (flags & ~NETKIT_AI_ALL) || (host && !idna_ok(host)))
		return -EINVAL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = type;
	hints.ai_flags = ai_flags(flags);
	rc = NK_SYS(getaddrinfo)(host, service, &hints, &res);
	if (rc != 0)
		return netkit__gai_error(rc);
	for (ai = res; ai; ai = ai->ai_next) {
		n = ai_node(ai, &rc);
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
		return rc < 0 ? rc : NETKIT_ENOADDR;
	}
	*out = head;
	return count;
}

/* PROVISIONAL: checks the deadline before and after a blocking lookup;
 * the bounded version replaces it. */
NETKIT_EXPORT int
netkit_getaddrinfo_until(const char *host, const char *service, int family,
			 int type, int flags, int64_t deadline,
			 netkit_addrinfo **out)
{
	netkit_addrinfo *list = NULL;
	int rc;

	if (!netkit__deadline_ok(deadline))
		return -EINVAL;
	rc = netkit_getaddrinfo(host, service, family, type, flags, &list);
	if (rc >= 0 && netkit__poll_timeout(deadline) == 0 &&
	    deadline != NETKIT_FOREVER && deadline < netkit_now()) {
		netkit_addrinfo_free(list);
		return -ETIMEDOUT;
	}
	if (rc >= 0)
		*out = list;
	return rc;
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
	rc = getnameinfo((const struct sockaddr *)&a->ss, a->len,
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
