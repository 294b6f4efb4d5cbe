/* SPDX-License-Identifier: MIT */
/*
 * Unix domain sockets: socket pairs, descriptors passed with a message
 * (SCM_RIGHTS), the peer's credentials (SO_PEERCRED). The addresses
 * are unix-addr.c's.
 *
 * Received descriptors are close-on-exec from birth (MSG_CMSG_CLOEXEC).
 * A message that brings more of them than the caller has room for is
 * an error, and every one that arrived is closed before returning: the
 * kernel has already installed them in this process, so leaving them
 * would leak.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "netkit-private.h"

/* Room for a control message of NETKIT_MAX_FDS descriptors, aligned as
 * cmsghdr wants. */
union fd_control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(NETKIT_MAX_FDS * sizeof(int))];
};

NETKIT_EXPORT int
netkit_socketpair(int type, int fds[2])
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	int sv[2];

	if (!fds)
		return -EINVAL;
	if (base != SOCK_STREAM && base != SOCK_DGRAM &&
	    base != SOCK_SEQPACKET)
		return -EINVAL;
	if (NK_SYS(socketpair)(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return netkit__errno();
	fds[0] = sv[0];
	fds[1] = sv[1];
	return 0;
}

/* Arguments common to the send calls. */
static bool
send_args_ok(const void *buf, size_t len, const int *fds, size_t n)
{
	return buf && len > 0 && (fds || n == 0) && n <= NETKIT_MAX_FDS;
}

/* What one attempt of a send with descriptors takes. */
struct fds_out {
	const void *buf;
	size_t len;
	const int *fds;
	size_t n;
};

/* One sendmsg() of the buffer with the descriptors attached. */
static ssize_t
try_send_fds(int fd, void *arg, int flags)
{
	const struct fds_out *o = arg;
	union fd_control ctl;
	struct iovec iov = { (void *)o->buf, o->len };
	struct msghdr msg;
	struct cmsghdr *cm;
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (o->n > 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(o->n * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(o->n * sizeof(int));
		memcpy(CMSG_DATA(cm), o->fds, o->n * sizeof(int));
	}
	r = NK_SYS(sendmsg)(fd, &msg, flags | MSG_NOSIGNAL);
	return r >= 0 ? r : netkit__errno();
}

/* 0 if fd is a Unix socket, else -EOPNOTSUPP (or getsockopt's error).
 * Linux's TCP and UDP accept SCM_RIGHTS and drop the descriptors
 * without a word; asked only when descriptors are to go. */
static int
check_unix(int fd)
{
	socklen_t len = sizeof(int);
	int domain = 0;

	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return netkit__errno();
	return domain == AF_UNIX ? 0 : -EOPNOTSUPP;
}

/* The send calls' checks, before any system call: the arguments, the
 * descriptor, and a Unix socket when descriptors go. */
static int
send_fds_check(int fd, const void *buf, size_t len, const int *fds,
	       size_t n)
{
	if (!send_args_ok(buf, len, fds, n))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return n > 0 ? check_unix(fd) : 0;
}

NETKIT_EXPORT ssize_t
netkit_send_fds(int fd, const void *buf, size_t len, const int *fds, size_t n,
		netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct fds_out o = { buf, len, fds, n };
	struct netkit__op op = { try_send_fds, &o, POLLOUT, 0 };
	int rc;

	if (!netkit__deadline_ok(deadline))
		return -EINVAL;
	if ((rc = send_fds_check(fd, buf, len, fds, n)) < 0)
		return rc;
	return netkit__until(fd, &op, deadline);
}

/* Arguments common to the receive calls. */
static bool
recv_args_ok(const void *buf, size_t len, const int *fds, size_t max,
	     const size_t *n_out)
{
	return buf && len > 0 && (fds || max == 0) && max <= NETKIT_MAX_FDS &&
	       n_out;
}

/* Collects the descriptors of every SCM_RIGHTS message into got[] (room
 * for room of them) and returns their number. */
static size_t
collect_fds(struct msghdr *msg, int *got, size_t room)
{
	struct cmsghdr *cm;
	size_t k, n = 0;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k > room - n)
			k = room - n;
		memcpy(got + n, CMSG_DATA(cm), k * sizeof(int));
		n += k;
	}
	return n;
}

/* Closes n received descriptors: the message failed. */
static void
close_all(const int *got, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)NK_SYS(close)(got[i]);
}

/* What one attempt of a receive with descriptors takes. */
struct fds_in {
	void *buf;
	size_t len;
	int *fds;
	size_t max;
	size_t *n_out;
};

/* One recvmsg(): the bytes received, or a negative code. On success
 * the descriptors go to fds and their number to *n_out; if either part
 * was cut, every descriptor received is closed and the call fails. */
static ssize_t
try_recv_fds(int fd, void *arg, int flags)
{
	const struct fds_in *in = arg;
	union fd_control ctl;
	int got[sizeof(ctl.buf) / sizeof(int)];
	struct iovec iov = { in->buf, in->len };
	struct msghdr msg;
	size_t n = 0;
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (in->max > 0) {
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(in->max * sizeof(int));
	}
	r = NK_SYS(recvmsg)(fd, &msg, flags | MSG_CMSG_CLOEXEC);
	if (r < 0)
		return netkit__errno();
	if (in->max > 0)
		n = collect_fds(&msg, got, sizeof(got) / sizeof(got[0]));
	/* CMSG_SPACE rounds up: the kernel may fit one more than max. */
	if ((msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) || n > in->max) {
		close_all(got, n);
		return (msg.msg_flags & MSG_TRUNC) ? -EMSGSIZE : -ENOBUFS;
	}
	if (n > 0)
		memcpy(in->fds, got, n * sizeof(int));
	*in->n_out = n;
	return r;
}

NETKIT_EXPORT ssize_t
netkit_recv_fds(int fd, void *buf, size_t len, int *fds, size_t max,
		size_t *n_out, netkit_deadline dl)
{
	int64_t deadline = dl.at;
	struct fds_in in = { buf, len, fds, max, n_out };
	struct netkit__op op = { try_recv_fds, &in, POLLIN, 0 };

	if (!recv_args_ok(buf, len, fds, max, n_out) ||
	    !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	return netkit__until(fd, &op, deadline);
}

NETKIT_EXPORT int
netkit_peer_cred(int fd, netkit_cred *out)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (!out)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (NK_SYS(getsockopt)(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return netkit__errno();
	/* Without a peer the kernel answers pid 0, uid and gid -1. */
	if (len < sizeof(uc) || uc.pid == 0)
		return -ENOTCONN;
	out->pid = uc.pid;
	out->uid = uc.uid;
	out->gid = uc.gid;
	return 0;
}
