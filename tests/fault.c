/* SPDX-License-Identifier: MIT */
/*
 * Fault injection through the system-call seam: see fault.h.
 *
 * Each wrapper describes its call (which one, its descriptor, its
 * fcntl command or socket option), asks decide() for a verdict under
 * the one mutex, and then fails at once (FAIL), makes the real call
 * from netkit__sys_default, possibly with a smaller length (SHORT), and
 * possibly overrides what it returned (AFTER, VALUE).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys.h"

#include "fault.h"

#define MAX_RULES 32
#define REAL(name) (netkit__sys_default.name)
/* A call's family when it has none to match (family 0 = look it up). */
#define NO_FAMILY (-1)

struct rule_state {
	struct nk_fault_rule r;
	unsigned passed;	/* matching calls let pass (skip) */
	unsigned long fired;
	bool active;
};

static struct {
	pthread_mutex_t lock;
	struct rule_state rules[MAX_RULES];
	int n_rules;
	uint64_t rng[NK_FAULT_N_CALLS];
	unsigned long seen[NK_FAULT_N_CALLS];
	unsigned long failed[NK_FAULT_N_CALLS];
	uint64_t seed;
	bool seed_told;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *const call_names[NK_FAULT_N_CALLS] = {
	"socket", "bind", "listen", "accept4", "connect", "send", "recv",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown", "close",
	"poll", "getsockopt", "setsockopt", "getsockname", "getpeername",
	"fcntl", "getaddrinfo",
	"socketpair", "epoll_create1", "epoll_ctl", "epoll_wait", "eventfd",
	"pipe2", "read", "write",
	"sendfile", "pread",
	"getnameinfo", "gethostname", "gethostbyname_r", "gethostbyaddr_r",
	"getservbyname_r", "getservbyport_r", "getifaddrs", "if_nametoindex",
	"if_indextoname",
};

/* What decide() knows of a call. */
struct call_info {
	enum nk_fault_call call;
	int fd;			/* its descriptor, or -1 */
	int family;		/* 0: read it from fd; NO_FAMILY: none */
	int op;			/* fcntl cmd or sockopt optname */
	int level;
};

struct verdict {
	bool fire;
	enum nk_fault_action action;
	int err;
	size_t max;
	int value;
};

/* splitmix64 spreads one seed over the streams; xorshift64* draws. */
static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
next_unit(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (double)((*x * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

static int
fd_family(int fd)
{
	socklen_t len = sizeof(int);
	int family = 0;

	if (fd < 0 || REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &family,
				       &len) < 0)
		return NO_FAMILY;
	return family;
}

static bool
matches(const struct nk_fault_rule *r, const struct call_info *c,
	int *family)
{
	if (r->call != c->call)
		return false;
	if (r->op != 0 && (r->op != c->op ||
	    (c->call != NK_FAULT_FCNTL && r->level != c->level)))
		return false;
	if (r->family == 0)
		return true;
	if (*family == 0)
		*family = fd_family(c->fd);
	return r->family == *family;
}

static struct verdict
decide(const struct call_info *c)
{
	struct verdict v = { .fire = false };
	struct rule_state *rs;
	int family = c->family, i;

	pthread_mutex_lock(&st.lock);
	st.seen[c->call]++;
	for (i = 0; i < st.n_rules && !v.fire; i++) {
		rs = &st.rules[i];
		if (!rs->active || !matches(&rs->r, c, &family))
			continue;
		if (rs->passed < rs->r.skip) {
			rs->passed++;
			continue;
		}
		if (rs->r.prob > 0 && next_unit(&st.rng[c->call]) >= rs->r.prob)
			continue;
		rs->fired++;
		if (rs->r.count && rs->fired >= rs->r.count)
			rs->active = false;
		st.failed[c->call]++;
		v = (struct verdict){ true, rs->r.action, rs->r.err,
				      rs->r.max, rs->r.value };
	}
	pthread_mutex_unlock(&st.lock);
	return v;
}

/* The verdict for c; true when the wrapper must fail now, without the
 * real call (errno set). close() always makes the real call first. */
static bool
pre(const struct call_info *c, struct verdict *v)
{
	*v = decide(c);
	if (!v->fire || v->action != NK_FAULT_FAIL)
		return false;
	if (c->call == NK_FAULT_CLOSE) {
		v->action = NK_FAULT_AFTER;
		return false;
	}
	errno = v->err;
	return true;
}

static int
post(const struct verdict *v, int rc)
{
	if (v->fire && v->action == NK_FAULT_AFTER) {
		errno = v->err;
		return -1;
	}
	return rc;
}

static ssize_t
post_len(const struct verdict *v, ssize_t rc)
{
	return post(v, 0) < 0 ? -1 : rc;
}

/* For calls that create a descriptor: an AFTER failure closes it. */
static int
post_fd(const struct verdict *v, int fd)
{
	if (v->fire && v->action == NK_FAULT_AFTER && fd >= 0)
		REAL(close)(fd);
	return post(v, fd);
}

static size_t
cap(const struct verdict *v, size_t len)
{
	if (v->fire && v->action == NK_FAULT_SHORT && len > v->max)
		return v->max;
	return len;
}

#define INFO(name, fd) (&(struct call_info){ (name), (fd), 0, 0, 0 })

static int
f_socket(int domain, int type, int protocol)
{
	struct call_info c = { NK_FAULT_SOCKET, -1, domain, 0, 0 };
	struct verdict v;

	if (pre(&c, &v))
		return -1;
	return post_fd(&v, REAL(socket)(domain, type, protocol));
}

static int
f_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_BIND, fd), &v))
		return -1;
	return post(&v, REAL(bind)(fd, sa, len));
}

static int
f_listen(int fd, int backlog)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_LISTEN, fd), &v))
		return -1;
	return post(&v, REAL(listen)(fd, backlog));
}

static int
f_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_ACCEPT4, fd), &v))
		return -1;
	return post_fd(&v, REAL(accept4)(fd, sa, len, flags));
}

static int
f_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_CONNECT, fd), &v))
		return -1;
	return post(&v, REAL(connect)(fd, sa, len));
}

static ssize_t
f_send(int fd, const void *buf, size_t len, int flags)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_SEND, fd), &v))
		return -1;
	return post_len(&v, REAL(send)(fd, buf, cap(&v, len), flags));
}

static ssize_t
f_recv(int fd, void *buf, size_t len, int flags)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_RECV, fd), &v))
		return -1;
	return post_len(&v, REAL(recv)(fd, buf, cap(&v, len), flags));
}

static ssize_t
f_sendto(int fd, const void *buf, size_t len, int flags,
	 const struct sockaddr *sa, socklen_t salen)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_SENDTO, fd), &v))
		return -1;
	return post_len(&v, REAL(sendto)(fd, buf, cap(&v, len), flags, sa,
					 salen));
}

static ssize_t
f_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
	   socklen_t *salen)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_RECVFROM, fd), &v))
		return -1;
	return post_len(&v, REAL(recvfrom)(fd, buf, cap(&v, len), flags, sa,
					   salen));
}

/* For SHORT on sendmsg/recvmsg: a copy of *m whose data is at most
 * max bytes of its first non-empty iovec. */
static struct msghdr *
short_msg(const struct msghdr *m, struct msghdr *copy, struct iovec *one,
	  const struct verdict *v)
{
	size_t i = 0;

	*copy = *m;
	/* (size_t): msg_iovlen is an int in musl, as POSIX has it. */
	while (i < (size_t)m->msg_iovlen && m->msg_iov[i].iov_len == 0)
		i++;
	if (i < (size_t)m->msg_iovlen) {
		*one = m->msg_iov[i];
		one->iov_len = cap(v, one->iov_len);
		copy->msg_iov = one;
		copy->msg_iovlen = 1;
	}
	return copy;
}

static ssize_t
f_sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct msghdr copy;
	struct iovec one;
	struct verdict v;

	if (pre(INFO(NK_FAULT_SENDMSG, fd), &v))
		return -1;
	if (v.fire && v.action == NK_FAULT_SHORT)
		m = short_msg(m, &copy, &one, &v);
	return post_len(&v, REAL(sendmsg)(fd, m, flags));
}

static ssize_t
f_recvmsg(int fd, struct msghdr *m, int flags)
{
	struct msghdr copy;
	struct iovec one;
	struct verdict v;
	ssize_t n;

	if (pre(INFO(NK_FAULT_RECVMSG, fd), &v))
		return -1;
	if (!v.fire || v.action != NK_FAULT_SHORT)
		return post_len(&v, REAL(recvmsg)(fd, m, flags));
	n = REAL(recvmsg)(fd, short_msg(m, &copy, &one, &v), flags);
	/* What the kernel wrote back into the copy goes to the caller's. */
	m->msg_namelen = copy.msg_namelen;
	m->msg_controllen = copy.msg_controllen;
	m->msg_flags = copy.msg_flags;
	return n;
}

static int
f_shutdown(int fd, int how)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_SHUTDOWN, fd), &v))
		return -1;
	return post(&v, REAL(shutdown)(fd, how));
}

static int
f_close(int fd)
{
	struct verdict v;

	(void)pre(INFO(NK_FAULT_CLOSE, fd), &v);
	return post(&v, REAL(close)(fd));
}

static int
f_poll(struct pollfd *fds, nfds_t n, int ms)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_POLL, n > 0 ? fds[0].fd : -1), &v))
		return -1;
	return post(&v, REAL(poll)(fds, n, ms));
}

static int
f_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct call_info c = { NK_FAULT_GETSOCKOPT, fd, 0, name, level };
	struct verdict v;
	int rc;

	if (pre(&c, &v))
		return -1;
	rc = REAL(getsockopt)(fd, level, name, val, len);
	if (rc == 0 && v.fire && v.action == NK_FAULT_VALUE &&
	    *len >= sizeof(int))
		memcpy(val, &v.value, sizeof(int));
	return post(&v, rc);
}

static int
f_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct call_info c = { NK_FAULT_SETSOCKOPT, fd, 0, name, level };
	struct verdict v;

	if (pre(&c, &v))
		return -1;
	return post(&v, REAL(setsockopt)(fd, level, name, val, len));
}

static int
f_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_GETSOCKNAME, fd), &v))
		return -1;
	return post(&v, REAL(getsockname)(fd, sa, len));
}

static int
f_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_GETPEERNAME, fd), &v))
		return -1;
	return post(&v, REAL(getpeername)(fd, sa, len));
}

/* fcntl's third argument: none, a pointer, or an int, by command. */
enum fcntl_arg { ARG_NONE, ARG_PTR, ARG_INT };

static enum fcntl_arg
fcntl_arg(int cmd)
{
	switch (cmd) {
	case F_GETFD: case F_GETFL: case F_GETOWN: case F_GETSIG:
	case F_GETLEASE: case F_GETPIPE_SZ: case F_GET_SEALS:
		return ARG_NONE;
	case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK:
	case F_OFD_SETLK: case F_OFD_SETLKW: case F_GETOWN_EX:
	case F_SETOWN_EX:
		return ARG_PTR;
	default:
		return ARG_INT;
	}
}

static int
f_fcntl(int fd, int cmd, ...)
{
	struct call_info c = { NK_FAULT_FCNTL, fd, 0, cmd, 0 };
	enum fcntl_arg kind = fcntl_arg(cmd);
	struct verdict v;
	void *p = NULL;
	int arg = 0, rc;
	va_list ap;

	va_start(ap, cmd);
	if (kind == ARG_PTR)
		p = va_arg(ap, void *);
	else if (kind == ARG_INT)
		arg = va_arg(ap, int);
	va_end(ap);
	if (pre(&c, &v))
		return -1;
	if (kind == ARG_NONE)
		rc = REAL(fcntl)(fd, cmd);
	else if (kind == ARG_PTR)
		rc = REAL(fcntl)(fd, cmd, p);
	else
		rc = REAL(fcntl)(fd, cmd, arg);
	return post(&v, rc);
}

/* socketpair: FAIL makes no pair; AFTER makes one, closes it and
 * reports the error (nothing leaks either way). */
static int
f_socketpair(int domain, int type, int protocol, int *sv)
{
	struct call_info c = { NK_FAULT_SOCKETPAIR, -1, domain, 0, 0 };
	struct verdict v;
	int rc;

	if (pre(&c, &v))
		return -1;
	rc = REAL(socketpair)(domain, type, protocol, sv);
	if (rc == 0 && v.fire && v.action == NK_FAULT_AFTER) {
		REAL(close)(sv[0]);
		REAL(close)(sv[1]);
	}
	return post(&v, rc);
}

/* getaddrinfo answers EAI_* codes, not -1 and errno. */
static int
f_getaddrinfo(const char *host, const char *serv,
	      const struct addrinfo *hints, struct addrinfo **res)
{
	struct call_info c = { NK_FAULT_GETADDRINFO, -1, NO_FAMILY, 0, 0 };
	struct addrinfo *got = NULL;
	struct verdict v;

	if (hints && hints->ai_family != AF_UNSPEC)
		c.family = hints->ai_family;
	v = decide(&c);
	if (!v.fire || (v.action != NK_FAULT_FAIL &&
			v.action != NK_FAULT_AFTER))
		return REAL(getaddrinfo)(host, serv, hints, res);
	if (v.action == NK_FAULT_AFTER &&
	    REAL(getaddrinfo)(host, serv, hints, &got) == 0)
		freeaddrinfo(got);
	if (v.err == EAI_SYSTEM)
		errno = v.value;
	return v.err;
}

/* The poller's calls (lib/poller*.c). */
#define NO_FAM_INFO(name, fd) \
	(&(struct call_info){ (name), (fd), NO_FAMILY, 0, 0 })

static int
f_epoll_create1(int flags)
{
	struct verdict v;

	if (pre(NO_FAM_INFO(NK_FAULT_EPOLL_CREATE1, -1), &v))
		return -1;
	return post_fd(&v, REAL(epoll_create1)(flags));
}

static int
f_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_EPOLL_CTL, fd), &v))
		return -1;
	return post(&v, REAL(epoll_ctl)(epfd, op, fd, ev));
}

static int
f_epoll_wait(int epfd, struct epoll_event *ev, int max, int ms)
{
	struct verdict v;

	if (pre(NO_FAM_INFO(NK_FAULT_EPOLL_WAIT, epfd), &v))
		return -1;
	return post(&v, REAL(epoll_wait)(epfd, ev, max, ms));
}

static int
f_eventfd(unsigned int initval, int flags)
{
	struct verdict v;

	if (pre(NO_FAM_INFO(NK_FAULT_EVENTFD, -1), &v))
		return -1;
	return post_fd(&v, REAL(eventfd)(initval, flags));
}

static int
f_pipe2(int *fds, int flags)
{
	struct verdict v;
	int rc;

	if (pre(NO_FAM_INFO(NK_FAULT_PIPE2, -1), &v))
		return -1;
	rc = REAL(pipe2)(fds, flags);
	if (rc == 0 && v.fire && v.action == NK_FAULT_AFTER) {
		REAL(close)(fds[0]);
		REAL(close)(fds[1]);
	}
	return post(&v, rc);
}

/* The file calls (file.c): SHORT caps the count. */
static ssize_t
f_sendfile(int out, int in, off_t *off, size_t count)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_SENDFILE, out), &v))
		return -1;
	return post_len(&v, REAL(sendfile)(out, in, off, cap(&v, count)));
}

static ssize_t
f_read(int fd, void *buf, size_t len)
{
	struct verdict v;

	if (pre(NO_FAM_INFO(NK_FAULT_READ, fd), &v))
		return -1;
	return post_len(&v, REAL(read)(fd, buf, cap(&v, len)));
}

static ssize_t
f_write(int fd, const void *buf, size_t len)
{
	struct verdict v;

	if (pre(NO_FAM_INFO(NK_FAULT_WRITE, fd), &v))
		return -1;
	return post_len(&v, REAL(write)(fd, buf, cap(&v, len)));
}

static ssize_t
f_pread(int fd, void *buf, size_t len, off_t off)
{
	struct verdict v;

	if (pre(INFO(NK_FAULT_PREAD, fd), &v))
		return -1;
	return post_len(&v, REAL(pread)(fd, buf, cap(&v, len), off));
}

/* The resolver and the interface list (resolve.c, iface.c, addr.c). A
 * call that asks about no descriptor has no family, except where it
 * names one (getnameinfo's address, gethostbyaddr_r's type). */
static struct verdict
decide_named(enum nk_fault_call call, int family)
{
	struct call_info c = { call, -1, family ? family : NO_FAMILY, 0, 0 };

	return decide(&c);
}

/* True when v fails the call: FAIL at once, AFTER once the real call
 * is made (its answer then dropped by the caller). */
static bool
fails(const struct verdict *v)
{
	return v->fire && (v->action == NK_FAULT_FAIL ||
			   v->action == NK_FAULT_AFTER);
}

/* getnameinfo answers EAI_* codes, as getaddrinfo. */
static int
f_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
	      socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	struct verdict v = decide_named(NK_FAULT_GETNAMEINFO,
					sa ? sa->sa_family : 0);

	if (!fails(&v) || v.action == NK_FAULT_AFTER) {
		int rc = REAL(getnameinfo)(sa, salen, host, hostlen, serv,
					   servlen, flags);

		if (!fails(&v))
			return rc;
	}
	if (v.err == EAI_SYSTEM)
		errno = v.value;
	return v.err;
}

static int
f_gethostname(char *name, size_t len)
{
	struct verdict v;

	if (pre(NO_FAM_INFO(NK_FAULT_GETHOSTNAME, -1), &v))
		return -1;
	return post(&v, REAL(gethostname)(name, len));
}

/* The _r lookups report a failure as a number returned, no entry (the
 * wrapper's *result = NULL) and, for gethostby*_r, an h_errno. */
static int
r_failure(const struct verdict *v, int *h_errnop)
{
	if (h_errnop)
		*h_errnop = v->value;
	return v->err;
}

static int
f_gethostbyname_r(const char *name, struct hostent *he, char *buf,
		  size_t len, struct hostent **result, int *h_errnop)
{
	struct verdict v = decide_named(NK_FAULT_GETHOSTBYNAME_R, 0);
	int rc = 0;

	if (!fails(&v) || v.action == NK_FAULT_AFTER)
		rc = REAL(gethostbyname_r)(name, he, buf, len, result,
					   h_errnop);
	if (!fails(&v))
		return rc;
	*result = NULL;
	return r_failure(&v, h_errnop);
}

static int
f_gethostbyaddr_r(const void *addr, socklen_t addrlen, int type,
		  struct hostent *he, char *buf, size_t len,
		  struct hostent **result, int *h_errnop)
{
	struct verdict v = decide_named(NK_FAULT_GETHOSTBYADDR_R, type);
	int rc = 0;

	if (!fails(&v) || v.action == NK_FAULT_AFTER)
		rc = REAL(gethostbyaddr_r)(addr, addrlen, type, he, buf, len,
					   result, h_errnop);
	if (!fails(&v))
		return rc;
	*result = NULL;
	return r_failure(&v, h_errnop);
}

static int
f_getservbyname_r(const char *name, const char *proto, struct servent *se,
		  char *buf, size_t len, struct servent **result)
{
	struct verdict v = decide_named(NK_FAULT_GETSERVBYNAME_R, 0);
	int rc = 0;

	if (!fails(&v) || v.action == NK_FAULT_AFTER)
		rc = REAL(getservbyname_r)(name, proto, se, buf, len, result);
	if (!fails(&v))
		return rc;
	*result = NULL;
	return r_failure(&v, NULL);
}

static int
f_getservbyport_r(int port, const char *proto, struct servent *se,
		  char *buf, size_t len, struct servent **result)
{
	struct verdict v = decide_named(NK_FAULT_GETSERVBYPORT_R, 0);
	int rc = 0;

	if (!fails(&v) || v.action == NK_FAULT_AFTER)
		rc = REAL(getservbyport_r)(port, proto, se, buf, len, result);
	if (!fails(&v))
		return rc;
	*result = NULL;
	return r_failure(&v, NULL);
}

/* getifaddrs: AFTER frees the list it made (nothing leaks). */
static int
f_getifaddrs(struct ifaddrs **out)
{
	struct verdict v;
	int rc;

	if (pre(NO_FAM_INFO(NK_FAULT_GETIFADDRS, -1), &v))
		return -1;
	rc = REAL(getifaddrs)(out);
	if (rc == 0 && v.fire && v.action == NK_FAULT_AFTER)
		freeifaddrs(*out);
	return post(&v, rc);
}

static unsigned int
f_if_nametoindex(const char *name)
{
	struct verdict v;
	unsigned int idx;

	if (pre(NO_FAM_INFO(NK_FAULT_IF_NAMETOINDEX, -1), &v))
		return 0;
	idx = REAL(if_nametoindex)(name);
	return post(&v, 0) < 0 ? 0 : idx;
}

static char *
f_if_indextoname(unsigned int index, char *name)
{
	struct verdict v;
	char *got;

	if (pre(NO_FAM_INFO(NK_FAULT_IF_INDEXTONAME, -1), &v))
		return NULL;
	got = REAL(if_indextoname)(index, name);
	return post(&v, 0) < 0 ? NULL : got;
}

/* The seam with the wrappers in place; every entry without one (the
 * clock, the signal calls, ...) stays libc's. */
static void
install_wrappers(void)
{
	struct netkit__sys w = netkit__sys_default;

	w.socket = f_socket;
	w.bind = f_bind;
	w.listen = f_listen;
	w.accept4 = f_accept4;
	w.connect = f_connect;
	w.send = f_send;
	w.recv = f_recv;
	w.sendto = f_sendto;
	w.recvfrom = f_recvfrom;
	w.sendmsg = f_sendmsg;
	w.recvmsg = f_recvmsg;
	w.shutdown = f_shutdown;
	w.close = f_close;
	w.poll = f_poll;
	w.getsockopt = f_getsockopt;
	w.setsockopt = f_setsockopt;
	w.getsockname = f_getsockname;
	w.getpeername = f_getpeername;
	w.fcntl = f_fcntl;
	w.getaddrinfo = f_getaddrinfo;
	w.socketpair = f_socketpair;
	w.epoll_create1 = f_epoll_create1;
	w.epoll_ctl = f_epoll_ctl;
	w.epoll_wait = f_epoll_wait;
	w.eventfd = f_eventfd;
	w.pipe2 = f_pipe2;
	w.read = f_read;
	w.write = f_write;
	w.sendfile = f_sendfile;
	w.pread = f_pread;
	w.getnameinfo = f_getnameinfo;
	w.gethostname = f_gethostname;
	w.gethostbyname_r = f_gethostbyname_r;
	w.gethostbyaddr_r = f_gethostbyaddr_r;
	w.getservbyname_r = f_getservbyname_r;
	w.getservbyport_r = f_getservbyport_r;
	w.getifaddrs = f_getifaddrs;
	w.if_nametoindex = f_if_nametoindex;
	w.if_indextoname = f_if_indextoname;
	netkit__sys = w;
}

void
nk_fault_install(uint64_t seed)
{
	uint64_t s = seed;
	int i;

	pthread_mutex_lock(&st.lock);
	memset(st.rules, 0, sizeof(st.rules));
	memset(st.seen, 0, sizeof(st.seen));
	memset(st.failed, 0, sizeof(st.failed));
	st.n_rules = 0;
	st.seed = seed;
	st.seed_told = false;
	/* xorshift's state must never be 0. */
	for (i = 0; i < NK_FAULT_N_CALLS; i++)
		st.rng[i] = splitmix64(&s) | 1;
	pthread_mutex_unlock(&st.lock);
	install_wrappers();
}

void
nk_fault_reset(void)
{
	netkit__sys = netkit__sys_default;
	pthread_mutex_lock(&st.lock);
	memset(st.rules, 0, sizeof(st.rules));
	st.n_rules = 0;
	pthread_mutex_unlock(&st.lock);
}

static bool
rule_ok(const struct nk_fault_rule *r)
{
	if ((unsigned)r->call >= NK_FAULT_N_CALLS || r->prob < 0 ||
	    r->prob > 1)
		return false;
	if (r->action == NK_FAULT_SHORT)
		return r->max >= 1 &&
		       (r->call == NK_FAULT_SEND || r->call == NK_FAULT_RECV ||
			r->call == NK_FAULT_SENDTO ||
			r->call == NK_FAULT_RECVFROM ||
			r->call == NK_FAULT_SENDMSG ||
			r->call == NK_FAULT_RECVMSG ||
			r->call == NK_FAULT_SENDFILE ||
			r->call == NK_FAULT_READ || r->call == NK_FAULT_WRITE ||
			r->call == NK_FAULT_PREAD);
	if (r->action == NK_FAULT_VALUE)
		return r->call == NK_FAULT_GETSOCKOPT;
	return r->action == NK_FAULT_FAIL || r->action == NK_FAULT_AFTER;
}

int
nk_fault_add(const struct nk_fault_rule *rule)
{
	int i;

	ck_assert_msg(rule && rule_ok(rule), "bad fault rule");
	pthread_mutex_lock(&st.lock);
	i = st.n_rules;
	if (i < MAX_RULES) {
		st.rules[i].r = *rule;
		st.rules[i].active = true;
		st.n_rules++;
	}
	if (i < MAX_RULES && rule->prob > 0 && !st.seed_told) {
		st.seed_told = true;
		fprintf(stderr, "fault: seed %#" PRIx64 " (NETKIT_FAULT_SEED="
			"%#" PRIx64 " repeats it)\n", st.seed, st.seed);
	}
	pthread_mutex_unlock(&st.lock);
	ck_assert_msg(i < MAX_RULES, "more than %d fault rules", MAX_RULES);
	return i;
}

int
nk_fault_fail(enum nk_fault_call call, int err, unsigned count)
{
	return nk_fault_add(&(struct nk_fault_rule){
		.call = call, .action = NK_FAULT_FAIL, .err = err,
		.count = count });
}

int
nk_fault_short(enum nk_fault_call call, size_t max, unsigned count)
{
	return nk_fault_add(&(struct nk_fault_rule){
		.call = call, .action = NK_FAULT_SHORT, .max = max,
		.count = count });
}

static unsigned long
read_counter(const unsigned long *c)
{
	unsigned long v;

	pthread_mutex_lock(&st.lock);
	v = *c;
	pthread_mutex_unlock(&st.lock);
	return v;
}

unsigned long
nk_fault_seen(enum nk_fault_call call)
{
	ck_assert((unsigned)call < NK_FAULT_N_CALLS);
	return read_counter(&st.seen[call]);
}

unsigned long
nk_fault_failed(enum nk_fault_call call)
{
	ck_assert((unsigned)call < NK_FAULT_N_CALLS);
	return read_counter(&st.failed[call]);
}

unsigned long
nk_fault_failed_total(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < NK_FAULT_N_CALLS; i++)
		n += nk_fault_failed((enum nk_fault_call)i);
	return n;
}

unsigned long
nk_fault_fired(int rule)
{
	ck_assert(rule >= 0 && rule < MAX_RULES);
	return read_counter(&st.rules[rule].fired);
}

static const enum nk_fault_call data_calls[] = {
	NK_FAULT_SEND, NK_FAULT_RECV, NK_FAULT_SENDTO, NK_FAULT_RECVFROM,
	NK_FAULT_SENDMSG, NK_FAULT_RECVMSG, NK_FAULT_ACCEPT4, NK_FAULT_READ,
	NK_FAULT_WRITE, NK_FAULT_SENDFILE, NK_FAULT_PREAD,
};

unsigned long
nk_fault_seen_data(void)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < sizeof(data_calls) / sizeof(data_calls[0]); i++)
		n += nk_fault_seen(data_calls[i]);
	return n;
}

unsigned long
nk_fault_seen_waits(void)
{
	return nk_fault_seen(NK_FAULT_POLL) +
	       nk_fault_seen(NK_FAULT_EPOLL_WAIT);
}

void
nk_fault_retire(int rule)
{
	ck_assert(rule >= 0 && rule < MAX_RULES);
	pthread_mutex_lock(&st.lock);
	st.rules[rule].active = false;
	pthread_mutex_unlock(&st.lock);
}

uint64_t
nk_fault_seed(void)
{
	uint64_t s;

	pthread_mutex_lock(&st.lock);
	s = st.seed;
	pthread_mutex_unlock(&st.lock);
	return s;
}

bool
nk_fault_seed_from_env(void)
{
	const char *e = getenv("NETKIT_FAULT_SEED");

	return e && *e;
}

uint64_t
nk_fault_seed_env(uint64_t fallback)
{
	const char *e = getenv("NETKIT_FAULT_SEED");
	char *end;
	uint64_t s;

	if (!e || !*e)
		return fallback;
	errno = 0;
	s = strtoull(e, &end, 0);
	ck_assert_msg(errno == 0 && *end == '\0',
		      "NETKIT_FAULT_SEED=%s is not a number", e);
	return s;
}

const char *
nk_fault_call_name(enum nk_fault_call call)
{
	return (unsigned)call < NK_FAULT_N_CALLS ? call_names[call] : "?";
}

static void
fault_fixture(void)
{
	nk_fault_reset();
}

/* After the fd-leak fixture, as before: its teardown counts the
 * descriptors, then this one resets the seam. */
static TCase *
with_fault_fixture(TCase *tc)
{
	tcase_add_checked_fixture(tc, fault_fixture, fault_fixture);
	return tc;
}

TCase *
nk_fault_tcase_part(const TTest *t, const char *suffix, int first, int end)
{
	return with_fault_fixture(nk_tcase_part(t, suffix, first, end));
}

TCase *
nk_fault_tcase(const char *name, const TTest *t, int loops)
{
	return with_fault_fixture(nk_tcase_with(name, t, loops));
}
