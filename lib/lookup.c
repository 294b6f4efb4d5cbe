/* SPDX-License-Identifier: MIT */
/*
 * getaddrinfo() with a deadline: the lookup runs on a thread of its
 * own, and the caller waits for it until the deadline. resolve.c turns
 * the answer into a netkit list.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netkit-private.h"

/*
 * A lookup with a deadline runs getaddrinfo() on a thread of its own,
 * which the caller waits for until the deadline. The thread may go on
 * long after the caller gave up (until the system's resolver gives up,
 * resolv.conf's timeout and attempts), so the lookup lives on the heap
 * in one block with two references, the caller's and the thread's;
 * whoever drops the last one frees the block and any answer in it.
 *
 * Why not glibc's getaddrinfo_a(): its resolver and notification
 * threads are made inside libc, where ThreadSanitizer cannot see them
 * (a program using it crashes under TSan), its gai_cancel() leaks a
 * record per cancelled lookup (glibc 2.36), and it exists on glibc only.
 * A thread per lookup costs a thread creation, small beside a lookup,
 * works on every POSIX libc, and every tool sees it.
 *
 * lookups_lock is one lock for every lookup's count and flag, held for
 * a few instructions at a time. One lock that is never destroyed, not
 * one in each block: a block is freed right after the other thread's
 * unlock, which helgrind reports as a race on the mutex itself. It
 * also counts the threads alive, so that a dead DNS server and callers
 * that keep retrying cannot pile up threads without bound.
 */
#define LOOKUP_THREADS_MAX 64

static pthread_mutex_t lookups_lock = PTHREAD_MUTEX_INITIALIZER;
static int lookups_running;

struct lookup {
	struct addrinfo hints;
	pthread_cond_t ended;	/* on CLOCK_MONOTONIC, as deadlines */
	bool done;		/* the thread has its answer */
	int refs;
	int rc;			/* getaddrinfo()'s result */
	int err;		/* its errno, for EAI_SYSTEM */
	struct addrinfo *res;
	const char *service;	/* NULL, or in text */
	char text[];		/* host, NUL, service, NUL */
};

/* The condition variable of a new lookup. */
static bool
lookup_cond_init(struct lookup *l)
{
	pthread_condattr_t attr;
	bool ok;

	if (pthread_condattr_init(&attr) != 0)
		return false;
	ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&l->ended, &attr) == 0;
	pthread_condattr_destroy(&attr);
	return ok;
}

static struct lookup *
lookup_new(const char *host, const char *service,
	   const struct addrinfo *hints)
{
	size_t hn = strlen(host) + 1, sn = service ? strlen(service) + 1 : 0;
	struct lookup *l = calloc(1, sizeof(*l) + hn + sn);

	if (!l)
		return NULL;
	if (!lookup_cond_init(l)) {
		free(l);
		return NULL;
	}
	memcpy(l->text, host, hn);
	if (service) {
		memcpy(l->text + hn, service, sn);
		l->service = l->text + hn;
	}
	l->hints = *hints;
	l->refs = 2;
	return l;
}

/* Drops a reference, with lookups_lock held (and released here); the
 * last one frees the lookup. */
static void
lookup_unref_locked(struct lookup *l)
{
	int left = --l->refs;

	pthread_mutex_unlock(&lookups_lock);
	if (left > 0)
		return;
	pthread_cond_destroy(&l->ended);
	if (l->res)
		freeaddrinfo(l->res);
	free(l);
}

/* The lookup's thread: one getaddrinfo(), then the answer for the
 * caller, if it still waits. */
static void *
lookup_run(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo *res = NULL;
	int rc, err;

	/* Named, so that ps, gdb and the tests can tell it. */
	(void)pthread_setname_np(pthread_self(), "netkit-resolve");
	rc = NK_SYS(getaddrinfo)(l->text, l->service, &l->hints, &res);
	err = errno;
	pthread_mutex_lock(&lookups_lock);
	l->rc = rc;
	l->err = err;
	l->res = res;
	l->done = true;
	lookups_running--;
	pthread_cond_signal(&l->ended);
	lookup_unref_locked(l);
	return NULL;
}

/* Starts the lookup's thread, detached, with every signal blocked (the
 * caller's handlers never run on it). 0, or a negative code. */
static int
lookup_start(struct lookup *l)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	pthread_mutex_lock(&lookups_lock);
	if (lookups_running >= LOOKUP_THREADS_MAX) {
		pthread_mutex_unlock(&lookups_lock);
		return NETKIT_EAGAIN_RESOLVE;
	}
	lookups_running++;
	pthread_mutex_unlock(&lookups_lock);
	sigfillset(&all);
	(void)NK_SYS(pthread_sigmask)(SIG_SETMASK, &all, &old);
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, lookup_run, l);
		pthread_attr_destroy(&attr);
	}
	(void)NK_SYS(pthread_sigmask)(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return 0;
	pthread_mutex_lock(&lookups_lock);
	lookups_running--;
	pthread_mutex_unlock(&lookups_lock);
	return rc == EAGAIN ? NETKIT_EAGAIN_RESOLVE : -rc;
}

/* Waits for the thread's answer until the deadline: 0 once it has
 * come, or -ETIMEDOUT. Called with lookups_lock held. */
static int
lookup_wait(struct lookup *l, int64_t deadline)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000),
			       .tv_nsec = (long)(deadline % 1000) * 1000000 };

	/* Wake-ups may be early or spurious: the clock decides, so the
	 * call never ends before the deadline; signals do not end it. */
	while (!l->done && netkit_now() < deadline)
		pthread_cond_timedwait(&l->ended, &lookups_lock, &ts);
	return l->done ? 0 : -ETIMEDOUT;
}

/* The answer of an ended lookup: 0 and getaddrinfo()'s list in *res,
 * or its error as a netkit code. */
static int
lookup_answer(struct lookup *l, struct addrinfo **res)
{
	if (l->rc == 0 && l->res) {
		*res = l->res;
		l->res = NULL;
		return 0;
	}
	errno = l->err;
	return netkit__gai_error(l->rc ? l->rc : EAI_FAIL);
}

int
netkit__getaddrinfo_until(const char *host, const char *service,
			  const struct addrinfo *hints, int64_t deadline,
			  struct addrinfo **res)
{
	struct lookup *l = lookup_new(host, service, hints);
	int rc;

	if (!l)
		return -ENOMEM;
	rc = lookup_start(l);
	if (rc < 0) {
		pthread_cond_destroy(&l->ended);
		free(l);
		return rc;
	}
	pthread_mutex_lock(&lookups_lock);
	rc = lookup_wait(l, deadline);
	pthread_mutex_unlock(&lookups_lock);
	/* Once done, the thread has let go of the lookup (in the same
	 * locked section): the answer is the caller's alone. */
	if (rc == 0)
		rc = lookup_answer(l, res);
	pthread_mutex_lock(&lookups_lock);
	lookup_unref_locked(l);
	return rc;
}
