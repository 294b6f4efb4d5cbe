/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: files and sockets, sendfile and receive-to-file. Include
 * <netkit.h>, not this file.
 */
#ifndef NETKIT_FILE_H
#define NETKIT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup file Files
 * Sending a file over a socket without copying it through the program
 * (sendfile(2)), and saving what a socket brings into a file.
 *
 * netkit_sendfile() sends @p count bytes of a file from an
 * offset, however many calls it takes, within one deadline, and tells
 * how many went even when it fails. It never raises SIGPIPE, although
 * sendfile(2) itself has no `MSG_NOSIGNAL`: `SIGPIPE` is blocked in
 * the calling thread for the call, and one the call raised is taken
 * back before the thread's mask is restored (one that was already
 * pending stays pending). The process's signal handling is never
 * touched. Where sendfile(2) cannot read the source (a pipe, a socket,
 * a file system without it: `EINVAL`, `ENOSYS` or `ESPIPE` before any
 * byte went), the call falls back to read(2) + send, with the same
 * results.
 *
 * netkit_recv_to_file() is the other side: recv() and write(2)
 * until a count or the end of the stream.
 * @code
 * int file = open("video.mp4", O_RDONLY | O_CLOEXEC);
 * size_t sent;
 * ssize_t n;
 *
 * n = netkit_sendfile(sock, file, 0, 0, &sent,  // 0: to the end of the file
 *                     netkit_deadline_in(30000));
 * if (n < 0)
 *         fprintf(stderr, "%zu bytes went, then %s\n", sent,
 *                 netkit_strerror((int)n));
 * @endcode
 *
 * | Python | netkit |
 * | --- | --- |
 * | `sock.sendfile(f, offset, count)` | `netkit_sendfile(sock, fd, offset, count, NULL, NETKIT_FOREVER)` |
 * | `sock.settimeout(t); sock.sendfile(f)` | `netkit_sendfile(sock, fd, 0, 0, &sent, netkit_deadline_in(t))` |
 * | `os.sendfile(out, in, offset, count)` (one call, may be short, may raise SIGPIPE) | netkit_sendfile() loops, and never raises it |
 * | `while data := sock.recv(n): f.write(data)` | `netkit_recv_to_file(sock, fd, 0, NULL, NETKIT_FOREVER)` |
 * @{
 */

/**
 * Sends @p count bytes of a file, from @p offset, before a deadline,
 * and says how many went.
 *
 * Loops over sendfile(2)'s partial sends. With a deadline other than
 * #NETKIT_FOREVER, a blocking @p sock, and a source that is a pipe or a
 * socket, are made non-blocking for the call (and blocking again
 * before it returns), and the call waits with poll(); another thread or
 * process using the same open file description meanwhile would see it
 * non-blocking. So the deadline is kept even by a pipe whose writer
 * never writes. A regular file's position is not moved:
 * the bytes are read at @p offset. When sendfile(2) cannot serve the
 * source (`EINVAL`, `ENOSYS` or `ESPIPE` before any byte went: a pipe,
 * a socket, some file systems), the bytes are read with pread(2) at @p offset,
 * or, from a source that cannot seek, with read(2) from where it
 * stands, and sent with send(2), through a 64 KiB buffer the call
 * allocates and frees; bytes read from a pipe but not sent when an
 * error ends the call are lost (they are not counted in *@p sent).
 * @param sock      A connected stream socket.
 * @param file_fd   The source, open for reading: a regular file, or a
 *                  pipe or socket (the fallback).
 * @param offset    Where in the file to start, >= 0; must be 0 for a
 *                  source that cannot seek.
 * @param count     How many bytes; 0 means "to the end of the file"
 *                  (a pipe: until its writer closes it).
 * @param[out] sent If not NULL, always receives the number of bytes
 *                  handed to the kernel, on success and on every error
 *                  (0 for a bad argument).
 * @param deadline  See @ref time; it bounds the whole transfer.
 *                  A netkit_deadline_stall() adds a stall limit.
 * @return The number of bytes sent: @p count, or fewer when the file
 *         ended first; or a negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p sent tells how far
 *                     it got.
 * @retval NETKIT_ESTALL No byte moved for the stall time of a
 *                     netkit_deadline_stall(); the count tells how far
 *                     it got.
 * @retval -EINVAL     @p offset negative, or @p deadline below -1;
 *                     nothing sent.
 * @retval -EBADF      @p sock or @p file_fd negative or not open (or
 *                     the file not open for reading).
 * @retval -ESPIPE     A source that cannot seek with @p offset other
 *                     than 0; nothing sent.
 * @retval -EPIPE      The peer closed, or @p sock was shut down for
 *                     writing (never SIGPIPE).
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -ENOMEM     No memory for the fallback's buffer.
 * @note Never raises SIGPIPE. Thread-safe (the signal mask it changes
 * is the calling thread's, and only for the call). Python:
 * `sock.sendfile(file, offset, count)`, except that Python does not
 * say how much went when it fails.
 */
NETKIT_EXPORT ssize_t netkit_sendfile(int sock, int file_fd, off_t offset,
				      size_t count, size_t *sent,
				      netkit_deadline deadline);

/**
 * Receives @p count bytes (0: until the peer closes) from a socket into
 * a file, before a deadline, and says how many were written.
 *
 * Made with recv() and write(2) through a 64 KiB buffer that the call
 * allocates and frees, at the file's current position (open it with
 * `O_APPEND` to append), so that any file, pipe or terminal can take
 * the bytes; splice(2) would save a copy but needs a pipe in between
 * and a file system that takes it. With a deadline other than
 * #NETKIT_FOREVER, a destination that is not a regular file (a pipe)
 * is made non-blocking for the call and put back before it returns,
 * so that a reader that never reads cannot hold the call past its
 * deadline. *@p got counts every byte that reached the file, also those
 * of a write that failed midway; bytes received but not written when a
 * write fails are lost, so a transfer resumed from *@p got writes no
 * byte twice.
 * @param sock      A connected stream socket.
 * @param file_fd   The destination, open for writing.
 * @param count     How many bytes; 0 means "until the peer closes".
 * @param[out] got  If not NULL, always receives the number of bytes
 *                  written to the file, on success and on every error
 *                  (0 for a bad argument).
 * @param deadline  See @ref time; it bounds the whole transfer.
 *                  A netkit_deadline_stall() adds a stall limit.
 * @return The number of bytes written: @p count, or fewer when the peer
 *         closed first; or a negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p got tells how many
 *                     bytes were written.
 * @retval NETKIT_ESTALL No byte moved for the stall time of a
 *                     netkit_deadline_stall(); the count tells how far
 *                     it got.
 * @retval -EINVAL     @p deadline below -1; nothing read.
 * @retval -EBADF      @p sock or @p file_fd negative or not open.
 * @retval -ENOSPC     The file's file system is full.
 * @retval -EFBIG      The file reached its size limit (`RLIMIT_FSIZE`;
 *                     the kernel also sends `SIGXFSZ`, which ends the
 *                     process unless it is ignored or handled).
 * @retval -EPIPE      @p file_fd is a pipe whose reader closed.
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -ENOMEM     No memory for the buffer; nothing read.
 * @note Python: `while data := sock.recv(65536): f.write(data)`.
 */
NETKIT_EXPORT ssize_t netkit_recv_to_file(int sock, int file_fd,
					  size_t count, size_t *got,
					  netkit_deadline deadline);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_FILE_H */
