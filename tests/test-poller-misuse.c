/* SPDX-License-Identifier: MIT */
/*
 * The poller against a caller's mistakes: a timer never zeroed, or
 * running in another poller; a descriptor closed before its removal
 * while its file lives on (a dup, a forked child), or whose number was
 * reused before the removal; an add of a number far beyond any open
 * descriptor. Each is answered with a code: nothing crashes, spins or
 * holds memory, and the poller goes on serving everything else. Every
 * test runs on both backends: _i == 0 is epoll, _i == 1 poll(2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netkit-private.h"

#include "fault.h"
#include "helpers.h"
#include "poller-common.h"
#include "timing.h"

#define ADD_BOTH_FAULT(s, t) suite_add_tcase((s), nk_fault_tcase(#t, (t), 2))
/* The backend's wait, as the seam counts it. */
#define WAIT_CALL(i) ((i) ? NK_FAULT_POLL : NK_FAULT_EPOLL_WAIT)

/* A copy of fd at 100 or above, out of the way of reused numbers. */
static int
dup_high(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 100);

	ck_assert_int_ge(d, 100);
	return d;
}

/* CPU time of this process (every thread, user and system), in ms. */
static double
cpu_ms(void)
{
	struct rusage ru;

	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* The CPU a wait of ms may use: a quarter of it (plus 5 ms for a
 * thread's start), three quarters under valgrind, which spends CPU
 * translating code the first time it runs. A spinning wait uses it all. */
static double
cpu_budget(int ms)
{
	return nk_slow_runner() ? ms * 0.75 : ms / 4.0 + 5;
}

/* The seam counts the backend's waits (nk_fault_install()): a wait with
 * nothing to report sleeps in a few of them, and uses a small part of
 * its time in CPU. A poller that loops on events it drops makes
 * thousands and burns most of it. Never early, as every wait. */
static void
assert_sleeps(netkit_poller *p, int i, int ms)
{
	const netkit_poller_event *ev;
	unsigned long calls = nk_fault_seen(WAIT_CALL(i));
	double cpu = cpu_ms();
	netkit_deadline dl = netkit_deadline_in(ms);
	int n;

	n = netkit_poller_wait(p, &ev, dl);
	ck_assert_msg(n == 0, "the wait returned %d (%s)", n,
		      n < 0 ? netkit_errname(n) : "events");
	ck_assert_int_ge(netkit_now(), dl.at);
	calls = nk_fault_seen(WAIT_CALL(i)) - calls;
	cpu = cpu_ms() - cpu;
	ck_assert_msg(calls <= 4, "%lu %s calls in a %d ms wait", calls,
		      nk_fault_call_name(WAIT_CALL(i)), ms);
	ck_assert_msg(cpu < cpu_budget(ms), "%.1f ms of CPU in a %d ms wait",
		      cpu, ms);
}

/* The same for a wait without an end, which a wake ends 200 ms later. */
static void
assert_sleeps_forever(netkit_poller *p, int i)
{
	const netkit_poller_event *ev;
	unsigned long calls = nk_fault_seen(WAIT_CALL(i));
	double cpu = cpu_ms();
	nk_thread *t = nk_spawn(wake_later, p);
	int n;

	n = netkit_poller_wait(p, &ev, NETKIT_FOREVER);
	nk_join(t);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_WAKE);
	calls = nk_fault_seen(WAIT_CALL(i)) - calls;
	cpu = cpu_ms() - cpu;
	ck_assert_msg(calls <= 4, "%lu %s calls in a 200 ms wait", calls,
		      nk_fault_call_name(WAIT_CALL(i)));
	ck_assert_msg(cpu < cpu_budget(200), "%.1f ms of CPU in a 200 ms wait",
		      cpu);
}

/* ---- timers (finding 4) ---- */

/* A timer in malloc'd memory that was never zeroed: its fields claim a
 * place in a heap. Every call taking it answers -EINVAL, nothing
 * crashes, and the poller's own timers go on. */
START_TEST(timer_never_zeroed_is_refused)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer *bad = malloc(sizeof(*bad)), good = { 0 };
	netkit_poller_event ev;

	ck_assert_ptr_nonnull(bad);
	memset(bad, SENTINEL, sizeof(*bad));
	ck_assert_int_eq(netkit_poller_timer_start(p, bad, netkit_deadline_at(netkit_now()), 0),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_defer(p, bad, netkit_deadline_at(netkit_now())),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, bad), -EINVAL);
	/* With one timer in the heap, and garbage pointing at it. */
	ck_assert_int_eq(netkit_poller_timer_start(p, &good,
				netkit_deadline_in(10), 0), 0);
	bad->index = 1;
	ck_assert_int_eq(netkit_poller_timer_start(p, bad, NETKIT_NOW, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, bad), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_defer(p, bad, NETKIT_NOW), -EINVAL);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, &good);
	/* Zeroed, it is an ordinary timer. */
	memset(bad, 0, sizeof(*bad));
	ck_assert_int_eq(netkit_poller_timer_start(p, bad, NETKIT_NOW, 0), 0);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, bad);
	netkit_poller_free(p);
	free(bad);
}
END_TEST

/* A timer running in poller q, handed to poller p: refused by p, and
 * still q's, where it fires. */
START_TEST(timer_running_in_another_poller_is_refused)
{
	netkit_poller *p = new_poller(_i), *q = new_poller(_i);
	netkit_poller_timer mine = { 0 }, theirs = { 0 };
	netkit_poller_event ev;
	netkit_deadline when = netkit_deadline_in(30);

	ck_assert_int_eq(netkit_poller_timer_start(p, &mine,
				netkit_deadline_in(60), 0), 0);
	ck_assert_int_eq(netkit_poller_timer_start(q, &theirs, when, 0), 0);
	ck_assert_int_eq(netkit_poller_timer_start(p, &theirs, when, 0),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_defer(p, &theirs, when),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &theirs), -EINVAL);
	ev = next_event(q, 5000);
	ck_assert_ptr_eq(ev.timer, &theirs);
	ck_assert_int_gt(netkit_now(), when.at);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, &mine);
	/* Stopped in q (it fired), it may start in p. */
	ck_assert_int_eq(netkit_poller_timer_start(p, &theirs, NETKIT_NOW, 0), 0);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.timer, &theirs);
	netkit_poller_free(q);
	netkit_poller_free(p);
}
END_TEST

/* A stopped timer whose private fields are garbage (its batch that of
 * the last wait, its slot anywhere): stopping it cancels no event of
 * another, and writes nowhere else. */
START_TEST(stopped_timer_with_garbage_slot_cancels_nothing)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer t[2], bad;
	const netkit_poller_event *ev;
	int64_t when = netkit_now();
	int j;

	memset(t, 0, sizeof(t));
	for (j = 0; j < 2; j++)
		ck_assert_int_eq(netkit_poller_timer_start(p, &t[j], netkit_deadline_at(when), 0),
				 0);
	while (netkit_now() <= when)	/* both due before the wait */
		;
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 2);
	memset(&bad, SENTINEL, sizeof(bad));
	bad.index = 0;
	bad.batch = t[0].batch;
	for (j = 0; j < 2; j++) {
		bad.slot = j;
		ck_assert_int_eq(netkit_poller_timer_stop(p, &bad), 0);
		ck_assert_uint_eq(ev[j].events, NETKIT_POLLER_TIMER);
	}
	bad.slot = 1 << 24;
	ck_assert_int_eq(netkit_poller_timer_stop(p, &bad), 0);
	bad.slot = -1;
	ck_assert_int_eq(netkit_poller_timer_stop(p, &bad), 0);
	/* The real owner of an event still cancels it. */
	ck_assert_int_eq(netkit_poller_timer_stop(p, ev[1].timer), 0);
	ck_assert_uint_eq(ev[1].events, 0);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_TIMER);
	netkit_poller_free(p);
}
END_TEST

/* ---- a descriptor closed before its removal (finding 5) ---- */

/* Registered, readable, then closed while a dup keeps its file open:
 * the removal answers -EBADF (and forgets it), and no wait spins on
 * the file's events afterwards, with a deadline or without. */
START_TEST(remove_after_close_with_dup_is_ebadf_and_never_spins)
{
	netkit_poller *p = new_poller(_i);
	int a, b, keep, tag;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, &tag),
			 0);
	ck_assert_int_eq(write(b, "x", 1), 1);	/* the file stays readable */
	keep = dup_high(a);
	close(a);
	ck_assert_int_eq(netkit_poller_remove(p, a), -EBADF);
	ck_assert_int_eq(netkit_poller_remove(p, a), -ENOENT);
	nk_fault_install(1);
	assert_sleeps(p, _i, 500);
	assert_sleeps_forever(p, _i);
	nk_fault_reset();
	close(keep);
	close(b);
	netkit_poller_free(p);
}
END_TEST

/* The same with a forked child holding the descriptor. */
START_TEST(remove_after_close_with_child_holding_it_never_spins)
{
	netkit_poller *p = new_poller(_i);
	int a, b, ctl[2], status;
	pid_t pid;
	char c;

	unix_pair(&a, &b);
	ck_assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, NULL),
			 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Holds a until told to go, at most 30 s. Its copy of the
		 * poller is freed first, so that valgrind's leak check at
		 * the child's exit finds nothing of it. */
		netkit_poller_free(p);
		close(ctl[1]);
		alarm(30);
		_exit(read(ctl[0], &c, 1) == 1 ? 0 : 1);
	}
	close(ctl[0]);
	close(a);
	ck_assert_int_eq(netkit_poller_remove(p, a), -EBADF);
	nk_fault_install(1);
	assert_sleeps(p, _i, 500);
	nk_fault_reset();
	ck_assert_int_eq(write(ctl[1], "q", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ctl[1]);
	close(b);
	netkit_poller_free(p);
}
END_TEST

/* Closed while registered (a dup keeps its file ready), and its number
 * taken by a copy of another registered descriptor before the removal.
 * epoll sees the number's new file and answers -EBADF; poll(2) watches
 * numbers and cannot tell, and answers 0. Either way the other
 * registration (the new file's own) stays, and nothing spins. */
START_TEST(reused_number_before_remove_removes_nothing_else)
{
	netkit_poller *p = new_poller(_i);
	netkit_poller_event ev;
	int a, b, x, y, keep, reused, tag_a, tag_x;

	unix_pair(&a, &b);
	unix_pair(&x, &y);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, &tag_a),
			 0);
	ck_assert_int_eq(netkit_poller_add(p, x, NETKIT_POLLER_READ, &tag_x),
			 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	keep = dup_high(a);
	close(a);
	reused = fcntl(x, F_DUPFD_CLOEXEC, a);
	ck_assert_int_eq(reused, a);
	ck_assert_int_eq(netkit_poller_remove(p, a), _i ? 0 : -EBADF);
	nk_fault_install(1);
	assert_sleeps(p, _i, 300);
	nk_fault_reset();
	/* x is still watched, under its own value. */
	ck_assert_int_eq(write(y, "y", 1), 1);
	ev = next_event(p, 5000);
	ck_assert_int_eq(ev.fd, x);
	ck_assert_ptr_eq(ev.data, &tag_x);
	ck_assert_int_eq(netkit_poller_remove(p, x), 0);
	close(reused);
	close(keep);
	close(b);
	close(x);
	close(y);
	netkit_poller_free(p);
}
END_TEST

/* After a failed removal, the same file is back at its number (dup2
 * of the copy): adding it works, and its events come once, with the
 * new value. */
START_TEST(same_file_back_at_its_number_is_added_again)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int a, b, keep, tag_old, tag_new;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ,
					   &tag_old), 0);
	keep = dup_high(a);
	close(a);
	ck_assert_int_eq(netkit_poller_remove(p, a), -EBADF);
	ck_assert_int_eq(dup3(keep, a, O_CLOEXEC), a);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ,
					   &tag_new), 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	ck_assert_int_eq(netkit_poller_wait(p, &ev,
			 netkit_deadline_in(nk_scaled_ms(5000))), 1);
	ck_assert_int_eq(ev[0].fd, a);
	ck_assert_ptr_eq(ev[0].data, &tag_new);
	ck_assert_int_eq(netkit_poller_remove(p, a), 0);
	close(a);
	close(keep);
	close(b);
	netkit_poller_free(p);
}
END_TEST

/* A closed, registered number is still registered until removed: both
 * backends answer -EEXIST to an add of its new owner. */
START_TEST(add_of_a_closed_registered_number_is_eexist)
{
	netkit_poller *p = new_poller(_i);
	int a, b, c, d;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, NULL),
			 0);
	close(a);
	unix_pair(&c, &d);
	ck_assert_int_eq(c, a);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ, NULL),
			 -EEXIST);
	ck_assert_int_eq(netkit_poller_remove(p, c), _i ? 0 : -EBADF);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ, NULL),
			 0);
	ck_assert_int_eq(netkit_poller_remove(p, c), 0);
	close(b);
	close(c);
	close(d);
	netkit_poller_free(p);
}
END_TEST

struct watched {
	int fd, peer, tag;
};

static void
watch(netkit_poller *p, struct watched *w, unsigned events)
{
	unix_pair(&w->fd, &w->peer);
	ck_assert_int_eq(netkit_poller_add(p, w->fd, events, &w->tag), 0);
}

/* epoll can drop a registration whose descriptor was closed only by
 * building its set again: everything else must come through as it was.
 * A level registration still ready, a one-shot one that fired (still
 * disarmed until modified), an armed one-shot, an edge one (epoll), one
 * closed but never removed (silent, and -EBADF when removed), the
 * wake-up. */
START_TEST(every_other_registration_survives_the_misuse)
{
	netkit_poller *p = new_poller(_i);
	struct watched lvl, fired, armed, edge, gone, zomb;
	netkit_poller_event ev;
	int keep_gone, keep_zomb, seen = 0, k;
	char c;

	watch(p, &lvl, NETKIT_POLLER_READ);
	watch(p, &fired, NETKIT_POLLER_READ | NETKIT_POLLER_ONESHOT);
	watch(p, &armed, NETKIT_POLLER_READ | NETKIT_POLLER_ONESHOT);
	watch(p, &gone, NETKIT_POLLER_READ);
	watch(p, &zomb, NETKIT_POLLER_READ);
	if (!_i)
		watch(p, &edge, NETKIT_POLLER_READ | NETKIT_POLLER_EDGE);
	ck_assert_int_eq(write(fired.peer, "f", 1), 1);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.data, &fired.tag);
	/* The misuses: gone closed and left, zomb closed and removed. */
	ck_assert_int_eq(write(zomb.peer, "z", 1), 1);
	keep_gone = dup_high(gone.fd);
	keep_zomb = dup_high(zomb.fd);
	close(gone.fd);
	close(zomb.fd);
	ck_assert_int_eq(netkit_poller_remove(p, zomb.fd), -EBADF);
	nk_fault_install(1);
	assert_sleeps(p, _i, 200);
	/* Level: reported while ready. */
	ck_assert_int_eq(write(lvl.peer, "l", 1), 1);
	for (k = 0; k < 2; k++) {
		ev = next_event(p, 5000);
		ck_assert_ptr_eq(ev.data, &lvl.tag);
	}
	ck_assert_int_eq(read(lvl.fd, &c, 1), 1);
	/* Still nothing else: fired stays disarmed, with data. */
	assert_sleeps(p, _i, 100);
	ck_assert_int_eq(write(armed.peer, "a", 1), 1);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.data, &armed.tag);
	ck_assert_int_eq(netkit_poller_modify(p, fired.fd, NETKIT_POLLER_READ
		| NETKIT_POLLER_ONESHOT, &fired.tag), 0);
	ev = next_event(p, 5000);
	ck_assert_ptr_eq(ev.data, &fired.tag);
	if (!_i) {
		ck_assert_int_eq(write(edge.peer, "e", 1), 1);
		ev = next_event(p, 5000);
		ck_assert_ptr_eq(ev.data, &edge.tag);
		seen = 1;
	}
	ck_assert_int_eq(netkit_poller_wake(p), 0);
	ev = next_event(p, 5000);
	ck_assert_uint_eq(ev.events, NETKIT_POLLER_WAKE);
	assert_sleeps(p, _i, 100);
	/* epoll built its set once. */
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_EPOLL_CREATE1), _i ? 0 : 1);
	nk_fault_reset();
	ck_assert_int_eq(netkit_poller_remove(p, gone.fd), -EBADF);
	ck_assert_int_eq(netkit_poller_remove(p, lvl.fd), 0);
	ck_assert_int_eq(netkit_poller_remove(p, fired.fd), 0);
	ck_assert_int_eq(netkit_poller_remove(p, armed.fd), 0);
	if (seen)
		ck_assert_int_eq(netkit_poller_remove(p, edge.fd), 0);
	close(keep_gone);
	close(keep_zomb);
	close(gone.peer);
	close(zomb.peer);
	close(lvl.fd);
	close(lvl.peer);
	close(fired.fd);
	close(fired.peer);
	close(armed.fd);
	close(armed.peer);
	if (seen) {
		close(edge.fd);
		close(edge.peer);
	}
	netkit_poller_free(p);
}
END_TEST

/* When epoll's set cannot be built again (no descriptor, no memory),
 * the wait answers that code instead of looping; the next wait builds
 * it. poll(2) has nothing to build. */
START_TEST(rebuild_failure_is_returned_not_spun)
{
	static const struct {
		enum nk_fault_call call;
		int err;
	} fail[] = {
		{ NK_FAULT_EPOLL_CREATE1, EMFILE },
		{ NK_FAULT_EPOLL_CTL, ENOMEM },
	};
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int a, b, keep, j, n;

	for (j = 0; j < 2; j++) {
		unix_pair(&a, &b);
		ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ,
						   NULL), 0);
		ck_assert_int_eq(write(b, "x", 1), 1);
		keep = dup_high(a);
		close(a);
		ck_assert_int_eq(netkit_poller_remove(p, a), -EBADF);
		nk_fault_install(1);
		nk_fault_fail(fail[j].call, fail[j].err, 1);
		n = netkit_poller_wait(p, &ev, netkit_deadline_in(100));
		ck_assert_int_eq(n, _i ? 0 : -fail[j].err);
		ck_assert_uint_eq(nk_fault_failed(fail[j].call), _i ? 0 : 1);
		assert_sleeps(p, _i, 200);
		nk_fault_reset();
		close(keep);
		close(b);
	}
	netkit_poller_free(p);
}
END_TEST

/* ---- memory for a refused add (finding 13) ---- */

/* Resident memory of this process, in KiB. */
static long
rss_kib(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "re");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Number 4,000,000 is not open: the add is refused before the table
 * grows to it (32 bytes a number: 128 MiB). */
START_TEST(refused_add_beyond_the_table_allocates_nothing)
{
	netkit_poller *p = new_poller(_i);
	long before = rss_kib(), grew;

	ck_assert_int_eq(fcntl(4000000, F_GETFD), -1);
	ck_assert_int_eq(netkit_poller_add(p, 4000000, NETKIT_POLLER_READ,
					   NULL), -EBADF);
	grew = rss_kib() - before;
	ck_assert_msg(grew < 8 * 1024, "a refused add holds %ld KiB", grew);
	ck_assert_int_eq(netkit_poller_remove(p, 4000000), -ENOENT);
	netkit_poller_free(p);
}
END_TEST

/* A number beyond what the table has seen, but open: watched. */
START_TEST(high_descriptor_number_is_watched)
{
	netkit_poller *p;
	netkit_poller_event ev;
	struct rlimit rl;
	int a, b, high = 1000, tag;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur <= (rlim_t)high) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= (rlim_t)high)
			NK_SKIP("RLIMIT_NOFILE hard limit %lu",
				(unsigned long)rl.rlim_max);
		rl.rlim_cur = (rlim_t)high + 1;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	ck_assert_int_eq(fcntl(high, F_GETFD), -1);
	p = new_poller(_i);
	unix_pair(&a, &b);
	ck_assert_int_eq(dup3(a, high, O_CLOEXEC), high);
	ck_assert_int_eq(netkit_poller_add(p, high, NETKIT_POLLER_READ, &tag),
			 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	ev = next_event(p, 5000);
	ck_assert_int_eq(ev.fd, high);
	ck_assert_ptr_eq(ev.data, &tag);
	ck_assert_int_eq(netkit_poller_remove(p, high), 0);
	close(high);
	close(a);
	close(b);
	netkit_poller_free(p);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("poller-misuse");

	ADD_BOTH(s, timer_never_zeroed_is_refused);
	ADD_BOTH(s, timer_running_in_another_poller_is_refused);
	ADD_BOTH(s, stopped_timer_with_garbage_slot_cancels_nothing);
	ADD_BOTH_FAULT(s, remove_after_close_with_dup_is_ebadf_and_never_spins);
	ADD_BOTH_FAULT(s, remove_after_close_with_child_holding_it_never_spins);
	ADD_BOTH_FAULT(s, reused_number_before_remove_removes_nothing_else);
	ADD_BOTH(s, same_file_back_at_its_number_is_added_again);
	ADD_BOTH(s, add_of_a_closed_registered_number_is_eexist);
	ADD_BOTH_FAULT(s, every_other_registration_survives_the_misuse);
	ADD_BOTH_FAULT(s, rebuild_failure_is_returned_not_spun);
	ADD_BOTH(s, refused_add_beyond_the_table_allocates_nothing);
	ADD_BOTH(s, high_descriptor_number_is_watched);
	return s;
}
