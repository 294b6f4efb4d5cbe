/* SPDX-License-Identifier: MIT */
/*
 * The connection layer: a loop that accepts, reads, writes and times
 * out many connections on one thread.
 */
#ifndef NETKIT_LOOP_H
#define NETKIT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "deadline.h"
#include "poller.h"
#include "reader.h"
#include "tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup loop Connections: serving many clients
 * A loop owns listening sockets and connections, and hands the program
 * what happened to them as a batch of events, the way netkit_poller_wait()
 * does for descriptors.
 *
 * A line-based server is a page:
 * @code
 * netkit_loop *loop;
 * const netkit_loop_event *ev;
 * char line[1024];
 * ssize_t n;
 * int i, count;
 *
 * netkit_loop_new(&loop, NULL);
 * netkit_loop_listen(loop, netkit_create_server(NULL, "7000", NULL,
 *                                               NETKIT_FOREVER), NULL);
 * for (;;) {
 *         count = netkit_loop_wait(loop, &ev, NETKIT_FOREVER);
 *         for (i = 0; i < count; i++) {
 *                 if (ev[i].kind != NETKIT_LOOP_INPUT &&
 *                     ev[i].kind != NETKIT_LOOP_DRAINED)
 *                         continue;
 *                 netkit_reader *in = netkit_conn_reader(ev[i].conn);
 *                 while ((n = netkit_reader_read_line(in, line, sizeof(line),
 *                                                     NETKIT_NOW)) > 0)
 *                         if (netkit_conn_write(ev[i].conn, line,
 *                                               (size_t)n) != 0)
 *                                 break;  // HIGH: wait for DRAINED; < 0: closing
 *                 if (n == 0 || n == NETKIT_ETOOLONG)  // peer done, or junk
 *                         netkit_conn_close(ev[i].conn,
 *                                           netkit_deadline_in(5000));
 *         }
 * }
 * @endcode
 *
 * **Input.** Each connection has a ::netkit_reader, netkit_conn_reader(),
 * that the loop fills: one `recv` per readiness event, then a
 * #NETKIT_LOOP_INPUT event. Its calls never receive and never wait:
 * they answer from what is buffered, and `-EAGAIN` when what they need
 * has not arrived yet (a later #NETKIT_LOOP_INPUT event says when more
 * has). A read of 0 means the peer will send nothing more. Read with
 * #NETKIT_NOW as the deadline.
 *
 * **Output.** netkit_conn_write() never blocks and never answers
 * `-EAGAIN`: it queues the bytes, and the loop sends each connection's
 * queue with one `send` when the program next calls netkit_loop_wait()
 * (so replies to pipelined requests leave together), then whenever the
 * socket can take more. Above the high-water mark the write answers
 * #NETKIT_CONN_HIGH: stop producing for that connection until its
 * #NETKIT_LOOP_DRAINED event (the queue fell to the low mark). Past the
 * hard limit a write fails with `-ENOBUFS` and queues nothing, so a
 * client that never reads costs at most
 * ::netkit_loop_opts.output_max bytes. While a connection's queue is
 * above the high mark, the loop also stops reading from it, so a client
 * that sends requests without reading the answers slows only itself.
 *
 * **Lifetime.** Every connection the loop accepts has exactly one
 * #NETKIT_LOOP_OPEN event and, whatever ends it, exactly one
 * #NETKIT_LOOP_CLOSED event; a connection put in with
 * netkit_loop_adopt() has only the latter. The pointer stays valid
 * until the netkit_loop_wait() after the batch that held
 * #NETKIT_LOOP_CLOSED (its reader can still be read during that
 * batch), then the loop frees it. A connection ended during a batch
 * (netkit_conn_abort(), netkit_conn_detach()) gets no more events in
 * that batch: their `kind` becomes 0, to be skipped.
 *
 * **State per client.** With ::netkit_loop_opts.conn_size the loop
 * keeps that many zeroed bytes in each connection for the program
 * (netkit_conn_storage()), alive as long as the pointer; netkit_conn_peer()
 * gives the address `accept` returned; netkit_loop_next() walks every
 * connection, for a broadcast. So a server needs no list of its own
 * and has nothing to free at exit. netkit_loop_catch() turns `SIGINT`
 * and `SIGTERM` into #NETKIT_LOOP_SIGNAL events.
 *
 * **Why events and not callbacks.** The program's control flow stays
 * its own: a `switch` in a loop, state in its own variables, no
 * function pointers and no re-entrancy (a callback that closes the
 * connection it was called for is the classic bug). And the loop owns
 * every buffer the kernel may be using, while the program only ever
 * sees finished results, each delivered once: that is also what a
 * completion backend (io_uring) needs, so one can sit under this API
 * later without changing it.
 *
 * **Descriptors.** Every socket stays a plain descriptor: netkit_conn_fd()
 * gives it for options, descriptor passing or netkit_sendfile() (after
 * the queue has drained, with a short deadline: it runs in the loop's
 * thread), and netkit_conn_detach() takes it out of the
 * loop with what is still buffered. The loop makes its descriptors
 * non-blocking and close-on-exec.
 *
 * **Running out of descriptors.** When accept fails for want of
 * descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`), the
 * loop stops accepting, reports #NETKIT_LOOP_ACCEPT_PAUSED once, and
 * tries again when one of its connections closes or 100 ms later,
 * whichever comes first. Waiting clients stay in the listen backlog (a
 * client accepted when memory for its connection then runs out is
 * closed: it sees the end of the stream); the loop does not spin and
 * keeps its listener.
 *
 * **Threads.** A loop is used by one thread at a time; only
 * netkit_loop_wake() may be called from anywhere (and the handler
 * netkit_loop_catch() installs runs in any thread).
 *
 * Elsewhere: Python asyncio's `start_server()` with `StreamReader` and
 * `StreamWriter` (`write()` plus `drain()`, whose high and low water
 * marks are these); libuv's `uv_listen()`, `uv_read_start()` and
 * `uv_write()`; libevent's bufferevents.
 * @{
 */

/** A loop: its poller, listeners, connections and timers. */
typedef struct netkit_loop netkit_loop;

/** One connection inside a loop; the loop owns it. */
typedef struct netkit_conn netkit_conn;

/** netkit_conn_write()'s answer when the queue is above the high mark. */
#define NETKIT_CONN_HIGH 1

/**
 * How a loop treats its connections. Zero means the default for every
 * field, so `NULL` or `{ 0 }` gives the defaults.
 */
typedef struct netkit_loop_opts {
	/** Input buffer per connection, bytes: the longest line or record
	 * it can hold. Default 16384. */
	size_t input_size;
	/** Output queued above this many bytes: netkit_conn_write() answers
	 * #NETKIT_CONN_HIGH and the loop stops reading the connection.
	 * Default 65536. */
	size_t output_high;
	/** Queue down to this many bytes after being above the high mark:
	 * #NETKIT_LOOP_DRAINED. Below @c output_high. Default a quarter of
	 * it. */
	size_t output_low;
	/** Hard limit of queued output per connection; a write past it
	 * fails with `-ENOBUFS`. At least @c output_high; equal to it, no
	 * write ever answers #NETKIT_CONN_HIGH (one past it fails first),
	 * so the loop never stops reading for it. Default 1 MiB. */
	size_t output_max;
	/** Close a connection on which nothing moved for this long (ms):
	 * no byte received and none of its queue sent, with #NETKIT_EIDLE.
	 * 0: never. */
	int64_t idle_ms;
	/** Close a connection whose queued output has not moved for this
	 * long (ms), with #NETKIT_ESTALL. 0: never. */
	int64_t stall_ms;
	/** Connections accepted per readiness event of a listener, at most.
	 * Default 64; at most 4096. */
	unsigned accept_batch;
	/** At most this many connections at once; more wait in the listen
	 * backlog. 0: no limit but the descriptor limit. */
	unsigned max_conns;
	/** Flags for the loop's poller: #NETKIT_POLLER_USE_POLL or 0. */
	unsigned poller_flags;
	/** Bytes of storage the loop keeps for the program in each
	 * connection: netkit_conn_storage(). Zeroed when the connection is
	 * accepted or adopted, freed with it. 0: none. At most 1 MiB. */
	size_t conn_size;
	/** Close a connection whose queue stays above @c output_high for
	 * this long (ms), from the write that passed it until the queue is
	 * down to @c output_low, with #NETKIT_ESLOW: a reader that takes
	 * its bytes, but too slowly (Redis's soft output limit). 0: never. */
	int64_t slow_ms;
	/** Reserved for later fields: must be zero. */
	uint64_t reserved_[6];
} netkit_loop_opts;

/** What a ::netkit_loop_event reports. */
enum netkit_loop_kind {
	/** A connection was accepted; @c data is the listener's value,
	 * which is also the connection's until netkit_conn_set_data(). */
	NETKIT_LOOP_OPEN = 1,
	/** New input is buffered, or the stream ended: read the
	 * connection's reader until it answers `-EAGAIN` (the rest has not
	 * come), 0 (the peer sends no more) or #NETKIT_ETOOLONG (a record
	 * longer than its buffer). Input left in the reader raises no new
	 * event. */
	NETKIT_LOOP_INPUT,
	/** The queue fell to the low mark after being above the high one:
	 * produce again, and handle any input left buffered. */
	NETKIT_LOOP_DRAINED,
	/** The connection is over and its descriptor closed; @c err says
	 * why: 0 (netkit_conn_close() finished), `-ECONNRESET` or another
	 * send or receive error, #NETKIT_EIDLE, #NETKIT_ESTALL,
	 * #NETKIT_ESLOW, `-ETIMEDOUT` (netkit_conn_close()'s
	 * deadline passed with output unsent) or `-ECONNABORTED`
	 * (netkit_conn_abort()). */
	NETKIT_LOOP_CLOSED,
	/** Accepting stopped for want of descriptors or memory (@c err);
	 * the loop retries by itself. Once per pause. */
	NETKIT_LOOP_ACCEPT_PAUSED,
	/** One of the program's own descriptors, added to
	 * netkit_loop_poller(): @c fd, @c events, @c data as the poller
	 * gives them. */
	NETKIT_LOOP_FD,
	/** One of the program's own timers, started on
	 * netkit_loop_poller(): @c timer and its @c data. */
	NETKIT_LOOP_TIMER,
	/** netkit_loop_wake() was called. */
	NETKIT_LOOP_WAKE,
	/** A signal netkit_loop_catch() catches arrived (once or more
	 * since the last wait): its number is in @c signal. */
	NETKIT_LOOP_SIGNAL
};

/**
 * One event of a batch. The loop owns the array; its size is fixed for
 * good (the reserved words take later fields).
 */
typedef struct netkit_loop_event {
	/** A ::netkit_loop_kind; 0: cancelled during the batch, skip it. */
	unsigned kind;
	/** #NETKIT_LOOP_CLOSED and #NETKIT_LOOP_ACCEPT_PAUSED: why; else 0. */
	int err;
	/** The connection, or NULL. */
	netkit_conn *conn;
	/** The connection's value, or the descriptor's or timer's. */
	void *data;
	/** #NETKIT_LOOP_TIMER: the timer; else NULL. */
	netkit_poller_timer *timer;
	/** The descriptor (connection, listener for
	 * #NETKIT_LOOP_ACCEPT_PAUSED, or the program's own); -1 for a
	 * timer, a wake-up, or #NETKIT_LOOP_CLOSED (closed by then). */
	int fd;
	/** #NETKIT_LOOP_FD: the `NETKIT_POLLER_*` bits; else 0. */
	unsigned events;
	/** #NETKIT_LOOP_SIGNAL: the signal's number; else 0. */
	int signal;
	/** Reserved: written as zeros. */
	uint64_t reserved_[2];
} netkit_loop_event;

/**
 * Makes a loop.
 * @param[out] out  Receives the loop; untouched on error.
 * @param opts      Limits and timeouts, or NULL for the defaults.
 * @retval 0        Success.
 * @retval -EINVAL  @p out NULL, a reserved word not zero, unknown poller
 *                  flags, @c output_low not below @c output_high,
 *                  @c output_max below @c output_high, a negative
 *                  time, @c accept_batch above 4096, @c conn_size
 *                  above 1 MiB, or @c input_size above `SIZE_MAX / 2`.
 * @retval -ENOMEM / -EMFILE  No memory or descriptor for its poller.
 */
NETKIT_EXPORT int netkit_loop_new(netkit_loop **out,
				  const netkit_loop_opts *opts);

/**
 * Frees a loop: closes every connection at once (no events) and every
 * listener. The program's own descriptors on netkit_loop_poller() are
 * left open. NULL is a no-op.
 * @param loop  The loop.
 */
NETKIT_EXPORT void netkit_loop_free(netkit_loop *loop);

/**
 * Accepts connections on a listening socket from now on. The loop owns
 * @p fd after success (it closes it in netkit_loop_free()) and makes it
 * non-blocking.
 * @param loop  The loop.
 * @param fd    A listening stream socket, for example from
 *              netkit_create_server().
 * @param data  The value of its #NETKIT_LOOP_OPEN events.
 * @retval 0        Success.
 * @retval -EINVAL  @p loop NULL, or @p fd not a listening stream socket.
 * @retval -EBADF   @p fd negative or not open.
 * @retval -EEXIST  @p fd is already in the loop (also as one of the
 *                  program's own on netkit_loop_poller()).
 * @retval -ENOMEM  No memory.
 */
NETKIT_EXPORT int netkit_loop_listen(netkit_loop *loop, int fd, void *data);

/**
 * Puts a connected stream socket in the loop, as if it had been
 * accepted (but without a #NETKIT_LOOP_OPEN event). The loop owns @p fd
 * after success and makes it non-blocking.
 * @param loop       The loop.
 * @param fd         A connected stream socket.
 * @param data       The connection's value.
 * @param[out] out   Receives the connection, or NULL.
 * @retval 0        Success.
 * @retval -EINVAL  @p loop NULL, or @p fd not a stream socket.
 * @retval -EBADF   @p fd negative or not open.
 * @retval -EEXIST  @p fd is already in the loop (also as one of the
 *                  program's own on netkit_loop_poller()).
 * @retval -ENOMEM  No memory.
 */
NETKIT_EXPORT int netkit_loop_adopt(netkit_loop *loop, int fd, void *data,
				    netkit_conn **out);

/**
 * Sends what the program queued, then waits for events and returns them
 * as a batch. The batch stays valid until the next call; connections
 * closed in it are freed then.
 * @param loop        The loop.
 * @param[out] events Receives the batch's first event.
 * @param deadline    When to give up waiting; events already pending
 *                    are returned at once.
 * @return The number of events (0: the deadline passed), or a negative
 *         code.
 * @retval -EINVAL  @p loop or @p events NULL, or @p deadline below -1.
 */
NETKIT_EXPORT int netkit_loop_wait(netkit_loop *loop,
				   const netkit_loop_event **events,
				   netkit_deadline deadline);

/**
 * Makes the current or next netkit_loop_wait() return a
 * #NETKIT_LOOP_WAKE event.
 * @param loop  The loop.
 * @retval 0        Success.
 * @retval -EINVAL  @p loop NULL.
 * @note Thread-safe and async-signal-safe: a SIGINT handler may call it.
 */
NETKIT_EXPORT int netkit_loop_wake(netkit_loop *loop);

/**
 * Turns a signal into #NETKIT_LOOP_SIGNAL events, so that a server
 * stops on `SIGINT` or `SIGTERM` in its own loop rather than in a
 * handler. The loop installs a handler for @p signo (with `SA_RESTART`,
 * other signals not blocked) that only wakes it; each netkit_loop_wait()
 * then reports, once, every signal that arrived since the last.
 * netkit_loop_free() puts back the action it replaced.
 * @param loop   The loop.
 * @param signo  The signal, 1 to 64 (`SIGRTMAX` included); not
 *               `SIGKILL` or `SIGSTOP`.
 * @retval 0        Success (also if this loop catches it already).
 * @retval -EINVAL  @p loop NULL, or @p signo not a signal that can be
 *                  caught.
 * @retval -EBUSY   Another loop catches @p signo: a signal has one
 *                  action per process.
 * @note A signal is delivered to the process, so its action is the
 *       process's: do not change it elsewhere while the loop catches
 *       it, and free the loop only once no other thread may be in its
 *       handler (after the signal is blocked or the program stops
 *       sending it). Python: `loop.add_signal_handler()`.
 */
NETKIT_EXPORT int netkit_loop_catch(netkit_loop *loop, int signo);

/**
 * Walks the loop's connections, oldest first: to write to all of them
 * (a chat room, a broadcast) or look at each. Only connections not yet
 * closed are returned (open, or closing gracefully). The walk may go on
 * while the program writes, closes or aborts connections, including the
 * one it holds: a connection stays valid until the next
 * netkit_loop_wait().
 * @param loop   The loop.
 * @param after  The connection the last step returned, or NULL to
 *               start.
 * @return The next connection, or NULL after the last (or if @p loop
 *         is NULL).
 */
NETKIT_EXPORT netkit_conn *netkit_loop_next(netkit_loop *loop,
					    netkit_conn *after);

/**
 * The loop's poller, for the program's own descriptors and timers:
 * their events come back from netkit_loop_wait() as #NETKIT_LOOP_FD
 * and #NETKIT_LOOP_TIMER. Never modify or remove the loop's own
 * descriptors on it, and never wait on it directly.
 * @param loop  The loop.
 * @return The poller, or NULL if @p loop is NULL.
 */
NETKIT_EXPORT netkit_poller *netkit_loop_poller(netkit_loop *loop);

/**
 * The connection's descriptor (the loop's: do not close it).
 * @param conn  The connection.
 * @return The descriptor; -1 once the connection is closed, or if
 *         @p conn is NULL.
 */
NETKIT_EXPORT int netkit_conn_fd(const netkit_conn *conn);

/**
 * The connection's input: a reader the loop fills, whose calls never
 * receive or wait (see @ref loop).
 * @param conn  The connection.
 * @return The reader, or NULL if @p conn is NULL.
 */
NETKIT_EXPORT netkit_reader *netkit_conn_reader(netkit_conn *conn);

/**
 * The peer's address, as accept() gave it (for a connection put in
 * with netkit_loop_adopt(), as getpeername() answered then): no system
 * call. It stays readable after the connection closed, until the
 * netkit_loop_wait() after its #NETKIT_LOOP_CLOSED event, so a program
 * can name the peer that left.
 * @param conn  The connection.
 * @return The address; an empty one (see ::netkit_addr) if the system
 *         gave none. NULL if @p conn is NULL.
 * @note Python asyncio: `writer.get_extra_info("peername")`.
 */
NETKIT_EXPORT const netkit_addr *netkit_conn_peer(const netkit_conn *conn);

/**
 * The program's storage in the connection:
 * ::netkit_loop_opts.conn_size bytes, aligned for any type, zeroed when
 * the connection came in, valid until the netkit_loop_wait() after its
 * #NETKIT_LOOP_CLOSED event (so it can still be read then). No
 * allocation of the program's own per connection, and nothing to free.
 * @param conn  The connection.
 * @return The storage; NULL if @p conn is NULL or the loop keeps none
 *         (@c conn_size 0).
 */
NETKIT_EXPORT void *netkit_conn_storage(netkit_conn *conn);

/**
 * Sets the value the connection's events carry in @c data.
 * @param conn  The connection.
 * @param data  Any value.
 * @retval 0        Success.
 * @retval -EINVAL  @p conn NULL.
 */
NETKIT_EXPORT int netkit_conn_set_data(netkit_conn *conn, void *data);

/**
 * Queues bytes to send; never blocks. They leave at the next
 * netkit_loop_wait().
 * @param conn  The connection.
 * @param buf   The bytes.
 * @param len   How many; 0 queues nothing.
 * @retval 0                 Queued; below the high mark.
 * @retval NETKIT_CONN_HIGH  Queued; above the high mark: produce no more
 *                  for this connection until #NETKIT_LOOP_DRAINED.
 * @retval -ENOBUFS The queue would pass the hard limit
 *                  (::netkit_loop_opts.output_max); nothing queued.
 * @retval -ENOMEM  No memory to grow the queue; nothing queued.
 * @retval -EPIPE   The connection is closing or closed (or its output
 *                  side failed); nothing queued.
 * @retval -EINVAL  @p conn NULL, or @p buf NULL with @p len not 0.
 */
NETKIT_EXPORT int netkit_conn_write(netkit_conn *conn, const void *buf,
				    size_t len);

/**
 * How many bytes are queued and not yet sent.
 * @param conn  The connection.
 * @return The count; 0 for NULL, and once the connection has ended
 *         (an abort or a failure drops what was queued).
 */
NETKIT_EXPORT size_t netkit_conn_queued(const netkit_conn *conn);

/**
 * Closes gracefully: sends what is queued, shuts the write side down,
 * lets the peer finish (input is discarded), then closes. The
 * #NETKIT_LOOP_CLOSED event follows with @c err 0, or `-ETIMEDOUT` if
 * @p deadline passed with output unsent (#NETKIT_ESTALL or
 * #NETKIT_ESLOW if the stall or slow time came first, or the error that
 * ended the connection). Writes fail
 * from now on.
 * @param conn      The connection.
 * @param deadline  When to give up and close anyway.
 * @retval 0        Closing.
 * @retval -EPIPE   Already closing or closed.
 * @retval -EINVAL  @p conn NULL, or @p deadline below -1.
 * @note Python: `writer.close()`, then `await writer.wait_closed()`.
 */
NETKIT_EXPORT int netkit_conn_close(netkit_conn *conn,
				    netkit_deadline deadline);

/**
 * Closes now, dropping what is queued: the #NETKIT_LOOP_CLOSED event
 * follows with `-ECONNABORTED`. Works on a connection that is closing
 * gracefully too.
 * @param conn   The connection.
 * @param reset  true: send a reset (RST) instead of a normal end, so the
 *               peer's next call fails with `ECONNRESET`.
 * @retval 0        Closed.
 * @retval -EPIPE   Already closed.
 * @retval -EINVAL  @p conn NULL.
 */
NETKIT_EXPORT int netkit_conn_abort(netkit_conn *conn, bool reset);

/**
 * Takes the descriptor out of the loop, blocking again, with the input
 * still buffered; the connection gets no more events and is freed at
 * the next netkit_loop_wait(). The caller owns the descriptor.
 * @param conn          The connection.
 * @param[out] rest     Receives the unread input; may be NULL if there
 *                      is none.
 * @param cap           Size of @p rest.
 * @param[out] rest_len Receives how many bytes were stored, or NULL.
 * @return The descriptor, or a negative code; on error nothing changes.
 * @retval -EBUSY   Output is still queued (wait for it to drain), or
 *                  the connection speaks TLS, whose state cannot leave
 *                  the loop.
 * @retval -ENOBUFS More input is buffered than @p cap.
 * @retval -EPIPE   The connection is closing or closed.
 * @retval -EINVAL  @p conn NULL.
 */
NETKIT_EXPORT int netkit_conn_detach(netkit_conn *conn, void *rest,
				     size_t cap, size_t *rest_len);

/**
 * Makes the connection speak TLS (@ref tls) from now on: its reader
 * gives the decrypted input and netkit_conn_write() queues plain text
 * that goes out encrypted, with the same marks, limits and events. The
 * handshake runs in the loop: what is written before it ends waits in
 * the queue, and a handshake that fails (a refused certificate, an
 * alert, a peer that is not TLS) ends the connection with its code as
 * the #NETKIT_LOOP_CLOSED event's @c err (#NETKIT_ETLS_UNTRUSTED...).
 * A handshake not done by @p deadline ends it with `-ETIMEDOUT`, so a
 * client that connects and says nothing holds a descriptor that long
 * and no longer (`idle_ms` bounds it too, with #NETKIT_EIDLE).
 *
 * The peer's close_notify is the end of the input (the reader answers
 * 0); a peer that closes without it ends the connection with
 * #NETKIT_ETLS_TRUNCATED. netkit_conn_close() sends close_notify after
 * the queue (it does not wait for the peer's), netkit_conn_abort() does
 * not. OpenSSL encrypts here even with a #NETKIT_TLS_KTLS context: kTLS
 * needs a send that must wait retried from the same place, and the
 * queue moves.
 * @code
 * case NETKIT_LOOP_OPEN:  // a server: TLS on every connection
 *         if (netkit_conn_start_tls(ev[i].conn, ctx, NULL,
 *                                   netkit_deadline_in(10000)) < 0)
 *                 netkit_conn_abort(ev[i].conn, false);
 *         break;
 * @endcode
 * @param conn        An open connection with nothing read or queued
 *                    yet (at its #NETKIT_LOOP_OPEN event, or after
 *                    netkit_loop_adopt()).
 * @param ctx         A server context makes the server side; a client
 *                    context the client side, which verifies
 *                    @p server_name as netkit_tls_connect() does.
 *                    It must outlive the connection.
 * @param server_name The name the server's certificate must be for,
 *                    for a client; NULL for a server.
 * @param deadline    When the handshake must be done (#NETKIT_FOREVER:
 *                    no limit of its own).
 * @retval 0        The handshake is under way, done, or failed already
 *                  (the #NETKIT_LOOP_CLOSED event says why).
 * @retval -EBUSY   The connection already speaks TLS, or has bytes
 *                  read or queued: they would go as plain text.
 * @retval -EPIPE   The connection is closing or closed.
 * @retval -EINVAL  @p conn or @p ctx NULL, @p deadline below -1, a
 *                  server name with a server
 *                  context, or a client context without one (and
 *                  without #NETKIT_TLS_INSECURE_NO_VERIFY).
 * @retval -ENOMEM  No memory.
 * @retval -ENOTSUP The library was built without TLS.
 * @note Nothing changes on error. Python: `loop.start_tls()`.
 */
NETKIT_EXPORT int netkit_conn_start_tls(netkit_conn *conn,
					netkit_tls_ctx *ctx,
					const char *server_name,
					netkit_deadline deadline);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_LOOP_H */
