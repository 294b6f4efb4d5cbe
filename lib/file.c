/* SPDX-License-Identifier: MIT */
/*
 * Files and sockets: sendfile from a file to a socket, and receiving
 * from a socket into a file.
 *
 * sendfile(2) has no MSG_NOSIGNAL: on a socket the peer closed (or one
 * shut down for writing) it raises SIGPIPE, as write(2) does into a pipe
 * whose reader has gone. The process's disposition
 * is the application's, so SIGPIPE is blocked in the calling thread
 * for the call, and one the call raised is taken back with
 * sigtimedwait() before the mask is restored; one already pending
 * before the call is left as it was.
 *
 * sendfile(), read() and write() have no MSG_DONTWAIT either: with a
 * deadline other than NETKIT__NEVER, a blocking socket, and a source
 * or destination that is not a regular file (a pipe), is switched to
 * O_NONBLOCK for the call and switched back afterwards, so that no
 * call can block past the deadline. The waits are fd.c's.
 *
 * The copies go through a 64 KiB buffer on the heap, not the stack: a
 * thread's stack may be 128 KiB in all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "netkit-private.h"

/* The bounce buffer of the read+send fallback and of receive-to-file. */
#define CHUNK 65536
/* The most one sendfile() call moves (Linux caps it near 2 GiB). */
#define SENDFILE_MAX ((size_t)1 << 30)

/* SIGPIPE blocked in this thread, and whether one was already pending. */
struct pipe_guard {
	sigset_t old;
	bool pending;
};

static void
guard_pipe(struct pipe_guard *g)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	(void)NK_SYS(pthread_sigmask)(SIG_BLOCK, &set, &g->old);
	g->pending = NK_SYS(sigpending)(&set) == 0 &&
		     sigismember(&set, SIGPIPE) == 1;
}

/* Takes back a SIGPIPE that the guarded calls raised, then restores the
 * thread's mask. errno is kept for the caller. */
static void
unguard_pipe(struct pipe_guard *g, bool epipe)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t set;
	int saved = errno;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (epipe && !g->pending) {
		while (NK_SYS(sigtimedwait)(&set, NULL, &zero) < 0 &&
		       errno == EINTR)
			;
	}
	(void)NK_SYS(pthread_sigmask)(SIG_SETMASK, &g->old, NULL);
	errno = saved;
}

/* How much to ask for next: the rest of count, or a big bite when count
 * is 0 (to the end of the file). */
static size_t
next_len(size_t count, size_t done, size_t cap)
{
	size_t left = count - done;

	if (count == 0 || left > cap)
		return cap;
	return left;
}

/* O_NONBLOCK for the call on fd, unless the call may wait for ever (no
 * deadline, no stall time) or fd is a regular file (which never
 * blocks); *saved as
 * netkit__set_nonblock()'s. */
static int
nonblock_for(int fd, bool regular, const struct netkit__limits *l,
	     int *saved)
{
	*saved = -1;
	if (netkit__limits_never(l) || regular)
		return 0;
	return netkit__set_nonblock(fd, saved);
}

/* One sendfile() of the rest, from *off. */
struct sendfile_arg {
	int file_fd;
	off_t off;
	size_t len;
};

static ssize_t
try_sendfile(int sock, void *arg, int flags)
{
	struct sendfile_arg *a = arg;
	ssize_t n;

	(void)flags;	/* the socket's mode decides */
	n = NK_SYS(sendfile)(sock, a->file_fd, &a->off, a->len);
	return n >= 0 ? n : netkit__errno();
}

/* sendfile() until count bytes (0: the end of the file) went. Returns
 * 0, 1 when sendfile cannot serve this source (nothing sent yet: take
 * the fallback), or a negative code; *done counts the bytes sent. */
static int
sendfile_loop(int sock, int fd, off_t offset, size_t count,
	      const struct netkit__limits *l, size_t *done)
{
	struct sendfile_arg a = { fd, offset, 0 };
	struct netkit__op op = { try_sendfile, &a, POLLOUT, 0 };
	ssize_t n;

	while (count == 0 || *done < count) {
		a.len = next_len(count, *done, SENDFILE_MAX);
		n = netkit__until_more(sock, &op, l, *done);
		if (n == 0)
			return 0;
		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if ((n == -EINVAL || n == -ENOSYS || n == -ESPIPE) &&
		    *done == 0)
			return 1;
		return (int)n;
	}
	return 0;
}

/* A chunk of a copy: the buffer, and where in the file (pread() at off
 * when the file can seek, else read() and write() where it stands). */
struct chunk {
	char *buf;
	size_t len;
	off_t off;
	bool seekable;
};

/* One read of the source. */
static ssize_t
try_read(int fd, void *arg, int flags)
{
	const struct chunk *a = arg;
	ssize_t n;

	(void)flags;	/* the descriptor's mode decides */
	if (a->seekable)
		n = NK_SYS(pread)(fd, a->buf, a->len, a->off);
	else
		n = NK_SYS(read)(fd, a->buf, a->len);
	return n >= 0 ? n : netkit__errno();
}

/* The fallback: read() or pread() into a buffer, then send it all.
 * *done counts the bytes sent. */
static ssize_t
copy_loop(int sock, int fd, off_t offset, size_t count,
	  const struct netkit__limits *l, size_t *done)
{
	struct chunk a = { .off = offset, .seekable = true };
	struct netkit__op op = { try_read, &a, POLLIN, 0 };
	int saved = -1;
	size_t went;
	ssize_t n;

	/* A pipe or a socket has no offset: it is read from where it is,
	 * and only offset 0 means that. */
	if (NK_SYS(pread)(fd, NULL, 0, offset) < 0) {
		if (errno != ESPIPE)
			return netkit__errno();
		if (offset != 0)
			return -ESPIPE;
		a.seekable = false;
	}
	a.buf = malloc(CHUNK);
	if (!a.buf)
		return -ENOMEM;
	n = nonblock_for(fd, a.seekable, l, &saved);
	while (n == 0 && (count == 0 || *done < count)) {
		a.len = next_len(count, *done, CHUNK);
		a.off = offset + (off_t)*done;
		n = netkit__until_more(fd, &op, l, *done);
		if (n <= 0)
			break;
		n = netkit_send_all_until(sock, a.buf, (size_t)n, &went,
					  netkit__limits_deadline(l));
		*done += went;
		if (n > 0)
			n = 0;
	}
	(void)netkit__restore_mode(fd, saved);
	free(a.buf);
	return n;
}

NETKIT_EXPORT ssize_t
netkit_sendfile(int sock, int file_fd, off_t offset, size_t count,
		size_t *sent, netkit_deadline dl)
{
	struct netkit__limits l;
	struct pipe_guard g;
	size_t done = 0;
	int saved, rc;

	if (sent)
		*sent = 0;
	if (offset < 0 || !netkit__limits_of(dl, &l))
		return -EINVAL;
	if (sock < 0 || file_fd < 0)
		return -EBADF;
	rc = nonblock_for(sock, false, &l, &saved);
	if (rc < 0)
		return rc;
	guard_pipe(&g);
	rc = sendfile_loop(sock, file_fd, offset, count, &l, &done);
	unguard_pipe(&g, rc == -EPIPE);
	if (rc == 1)
		rc = (int)copy_loop(sock, file_fd, offset, count, &l, &done);
	(void)netkit__restore_mode(sock, saved);
	if (sent)
		*sent = done;
	return rc < 0 ? rc : (ssize_t)done;
}

/* One write() of the rest of a chunk. */
static ssize_t
try_write(int fd, void *arg, int flags)
{
	const struct chunk *a = arg;
	ssize_t n;

	(void)flags;	/* the descriptor's mode decides */
	n = NK_SYS(write)(fd, a->buf, a->len);
	if (n == 0)
		return -EIO;
	return n >= 0 ? n : netkit__errno();
}

/* Writes all len bytes to fd (a file, or a pipe); *done grows by every
 * byte written, also when a write fails midway. */
static ssize_t
write_all(int fd, const char *buf, size_t len,
	  const struct netkit__limits *l, size_t *done)
{
	struct chunk a = { 0 };
	struct netkit__op op = { try_write, &a, POLLOUT, 0 };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		a.buf = (char *)buf + off;
		a.len = len - off;
		n = netkit__until_more(fd, &op, l, off);
		if (n < 0)
			return n;
		off += (size_t)n;
		*done += (size_t)n;
	}
	return (ssize_t)len;
}

/* True for a regular file: it never blocks, and needs no O_NONBLOCK. */
static bool
is_regular(int fd)
{
	struct stat st;

	return NK_SYS(fstat)(fd, &st) == 0 && S_ISREG(st.st_mode);
}

NETKIT_EXPORT ssize_t
netkit_recv_to_file(int sock, int file_fd, size_t count, size_t *got,
		    netkit_deadline dl)
{
	struct netkit__limits l;
	struct pipe_guard g;
	size_t done = 0;
	bool regular;
	int64_t at;
	int saved = -1;
	ssize_t n;
	char *buf;

	if (got)
		*got = 0;
	if (!netkit__limits_of(dl, &l))
		return -EINVAL;
	if (sock < 0 || file_fd < 0)
		return -EBADF;
	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	/* A pipe whose reader has gone raises SIGPIPE on write(). */
	regular = is_regular(file_fd);
	if (!regular)
		guard_pipe(&g);
	n = nonblock_for(file_fd, regular, &l, &saved);
	while (n >= 0 && (count == 0 || done < count)) {
		if (done > 0 && netkit__expired(l.deadline)) {
			n = -ETIMEDOUT;
			break;
		}
		at = l.stall < 0 ? l.deadline : netkit__chunk_deadline(&l);
		n = netkit_recv_until(sock, buf, next_len(count, done, CHUNK),
				      netkit__deadline(at));
		n = netkit__chunk_result(&l, at, n);
		if (n <= 0)
			break;
		n = write_all(file_fd, buf, (size_t)n, &l, &done);
	}
	(void)netkit__restore_mode(file_fd, saved);
	if (!regular)
		unguard_pipe(&g, n == -EPIPE);
	free(buf);
	if (got)
		*got = done;
	return n < 0 ? n : (ssize_t)done;
}

