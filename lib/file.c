/* SPDX-License-Identifier: MIT */
/*
 * Files and sockets: sendfile from a file to a socket, and receiving
 * from a socket into a file.
 *
 * sendfile(2) has no MSG_NOSIGNAL: on a socket the peer closed (or one
 * shut down for writing) it raises SIGPIPE. The process's disposition
 * is the application's, so SIGPIPE is blocked in the calling thread
 * for the call, and one the call raised is taken back with
 * sigtimedwait() before the mask is restored; one already pending
 * before the call is left as it was.
 *
 * sendfile has no MSG_DONTWAIT either: with a deadline other than
 * NETKIT_FOREVER, a blocking socket is switched to O_NONBLOCK for the
 * call and switched back afterwards.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>

#include "netkit-private.h"

/* The bounce buffer of the read+send fallback. */
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
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
	sigpending(&set);
	g->pending = sigismember(&set, SIGPIPE) == 1;
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
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	errno = saved;
}

/* O_NONBLOCK on sock for a call with a deadline; *was gets the flags
 * to restore (-1: nothing to restore). */
static int
nonblock_for(int sock, int64_t deadline, int *was)
{
	int fl;

	*was = -1;
	if (deadline == NETKIT_FOREVER)
		return 0;
	fl = NK_SYS(fcntl)(sock, F_GETFL);
	if (fl < 0)
		return netkit__errno();
	if (fl & O_NONBLOCK)
		return 0;
	if (NK_SYS(fcntl)(sock, F_SETFL, fl | O_NONBLOCK) < 0)
		return netkit__errno();
	*was = fl;
	return 0;
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

/* Reads the next bytes of the source: at off with pread() when it can
 * seek, else from its position with read(), waiting for a pipe or a
 * socket to have some. */
static ssize_t
read_source(int fd, char *buf, size_t len, off_t off, bool seekable,
	    int64_t deadline)
{
	ssize_t n;
	int rc;

	for (;;) {
		if (seekable)
			n = NK_SYS(pread)(fd, buf, len, off);
		else
			n = NK_SYS(read)(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return netkit__errno();
		rc = netkit__wait(fd, POLLIN, deadline);
		if (rc < 0)
			return rc;
	}
}

/* The fallback: read() or pread() into a buffer, then send it all.
 * *done counts the bytes sent. */
static ssize_t
copy_loop(int sock, int fd, off_t offset, size_t count, int64_t deadline,
	  size_t *done)
{
	char buf[CHUNK];
	bool seekable = true;
	size_t went;
	ssize_t n;

	/* A pipe or a socket has no offset: it is read from where it is,
	 * and only offset 0 means that. */
	if (NK_SYS(pread)(fd, buf, 0, offset) < 0) {
		if (errno != ESPIPE)
			return netkit__errno();
		if (offset != 0)
			return -ESPIPE;
		seekable = false;
	}
	while (count == 0 || *done < count) {
		n = read_source(fd, buf, next_len(count, *done, sizeof(buf)),
				offset + (off_t)*done, seekable, deadline);
		if (n <= 0)
			return n;
		n = netkit_send_all_until(sock, buf, (size_t)n, deadline,
					  &went);
		*done += went;
		if (n < 0)
			return n;
	}
	return 0;
}

/* sendfile() until count bytes (0: the end of the file) went, waiting
 * for room with poll. Returns 0, 1 when sendfile cannot serve this
 * source (nothing sent yet: take the fallback), or a negative code. */
static int
sendfile_loop(int sock, int fd, off_t offset, size_t count,
	      int64_t deadline, size_t *done)
{
	off_t off = offset;
	ssize_t n;
	int rc;

	while (count == 0 || *done < count) {
		n = NK_SYS(sendfile)(sock, fd, &off,
				     next_len(count, *done, SENDFILE_MAX));
		if (n == 0)
			return 0;
		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if ((errno == EINVAL || errno == ENOSYS || errno == ESPIPE) &&
		    *done == 0)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return netkit__errno();
		rc = netkit__wait(sock, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

NETKIT_EXPORT ssize_t
netkit_sendfile_until(int sock, int file_fd, off_t offset, size_t count,
		      int64_t deadline, size_t *sent)
{
	struct pipe_guard g;
	size_t done = 0;
	int was, rc;

	if (sent)
		*sent = 0;
	if (offset < 0 || !netkit__deadline_ok(deadline))
		return -EINVAL;
	if (sock < 0 || file_fd < 0)
		return -EBADF;
	rc = nonblock_for(sock, deadline, &was);
	if (rc < 0)
		return rc;
	guard_pipe(&g);
	rc = sendfile_loop(sock, file_fd, offset, count, deadline, &done);
	unguard_pipe(&g, rc == -EPIPE);
	if (rc == 1)
		rc = (int)copy_loop(sock, file_fd, offset, count, deadline,
				    &done);
	if (was >= 0)
		(void)NK_SYS(fcntl)(sock, F_SETFL, was);
	if (sent)
		*sent = done;
	return rc < 0 ? rc : (ssize_t)done;
}

NETKIT_EXPORT ssize_t
netkit_sendfile(int sock, int file_fd, off_t offset, size_t count)
{
	return netkit_sendfile_until(sock, file_fd, offset, count,
				     NETKIT_FOREVER, NULL);
}

/* Writes all len bytes to fd (a file, or a pipe). */
static ssize_t
write_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	size_t done = 0;
	ssize_t n;
	int rc;

	while (done < len) {
		n = NK_SYS(write)(fd, buf + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return netkit__errno();
		rc = netkit__wait(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	return (ssize_t)len;
}

NETKIT_EXPORT ssize_t
netkit_recv_to_file_until(int sock, int file_fd, size_t count,
			  int64_t deadline, size_t *got)
{
	char buf[CHUNK];
	size_t done = 0;
	ssize_t n = 0;

	if (got)
		*got = 0;
	if (!netkit__deadline_ok(deadline))
		return -EINVAL;
	if (sock < 0 || file_fd < 0)
		return -EBADF;
	while (count == 0 || done < count) {
		n = netkit_recv_until(sock, buf,
				      next_len(count, done, sizeof(buf)),
				      deadline);
		if (n <= 0)
			break;
		n = write_all(file_fd, buf, (size_t)n, deadline);
		if (n < 0)
			break;
		done += (size_t)n;
	}
	if (got)
		*got = done;
	return n < 0 ? n : (ssize_t)done;
}

NETKIT_EXPORT ssize_t
netkit_recv_to_file(int sock, int file_fd, size_t count)
{
	return netkit_recv_to_file_until(sock, file_fd, count, NETKIT_FOREVER,
					 NULL);
}
