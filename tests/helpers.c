/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"

int
nk_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own descriptor */
}

static int fds_before;

extern char **environ;

bool
nk_run_ip(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int status = 0, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "ip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return false;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Not 0, 1, 2 (a body's answers) or NK_NETNS_NO_LINKS. */
#define NETNS_NONE 77

void
nk_in_netns(int i, const char *links_why,
	    void (*body)(void *arg, char *msg, size_t len), void *arg)
{
	char msg[512] = "";
	struct pollfd p;
	int fds[2], status = 0;
	ssize_t n = 0;
	pid_t pid;

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(NETNS_NONE);
		body(arg, msg, sizeof(msg));
		if (msg[0] && write(fds[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(msg[0] ? 1 : 0);
	}
	close(fds[1]);
	p.fd = fds[0];
	p.events = POLLIN;
	/* The child writes once and exits: EOF (or its report) ends the
	 * wait; 20 s (times the slow runner's multiplier) bounds it. */
	if (poll(&p, 1, (int)nk_scaled_ms(20000)) > 0)
		n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	if (n <= 0 && waitpid(pid, &status, WNOHANG) == 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == NETNS_NONE) {
		nk_skip(i, "no network namespace here");
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == NK_NETNS_NO_LINKS) {
		nk_skip(i, "%s", links_why);
		return;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s (child status 0x%x)", msg[0] ? msg : "child failed",
		      (unsigned int)status);
}

int
nk_count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int
nk_count_threads_named(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[300], comm[32];
	FILE *f;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f)) {
			comm[strcspn(comm, "\n")] = '\0';
			n += strcmp(comm, name) == 0;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

void
nk_settle_threads(void)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	bool vg = nk_under_valgrind();
	long long give_up = nk_now_ms() + 10000;

	while (nk_now_ms() < give_up &&
	       (nk_count_threads_named("netkit-resolve") > 0 ||
		(vg && nk_count_tasks() > 1)))
		nanosleep(&nap, NULL);
}

static void
fd_setup(void)
{
	nk_on_time_reset();
	fds_before = nk_count_fds();
}

static void
fd_teardown(void)
{
	nk_settle_threads();
	ck_assert_msg(nk_count_fds() == fds_before,
		      "descriptor leak: %d open before the test, %d after",
		      fds_before, nk_count_fds());
	nk_on_time_settle();
}

TCase *
nk_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fd_setup, fd_teardown);
	tcase_set_timeout(tc, 30);
	return tc;
}

/*
 * Tests split into one test case per run (<test>_v4, <test>_v6...).
 * Check names the running test after its TTest (tcase_name() answers
 * the test's name, and nk_skip() records it), so each part is a copy of
 * the test under the part's name. main.c counts a test case's results
 * by rank, from 0, so nk_skip() subtracts the part's first run from _i.
 * Filled before the runner forks, read-only afterwards.
 */
#define NK_MAX_PARTS 512

static struct nk_part {
	char name[128];
	TTest test;
	int first;
} parts[NK_MAX_PARTS];
static int n_parts;

static int
first_run(const char *tcase)
{
	int k;

	for (k = 0; k < n_parts; k++)
		if (strcmp(parts[k].name, tcase) == 0)
			return parts[k].first;
	return 0;
}

void
nk_note_split_test(const char *name)
{
	size_t len = strlen(name);
	int k;

	for (k = 0; k < n_parts; k++)
		if (strncmp(parts[k].name, name, len) == 0 &&
		    parts[k].name[len] == '_') {
			fprintf(stderr, "note: CK_RUN_CASE=%s: no such test "
				"case here; each run of that test is one of "
				"its own (%s...)\n", name, parts[k].name);
			return;
		}
}

static TCase *
tcase_runs(const char *name, const TTest *t, int first, int end)
{
	TCase *tc = nk_tcase(name);

	tcase_add_loop_test(tc, t, first, end);
	return tc;
}

TCase *
nk_tcase_with(const char *name, const TTest *t, int loops)
{
	return tcase_runs(name, t, 0, loops);
}

TCase *
nk_tcase_part(const TTest *t, const char *suffix, int first, int end)
{
	struct nk_part *p;
	int n;

	if (n_parts == NK_MAX_PARTS) {
		fprintf(stderr, "netkit tests: over %d split tests\n",
			NK_MAX_PARTS);
		exit(EXIT_FAILURE);
	}
	p = &parts[n_parts];
	n = snprintf(p->name, sizeof(p->name), "%s%s", t->name, suffix);
	if (n < 0 || (size_t)n >= sizeof(p->name)) {
		fprintf(stderr, "netkit tests: name too long: %s%s\n",
			t->name, suffix);
		exit(EXIT_FAILURE);
	}
	n_parts++;
	p->test = *t;
	p->test.name = p->name;
	p->first = first;
	return tcase_runs(p->name, &p->test, first, end);
}

bool
nk_have_ipv6(void)
{
	netkit_addr a;
	int fd, rc;

	fd = netkit_socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	netkit_addr_from_ip(&a, "::1", 0);
	rc = netkit_bind(fd, &a);
	netkit_close(fd);
	return rc == 0;
}

void
nk_loopback(int family, int port, netkit_addr *out)
{
	ck_assert_int_eq(netkit_addr_from_ip(out,
		family == AF_INET6 ? "::1" : "127.0.0.1", port), 0);
}

int
nk_listen(int family, netkit_addr *bound)
{
	netkit_addr a;
	int fd;

	nk_loopback(family, 0, &a);
	fd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), 0);
	ck_assert_int_eq(netkit_listen(fd, 16), 0);
	ck_assert_int_eq(netkit_local_addr(fd, bound), 0);
	return fd;
}

void
nk_tcp_pair(int family, int *client, int *server)
{
	netkit_addr a;
	int lfd = nk_listen(family, &a);

	*client = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(*client, 0);
	ck_assert_int_eq(netkit_connect(*client, &a), 0);
	*server = netkit_accept(lfd, NULL);
	ck_assert_int_ge(*server, 0);
	netkit_close(lfd);
}

int
nk_udp(int family, netkit_addr *bound)
{
	netkit_addr a;
	int fd;

	nk_loopback(family, 0, &a);
	fd = netkit_socket(family, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), 0);
	ck_assert_int_eq(netkit_local_addr(fd, bound), 0);
	return fd;
}

void
nk_assert_addr_equal(const netkit_addr *a, const netkit_addr *b)
{
	char x[NETKIT_ADDRSTRLEN] = "?", y[NETKIT_ADDRSTRLEN] = "?";

	netkit_addr_format(a, x, sizeof(x));
	netkit_addr_format(b, y, sizeof(y));
	ck_assert_msg(netkit_addr_equal(a, b), "addresses differ: %s vs %s",
		      x, y);
}

void
nk_assert_connected_to(int fd, int lfd, const netkit_addr *want)
{
	netkit_addr peer;
	char buf[8];
	int conn;

	ck_assert_int_eq(netkit_peer_addr(fd, &peer), 0);
	nk_assert_addr_equal(&peer, want);
	conn = netkit_accept_until(lfd, NULL, netkit_deadline_in(5000));
	ck_assert_int_ge(conn, 0);
	ck_assert_int_eq(netkit_send_all(fd, "ping", 4), 4);
	ck_assert_int_eq(netkit_recv_exact_until(conn, buf, 4, NULL,
			 netkit_deadline_in(5000)), 4);
	ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
	ck_assert_int_eq(netkit_send_all(conn, "pong", 4), 4);
	ck_assert_int_eq(netkit_recv_exact_until(fd, buf, 4, NULL,
			 netkit_deadline_in(5000)), 4);
	ck_assert_int_eq(memcmp(buf, "pong", 4), 0);
	netkit_close(conn);
}

void
nk_refused_addr(int family, netkit_addr *out)
{
	int fd = nk_listen(family, out);

	netkit_close(fd);
}

/*
 * The thread tells the joiner it is done through a mutex and condition
 * variable, and only then is it joined with a plain pthread_join(): the
 * wait stays bounded, and both edges (the unlock/lock pair and the join)
 * are happens-before edges helgrind and ThreadSanitizer know, which
 * pthread_timedjoin_np() is not to helgrind.
 */
struct nk_thread {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC */
	bool done;
	void *(*fn)(void *);
	void *arg;
	void *ret;
};

static void *
nk_thread_run(void *arg)
{
	nk_thread *t = arg;
	void *ret = t->fn(t->arg);

	pthread_mutex_lock(&t->lock);
	t->ret = ret;
	t->done = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

nk_thread *
nk_spawn(void *(*fn)(void *), void *arg)
{
	return nk_spawn_stack(fn, arg, 0);
}

nk_thread *
nk_spawn_stack(void *(*fn)(void *), void *arg, size_t stack)
{
	nk_thread *t = calloc(1, sizeof(*t));
	pthread_condattr_t ca;
	pthread_attr_t ta;

	ck_assert_ptr_nonnull(t);
	t->fn = fn;
	t->arg = arg;
	ck_assert_int_eq(pthread_mutex_init(&t->lock, NULL), 0);
	ck_assert_int_eq(pthread_condattr_init(&ca), 0);
	ck_assert_int_eq(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC), 0);
	ck_assert_int_eq(pthread_cond_init(&t->cond, &ca), 0);
	pthread_condattr_destroy(&ca);
	ck_assert_int_eq(pthread_attr_init(&ta), 0);
	if (stack) {
		ck_assert_int_eq(pthread_attr_setstacksize(&ta, stack), 0);
		ck_assert_int_eq(pthread_attr_setguardsize(&ta, NK_STACK_GUARD),
				 0);
	}
	ck_assert_int_eq(pthread_create(&t->tid, &ta, nk_thread_run, t), 0);
	pthread_attr_destroy(&ta);
	return t;
}

/* 10 s, times nk_timeout_multiplier() (valgrind 10, helgrind 20). */
static struct timespec
nk_join_deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += 10 * nk_timeout_multiplier();
	return ts;
}

void *
nk_join(nk_thread *t)
{
	struct timespec ts = nk_join_deadline();
	bool done;
	void *ret;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&t->cond, &t->lock, &ts);
	done = t->done;
	ret = t->ret;
	pthread_mutex_unlock(&t->lock);
	ck_assert_msg(done, "helper thread did not finish within %ld s",
		      10 * nk_timeout_multiplier());
	ck_assert_int_eq(pthread_join(t->tid, NULL), 0);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
	return ret;
}

bool
nk_wait_done(nk_thread *t, int ms)
{
	long long total = (long long)nk_scaled_ms(ms);
	struct timespec ts;
	bool done;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(total / 1000);
	ts.tv_nsec += (long)(total % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->lock);
	while (!t->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&t->cond, &t->lock, &ts);
	done = t->done;
	pthread_mutex_unlock(&t->lock);
	return done;
}

bool
nk_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static atomic_int nk_signals_seen;

static void
nk_on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&nk_signals_seen, 1);
}

void
nk_sigusr1_no_restart(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nk_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, old), 0);
}

void
nk_blocker_enter(nk_blocker *b)
{
	b->thread = pthread_self();
	atomic_store(&b->tid, (int)gettid());
}

void
nk_blocker_leave(nk_blocker *b)
{
	atomic_store(&b->done, 1);
}

long long
nk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The system call thread tid is blocked in; -1 when it is running or
 * the kernel does not say. */
static long
nk_blocked_syscall(int tid)
{
	char path[64], line[256];
	FILE *f;
	long nr;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr;
}

/* Polls (every millisecond, at most 10 s) until the helper is blocked
 * in one of nrs[]; false if its call returned first. */
static bool
nk_wait_blocked(nk_blocker *b, const long *nrs, size_t n)
{
	long long deadline = nk_now_ms() + 10000;
	long nr;
	size_t i;

	while (nk_now_ms() < deadline && !atomic_load(&b->done)) {
		if (atomic_load(&b->tid) != 0) {
			nr = nk_blocked_syscall(atomic_load(&b->tid));
			for (i = 0; i < n; i++)
				if (nr == nrs[i])
					return true;
		}
		poll(NULL, 0, 1);
	}
	return false;
}

void
nk_interrupt_blocked(nk_blocker *b, const long *in, size_t n_in,
		     const long *again, size_t n_again)
{
	int before = atomic_load(&nk_signals_seen);
	long long deadline;

	ck_assert_msg(nk_wait_blocked(b, in, n_in),
		      "helper thread never blocked in its call");
	/* By its tid (an atomic), not its pthread_t: the helper wrote that
	 * with no lock, and helgrind rightly calls reading it a race.
	 * syscall(): musl has no tgkill() wrapper. */
	ck_assert_int_eq(syscall(SYS_tgkill, getpid(), atomic_load(&b->tid),
				 SIGUSR1), 0);
	deadline = nk_now_ms() + 10000;
	while (atomic_load(&nk_signals_seen) == before &&
	       nk_now_ms() < deadline)
		poll(NULL, 0, 1);
	ck_assert_msg(atomic_load(&nk_signals_seen) > before,
		      "the signal handler never ran");
	ck_assert_msg(nk_wait_blocked(b, again, n_again),
		      "the call returned after the signal instead of being "
		      "retried");
}

int
nk_test_family(int i, const char *test)
{
	(void)test;
	if (i == 0)
		return AF_INET;
	if (nk_have_ipv6())
		return AF_INET6;
	nk_skip(i, "IPv6 run: ::1 is unavailable here");
	return -1;
}

/*
 * The skips of this executable's runs: a MAP_SHARED page set up by
 * main.c before the runner forks, so a test's child process writes
 * where main.c reads; under CK_FORK=no it is the same process. A run
 * is its test case's name (one test per TCase) and its loop index.
 */
#define NK_MAX_SKIPS 512

struct nk_skip_run {
	char tcase[128];
	int i;
};

struct nk_skip_table {
	atomic_int n;
	struct nk_skip_run run[NK_MAX_SKIPS];
};

static struct nk_skip_table *nk_skips;

void
nk_skips_init(void)
{
	void *p = mmap(NULL, sizeof(*nk_skips), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("netkit tests: mmap of the skip table");
		exit(EXIT_FAILURE);
	}
	nk_skips = p;
}

void
nk_skip(int i, const char *fmt, ...)
{
	const char *name = tcase_name();
	va_list ap;
	int k;

	fprintf(stderr, "SKIP %s", name);
	/* From here on, i is the run's rank in its test case. */
	i -= first_run(name);
	if (i > 0)
		fprintf(stderr, " (run %d)", i);
	fprintf(stderr, ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	ck_assert_msg(nk_skips, "nk_skip() before nk_skips_init()");
	k = atomic_fetch_add(&nk_skips->n, 1);
	ck_assert_int_lt(k, NK_MAX_SKIPS);
	snprintf(nk_skips->run[k].tcase, sizeof(nk_skips->run[k].tcase),
		 "%s", name);
	nk_skips->run[k].i = i;
}

bool
nk_skipped(const char *tcase, int i)
{
	int k, n = nk_skips ? atomic_load(&nk_skips->n) : 0;

	for (k = 0; k < n && k < NK_MAX_SKIPS; k++)
		if (nk_skips->run[k].i == i &&
		    strcmp(nk_skips->run[k].tcase, tcase) == 0)
			return true;
	return false;
}

void
nk_set_linger_zero(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)),
			 0);
}

/* Maps len bytes' worth of pages plus a guard page; returns where the
 * text must start so that it ends at the guard. */
static char *
guarded_map(struct nk_guarded *g, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + page - 1) / page * page;

	if (span == 0)
		span = page;
	g->size = span + page;
	g->map = mmap(NULL, g->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->map, MAP_FAILED);
	ck_assert_int_eq(mprotect(g->map + span, page, PROT_NONE), 0);
	return g->map + span - len;
}

const char *
nk_guarded_text(struct nk_guarded *g, const char *bytes, size_t len)
{
	char *t = guarded_map(g, len);

	memcpy(t, bytes, len);
	return t;
}

const char *
nk_guarded_fill(struct nk_guarded *g, char fill, size_t len)
{
	char *t = guarded_map(g, len);

	memset(t, fill, len);
	return t;
}

void
nk_guarded_free(struct nk_guarded *g)
{
	munmap(g->map, g->size);
}

void
nk_sentinel_addr(netkit_addr *out, netkit_addr *ref)
{
	memset(out, SENTINEL, sizeof(*out));
	memset(ref, SENTINEL, sizeof(*ref));
}

bool
nk_is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	ck_assert_int_ge(flags, 0);
	return (flags & FD_CLOEXEC) != 0;
}

short
nk_wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

int
nk_closed_fd(void)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	close(p[1]);
	return p[0];
}

const long nk_recv_calls[] = {
	SYS_recvfrom, SYS_recvmsg,
#ifdef SYS_recv
	SYS_recv,
#endif
};
const long nk_send_calls[] = {
	SYS_sendto, SYS_sendmsg,
#ifdef SYS_send
	SYS_send,
#endif
};
const long nk_accept_calls[] = {
	SYS_accept4,
#ifdef SYS_accept
	SYS_accept,
#endif
};
const long nk_connect_calls[] = { SYS_connect };
const long nk_poll_calls[] = {
	SYS_ppoll,
#ifdef SYS_poll
	SYS_poll,
#endif
};
const size_t nk_recv_calls_n = N_ELEMS(nk_recv_calls);
const size_t nk_send_calls_n = N_ELEMS(nk_send_calls);
const size_t nk_accept_calls_n = N_ELEMS(nk_accept_calls);
const size_t nk_connect_calls_n = N_ELEMS(nk_connect_calls);
const size_t nk_poll_calls_n = N_ELEMS(nk_poll_calls);

/* ---- Deadline edges (the fd, file-edge and reader-edge suites) ---- */

bool
nk_run_guarded(void *(*fn)(void *), void *arg, int ms,
	       void (*unstick)(void *))
{
	nk_thread *t = nk_spawn(fn, arg);
	bool in_time = nk_wait_done(t, ms);

	if (!in_time)
		unstick(arg);
	nk_join(t);
	return in_time;
}

struct nk_flood {
	pthread_t thread;
	int fd;
	bool sending;
	int max_ms;
	atomic_int stop;
	uint64_t moved;
};

/* Moves bytes until told to stop or max_ms has passed; an error or the
 * end of the stream ends it early. Polls only when fd has no room (or
 * nothing to read), so a flood outruns any reader that takes less than
 * 64 KiB a call. */
static void *
nk_flood_run(void *arg)
{
	struct nk_flood *f = arg;
	struct pollfd p = { .fd = f->fd,
			    .events = f->sending ? POLLOUT : POLLIN };
	long long end = nk_now_ms() + f->max_ms;
	char *buf = malloc(65536);
	ssize_t n;

	if (!buf)
		return NULL;
	memset(buf, 'x', 65536);
	while (!atomic_load(&f->stop) && nk_now_ms() < end) {
		if (f->sending)
			n = send(f->fd, buf, 65536,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = recv(f->fd, buf, 65536, MSG_DONTWAIT);
		if (n > 0) {
			f->moved += (uint64_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR))
			break;
		(void)poll(&p, 1, 20);
	}
	free(buf);
	return NULL;
}

nk_flood *
nk_flood_start(int fd, bool sending, int max_ms)
{
	nk_flood *f = calloc(1, sizeof(*f));

	ck_assert_ptr_nonnull(f);
	f->fd = fd;
	f->sending = sending;
	f->max_ms = max_ms;
	ck_assert_int_eq(pthread_create(&f->thread, NULL, nk_flood_run, f), 0);
	return f;
}

uint64_t
nk_flood_stop(nk_flood *f)
{
	uint64_t moved;

	atomic_store(&f->stop, 1);
	ck_assert_int_eq(pthread_join(f->thread, NULL), 0);
	moved = f->moved;
	free(f);
	return moved;
}
