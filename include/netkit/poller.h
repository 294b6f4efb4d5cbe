/* SPDX-License-Identifier: MIT */
/*
 * libnetkit: the poller (many descriptors, timers, wake-up). Include
 * <netkit.h>, not this file.
 */
#ifndef NETKIT_POLLER_H
#define NETKIT_POLLER_H

#include <stdint.h>

#include "common.h"
#include "deadline.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup poller Serving many clients: the poller
 * One thread, many descriptors: wait until any of them is ready, a
 * timer is due or another thread asks for attention, as Python's
 * `selectors`.
 *
 * A ::netkit_poller watches descriptors registered with
 * netkit_poller_add() for reading and/or writing, each with a user
 * value (`void *`) handed back with its events. netkit_poller_wait()
 * waits until a deadline (see @ref time) and hands back the ready
 * events in the poller's own array; netkit_poller_wait_for() waits a
 * number of milliseconds instead. What the poller guarantees:
 * - **epoll or poll(2)**, chosen at run time: epoll by default,
 *   poll(2) with #NETKIT_POLLER_USE_POLL. Both behave the same, except
 *   that edge-triggered interest needs epoll (`-EOPNOTSUPP` with poll)
 *   and that poll(2) costs a scan of every registered descriptor per
 *   wait; with epoll, a wait costs O(1) per ready event.
 * - **Level-triggered by default**, as poll(2): a descriptor still
 *   ready is reported again by the next wait. #NETKIT_POLLER_EDGE
 *   reports a change once (read or write until `-EAGAIN`);
 *   #NETKIT_POLLER_ONESHOT reports once and then disarms the
 *   descriptor until netkit_poller_modify().
 * - **The events are the poller's.** A wait hands back a pointer to
 *   the poller's own array of events (as mio's `Events`, libuv's
 *   loop-owned array): it stays valid, and the poller changes nothing
 *   in it but the cancellations below, until the next wait or
 *   netkit_poller_free(). The caller's memory is never written, so
 *   there is no array to keep alive; copy an event to keep it longer.
 * - **Safe changes from inside the loop.** Any descriptor, including
 *   the one being handled, may be added, modified or removed between
 *   two events of a batch, and a timer stopped. An event of the same
 *   batch for a descriptor removed (or a timer stopped) since is then
 *   cancelled: its `events` become 0 in the poller's array and the loop
 *   skips it (only `events` changes, so the handler of the event that
 *   did the removal still reads its `fd` and `data`). So an event
 *   never reaches the new owner of a descriptor number that was closed
 *   and reused (each registration carries a generation; epoll events
 *   from an older generation are dropped).
 * - **A wake-up** (netkit_poller_wake()) callable from any thread or a
 *   signal handler: any number of wakes before a wait give one
 *   #NETKIT_POLLER_WAKE event, and a wake is never lost: one that comes
 *   while the loop is busy makes the next wait return at once.
 * - **Timers** (::netkit_poller_timer, in the caller's memory):
 *   one-shot or repeating, start and stop in O(log n). A timer never
 *   fires early: it is due once the monotonic clock is past its
 *   millisecond, so one started with netkit_poller_timer_start_in(ms)
 *   (or netkit_deadline_in(ms)) waits at least ms (netkit_now()
 *   truncates) and at most about 1 ms more, and waits round up, never
 *   down. An idle timeout
 *   per connection costs no heap operation per message:
 *   netkit_poller_timer_defer() moves a timer later by storing the new
 *   time, and the heap catches up only when the old time comes.
 * - **Two calls take a relative time**, and their names say so:
 *   netkit_poller_wait_for() (milliseconds to wait, as `selectors`'
 *   `select(timeout)`) and netkit_poller_timer_start_in() (due in
 *   milliseconds). Every other call takes a point in time as a
 *   ::netkit_deadline (a repeating timer's `period` is a length of
 *   time, in ms), so that `netkit_poller_wait(p, &ev, 1000)` meant as
 *   "one second" is a compile error, not a busy loop.
 * - **No allocation per event or per wait**: the event array is
 *   allocated with the poller; memory grows only when a descriptor
 *   number or timer count exceeds what was seen before, and never for a
 *   call that is refused.
 * - **Limits**: descriptor numbers 0 to INT_MAX - 1 (memory for the
 *   registrations grows with the largest number registered, 32 bytes
 *   per number); at most 256 events per wait, timers, descriptors and
 *   the wake-up together (the rest come with the next wait: a timer
 *   stays due, a descriptor stays ready, or stays armed if one-shot);
 *   a deadline or timer time up to INT64_MAX milliseconds.
 * - The poller is for one thread: only netkit_poller_wake() may be
 *   called from others. The descriptors remain the caller's: the poller
 *   never closes, reads or writes them.
 * - **Misuse costs a code, never a crash or a spin.** Remove a
 *   descriptor before closing it. Closed first, it stays registered
 *   (an add of its number's next owner answers `-EEXIST`) until
 *   netkit_poller_remove(), which answers `-EBADF` and forgets it. If
 *   its file lives on elsewhere (a dup, a forked child), epoll goes on
 *   watching that file and no descriptor is left to name it: at its
 *   first event the poller builds its epoll set again without it, so a
 *   wait still sleeps. A timer that was never zeroed, or is running in
 *   another poller, is refused with `-EINVAL`.
 *
 * Serving many clients, beside Python's `selectors`:
 * @code
 * // sel = selectors.DefaultSelector()
 * netkit_poller *p;
 * const netkit_poller_event *ev;
 * netkit_poller_new(&p, 0);
 * // sel.register(lsock, selectors.EVENT_READ, None)
 * netkit_poller_add(p, lfd, NETKIT_POLLER_READ, NULL);
 * for (;;) {
 *         // for key, mask in sel.select(timeout=None):
 *         int n = netkit_poller_wait(p, &ev, NETKIT_FOREVER);
 *         for (int i = 0; i < n; i++) {
 *                 if (ev[i].events == 0)
 *                         continue;               // cancelled
 *                 if (ev[i].fd == lfd) {          // conn, addr = accept()
 *                         int c = netkit_accept(lfd, NULL);
 *                         struct client *cl = client_new(c);
 *                         netkit_poller_add(p, c, NETKIT_POLLER_READ, cl);
 *                 } else if (serve(ev[i].data) <= 0) {
 *                         // sel.unregister(conn); conn.close()
 *                         netkit_poller_remove(p, ev[i].fd);
 *                         netkit_close(ev[i].fd);
 *                 }
 *         }
 * }
 * @endcode
 *
 * A timer per connection, due in 30 s unless the client talks:
 * @code
 * struct client { int fd; netkit_poller_timer idle; };  // calloc()'d
 * c->idle.data = c;
 * netkit_poller_timer_start_in(p, &c->idle, 30000, 0);
 * // on each message: 30 s from now again, no heap work
 * netkit_poller_timer_defer(p, &c->idle, netkit_deadline_in(30000));
 * // in the loop: ev[i].timer == &c->idle once it is due
 * @endcode
 * @note Python: `selectors.DefaultSelector`; `register`, `modify`,
 * `unregister`, `select(timeout)` (netkit_poller_wait_for(), or
 * netkit_poller_wait() with a deadline).
 * @{
 */

/** netkit_poller_new(): use poll(2) instead of epoll. */
#define NETKIT_POLLER_USE_POLL 0x1u

/* The event bits have the values of Linux's EPOLLIN, EPOLLOUT, EPOLLERR
 * and EPOLLHUP (poll(2)'s POLL* are the same): the poller hands the
 * kernel's bits on without translating them. */
/** Interest and event: the descriptor is readable (or at its end). */
#define NETKIT_POLLER_READ 0x001u
/** Interest and event: the descriptor is writable. */
#define NETKIT_POLLER_WRITE 0x004u
/** Event: an error is pending on the descriptor (always reported). */
#define NETKIT_POLLER_ERR 0x008u
/** Event: the peer hung up (always reported, never asked for). */
#define NETKIT_POLLER_HUP 0x010u
/** Interest only: edge-triggered, a change is reported once (epoll). */
#define NETKIT_POLLER_EDGE 0x100u
/** Interest only: report once, then disarm until modified. */
#define NETKIT_POLLER_ONESHOT 0x200u
/** Event: a timer is due (::netkit_poller_event.timer says which). */
#define NETKIT_POLLER_TIMER 0x400u
/** Event: netkit_poller_wake() was called. */
#define NETKIT_POLLER_WAKE 0x800u

/** A poller (opaque): see netkit_poller_new(). */
typedef struct netkit_poller netkit_poller;

/**
 * A timer, in the caller's memory (a field of a connection's struct,
 * typically), which the poller keeps its state in while it runs. Zero
 * all of it once, before its first use (`= { 0 }`, calloc() or
 * memset()); then only `data` is the caller's to set, every other
 * field is private to the poller: never read, write, copy, move or
 * zero a running timer.
 *
 * **Room to grow.** The struct ends in reserved space that later
 * versions may keep more state in, so that it keeps its size: zeroed
 * before the first use, it is what they expect. A stopped timer whose
 * reserved space is not zero is refused by netkit_poller_timer_start()
 * with `-EINVAL`.
 *
 * Every call taking a timer checks it against the poller's own heap
 * before using it, and reads no memory through its fields: a timer
 * that claims a place in the heap without holding it (never zeroed, or
 * running in another poller) is refused with `-EINVAL`, and nothing
 * changes. Garbage that happens to read as a stopped timer with zero
 * reserved space is taken for one, so zeroing is still required.
 */
typedef struct netkit_poller_timer {
	void *data;		/**< The caller's value, given back when due. */
	int64_t due;		/**< Private: when it is due (ms). */
	int64_t key;		/**< Private: its place in the heap (ms). */
	int64_t period;		/**< Private: repeat period (ms), 0: once. */
	size_t index;		/**< Private: heap position + 1; 0: stopped. */
	uint32_t batch;		/**< Private: batch of its pending event. */
	int slot;		/**< Private: index of that event. */
	uint64_t reserved_[4];	/**< Private: room to grow; zero. */
} netkit_poller_timer;

/**
 * One ready event, in the poller's array that netkit_poller_wait()
 * hands back. Read-only: it stays the poller's.
 *
 * Its size is fixed for good (a program steps through the array with
 * the size it was built with): whatever a later release adds about an
 * event comes through a call, never as a field here.
 */
typedef struct netkit_poller_event {
	/** The registration's user value, or the timer's `data`. */
	void *data;
	/** The timer that is due, or NULL. */
	netkit_poller_timer *timer;
	/** The descriptor, or -1 for a timer or a wake-up. */
	int fd;
	/** What happened: `NETKIT_POLLER_*` bits; 0: cancelled, skip it
	 * (its other fields are left as they were). */
	unsigned events;
} netkit_poller_event;

/**
 * Creates a poller.
 * @param[out] out The new poller, for netkit_poller_free().
 * @param flags 0 (epoll) or #NETKIT_POLLER_USE_POLL.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success; the poller's own descriptors are close-on-exec.
 * @retval -EINVAL @p out is NULL or @p flags has an unknown bit.
 * @retval -ENOMEM No memory.
 * @retval -EMFILE No descriptor left for the epoll set or wake-up.
 * @note Python: `selectors.DefaultSelector()` (`PollSelector()` with
 * #NETKIT_POLLER_USE_POLL).
 */
NETKIT_EXPORT int netkit_poller_new(netkit_poller **out, unsigned flags);

/**
 * Frees a poller and closes its own descriptors (not the registered
 * ones).
 * @param p The poller, or NULL (nothing happens).
 * @note Python: `sel.close()`.
 */
NETKIT_EXPORT void netkit_poller_free(netkit_poller *p);

/**
 * Watches a descriptor.
 * @param p The poller.
 * @param fd The descriptor (any kind poll(2) accepts).
 * @param events #NETKIT_POLLER_READ and/or #NETKIT_POLLER_WRITE, with
 *               #NETKIT_POLLER_EDGE or #NETKIT_POLLER_ONESHOT if wanted
 *               (0 registers it disarmed).
 * @param data The user value given back with each event.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success.
 * @retval -EINVAL @p p is NULL, @p fd negative or @p events has an
 *         unknown bit, or both EDGE and ONESHOT.
 * @retval -EEXIST @p fd is already registered; also when the registered
 *         descriptor was closed and the number is another's now
 *         (netkit_poller_remove() it first, which answers `-EBADF`).
 * @retval -EOPNOTSUPP #NETKIT_POLLER_EDGE with the poll(2) backend.
 * @retval -EBADF @p fd is not open (poll(2) checks only a number above
 *         every one registered before; a closed descriptor it watches
 *         is never reported). Nothing is allocated for it.
 * @retval -EPERM @p fd cannot be polled (a regular file; epoll).
 * @retval -ENOMEM No memory.
 * @note Python: `sel.register(fd, events, data)`.
 */
NETKIT_EXPORT int netkit_poller_add(netkit_poller *p, int fd,
				    unsigned events, void *data);

/**
 * Changes what a registered descriptor is watched for, and its user
 * value; re-arms a one-shot registration.
 * @param p The poller.
 * @param fd A registered descriptor.
 * @param events As for netkit_poller_add().
 * @param data The new user value.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success.
 * @retval -EINVAL As for netkit_poller_add().
 * @retval -ENOENT @p fd is not registered.
 * @retval -EOPNOTSUPP #NETKIT_POLLER_EDGE with the poll(2) backend.
 * @retval -EBADF The registered descriptor was closed (epoll): remove
 *         it.
 * @note Python: `sel.modify(fd, events, data)`.
 */
NETKIT_EXPORT int netkit_poller_modify(netkit_poller *p, int fd,
				       unsigned events, void *data);

/**
 * Stops watching a descriptor; cancels its event in the current batch.
 * Call it before closing the descriptor: remove, then close.
 * @param p The poller.
 * @param fd A registered descriptor.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success.
 * @retval -EBADF The descriptor had been closed already (close after
 *         remove, not before). The registration is forgotten all the
 *         same, and @p fd may be added again. With epoll, this is also
 *         the answer when the number was reused since by another file,
 *         which is left as it was; poll(2) watches numbers and takes a
 *         reused one for the registered descriptor (0), unless a wait
 *         came between the close and the reuse. If the closed
 *         descriptor's file lives on (a dup, a forked child), epoll
 *         still watches it; its first event makes the poller rebuild
 *         its epoll set without it (see netkit_poller_wait()).
 * @retval -EINVAL @p p is NULL or @p fd negative.
 * @retval -ENOENT @p fd is not registered.
 * @note Python: `sel.unregister(fd)`.
 */
NETKIT_EXPORT int netkit_poller_remove(netkit_poller *p, int fd);

/**
 * Waits for events until a deadline, and hands back those ready.
 *
 * Due timers come first (in the order they are due), then descriptor
 * events and the wake-up, at most 256 in all. Skip events whose
 * `events` is 0: they were cancelled by a change made while handling
 * an earlier one.
 * @param p The poller.
 * @param[out] events Set to the poller's own array of the events (on
 *                    success, even with none); valid until the next
 *                    wait on @p p or netkit_poller_free(). The poller
 *                    changes nothing in it but the `events` of a
 *                    cancelled event. Untouched on failure.
 * @param deadline When to give up (see @ref time): #NETKIT_FOREVER, or
 *                 #NETKIT_NOW to take what is ready without waiting.
 * @return The number of events (>= 1), 0 when the deadline passed with
 *         none, or a negative code.
 * @retval 0 The deadline passed and nothing was ready (never earlier).
 * @retval -EINVAL @p p or @p events is NULL, or a bad deadline.
 * @retval -ENOMEM The kernel had no memory for the wait (another
 *         failure of epoll_wait() or poll() is returned the same way).
 * @retval -EMFILE The epoll set had to be rebuilt, for lack of another
 *         way to stop the kernel reporting a file whose descriptor was
 *         closed while registered (see netkit_poller_remove()), and no
 *         descriptor was left for it (or `-ENOMEM`, `-ENOSPC`: no
 *         memory, no epoll watch left). Nothing is lost: the next wait
 *         tries again. Timers already due are returned first.
 * @note Signals never end the wait early. Python: `sel.select(timeout)`,
 * which also returns an empty list on timeout, with the time absolute.
 */
NETKIT_EXPORT int netkit_poller_wait(netkit_poller *p,
				     const netkit_poller_event **events,
				     netkit_deadline deadline);

/**
 * Waits for events for at most @p ms milliseconds: the relative form
 * of netkit_poller_wait(), one of the two poller calls that take a
 * relative time (the other is netkit_poller_timer_start_in()).
 *
 * The same as netkit_poller_wait() with a deadline @p ms from the
 * moment of the call, measured without netkit_now()'s truncation: a
 * wait that times out has lasted at least @p ms.
 * @param p The poller.
 * @param[out] events As for netkit_poller_wait().
 * @param ms Milliseconds to wait at most; 0: take what is ready
 *           without waiting; negative: no limit (#NETKIT_FOREVER).
 * @return As netkit_poller_wait().
 * @retval 0 @p ms passed and nothing was ready (never earlier).
 * @retval -EINVAL @p p or @p events is NULL.
 * @retval -ENOMEM As for netkit_poller_wait(), and its other codes.
 * @note Python: `sel.select(timeout)`, with @p ms in milliseconds
 * (`select(None)`: a negative @p ms).
 */
NETKIT_EXPORT int netkit_poller_wait_for(netkit_poller *p,
					 const netkit_poller_event **events,
					 int64_t ms);

/**
 * Makes the poller's current or next wait return a
 * #NETKIT_POLLER_WAKE event.
 * @param p The poller.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success; wakes coalesce into one event.
 * @retval -EINVAL @p p is NULL.
 * @note Thread-safe and async-signal-safe (errno is preserved).
 * Python: writing to a self-pipe registered with the selector.
 */
NETKIT_EXPORT int netkit_poller_wake(netkit_poller *p);

/**
 * Starts (or restarts) a timer.
 * @param p The poller.
 * @param t The caller's timer (zeroed before its first use), stopped or
 *          running in @p p.
 * @param when When it is due: a deadline (netkit_deadline_in()), not
 *             #NETKIT_FOREVER.
 * @param period 0 for a one-shot timer, else the repeat period in ms.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success.
 * @retval -EINVAL @p p or @p t is NULL, @p when or @p period negative
 *         (#NETKIT_FOREVER included),
 *         or @p t claims a place in @p p's heap that it does not hold:
 *         it was never zeroed, or it is running in another poller; or
 *         @p t is stopped and its reserved space is not zero.
 * @retval -ENOMEM No memory for a larger heap.
 * @note O(log n). Python: `loop.call_at()` of asyncio.
 */
NETKIT_EXPORT int netkit_poller_timer_start(netkit_poller *p,
					    netkit_poller_timer *t,
					    netkit_deadline when,
					    int64_t period);

/**
 * Starts (or restarts) a timer due in @p ms milliseconds: the relative
 * form of netkit_poller_timer_start(), one of the two poller calls that
 * take a relative time (the other is netkit_poller_wait_for()).
 *
 * It fires at least @p ms after the call, never earlier, and about
 * 1 ms later at most when the loop is waiting.
 * @param p The poller.
 * @param t The caller's timer, as for netkit_poller_timer_start().
 * @param ms Milliseconds from now until it is due (>= 0).
 * @param period 0 for a one-shot timer, else the repeat period in ms.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success.
 * @retval -EINVAL @p ms negative, or as for netkit_poller_timer_start().
 * @retval -ENOMEM No memory for a larger heap.
 * @note O(log n). Python: `loop.call_later()` of asyncio.
 */
NETKIT_EXPORT int netkit_poller_timer_start_in(netkit_poller *p,
					       netkit_poller_timer *t,
					       int64_t ms, int64_t period);

/**
 * Stops a timer; cancels its event in the current batch.
 * @param p The poller.
 * @param t The timer, running in @p p or stopped.
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success (also for a timer already stopped).
 * @retval -EINVAL @p p or @p t is NULL, or @p t is not zeroed or runs
 *         in another poller (as for netkit_poller_timer_start()).
 * @note O(log n). Python: `TimerHandle.cancel()`.
 */
NETKIT_EXPORT int netkit_poller_timer_stop(netkit_poller *p,
					   netkit_poller_timer *t);

/**
 * Moves a running timer's time: later costs no heap operation (the
 * idle timeout re-armed on every message), earlier costs O(log n).
 * @param p The poller.
 * @param t A timer running in @p p.
 * @param when Its new time (not #NETKIT_FOREVER).
 * @return 0 on success, a negative code on failure.
 * @retval 0 Success.
 * @retval -EINVAL @p p or @p t is NULL, @p when negative, or @p t is
 *         not zeroed or runs in another poller (as for
 *         netkit_poller_timer_start()).
 * @retval -ENOENT @p t is not running.
 * @note libev's "be smart about timeouts".
 */
NETKIT_EXPORT int netkit_poller_timer_defer(netkit_poller *p,
					    netkit_poller_timer *t,
					    netkit_deadline when);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETKIT_POLLER_H */
