/* SPDX-License-Identifier: MIT */
/*
 * netkit_getaddrinfo_until(): name resolution bounded by a deadline.
 *
 * The DNS cases run in a forked child that makes its own network and
 * mount namespaces: only loopback is up, /etc/resolv.conf (bind-mounted
 * over, in that namespace only) names 127.0.0.1, and a UDP socket on
 * 127.0.0.1:53 reads the queries and never answers, unless the test
 * tells it to. The child reports back through a pipe; the parent checks.
 * Nothing else sends a query: the other cases use numeric text and
 * /etc/hosts names.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "netkit-private.h"
#include "timing.h"

/* resolv.conf's own timeout is far beyond the deadline: only netkit can
 * end the lookup in time. */
#define RESOLV_CONF "nameserver 127.0.0.1\noptions timeout:30 attempts:5\n"
#define CHILD_SKIP 77

/* What the child of in_netns() reports. */
struct report {
	int status;		/* 0, CHILD_SKIP, or a failed step's line */
	int rc[4];		/* the lookups' results */
	int64_t late[4];	/* netkit_now() - deadline at return */
	int queries;		/* datagrams the server received */
	bool asked;		/* one of them asks for the test's name */
	int tasks;		/* lookup threads left in the child at the end */
	int fds_left;		/* descriptors opened and not closed */
	double quick_ms;	/* how long a call that must not wait took */
	size_t count;		/* a connect report's count */
	char note[160];
};

/* Does /etc/nsswitch.conf send host names only to files and DNS? Any
 * other service (nscd aside, hidden below) might reach out of the
 * namespace. */
static bool
nsswitch_plain_dns(void)
{
	char line[512], *tok, *save;
	FILE *f = fopen("/etc/nsswitch.conf", "re");
	bool dns = false, other = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = '\0';
		tok = strtok_r(line, " \t", &save);
		if (!tok || strcmp(tok, "hosts:") != 0)
			continue;
		while ((tok = strtok_r(NULL, " \t", &save))) {
			if (strcmp(tok, "dns") == 0)
				dns = true;
			else if (tok[0] != '[' && strcmp(tok, "files") != 0 &&
				 strcmp(tok, "myhostname") != 0)
				other = true;
		}
	}
	fclose(f);
	return dns && !other;
}

static bool
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ok = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
	     (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Bind-mounts a private resolv.conf over the system's; the temporary
 * file is gone once mounted. */
static bool
private_resolv_conf(void)
{
	char path[] = "/tmp/nk-resolv-XXXXXX";
	int fd = mkstemp(path);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, RESOLV_CONF, strlen(RESOLV_CONF)) ==
	     (ssize_t)strlen(RESOLV_CONF) &&
	     mount(path, "/etc/resolv.conf", "none", MS_BIND, NULL) == 0;
	close(fd);
	unlink(path);
	/* nscd would answer from outside the namespace: hide it. */
	if (ok && access("/var/run/nscd/socket", F_OK) == 0)
		ok = mount("tmpfs", "/var/run/nscd", "tmpfs", 0, NULL) == 0;
	return ok;
}

/* The child's namespaces and its silent DNS server; returns the
 * server's socket, or -1 with r->note saying why. */
static int
netns_server(struct report *r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(53) };
	int fd;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		snprintf(r->note, sizeof(r->note), "no namespaces: %s",
			 strerror(errno));
		return -1;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!lo_up() || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) ||
	    !private_resolv_conf() || fd < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		snprintf(r->note, sizeof(r->note), "namespace setup: %s",
			 strerror(errno));
		return -1;
	}
	return fd;
}

/* Queries the child's server has read and not answered yet. */
static struct held {
	unsigned char q[512];
	size_t len;
	struct sockaddr_storage from;
	socklen_t flen;
} held[16];
static int nheld;

static void
answer_held(int fd)
{
	int i;

	for (i = 0; i < nheld; i++) {
		held[i].q[2] |= 0x80;	/* a response */
		held[i].q[3] = 0x83;	/* recursion available, NXDOMAIN */
		sendto(fd, held[i].q, held[i].len, MSG_NOSIGNAL,
		       (struct sockaddr *)&held[i].from, held[i].flen);
	}
	nheld = 0;
}

/* Reads the queries waiting at the server, counts them and looks for
 * label (DNS wire form) in them; answers them all with NXDOMAIN if
 * answer is set, else keeps them for later. */
static void
drain(int fd, struct report *r, const char *label, bool answer)
{
	struct held *h;
	ssize_t n;

	for (;;) {
		h = &held[nheld < 15 ? nheld : 15];
		h->flen = sizeof(h->from);
		n = recvfrom(fd, h->q, sizeof(h->q), MSG_DONTWAIT,
			     (struct sockaddr *)&h->from, &h->flen);
		if (n < 12)
			break;
		h->len = (size_t)n;
		nheld += nheld < 15;
		r->queries++;
		if (memmem(h->q, h->len, label, strlen(label)))
			r->asked = true;
	}
	if (answer)
		answer_held(fd);
}

/* The server wakes up: answers every query with NXDOMAIN until the
 * lookup threads ("netkit-resolve") have all ended (at most 4 s, 30
 * under valgrind), so that the child exits with none left. */
static void
answer_until_alone(int server, struct report *r, const char *label)
{
	netkit_deadline give_up = netkit_deadline_in(nk_under_valgrind() ? 30000 :
					     4000);

	while ((r->tasks = nk_count_threads_named("netkit-resolve")) > 0 &&
	       netkit_now() < give_up.at) {
		nk_readable(server, 20);
		drain(server, r, label, true);
	}
}

typedef void (*child_fn)(int server, struct report *r);

/* Runs fn in a forked child inside its own namespaces; false (after
 * nk_skip() for run i) when they cannot be made. Fails the test if the
 * child fails, hangs, or (under valgrind) leaks. */
static bool
in_netns(int i, child_fn fn, struct report *r, int seconds)
{
	struct report got;
	int p[2], status, fd;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!nsswitch_plain_dns()) {
		nk_skip(i, "/etc/nsswitch.conf hosts: not files and dns only");
		return false;
	}
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		fd = netns_server(r);
		if (fd < 0)
			r->status = CHILD_SKIP;
		else
			fn(fd, r);
		if (write(p[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
			_exit(2);
		exit(0);
	}
	close(p[1]);
	if (!nk_readable(p[0], (int)nk_scaled_ms(seconds * 1000)))
		kill(pid, SIGKILL);
	memset(&got, 0, sizeof(got));
	got.status = -1;
	if (read(p[0], &got, sizeof(got)) != (ssize_t)sizeof(got))
		got.status = -1;
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*r = got;
	ck_assert_msg(r->status != -1, "the child hung or died");
	if (r->status == CHILD_SKIP) {
		nk_skip(i, "%s", r->note);
		return false;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child status %#x (3: valgrind found errors or leaks)",
		      status);
	ck_assert_msg(r->status == 0, "child failed at line %d: %s",
		      r->status, r->note);
	return true;
}

#define CHILD_CHECK(r, cond) \
	do { \
		if (!(cond) && (r)->status == 0) { \
			(r)->status = __LINE__; \
			snprintf((r)->note, sizeof((r)->note), "%s", #cond); \
		} \
	} while (0)

/* One lookup of a name only DNS could answer, 300 ms deadline. */
static void
child_silent_dns(int server, struct report *r)
{
	netkit_addrinfo *ai = (netkit_addrinfo *)&ai;
	netkit_deadline deadline;

	deadline = netkit_deadline_in(300);
	r->rc[0] = netkit_getaddrinfo_until("nonexistent.invalid.test", "80", &(netkit_addrinfo_hints){ .type = SOCK_STREAM }, &ai,
					    deadline);
	r->late[0] = netkit_now() - deadline.at;
	CHILD_CHECK(r, ai == (netkit_addrinfo *)&ai);
	/* On a busy machine (or under valgrind) the lookup's thread may
	 * not have sent its query by the deadline: wait for it, bounded. */
	nk_readable(server, nk_under_valgrind() ? 30000 : 5000);
	drain(server, r, "\013nonexistent", false);
	CHILD_CHECK(r, r->queries >= 1 && r->asked);
	answer_until_alone(server, r, "\013nonexistent");
	close(server);
}

NK_ON_TIME_TEST(until_times_out_on_a_silent_dns_server)
{
	struct report r;

	if (!in_netns(_i, child_silent_dns, &r, 10))
		return;
	ck_assert_int_eq(r.rc[0], -ETIMEDOUT);
	nk_assert_late("getaddrinfo_until", (double)r.late[0], 300);
	/* The lookup really went to the DNS server. */
	ck_assert_int_ge(r.queries, 1);
	ck_assert(r.asked);
	/* Answered at last, the lookup's thread ended too. */
	ck_assert_int_eq(r.tasks, 0);
	fprintf(stderr, "note: -ETIMEDOUT %lld ms after the deadline, "
		"%d queries seen\n", (long long)r.late[0], r.queries);
}
END_TEST

/* Three lookups time out; then the server answers every query with
 * NXDOMAIN, so their threads end and free the lookups. The child ends only when it has no thread
 * left: under valgrind, its exit is then a meaningful leak check. */
static void
child_timeouts_then_answers(int server, struct report *r)
{
	static const char *names[3] = { "leak-a.invalid.test",
					"leak-b.invalid.test",
					"leak-c.invalid.test" };
	netkit_addrinfo *ai = NULL;
	netkit_deadline deadline;
	int i;

	for (i = 0; i < 3; i++) {
		deadline = netkit_deadline_in(50);
		r->rc[i] = netkit_getaddrinfo_until(names[i], "80", &(netkit_addrinfo_hints){ .type = SOCK_STREAM },
						    &ai, deadline);
		r->late[i] = netkit_now() - deadline.at;
	}
	answer_until_alone(server, r, "\006leak-a");
	CHILD_CHECK(r, ai == NULL);
	close(server);
}

START_TEST(until_timed_out_lookups_are_freed_when_the_resolver_ends)
{
	struct report r;
	int i;

	if (!in_netns(_i, child_timeouts_then_answers, &r, 20))
		return;
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(r.rc[i], -ETIMEDOUT);
		ck_assert_int_ge(r.late[i], 0);
	}
	ck_assert_int_ge(r.queries, 3);
	ck_assert(r.asked);
	/* Every lookup thread has ended. */
	ck_assert_int_eq(r.tasks, 0);
}
END_TEST

/* The endpoints' lookups against the silent server: a numeric host
 * binds at once with NETKIT_NOW and sends no query; a name only DNS
 * could answer ends at the deadline, for netkit_create_server() and
 * netkit_create_connection() alike. Descriptors are counted once the
 * lookup threads have ended (each holds its own socket until then). */
static void
child_endpoints_silent_dns(int server, struct report *r)
{
	netkit_connect_report rep = { .count = 99 };
	netkit_deadline deadline;
	double t0;
	int fds, fd;

	fds = nk_count_fds();
	t0 = nk_clock_ms();
	fd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_NOW);
	r->quick_ms = nk_clock_ms() - t0;
	r->rc[2] = fd < 0 ? fd : 0;
	if (fd >= 0)
		netkit_close(fd);
	drain(server, r, "\004some", false);
	CHILD_CHECK(r, r->queries == 0);
	deadline = netkit_deadline_in(300);
	fd = netkit_create_server("some.name.example", "0", NULL, deadline);
	r->late[0] = netkit_now() - deadline.at;
	r->rc[0] = fd;
	if (fd >= 0)
		netkit_close(fd);
	deadline = netkit_deadline_in(300);
	fd = netkit_create_connection("some.name.example", "80", NULL, &rep,
				      deadline);
	r->late[1] = netkit_now() - deadline.at;
	r->rc[1] = fd;
	r->count = rep.count;
	if (fd >= 0)
		netkit_close(fd);
	/* The lookups' queries may come late on a busy machine. */
	nk_readable(server, nk_under_valgrind() ? 30000 : 5000);
	drain(server, r, "\004some", false);
	answer_until_alone(server, r, "\004some");
	r->fds_left = nk_count_fds() - fds;
	close(server);
}

NK_ON_TIME_TEST(endpoints_time_out_on_a_silent_dns_server)
{
	struct report r;

	if (!in_netns(_i, child_endpoints_silent_dns, &r, 10))
		return;
	/* Numeric: bound at once, no query (checked in the child). */
	ck_assert_int_eq(r.rc[2], 0);
	nk_assert_within("create_server(\"127.0.0.1\", NETKIT_NOW)", 0,
			 r.quick_ms, 0);
	/* A name: -ETIMEDOUT, never before the deadline. */
	ck_assert_msg(r.rc[0] == -ETIMEDOUT, "create_server: %s",
		      netkit_errname(r.rc[0]));
	nk_assert_late("create_server", (double)r.late[0], 300);
	ck_assert_msg(r.rc[1] == -ETIMEDOUT, "create_connection: %s",
		      netkit_errname(r.rc[1]));
	nk_assert_late("create_connection", (double)r.late[1], 300);
	ck_assert_uint_eq(r.count, 0);	/* nothing was attempted */
	/* The lookups really went to the DNS server. */
	ck_assert(r.asked);
	ck_assert_int_ge(r.queries, 2);
	/* Nothing left open once the lookups ended. */
	ck_assert_int_eq(r.tasks, 0);
	ck_assert_int_eq(r.fds_left, 0);
}
END_TEST

NK_ON_TIME_TEST(until_numeric_host_answers_at_once_with_deadline_zero)
{
	netkit_addrinfo *ai = NULL;
	char ip[NETKIT_ADDRSTRLEN];
	double start = nk_clock_ms();

	ck_assert_int_eq(netkit_getaddrinfo_until("127.0.0.1", "8080", &(netkit_addrinfo_hints){ .family = AF_INET, .type = SOCK_STREAM }, &ai, NETKIT_NOW), 1);
	ck_assert_int_eq(netkit_addr_port(&ai->addr), 8080);
	ck_assert_int_ge(netkit_addr_ip(&ai->addr, ip, sizeof(ip)), 0);
	ck_assert_str_eq(ip, "127.0.0.1");
	netkit_addrinfo_free(ai);
	ck_assert_int_eq(netkit_getaddrinfo_until("::1", "ssh", &(netkit_addrinfo_hints){ .family = AF_INET6, .type = SOCK_STREAM }, &ai, netkit_deadline_at(1)), 1);
	ck_assert_int_eq(netkit_addr_port(&ai->addr), 22);
	ck_assert(netkit_addr_is_loopback(&ai->addr));
	netkit_addrinfo_free(ai);
	/* getaddrinfo's numeric forms, and the flag */
	ck_assert_int_eq(netkit_getaddrinfo_until("127.1", "80", &(netkit_addrinfo_hints){ .family = AF_INET, .type = SOCK_STREAM, .flags = NETKIT_AI_NUMERICHOST }, &ai, NETKIT_NOW), 1);
	netkit_addrinfo_free(ai);
	ck_assert_int_eq(netkit_getaddrinfo_until(NULL, "80", &(netkit_addrinfo_hints){ .family = AF_INET, .type = SOCK_STREAM, .flags = NETKIT_AI_PASSIVE }, &ai, NETKIT_NOW), 1);
	ck_assert(netkit_addr_is_any(&ai->addr));
	netkit_addrinfo_free(ai);
	/* answered, not timed out: no resolver thread was waited for */
	nk_assert_within("numeric lookups", start, nk_clock_ms(), 0);
}
END_TEST

NK_ON_TIME_TEST(until_deadline_zero_name_never_blocks)
{
	netkit_addrinfo *ai = NULL;
	double start = nk_clock_ms();
	int rc;

	/* The name may or may not be looked up in the instant the call
	 * allows; either way it returns at once. */
	rc = netkit_getaddrinfo_until("localhost", "80", &(netkit_addrinfo_hints){ .family = AF_INET, .type = SOCK_STREAM }, &ai, NETKIT_NOW);
	ck_assert_msg(rc == -ETIMEDOUT || rc >= 1, "rc %d", rc);
	if (rc >= 1)
		netkit_addrinfo_free(ai);
	nk_assert_within("deadline 0", start, nk_clock_ms(), 0);
	nk_settle_threads();
}
END_TEST

static bool
hosts_has_localhost(int i)
{
	netkit_addrinfo *ai = NULL;
	bool ok = netkit_getaddrinfo("localhost", NULL, AF_INET, SOCK_STREAM,
				     0, &ai) >= 1;

	netkit_addrinfo_free(ai);
	if (!ok)
		nk_skip(i, "localhost does not resolve here");
	return ok;
}

START_TEST(until_resolves_localhost_from_the_hosts_file)
{
	netkit_addrinfo *ai = NULL;
	char ip[NETKIT_ADDRSTRLEN];

	if (!hosts_has_localhost(_i))
		return;
	ck_assert_int_ge(netkit_getaddrinfo_until("localhost", "http", &(netkit_addrinfo_hints){ .family = AF_INET, .type = SOCK_STREAM, .flags = NETKIT_AI_CANONNAME }, &ai,
		netkit_deadline_in(5000)), 1);
	ck_assert_int_eq(netkit_addr_port(&ai->addr), 80);
	ck_assert_int_ge(netkit_addr_ip(&ai->addr, ip, sizeof(ip)), 0);
	ck_assert_str_eq(ip, "127.0.0.1");
	ck_assert_str_eq(ai->canonname, "localhost");
	netkit_addrinfo_free(ai);
	nk_settle_threads();
}
END_TEST

START_TEST(until_bad_deadline_is_einval)
{
	netkit_addrinfo *ai = (netkit_addrinfo *)&ai;

	ck_assert_int_eq(netkit_getaddrinfo_until("127.0.0.1", "80", &(netkit_addrinfo_hints){ .family = AF_INET }, &ai, netkit_deadline_at(-2)), -EINVAL);
	ck_assert_int_eq(netkit_getaddrinfo_until("localhost", "80", &(netkit_addrinfo_hints){ .family = AF_INET }, &ai, netkit_deadline_at(INT64_MIN)), -EINVAL);
	ck_assert_int_eq(netkit_getaddrinfo_until("a..b", "80", &(netkit_addrinfo_hints){ .family = AF_INET }, &ai, netkit_deadline_in(1000)), -EINVAL);
	ck_assert_int_eq(netkit_getaddrinfo_until("127.0.0.1", "80", &(netkit_addrinfo_hints){ .family = AF_INET, .flags = 0x100 }, &ai, netkit_deadline_in(1000)), -EINVAL);
	ck_assert_ptr_eq(ai, (netkit_addrinfo *)&ai);
	ck_assert_int_eq(netkit_getaddrinfo_until("127.0.0.1", "80", &(netkit_addrinfo_hints){ .family = AF_INET }, NULL, NETKIT_NOW), -EINVAL);
}
END_TEST

/* A list as text, to compare two answers. */
static void
render(int rc, netkit_addrinfo *list, char *buf, size_t len)
{
	char ip[NETKIT_ADDRSTRLEN];
	size_t n = (size_t)snprintf(buf, len, "%d", rc);

	for (; rc > 0 && list && n < len; list = list->next) {
		netkit_addr_format(&list->addr, ip, sizeof(ip));
		n += (size_t)snprintf(buf + n, len - n, " %d/%d/%d %s %s",
				      list->family, list->type,
				      list->protocol, ip,
				      list->canonname ? list->canonname : "-");
	}
}

static const struct gai_case {
	const char *host, *service;
	int family, type, flags;
} gai_cases[] = {
	{ "localhost", "80", AF_UNSPEC, 0, 0 },
	{ "localhost", "ssh", AF_INET, SOCK_STREAM, NETKIT_AI_CANONNAME },
	{ "127.0.0.1", "http", AF_UNSPEC, 0, 0 },
	{ "::1", "80", AF_INET, 0, 0 },
	{ "bad text", "80", AF_UNSPEC, 0, NETKIT_AI_NUMERICHOST },
	{ "localhost", "nosuchservice", AF_UNSPEC, 0, 0 },
	{ "localhost", "80", AF_UNIX, 0, 0 },
	{ NULL, NULL, AF_UNSPEC, 0, 0 },
	{ NULL, "80", AF_UNSPEC, SOCK_DGRAM, NETKIT_AI_PASSIVE },
};

START_TEST(until_answers_as_getaddrinfo)
{
	const struct gai_case *c;
	netkit_addrinfo *a, *b, *d;
	char want[1024], forever[1024], bounded[1024];
	size_t i;
	int ra, rb, rd;

	if (!hosts_has_localhost(_i))
		return;
	for (i = 0; i < N_ELEMS(gai_cases); i++) {
		c = &gai_cases[i];
		a = b = d = NULL;
		ra = netkit_getaddrinfo(c->host, c->service, c->family,
					c->type, c->flags, &a);
		rb = netkit_getaddrinfo_until(c->host, c->service, &(netkit_addrinfo_hints){ .family = c->family, .type = c->type, .flags = c->flags }, &b,
					      NETKIT_FOREVER);
		rd = netkit_getaddrinfo_until(c->host, c->service, &(netkit_addrinfo_hints){ .family = c->family, .type = c->type, .flags = c->flags }, &d,
					      netkit_deadline_in(5000));
		render(ra, a, want, sizeof(want));
		render(rb, b, forever, sizeof(forever));
		render(rd, d, bounded, sizeof(bounded));
		ck_assert_str_eq(forever, want);
		ck_assert_str_eq(bounded, want);
		netkit_addrinfo_free(a);
		netkit_addrinfo_free(b);
		netkit_addrinfo_free(d);
	}
	nk_settle_threads();
}
END_TEST

#define NTHREADS 8
#define ITERATIONS 25

static void *
lookup_loop(void *arg)
{
	const char *want = arg;
	netkit_addrinfo *ai;
	char got[1024];
	int i, rc;

	for (i = 0; i < ITERATIONS; i++) {
		ai = NULL;
		rc = netkit_getaddrinfo_until("localhost", "80", &(netkit_addrinfo_hints){ .type = SOCK_STREAM }, &ai,
					      netkit_deadline_in(10000));
		render(rc, ai, got, sizeof(got));
		netkit_addrinfo_free(ai);
		if (strcmp(got, want) != 0)
			return strdup(got);
	}
	return NULL;
}

START_TEST(until_concurrent_lookups_from_threads)
{
	nk_thread *t[NTHREADS];
	netkit_addrinfo *ai = NULL;
	char want[1024], *bad;
	int i, rc;

	if (!hosts_has_localhost(_i))
		return;
	rc = netkit_getaddrinfo("localhost", "80", AF_UNSPEC, SOCK_STREAM, 0,
				&ai);
	render(rc, ai, want, sizeof(want));
	netkit_addrinfo_free(ai);
	for (i = 0; i < NTHREADS; i++)
		t[i] = nk_spawn(lookup_loop, want);
	for (i = 0; i < NTHREADS; i++) {
		bad = nk_join(t[i]);
		ck_assert_msg(!bad, "thread %d got \"%s\", want \"%s\"", i,
			      bad ? bad : "", want);
	}
	nk_settle_threads();
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("resolve-deadline");

	NK_ADD_TEST(s, until_times_out_on_a_silent_dns_server);
	NK_ADD_TEST(s, until_timed_out_lookups_are_freed_when_the_resolver_ends);
	NK_ADD_TEST(s, endpoints_time_out_on_a_silent_dns_server);
	NK_ADD_TEST(s, until_numeric_host_answers_at_once_with_deadline_zero);
	NK_ADD_TEST(s, until_deadline_zero_name_never_blocks);
	NK_ADD_TEST(s, until_resolves_localhost_from_the_hosts_file);
	NK_ADD_TEST(s, until_bad_deadline_is_einval);
	NK_ADD_TEST(s, until_answers_as_getaddrinfo);
	NK_ADD_TEST(s, until_concurrent_lookups_from_threads);
	return s;
}
