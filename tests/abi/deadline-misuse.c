/* SPDX-License-Identifier: MIT */
/*
 * The mistakes of issue 14 that a netkit_deadline turns into compile
 * errors: a timeout, a wall-clock time or an int64_t where a deadline
 * is expected. check-deadline-misuse.sh compiles this file once per
 * case, as C99 and as C++11:
 *   -DCASE_<name> -DWRONG  must be refused, with an error on the line
 *                          after the comment "refused: <name> <what>",
 *                          whose message names <what> (an extended
 *                          regular expression: the type, or the call);
 *   -DCASE_<name>          (the right form) must compile, with every
 *                          warning an error, so that a broken header
 *                          cannot pass for a refusal.
 * Written in the common subset of C99 and C++11 (no compound literals,
 * no designated initializers), with only pointers as parameters.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <netkit.h>

int misuse(int fd, char *buf, size_t n, const char *host, const char *serv,
	   netkit_poller *p, netkit_poller_timer *t, netkit_poller_event *ev);

int
misuse(int fd, char *buf, size_t n, const char *host, const char *serv,
       netkit_poller *p, netkit_poller_timer *t, netkit_poller_event *ev)
{
	size_t sent = 0;
	int64_t started = netkit_now();
	int rc = 0;

	(void)fd; (void)buf; (void)n; (void)host; (void)serv;
	(void)p; (void)t; (void)ev; (void)sent; (void)started;
#if defined(CASE_recv_until)
	/* "wait 3 s": 3000 as a deadline was 3 s after boot. */
#ifdef WRONG
	/* refused: recv_until netkit_deadline */
	rc = (int)netkit_recv_until(fd, buf, n, 3000);
#else
	rc = (int)netkit_recv_until(fd, buf, n, netkit_deadline_in(3000));
#endif
#elif defined(CASE_send_all_until)
#ifdef WRONG
	/* refused: send_all_until netkit_deadline */
	rc = (int)netkit_send_all_until(fd, buf, n, &sent, 3000);
#else
	rc = (int)netkit_send_all_until(fd, buf, n, &sent,
					netkit_deadline_in(3000));
#endif
#elif defined(CASE_timer_start)
	/* "in 500 ms": 500 as a deadline was long past, so it fired at once. */
#ifdef WRONG
	/* refused: timer_start netkit_deadline */
	rc = netkit_poller_timer_start(p, t, 500, 0);
#else
	rc = netkit_poller_timer_start(p, t, netkit_deadline_in(500), 0);
#endif
#elif defined(CASE_create_connection)
	/* A wall-clock time is not on netkit_now()'s clock: time(NULL) + 3
	 * was a deadline weeks away. */
#ifdef WRONG
	/* refused: create_connection netkit_deadline */
	rc = netkit_create_connection(host, serv, NULL, NULL, time(NULL) + 3);
#else
	rc = netkit_create_connection(host, serv, NULL, NULL,
				      netkit_deadline_in(3000));
#endif
#elif defined(CASE_int64_variable)
	/* A time the program computed is still an integer: netkit_deadline_at()
	 * says it is one. */
#ifdef WRONG
	/* refused: int64_variable netkit_deadline */
	rc = (int)netkit_recv_until(fd, buf, n, started + 5000);
#else
	rc = (int)netkit_recv_until(fd, buf, n,
				    netkit_deadline_at(started + 5000));
#endif
#elif defined(CASE_poller_wait)
	/* selectors' select(timeout) habit: 1000 as a deadline returned at
	 * once, a busy loop. Refused whatever shape the wait has now: its
	 * deadline is no integer, or it takes other arguments. The right
	 * forms are the poller's own tests'. */
#ifdef WRONG
	/* refused: poller_wait (netkit_deadline|netkit_poller_wait) */
	rc = netkit_poller_wait(p, ev, 8, 1000);
#endif
#elif defined(CASE_poller_wait_ms)
	/* The same habit on today's shape: a timeout is for the _for call. */
	{
		const netkit_poller_event *got;

#ifdef WRONG
		/* refused: poller_wait_ms netkit_deadline */
		rc = netkit_poller_wait(p, &got, 1000);
#else
		rc = netkit_poller_wait_for(p, &got, 1000);
		rc = netkit_poller_wait(p, &got, netkit_deadline_in(1000));
#endif
	}
#elif defined(CASE_timer_start_ms)
#ifdef WRONG
	/* refused: timer_start_ms netkit_deadline */
	rc = netkit_poller_timer_defer(p, t, 500);
#else
	rc = netkit_poller_timer_start_in(p, t, 500, 0);
	rc = netkit_poller_timer_defer(p, t, netkit_deadline_in(500));
#endif
#elif defined(CASE_forms)
	/* Every way to make a deadline, as arguments. */
	rc = (int)netkit_recv_until(fd, buf, n, netkit_deadline_in(3000));
	rc = (int)netkit_recv_until(fd, buf, n, NETKIT_FOREVER);
	rc = (int)netkit_recv_until(fd, buf, n, NETKIT_NOW);
	rc = (int)netkit_recv_until(fd, buf, n,
				    netkit_deadline_at(netkit_now() + 5));
	rc = netkit_create_server(host, serv, NULL, NETKIT_NOW);
	{
		netkit_deadline forever = NETKIT_FOREVER;
		netkit_deadline now = NETKIT_NOW;

		rc = forever.at == -1 && now.at == 0 &&
		     netkit_deadline_left(forever) == -1 ? 0 : 1;
	}
#else
#error "no CASE_<name> given"
#endif
	return rc;
}
