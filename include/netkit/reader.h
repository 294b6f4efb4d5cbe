/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: the buffered reader (lines, delimiters, exact counts).
 * Include <netkit.h>, not this file.
 */
#ifndef NETKIT_READER_H
#define NETKIT_READER_H

#include <stdint.h>

#include "common.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup reader Buffered reading
 * Whole conversations over a stream socket: lines, delimited records and
 * exact byte counts, read through one buffer.
 *
 * A ::netkit_reader sits between a connected stream socket and the
 * code that parses it. It receives as much as its buffer holds in one
 * system call and hands it out a line, a record or a count at a time,
 * so a protocol of short lines costs one recv() per segment, not one
 * per byte. What every reader call guarantees:
 * - **The descriptor stays the caller's.** The reader never closes it
 *   and never changes its mode: it receives with `MSG_DONTWAIT` and
 *   waits with poll(), so blocking and non-blocking descriptors behave
 *   alike. Reading the descriptor directly is allowed once the reader's
 *   buffered bytes are taken (netkit_reader_buffered(),
 *   netkit_reader_consume()).
 * - **One deadline per call** (see @ref time): it bounds the whole
 *   call, however many receives it takes. Its expiry is `-ETIMEDOUT`
 *   and loses nothing: a partial line stays buffered for the next call,
 *   and netkit_reader_read_exact() reports how many bytes it stored.
 * - **Errors lose nothing either.** A socket error (`-ECONNRESET`...)
 *   is returned as it comes, and the bytes that arrived before it stay
 *   readable.
 * - **Binary-safe.** Lines and records may hold any byte, NUL
 *   included; the returned length is the truth, the added NUL a
 *   convenience.
 * - **Few copies and system calls.** Every receive asks for all the
 *   free space of the buffer; buffered bytes move to its front only
 *   just before a receive that needs the room; a line is scanned for
 *   its delimiter once, however many receives it takes to arrive; and
 *   a large exact read goes from the socket straight into the caller's
 *   memory.
 * - **No allocation** with netkit_reader_init() (the caller's buffer);
 *   netkit_reader_alloc() allocates the buffer, netkit_reader_free()
 *   releases it.
 * - A reader is not thread-safe: one thread reads through it at a time.
 * - **A connection's reader** (netkit_conn_reader(), see @ref loop) is
 *   filled by its loop instead, one receive per readiness event. Its
 *   calls never receive and never wait, whatever the deadline: what
 *   has not arrived yet is `-EAGAIN`, and nothing is consumed (so
 *   netkit_reader_read_exact() is all or nothing there); a record
 *   longer than its buffer is #NETKIT_ETOOLONG. Pass #NETKIT_NOW.
 *
 * A line-based protocol: a request line, a header giving the body's
 * length, the body itself, and then whatever follows handed to raw
 * receives:
 * @code
 * char line[1024], body[4096], raw[65536];
 * unsigned char buf[8192];
 * netkit_reader r;
 * const void *rest;
 * size_t n, got;
 * ssize_t len;
 * netkit_deadline dl = netkit_deadline_in(5000); // 5 s for the whole request
 *
 * netkit_reader_init(&r, fd, buf, sizeof(buf));
 * len = netkit_reader_read_line(&r, line, sizeof(line), dl);
 * if (len == NETKIT_ETOOLONG)                 // refuse it, keep going
 *         netkit_reader_skip_line(&r, dl);
 * else if (len > 0)                           // "PUT /x\r\n", CRLF kept
 *         handle_request(line, (size_t)len);
 * len = netkit_reader_read_line(&r, line, sizeof(line), dl);
 * n = strtoul(line + strlen("Length: "), NULL, 10);  // "Length: 12\n"
 * if (n == 0 || n > sizeof(body) ||
 *     netkit_reader_read_exact(&r, body, n, &got, dl) != (ssize_t)n)
 *         return;                             // short, timed out, reset
 * handle_body(body, n);
 * // From here on, raw receives: first what the reader holds.
 * n = netkit_reader_buffered(&r, &rest);
 * forward(rest, n);
 * netkit_reader_consume(&r, n);
 * while ((len = netkit_recv(fd, raw, sizeof(raw))) > 0)
 *         forward(raw, (size_t)len);
 * netkit_reader_free(&r);                     // nothing to free; fd open
 * netkit_close(fd);
 * @endcode
 * (every call returns a negative code on failure; check each one.)
 * @note Python: ``f = sock.makefile('rb')``, then `f.readline()`,
 * `f.read(n)`; asyncio's `StreamReader.readline()`, `readuntil()` and
 * `readexactly()`.
 * @{
 */

/**
 * A buffered reader over a stream descriptor.
 *
 * The fields are private by convention: use the functions of this
 * group. Set one up with netkit_reader_init() or netkit_reader_alloc();
 * a zero-filled reader (or one after netkit_reader_free()) answers
 * every call with `-EINVAL`.
 */
typedef struct netkit_reader {
	/** @private The descriptor read from; the caller's, never closed. */
	int fd;
	/** @private Set once a receive returned 0: the peer closed. */
	bool eof;
	/** @private True when netkit_reader_alloc() allocated @c buf. */
	bool owned;
	/** @private The delimiter @c scanned refers to, or -1. */
	int scan_delim;
	/** @private The buffer. */
	unsigned char *buf;
	/** @private Its size in bytes. */
	size_t size;
	/** @private Offset of the first unread byte. */
	size_t start;
	/** @private Offset one past the last buffered byte. */
	size_t end;
	/** @private Unread bytes already known not to hold @c scan_delim. */
	size_t scanned;
	/** @private Room for later fields: the struct keeps its size. */
	uint64_t reserved_[4];
} netkit_reader;

/**
 * Sets up a reader over a descriptor, in the caller's buffer.
 *
 * Allocates nothing: the reader lives in @p r and buffers in @p buf,
 * both the caller's, for as long as the reader is used.
 * @param[out] r  The reader to set up.
 * @param fd      A connected stream socket (or any descriptor recv()
 *                works on); it stays the caller's to close.
 * @param buf     The buffer; a line, delimiter included, must fit in
 *                it to be read with netkit_reader_read_line().
 * @param size    Its size in bytes, at least 1.
 * @retval 0        Success.
 * @retval -EINVAL  @p r or @p buf NULL, or @p size 0; @p r untouched.
 * @retval -EBADF   @p fd negative; @p r untouched.
 * @note Python: ``sock.makefile('rb', buffering=size)``.
 */
NETKIT_EXPORT int netkit_reader_init(netkit_reader *r, int fd, void *buf,
				     size_t size);

/**
 * Sets up a reader over a descriptor with a buffer the library
 * allocates; release it with netkit_reader_free().
 * @param[out] r  The reader to set up.
 * @param fd      A connected stream socket; it stays the caller's.
 * @param size    The buffer's size in bytes, at least 1.
 * @retval 0        Success.
 * @retval -EINVAL  @p r NULL or @p size 0; @p r untouched.
 * @retval -EBADF   @p fd negative; @p r untouched.
 * @retval -ENOMEM  No memory for the buffer; @p r untouched.
 * @note Python: ``sock.makefile('rb')``.
 */
NETKIT_EXPORT int netkit_reader_alloc(netkit_reader *r, int fd,
				      size_t size);

/**
 * Releases what netkit_reader_alloc() allocated and leaves the reader
 * empty (every later call answers `-EINVAL`).
 *
 * Frees nothing for a reader set up with netkit_reader_init(). Never
 * closes the descriptor. Bytes still buffered are dropped: take them
 * first with netkit_reader_buffered() if they matter.
 * @param r  The reader; NULL, zero-filled and already freed readers
 *           are accepted (and nothing is freed for them).
 * @note Python: `f.close()` on a `makefile()` object, which also leaves
 * the socket open.
 */
NETKIT_EXPORT void netkit_reader_free(netkit_reader *r);

/**
 * Reads one record ending in the byte @p delim.
 *
 * Copies the record, delimiter included, into @p out, adds a NUL after
 * it, and consumes it. At the end of the stream, a last record without
 * its delimiter is returned as it is; after it, 0 says the stream has
 * ended.
 * @param r         The reader.
 * @param delim     The delimiter, any byte value 0..255 (NUL too).
 * @param[out] out  Receives the record and a NUL; untouched on error.
 * @param max       Size of @p out, at least 1: records of up to
 *                  @p max - 1 bytes fit.
 * @param deadline  See @ref time; bounds the whole call.
 * @return The record's length in bytes, delimiter included, NUL not
 *         counted; 0 at the end of the stream (@p out then holds an
 *         empty string); or a negative code.
 * @retval NETKIT_ETOOLONG  The record is longer than @p max - 1 bytes,
 *                  or does not fit in the reader's buffer. Nothing is
 *                  consumed: take it in pieces with netkit_reader_read()
 *                  or drop it with netkit_reader_skip_line().
 * @retval -ETIMEDOUT  The record was not complete by the deadline; its
 *                  bytes stay buffered for the next call.
 * @retval -ECONNRESET The peer reset the connection; the bytes that came
 *                  before stay buffered.
 * @retval -EINVAL  @p r not set up, @p out NULL, @p max 0, @p delim
 *                  outside 0..255, or @p deadline below -1.
 * @note Python: asyncio's `StreamReader.readuntil(bytes([delim]))`,
 * which also raises when the record outgrows the buffer.
 */
NETKIT_EXPORT ssize_t netkit_reader_read_delim(netkit_reader *r, int delim,
					       char *out, size_t max,
					       netkit_deadline deadline);

/**
 * Reads one line: netkit_reader_read_delim() with ``'\n'``.
 *
 * The line keeps its `"\n"` (and a `"\r\n"` stays two bytes), like
 * Python's `readline()`.
 * @param r         The reader.
 * @param[out] out  Receives the line and a NUL; untouched on error.
 * @param max       Size of @p out, at least 1.
 * @param deadline  See @ref time; bounds the whole call.
 * @return The line's length, newline included; 0 at the end of the
 *         stream; or a negative code.
 * @retval NETKIT_ETOOLONG  The line does not fit in @p out or in the
 *                  reader's buffer; nothing is consumed.
 * @retval -ETIMEDOUT  The line was not complete by the deadline; its
 *                  bytes stay buffered.
 * @retval -ECONNRESET The peer reset the connection; the bytes before
 *                  stay buffered.
 * @retval -EINVAL  @p r not set up, @p out NULL, @p max 0, or
 *                  @p deadline below -1.
 * @note Python: ``sock.makefile('rb').readline()``; asyncio's
 * `StreamReader.readline()`.
 */
NETKIT_EXPORT ssize_t netkit_reader_read_line(netkit_reader *r, char *out,
					      size_t max,
					      netkit_deadline deadline);

/**
 * Reads exactly @p len bytes, unless the peer closes first, and says
 * how many came.
 *
 * Takes the buffered bytes first. The rest goes into the reader's
 * buffer when it is shorter than the buffer (so that what follows is
 * read ahead), and straight from the socket into @p out otherwise.
 * @param r         The reader.
 * @param[out] out  Receives the bytes.
 * @param len       How many, at least 1.
 * @param[out] got  If not NULL, always receives the number of bytes
 *                  stored in @p out and consumed, on success and on
 *                  every error (0 for a bad argument): to resume after
 *                  an error, call again for the remaining bytes.
 * @param deadline  See @ref time; bounds the whole transfer.
 * @return @p len; fewer (possibly 0) if the stream ended first; or a
 *         negative code.
 * @retval -ETIMEDOUT  The deadline passed first; *@p got tells how many
 *                     bytes are in @p out.
 * @retval -ECONNRESET The peer reset the connection; *@p got as above.
 * @retval -EINVAL     @p r not set up, @p out NULL, @p len 0, or
 *                     @p deadline below -1.
 * @note Python: asyncio's `StreamReader.readexactly(n)` (which raises
 * `IncompleteReadError` where this returns a short count);
 * ``makefile('rb').read(n)``.
 */
NETKIT_EXPORT ssize_t netkit_reader_read_exact(netkit_reader *r, void *out,
					       size_t len, size_t *got,
					       netkit_deadline deadline);

/**
 * Reads up to @p len bytes: the buffered ones if there are any, else
 * what one receive brings.
 *
 * Never waits once it has a byte to return. A @p len of at least the
 * buffer's size receives straight into @p out.
 * @param r         The reader.
 * @param[out] out  Receives the bytes.
 * @param len       Size of @p out, at least 1.
 * @param deadline  See @ref time.
 * @return The number of bytes stored in @p out (at least 1), 0 at the
 *         end of the stream, or a negative code.
 * @retval -ETIMEDOUT  Nothing was buffered and nothing arrived by the
 *                     deadline.
 * @retval -ECONNRESET The peer reset the connection (nothing buffered).
 * @retval -EINVAL     @p r not set up, @p out NULL, @p len 0, or
 *                     @p deadline below -1.
 * @note Python: ``makefile('rb', buffering=n).read1(len)``; asyncio's
 * `StreamReader.read(len)`.
 */
NETKIT_EXPORT ssize_t netkit_reader_read(netkit_reader *r, void *out,
					 size_t len, netkit_deadline deadline);

/**
 * Discards everything up to and including the next ``'\n'``, however
 * long the line: the way past a line netkit_reader_read_line() refused
 * with #NETKIT_ETOOLONG.
 *
 * On an error the bytes discarded so far stay discarded and the reader
 * is still inside the line: calling again finishes skipping it.
 * @param r         The reader.
 * @param deadline  See @ref time; bounds the whole call.
 * @return The number of bytes discarded, newline included; at the end
 *         of the stream, those of a last line without newline (0 when
 *         nothing was left); or a negative code.
 * @retval -ETIMEDOUT  No newline by the deadline.
 * @retval -ECONNRESET The peer reset the connection.
 * @retval -EINVAL     @p r not set up, or @p deadline below -1.
 * @note Python: `f.readline()` with the result thrown away; asyncio has
 * no equivalent (`readuntil()` keeps a too-long line in its buffer).
 */
NETKIT_EXPORT ssize_t netkit_reader_skip_line(netkit_reader *r,
					      netkit_deadline deadline);

/**
 * What the reader holds, without any I/O.
 * @param r          The reader.
 * @param[out] data  If not NULL, receives a pointer to the buffered
 *                   bytes, valid until the next call on @p r (NULL when
 *                   there are none); untouched if @p r is NULL.
 * @return The number of buffered bytes; 0 for a NULL or empty reader.
 * @note Python: `f.peek()` on a buffered reader (which may read).
 */
NETKIT_EXPORT size_t netkit_reader_buffered(const netkit_reader *r,
					    const void **data);

/**
 * Drops the first @p n buffered bytes, typically after handling them
 * through netkit_reader_buffered().
 * @param r  The reader.
 * @param n  How many, at most what netkit_reader_buffered() reports.
 * @retval 0        Success.
 * @retval -EINVAL  @p r not set up, or @p n more than is buffered;
 *                  nothing is dropped.
 * @note Python: `f.read(n)` after `f.peek()`, with the bytes thrown
 * away.
 */
NETKIT_EXPORT int netkit_reader_consume(netkit_reader *r, size_t n);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_READER_H */
