/* SPDX-License-Identifier: MIT */
/*
 * The poller's descriptors: readiness, level/edge/one-shot, changes made
 * inside a batch (removal, closing, number reuse), 1000 clients served
 * at once, bad inputs and the poller's own descriptors. Every test runs
 * on both backends: _i == 0 is epoll, _i == 1 poll(2).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netkit-private.h"

#include "fault.h"
#include "helpers.h"
#include "poller-common.h"
#include "timing.h"


/* One wait until ms from now; fails on error. */
static int
wait_ok(netkit_poller *p, const netkit_poller_event **ev, int ms)
{
	int n = netkit_poller_wait(p, ev, netkit_deadline_in(ms));

	ck_assert_msg(n >= 0, "wait: %s", netkit_errname(n));
	return n;
}

/* n socket pairs, fd[j] registered on p for reading with &tag[j] (or
 * NULL without tag). */
static void
add_pairs(netkit_poller *p, int n, int *fd, int *peer, int *tag)
{
	int j;

	for (j = 0; j < n; j++) {
		unix_pair(&fd[j], &peer[j]);
		ck_assert_int_eq(netkit_poller_add(p, fd[j], NETKIT_POLLER_READ,
						   tag ? &tag[j] : NULL), 0);
	}
}

/* Removes what is still registered of n pairs, closes them and p. */
static void
free_pairs(netkit_poller *p, int n, int *fd, int *peer)
{
	int j;

	for (j = 0; j < n; j++) {
		(void)netkit_poller_remove(p, fd[j]);
		close(fd[j]);
		close(peer[j]);
	}
	netkit_poller_free(p);
}

START_TEST(readiness_reported_with_user_value)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int a, b, tag;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ, &tag), 0);
	/* Nothing to read: the wait times out with 0, never early. */
	ck_assert_int_eq(wait_ok(p, &ev, 20), 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_int_eq(ev[0].fd, a);
	ck_assert_ptr_eq(ev[0].data, &tag);
	ck_assert_ptr_null(ev[0].timer);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_READ);
	/* Level-triggered: still readable, reported again. */
	ck_assert_int_eq(wait_ok(p, &ev, 0), 1);
	/* Modify: write interest only, new value. */
	ck_assert_int_eq(netkit_poller_modify(p, a, NETKIT_POLLER_WRITE, p), 0);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_WRITE);
	ck_assert_ptr_eq(ev[0].data, p);
	/* Peer gone: hang-up reported without being asked for. */
	ck_assert_int_eq(netkit_poller_modify(p, a, 0, p), 0);
	close(b);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_uint_eq(ev[0].events & NETKIT_POLLER_HUP, NETKIT_POLLER_HUP);
	ck_assert_int_eq(netkit_poller_remove(p, a), 0);
	ck_assert_int_eq(wait_ok(p, &ev, 0), 0);
	close(a);
	netkit_poller_free(p);
}
END_TEST

START_TEST(edge_triggered_reports_once_until_drained)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	char buf[4096];
	ssize_t n;
	int a, b, rounds = 0;

	unix_pair(&a, &b);
	if (_i) {
		ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ |
						   NETKIT_POLLER_EDGE, NULL),
				 -EOPNOTSUPP);
		goto out;
	}
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ |
					   NETKIT_POLLER_EDGE, NULL), 0);
	memset(buf, 'e', sizeof(buf));
	ck_assert_int_eq(write(b, buf, 3000), 3000);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_READ);
	/* Data is left, but no new edge: not reported again. */
	ck_assert_int_eq(netkit_recv(a, buf, 1000), 1000);
	ck_assert_int_eq(wait_ok(p, &ev, 0), 0);
	/* Drain until EAGAIN, bounded. */
	do
		n = recv(a, buf, 700, MSG_DONTWAIT);
	while (n > 0 && ++rounds < 100);
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(rounds, 3);
	ck_assert_int_eq(write(b, "y", 1), 1);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_int_eq(ev[0].fd, a);
out:
	close(a);
	close(b);
	netkit_poller_free(p);
}
END_TEST

START_TEST(oneshot_reports_once_until_modified)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int a, b;

	unix_pair(&a, &b);
	ck_assert_int_eq(write(b, "x", 1), 1);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ |
					   NETKIT_POLLER_ONESHOT, NULL), 0);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_int_eq(wait_ok(p, &ev, 20), 0);
	ck_assert_int_eq(netkit_poller_modify(p, a, NETKIT_POLLER_READ |
					      NETKIT_POLLER_ONESHOT, &a), 0);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_ptr_eq(ev[0].data, &a);
	ck_assert_int_eq(wait_ok(p, &ev, 0), 0);
	ck_assert_int_eq(netkit_poller_remove(p, a), 0);
	close(a);
	close(b);
	netkit_poller_free(p);
}
END_TEST

START_TEST(descriptor_closed_while_registered_is_not_reported)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int a, b, c, d, tag_old, tag_new;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ,
					   &tag_old), 0);
	ck_assert_int_eq(write(b, "x", 1), 1);
	close(a);
	/* Readable when closed: nothing reported, no error. */
	ck_assert_int_eq(wait_ok(p, &ev, 20), 0);
	/* Its number reused: still registered until removed, and the
	 * removal tells of the close (both backends saw it: epoll's DEL
	 * finds another file, poll() found the number invalid). */
	unix_pair(&c, &d);
	ck_assert_int_eq(c, a);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ,
					   &tag_new), -EEXIST);
	ck_assert_int_eq(netkit_poller_remove(p, a), -EBADF);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ,
					   &tag_new), 0);
	ck_assert_int_eq(wait_ok(p, &ev, 20), 0);
	ck_assert_int_eq(write(d, "y", 1), 1);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_ptr_eq(ev[0].data, &tag_new);
	ck_assert_int_eq(netkit_poller_remove(p, c), 0);
	close(b);
	close(c);
	close(d);
	netkit_poller_free(p);
}
END_TEST

/* Two readable descriptors in one batch; handling the first removes and
 * closes the second, and gives its number to a new descriptor. */
START_TEST(removed_and_reused_in_batch_is_not_delivered)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int fd[2], peer[2], nfd, npeer, other, j, n, tag[2], tag_new;

	for (j = 0; j < 2; j++) {
		unix_pair(&fd[j], &peer[j]);
		ck_assert_int_eq(write(peer[j], "x", 1), 1);
		ck_assert_int_eq(netkit_poller_add(p, fd[j], NETKIT_POLLER_READ,
						   &tag[j]), 0);
	}
	n = wait_ok(p, &ev, 5000);
	for (j = 0; j < 10 && n < 2; j++)	/* both in one batch */
		n = wait_ok(p, &ev, 5000);
	ck_assert_int_eq(n, 2);
	other = ev[0].fd == fd[0] ? 1 : 0;
	ck_assert_int_eq(ev[1].fd, fd[other]);
	ck_assert_int_eq(netkit_poller_remove(p, fd[other]), 0);
	close(fd[other]);
	unix_pair(&nfd, &npeer);
	ck_assert_int_eq(nfd, fd[other]);
	ck_assert_int_eq(write(npeer, "z", 1), 1);
	ck_assert_int_eq(netkit_poller_add(p, nfd, NETKIT_POLLER_READ,
					   &tag_new), 0);
	/* The old owner's event is cancelled, not handed to the new. */
	ck_assert_uint_eq(ev[1].events, 0);
	/* The next batch reports the new descriptor with its own value. */
	n = wait_ok(p, &ev, 5000);
	for (j = 0; j < n; j++)
		if (ev[j].fd == nfd)
			ck_assert_ptr_eq(ev[j].data, &tag_new);
	ck_assert_int_eq(netkit_poller_remove(p, nfd), 0);
	ck_assert_int_eq(netkit_poller_remove(p, fd[1 - other]), 0);
	close(nfd);
	close(npeer);
	close(fd[1 - other]);
	close(peer[0]);
	close(peer[1]);
	netkit_poller_free(p);
}
END_TEST

/* A batch that starts with due timers: removing a descriptor cancels
 * its own event, not the event at its place among the fd events (the
 * timers come first in the array). */
START_TEST(removal_after_timers_cancels_its_own_event)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	netkit_poller_timer t[2];
	int fd[2], peer[2], j, n, k, first = -1, second = -1, tag[2];

	memset(t, 0, sizeof(t));
	add_pairs(p, 2, fd, peer, tag);
	for (j = 0; j < 2; j++) {
		ck_assert_int_eq(write(peer[j], "x", 1), 1);
		t[j].data = &t[j];
		ck_assert_int_eq(netkit_poller_timer_start(p, &t[j],
							   netkit_deadline_at(netkit_now()), 0), 0);
	}
	usleep(5000);		/* both timers past their millisecond */
	n = wait_ok(p, &ev, 5000);
	ck_assert_int_eq(n, 4);
	for (k = 0; k < n; k++) {
		if (ev[k].fd < 0)
			ck_assert_uint_eq(ev[k].events, NETKIT_POLLER_TIMER);
		else if (first < 0)
			first = k;
		else
			second = k;
	}
	ck_assert_int_eq(first, 2);
	ck_assert_int_eq(second, 3);
	/* Handling the first fd event removes the other descriptor. */
	ck_assert_int_eq(netkit_poller_remove(p, ev[second].fd), 0);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_TIMER);
	ck_assert_uint_eq(ev[1].events, NETKIT_POLLER_TIMER);
	ck_assert_uint_eq(ev[first].events, NETKIT_POLLER_READ);
	ck_assert_uint_eq(ev[second].events, 0);
	/* Stopping a timer cancels its own event, and only that. */
	k = ev[0].timer == &t[1] ? 0 : 1;
	ck_assert_ptr_eq(ev[k].timer, &t[1]);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &t[1]), 0);
	ck_assert_uint_eq(ev[k].events, 0);
	ck_assert_uint_eq(ev[1 - k].events, NETKIT_POLLER_TIMER);
	ck_assert_uint_eq(ev[first].events, NETKIT_POLLER_READ);
	free_pairs(p, 2, fd, peer);
}
END_TEST

/* A removal cancels only the removed descriptor's event of the batch
 * being handled: not an event of another descriptor that now sits
 * where the removed one's event was in an earlier batch. */
START_TEST(removal_touches_only_this_batch)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *a;
	int fd[3], peer[3], j, n, x, y, z;
	char c;

	add_pairs(p, 3, fd, peer, NULL);
	/* Batch 1: fd[0] and fd[1]; y is the one at a[1]. */
	for (j = 0; j < 2; j++)
		ck_assert_int_eq(write(peer[j], "x", 1), 1);
	n = wait_ok(p, &a, 5000);
	for (j = 0; j < 10 && n < 2; j++)
		n = wait_ok(p, &a, 5000);
	ck_assert_int_eq(n, 2);
	y = a[1].fd == fd[0] ? 0 : 1;
	x = 1 - y;
	z = 2;
	/* Batch 2: fd[x] and fd[z]; fd[y] is quiet, its last slot a[1]
	 * now holds one of them. */
	ck_assert_int_eq(read(fd[y], &c, 1), 1);
	ck_assert_int_eq(write(peer[z], "x", 1), 1);
	n = wait_ok(p, &a, 5000);
	for (j = 0; j < 10 && n < 2; j++)
		n = wait_ok(p, &a, 5000);
	ck_assert_int_eq(n, 2);
	ck_assert_int_ne(a[1].fd, fd[y]);
	ck_assert_int_eq(netkit_poller_remove(p, fd[y]), 0);
	ck_assert_uint_eq(a[0].events, NETKIT_POLLER_READ);
	ck_assert_uint_eq(a[1].events, NETKIT_POLLER_READ);
	/* Batch 3: fd[x] alone, at a[0], where fd[z]'s event may have
	 * been in batch 2: removing fd[z] leaves it. */
	ck_assert_int_eq(read(fd[z], &c, 1), 1);
	ck_assert_int_eq(wait_ok(p, &a, 5000), 1);
	ck_assert_int_eq(a[0].fd, fd[x]);
	ck_assert_int_eq(netkit_poller_remove(p, fd[z]), 0);
	ck_assert_int_eq(a[0].fd, fd[x]);
	ck_assert_uint_eq(a[0].events, NETKIT_POLLER_READ);
	/* Removing fd[x] cancels its event. */
	ck_assert_int_eq(netkit_poller_remove(p, fd[x]), 0);
	ck_assert_uint_eq(a[0].events, 0);
	free_pairs(p, 3, fd, peer);
}
END_TEST

/* An event copied out of the batch is the caller's: removing its
 * descriptor cancels the poller's event, never the copy (a helper may
 * wait and return a copy of an event). */
START_TEST(copied_event_is_never_written)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	netkit_poller_event copy;
	int fd[1], peer[1];

	add_pairs(p, 1, fd, peer, NULL);
	ck_assert_int_eq(write(peer[0], "x", 1), 1);
	ck_assert_int_eq(wait_ok(p, &ev, 5000), 1);
	ck_assert_int_eq(ev[0].fd, fd[0]);
	copy = ev[0];
	ck_assert_int_eq(netkit_poller_remove(p, copy.fd), 0);
	ck_assert_uint_eq(copy.events, NETKIT_POLLER_READ);
	ck_assert_uint_eq(ev[0].events, 0);
	free_pairs(p, 1, fd, peer);
}
END_TEST

/* A wake that comes while the poller empties the wake-up (a signal
 * handler running in the middle of the drain, or another thread) is
 * taken by that drain's event; a wake after it must still end the next
 * wait. The seam's read() makes that wake at the worst moment. */
static netkit_poller *drain_poller;
static int drain_wakes;

static ssize_t
read_after_a_wake(int fd, void *buf, size_t len)
{
	if (drain_wakes > 0) {
		drain_wakes--;
		ck_assert_int_eq(netkit_poller_wake(drain_poller), 0);
	}
	return netkit__sys_default.read(fd, buf, len);
}

START_TEST(wake_during_the_drain_is_not_lost)
{
	const netkit_poller_event *ev;
	int n;

	drain_poller = new_poller(_i);
	ck_assert_int_eq(netkit_poller_wake(drain_poller), 0);
	drain_wakes = 1;
	netkit__sys.read = read_after_a_wake;
	n = wait_ok(drain_poller, &ev, 5000);
	netkit__sys.read = netkit__sys_default.read;
	ck_assert_int_eq(drain_wakes, 0);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_WAKE);
	/* Nothing is pending now... */
	ck_assert_int_eq(wait_ok(drain_poller, &ev, 50), 0);
	/* ...and the next wake is not swallowed. */
	ck_assert_int_eq(netkit_poller_wake(drain_poller), 0);
	ck_assert_int_eq(wait_ok(drain_poller, &ev, 2000), 1);
	ck_assert_uint_eq(ev[0].events, NETKIT_POLLER_WAKE);
	netkit_poller_free(drain_poller);
	drain_poller = NULL;
}
END_TEST

/* A descriptor closed while a dup keeps its file open: epoll still
 * watches that file under the old registration. Its number, reused, is
 * registered until removed (-EEXIST); removed, then added again, it
 * gets a new generation: the old file's events are dropped (and the
 * epoll set rebuilt without it), never given to the new owner. The
 * removal answers -EBADF where the backend can tell: epoll's DEL finds
 * another file at the number; poll(2) watches numbers, and no wait came
 * between the close and the reuse to find it invalid. */
START_TEST(closed_descriptor_with_live_dup_never_reaches_new_owner)
{
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	int a, b, dup_a, c, d, tag_old, tag_new, j, n;

	unix_pair(&a, &b);
	dup_a = fcntl(a, F_DUPFD_CLOEXEC, 100);
	ck_assert_int_ge(dup_a, 100);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ,
					   &tag_old), 0);
	ck_assert_int_eq(write(b, "old", 3), 3);	/* the old file: ready */
	close(a);
	unix_pair(&c, &d);
	ck_assert_int_eq(c, a);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ,
					   &tag_new), -EEXIST);
	ck_assert_int_eq(netkit_poller_remove(p, a), _i ? 0 : -EBADF);
	ck_assert_int_eq(netkit_poller_add(p, c, NETKIT_POLLER_READ,
					   &tag_new), 0);
	/* The old file stays ready: no event of it is delivered. */
	ck_assert_int_eq(wait_ok(p, &ev, 30), 0);
	ck_assert_int_eq(write(d, "new", 3), 3);
	n = wait_ok(p, &ev, 5000);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ev[0].fd, c);
	ck_assert_ptr_eq(ev[0].data, &tag_new);
	for (j = 0; j < 3; j++) {
		ck_assert_int_eq(wait_ok(p, &ev, 0), 1);
		ck_assert_ptr_eq(ev[0].data, &tag_new);
	}
	ck_assert_int_eq(netkit_poller_remove(p, c), 0);
	close(dup_a);
	close(b);
	close(c);
	close(d);
	netkit_poller_free(p);
}
END_TEST

/* ---- 1000 clients ---- */

#define N_CLIENTS 1000

struct load {
	netkit_addr addr;
	int family;
	int fds[N_CLIENTS];
	int ok;
};

/* Connects every client, then sends on each, then reads each reply:
 * all 1000 connections are open at once. */
static void *
load_clients(void *arg)
{
	struct load *l = arg;
	netkit_deadline dl = netkit_deadline_in(nk_scaled_ms(20000));
	char want[32], got[32];
	size_t len, moved;
	int j;

	for (j = 0; j < N_CLIENTS; j++)
		l->fds[j] = -1;
	for (j = 0; j < N_CLIENTS; j++) {
		l->fds[j] = netkit_socket(l->family, SOCK_STREAM, 0);
		if (l->fds[j] < 0 ||
		    netkit_connect_until(l->fds[j], &l->addr, dl) < 0)
			goto out;
	}
	for (j = 0; j < N_CLIENTS; j++) {
		len = (size_t)snprintf(want, sizeof(want), "client %d", j);
		if (netkit_send_all_until(l->fds[j], want, len, &moved, dl) < 0)
			goto out;
	}
	for (j = 0; j < N_CLIENTS; j++) {
		len = (size_t)snprintf(want, sizeof(want), "client %d", j);
		if (netkit_recv_exact_until(l->fds[j], got, len,
					    &moved, dl) < 0 ||
		    memcmp(got, want, len) != 0)
			goto out;
		l->ok++;
	}
out:
	for (j = 0; j < N_CLIENTS; j++)
		if (l->fds[j] >= 0)
			netkit_close(l->fds[j]);
	return NULL;
}

/* The echo loop: accept, echo, close on end of stream; returns how many
 * clients were served to their end. */
static int
serve_echo(netkit_poller *p, int lfd, netkit_deadline dl)
{
	const netkit_poller_event *ev;
	char buf[256];
	int served = 0, n, j, c;
	ssize_t got;

	while (served < N_CLIENTS && netkit_now() < dl.at) {
		n = netkit_poller_wait(p, &ev, dl);
		ck_assert_int_ge(n, 0);
		for (j = 0; j < n; j++) {
			if (ev[j].fd == lfd) {
				c = netkit_accept(lfd, NULL);
				ck_assert_int_ge(c, 0);
				ck_assert_int_eq(netkit_poller_add(
					p, c, NETKIT_POLLER_READ, NULL), 0);
				continue;
			}
			got = netkit_recv(ev[j].fd, buf, sizeof(buf));
			if (got > 0) {
				ck_assert_int_eq(netkit_send(ev[j].fd, buf,
						 (size_t)got), got);
				continue;
			}
			served += got == 0;
			ck_assert_int_eq(netkit_poller_remove(p, ev[j].fd), 0);
			netkit_close(ev[j].fd);
		}
	}
	return served;
}

START_TEST(serves_1000_concurrent_clients_to_completion)
{
	struct rlimit rl;
	netkit_poller *p = NULL;
	struct load l = { .family = AF_INET };
	nk_thread *t;
	int lfd, served;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2 * N_CLIENTS + 64) {
		printf("SKIP %s: RLIMIT_NOFILE hard limit %lu\n", __func__,
		       (unsigned long)rl.rlim_max);
		return;
	}
	if (rl.rlim_cur < 2 * N_CLIENTS + 64) {
		rl.rlim_cur = 2 * N_CLIENTS + 64;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	p = new_poller(_i);
	lfd = nk_listen(AF_INET, &l.addr);
	ck_assert_int_eq(netkit_listen(lfd, N_CLIENTS), 0);
	ck_assert_int_eq(netkit_poller_add(p, lfd, NETKIT_POLLER_READ, NULL),
			 0);
	t = nk_spawn(load_clients, &l);
	served = serve_echo(p, lfd, netkit_deadline_in(nk_scaled_ms(25000)));
	nk_join(t);
	ck_assert_int_eq(l.ok, N_CLIENTS);
	ck_assert_int_eq(served, N_CLIENTS);
	netkit_close(lfd);
	netkit_poller_free(p);
}
END_TEST

/* ---- bad inputs, own descriptors, faults ---- */

START_TEST(bad_inputs_answered_with_their_codes)
{
	netkit_poller *p = new_poller(_i), *q = (netkit_poller *)&q;
	const netkit_poller_event *ev = (const netkit_poller_event *)&ev;
	netkit_poller_timer t = { 0 };
	int a, b, file;

	unix_pair(&a, &b);
	ck_assert_int_eq(netkit_poller_new(NULL, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_new(&q, 0x100), -EINVAL);
	ck_assert_ptr_eq(q, (netkit_poller *)&q);
	ck_assert_int_eq(netkit_poller_add(NULL, a, 1, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_add(p, -1, 1, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_add(p, a, 0x1000, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_add(p, a, 0x2, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_HUP, NULL),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_add(p, a, NETKIT_POLLER_READ |
		NETKIT_POLLER_EDGE | NETKIT_POLLER_ONESHOT, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_modify(p, a, 1, NULL), -ENOENT);
	ck_assert_int_eq(netkit_poller_remove(p, a), -ENOENT);
	ck_assert_int_eq(netkit_poller_remove(p, 1 << 20), -ENOENT);
	ck_assert_int_eq(netkit_poller_remove(NULL, a), -EINVAL);
	ck_assert_int_eq(netkit_poller_remove(p, -1), -EINVAL);
	ck_assert_int_eq(netkit_poller_add(p, a, 1, NULL), 0);
	ck_assert_int_eq(netkit_poller_add(p, a, 1, NULL), -EEXIST);
	ck_assert_int_eq(netkit_poller_modify(p, a, 0x1000, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_wait(NULL, &ev, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_poller_wait(p, NULL, NETKIT_NOW), -EINVAL);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, netkit_deadline_at(-2)),
			 -EINVAL);
	ck_assert_int_eq(netkit_poller_wait_for(NULL, &ev, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_wait_for(p, NULL, 0), -EINVAL);
	/* Outputs are written only on success. */
	ck_assert_ptr_eq(ev, (const netkit_poller_event *)&ev);
	ck_assert_int_eq(netkit_poller_wake(NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start(p, &t, NETKIT_FOREVER, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start(p, &t, NETKIT_NOW, -1), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start(NULL, &t, NETKIT_NOW, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start(p, NULL, NETKIT_NOW, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start_in(p, &t, -1, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start_in(p, &t, 0, -1), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start_in(NULL, &t, 0, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_start_in(p, NULL, 0, 0), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, NULL), -EINVAL);
	ck_assert_int_eq(netkit_poller_timer_stop(p, &t), 0);
	ck_assert_int_eq(netkit_poller_timer_defer(p, &t, netkit_deadline_at(5)), -ENOENT);
	ck_assert_int_eq(netkit_poller_timer_defer(p, &t, NETKIT_FOREVER), -EINVAL);
	if (!_i) {
		/* epoll refuses what it cannot watch. */
		file = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(file, 0);
		ck_assert_int_eq(netkit_poller_add(p, file, 1, NULL), -EPERM);
		close(file);
		ck_assert_int_eq(netkit_poller_add(p, file, 1, NULL), -EBADF);
	}
	netkit_poller_free(NULL);
	netkit_poller_free(p);
	close(a);
	close(b);
}
END_TEST

START_TEST(own_descriptors_are_cloexec_and_freed)
{
	bool open_before[64];
	netkit_poller *p;
	int fd, before = nk_count_fds(), seen = 0;

	for (fd = 0; fd < 64; fd++)
		open_before[fd] = fcntl(fd, F_GETFD) >= 0;
	p = new_poller(_i);
	for (fd = 0; fd < 64; fd++) {
		if (open_before[fd] || fcntl(fd, F_GETFD) < 0)
			continue;
		ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
		/* Not the caller's to watch. */
		ck_assert_int_eq(netkit_poller_add(p, fd, NETKIT_POLLER_READ,
						   NULL), -EINVAL);
		seen++;
	}
	/* epoll + eventfd, or a pipe's two ends. */
	ck_assert_int_eq(seen, 2);
	ck_assert_int_eq(nk_count_fds(), before + 2);
	netkit_poller_free(p);
	ck_assert_int_eq(nk_count_fds(), before);
}
END_TEST

START_TEST(creation_failure_returns_code_and_leaks_nothing)
{
	netkit_poller *p = (netkit_poller *)&p;
	enum nk_fault_call calls[2][2] = {
		{ NK_FAULT_EVENTFD, NK_FAULT_EPOLL_CREATE1 },
		{ NK_FAULT_PIPE2, NK_FAULT_PIPE2 },
	};
	int j;

	for (j = 0; j < 2; j++) {
		nk_fault_install(1);
		nk_fault_fail(calls[_i][j], EMFILE, 1);
		ck_assert_int_eq(netkit_poller_new(&p, BACKEND(_i)), -EMFILE);
		ck_assert_ptr_eq(p, (netkit_poller *)&p);
		ck_assert_uint_eq(nk_fault_failed(calls[_i][j]), 1);
		nk_fault_reset();
	}
	/* epoll_ctl refusing a registration changes nothing. */
	p = new_poller(_i);
	if (!_i) {
		nk_fault_install(1);
		nk_fault_fail(NK_FAULT_EPOLL_CTL, ENOMEM, 1);
		ck_assert_int_eq(netkit_poller_add(p, 0, 1, NULL), -ENOMEM);
		nk_fault_reset();
		ck_assert_int_eq(netkit_poller_remove(p, 0), -ENOENT);
	}
	netkit_poller_free(p);
}
END_TEST

/* EINTR from epoll_wait()/poll() neither ends the wait nor extends it;
 * any other failure is returned as its code. */
START_TEST(wait_retries_eintr_and_returns_other_errors)
{
	enum nk_fault_call call = _i ? NK_FAULT_POLL : NK_FAULT_EPOLL_WAIT;
	netkit_poller *p = new_poller(_i);
	const netkit_poller_event *ev;
	netkit_deadline dl;

	nk_fault_install(1);
	nk_fault_fail(call, EINTR, 5);
	dl = netkit_deadline_in(30);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, dl), 0);
	ck_assert_int_ge(netkit_now(), dl.at);
	ck_assert_uint_eq(nk_fault_failed(call), 5);
	nk_fault_fail(call, ENOMEM, 1);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_FOREVER),
			 -ENOMEM);
	nk_fault_reset();
	netkit_poller_free(p);
}
END_TEST

/* A wait that fails with timers already due hands their events over:
 * they have left the heap (a one-shot timer would never fire again). */
START_TEST(wait_failure_keeps_due_timers)
{
	enum nk_fault_call call = _i ? NK_FAULT_POLL : NK_FAULT_EPOLL_WAIT;
	netkit_poller *p = new_poller(_i);
	netkit_poller_timer t = { 0 };
	const netkit_poller_event *ev;
	int64_t when = netkit_now();

	ck_assert_int_eq(netkit_poller_timer_start(p, &t, netkit_deadline_at(when), 0), 0);
	while (netkit_now() <= when)	/* due before the wait */
		;
	nk_fault_install(1);
	nk_fault_fail(call, ENOMEM, 0);
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), 1);
	ck_assert_ptr_eq(ev[0].timer, &t);
	ck_assert_uint_eq(nk_fault_failed(call), 1);
	/* Nothing due: the failure is the answer. */
	ck_assert_int_eq(netkit_poller_wait(p, &ev, NETKIT_NOW), -ENOMEM);
	nk_fault_reset();
	netkit_poller_free(p);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("poller");

	ADD_BOTH(s, readiness_reported_with_user_value);
	ADD_BOTH(s, edge_triggered_reports_once_until_drained);
	ADD_BOTH(s, oneshot_reports_once_until_modified);
	ADD_BOTH(s, descriptor_closed_while_registered_is_not_reported);
	ADD_BOTH(s, removed_and_reused_in_batch_is_not_delivered);
	ADD_BOTH(s, removal_after_timers_cancels_its_own_event);
	ADD_BOTH(s, removal_touches_only_this_batch);
	ADD_BOTH(s, copied_event_is_never_written);
	ADD_BOTH(s, wake_during_the_drain_is_not_lost);
	ADD_BOTH(s, closed_descriptor_with_live_dup_never_reaches_new_owner);
	ADD_BOTH(s, serves_1000_concurrent_clients_to_completion);
	ADD_BOTH(s, bad_inputs_answered_with_their_codes);
	ADD_BOTH(s, own_descriptors_are_cloexec_and_freed);
	suite_add_tcase(s, nk_fault_tcase(
		"creation_failure_returns_code_and_leaks_nothing",
		creation_failure_returns_code_and_leaks_nothing, 2));
	suite_add_tcase(s, nk_fault_tcase(
		"wait_retries_eintr_and_returns_other_errors",
		wait_retries_eintr_and_returns_other_errors, 2));
	suite_add_tcase(s, nk_fault_tcase("wait_failure_keeps_due_timers",
					  wait_failure_keeps_due_timers, 2));
	return s;
}
