/* SPDX-License-Identifier: MIT */
/*
 * Each documented error code of the socket calls, returned exactly (never
 * through errno): from the real kernel where a test can make it answer
 * so (EMFILE at the descriptor limit, EADDRNOTAVAIL for a foreign
 * address, EACCES for port 80 without privilege, ETIMEDOUT from a full
 * backlog), and through the seam (tests/fault.h) where it cannot or not
 * on demand (ECONNABORTED, close's EIO, a failure leaving errno 0,
 * getaddrinfo's EAI_* codes).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"

#define SHORT_MS 100

START_TEST(accept_gives_econnaborted_and_next_accept_succeeds)
{
	int family, l, c, s;
	netkit_addr a;

	FAMILY_OR_SKIP(family);
	l = nk_listen(family, &a);
	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c, &a), 0);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_ACCEPT4, ECONNABORTED, 2);
	ck_assert_int_eq(netkit_accept(l, NULL), -ECONNABORTED);
	ck_assert_int_eq(netkit_accept_until(l, &a, netkit_deadline_in(2000)),
			 -ECONNABORTED);
	s = netkit_accept_until(l, NULL, netkit_deadline_in(2000));
	ck_assert_int_ge(s, 0);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_ACCEPT4), 3);
	nk_fault_reset();
	netkit_close(s);
	netkit_close(c);
	netkit_close(l);
}
END_TEST

/* In a child at its descriptor limit: socket and accept give -EMFILE.
 * Exit 0 when they do, 2 when the limit cannot be lowered. */
static int
emfile_child(int family)
{
	struct rlimit rl;
	netkit_addr a;
	int l, c, k, i;

	/* Two waiting clients: valgrind's accept4 takes one connection
	 * before it answers EMFILE (the kernel's leaves it queued). */
	l = nk_listen(family, &a);
	for (i = 0; i < 2; i++) {
		c = netkit_socket(family, SOCK_STREAM, 0);
		if (c < 0 || netkit_connect(c, &a) < 0)
			return 3;
	}
	if (!nk_readable(l, 2000))
		return 3;
	/* The lowest free descriptor becomes the limit: none is left. */
	k = dup(0);
	if (k < 0 || close(k) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 3;
	rl.rlim_cur = (rlim_t)k;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || dup(0) >= 0)
		return 2;
	if (netkit_socket(family, SOCK_STREAM, 0) != -EMFILE)
		return 4;
	if (netkit_accept(l, NULL) != -EMFILE)
		return 5;
	return netkit_accept_until(l, NULL, netkit_deadline_in(2000)) ==
	       -EMFILE ? 0 : 6;
}

START_TEST(descriptor_limit_gives_emfile_from_socket_and_accept)
{
	int family, status;
	pid_t pid;

	FAMILY_OR_SKIP(family);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(emfile_child(family));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 2)
		fprintf(stderr, "note: descriptor limit, kernel part not "
			"checked: RLIMIT_NOFILE cannot be lowered here\n");
	else
		ck_assert_msg(WEXITSTATUS(status) == 0, "EMFILE child: "
			      "step %d failed", WEXITSTATUS(status));
	/* The same codes through the seam, in this process. */
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_SOCKET, EMFILE, 0);
	nk_fault_fail(NK_FAULT_ACCEPT4, EMFILE, 0);
	ck_assert_int_eq(netkit_socket(family, SOCK_DGRAM, 0), -EMFILE);
	ck_assert_int_eq(netkit_accept(0, NULL), -EMFILE);
}
END_TEST

NK_ON_TIME_TEST(connect_gives_etimedout_from_kernel_and_seam)
{
	int family, l, c1, c2, rc;
	netkit_deadline dl;
	int64_t end;
	netkit_addr a;

	FAMILY_OR_SKIP(family);
	/* Backlog 0 holds one connection; the next SYN is dropped and the
	 * handshake cannot finish before the deadline. */
	l = nk_listen(family, &a);
	ck_assert_int_eq(netkit_listen(l, 0), 0);
	c1 = netkit_socket(family, SOCK_STREAM, 0);
	c2 = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c1, &a), 0);
	ck_assert(nk_readable(l, 2000));
	dl = netkit_deadline_in(SHORT_MS);
	rc = netkit_connect_until(c2, &a, dl);
	end = netkit_now();
	if (rc == 0) {
		fprintf(stderr, "note: connect ETIMEDOUT, kernel part not "
			"checked: a full backlog did not drop the SYN\n");
	} else {
		ck_assert_int_eq(rc, -ETIMEDOUT);
		nk_assert_on_time("short deadline", (double)(dl.at - SHORT_MS), dl,
				  (double)end);
	}
	netkit_close(c2);
	/* A blocking connect whose handshake the kernel gave up on. */
	c2 = netkit_socket(family, SOCK_STREAM, 0);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_CONNECT, ETIMEDOUT, 1);
	ck_assert_int_eq(netkit_connect(c2, &a), -ETIMEDOUT);
	nk_fault_reset();
	netkit_close(c2);
	netkit_close(c1);
	netkit_close(l);
}
END_TEST

START_TEST(bind_to_foreign_address_gives_eaddrnotavail)
{
	netkit_addr a;
	int family, fd;

	FAMILY_OR_SKIP(family);
	/* Documentation ranges (RFC 5737, RFC 3849): bound, never used. */
	ck_assert_int_eq(netkit_addr_from_ip(&a, family == AF_INET ?
		"192.0.2.1" : "2001:db8::1", 0), 0);
	fd = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), -EADDRNOTAVAIL);
	netkit_close(fd);
}
END_TEST

/* Child: binds port 80 as nobody. Exit 0 on -EACCES, 2 if it cannot
 * drop privileges, 1 otherwise. */
static int
eacces_child(void)
{
	netkit_addr a;
	int fd, rc;

	if (getuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
			      setuid(65534) < 0))
		return 2;
	nk_loopback(AF_INET, 80, &a);
	fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	rc = netkit_bind(fd, &a);
	return rc == -EACCES ? 0 : 1;
}

START_TEST(bind_to_port_80_unprivileged_gives_eacces)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	int start = 1024, status, fd;
	netkit_addr a;
	pid_t pid;

	if (f) {
		if (fscanf(f, "%d", &start) != 1)
			start = 1024;
		fclose(f);
	}
	if (start <= 80) {
		fprintf(stderr, "note: bind EACCES, kernel part not "
			"checked: ports from %d are unprivileged here\n",
			start);
	} else {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			_exit(eacces_child());
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		ck_assert_msg(WEXITSTATUS(status) == 0, "unprivileged bind to "
			      "port 80: child exit %d", WEXITSTATUS(status));
	}
	fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	nk_loopback(AF_INET, 80, &a);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_BIND, EACCES, 1);
	ck_assert_int_eq(netkit_bind(fd, &a), -EACCES);
	nk_fault_reset();
	netkit_close(fd);
}
END_TEST

START_TEST(close_failing_with_eio_reports_it_and_still_closes)
{
	int fd;

	fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_CLOSE, EIO, 1);
	ck_assert_int_eq(netkit_close(fd), -EIO);
	ck_assert(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
	/* EINTR: closed too, and not an error (never retried). */
	fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	nk_fault_fail(NK_FAULT_CLOSE, EINTR, 1);
	ck_assert_int_eq(netkit_close(fd), 0);
	ck_assert(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_CLOSE), 2);
}
END_TEST

START_TEST(failure_leaving_errno_zero_gives_eio)
{
	int family, c, s, fd;
	netkit_addr a;
	char b;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &c, &s);
	nk_loopback(family, 0, &a);
	fd = netkit_socket(family, SOCK_STREAM, 0);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_SOCKET, 0, 1);
	ck_assert_int_eq(netkit_socket(family, SOCK_STREAM, 0), -EIO);
	nk_fault_fail(NK_FAULT_BIND, 0, 1);
	ck_assert_int_eq(netkit_bind(fd, &a), -EIO);
	nk_fault_fail(NK_FAULT_CONNECT, 0, 1);
	ck_assert_int_eq(netkit_connect(fd, &a), -EIO);
	nk_fault_fail(NK_FAULT_SEND, 0, 1);
	ck_assert_int_eq(netkit_send(c, "x", 1), -EIO);
	/* An EAGAIN, then the wait's poll fails with errno 0. */
	nk_fault_fail(NK_FAULT_RECV, EAGAIN, 1);
	nk_fault_fail(NK_FAULT_POLL, 0, 1);
	ck_assert_int_eq(netkit_recv_until(s, &b, 1, netkit_deadline_in(1000)),
			 -EIO);
	nk_fault_fail(NK_FAULT_ACCEPT4, 0, 1);
	ck_assert_int_eq(netkit_accept(s, NULL), -EIO);
	nk_fault_fail(NK_FAULT_CLOSE, 0, 1);
	ck_assert_int_eq(netkit_close(fd), -EIO);
	ck_assert_uint_eq(nk_fault_failed_total(), 8);
	nk_fault_reset();
	netkit_close(c);
	netkit_close(s);
}
END_TEST

START_TEST(family_rule_fails_only_that_family)
{
	int c4, s4, c6, s6;

	if (!nk_have_ipv6())
		NK_SKIP("::1 is unavailable here");
	nk_tcp_pair(AF_INET, &c4, &s4);
	nk_tcp_pair(AF_INET6, &c6, &s6);
	nk_fault_install(0);
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_SEND,
		.action = NK_FAULT_FAIL, .err = EPIPE, .family = AF_INET6 });
	ck_assert_int_eq(netkit_send(c4, "4", 1), 1);
	ck_assert_int_eq(netkit_send(c6, "6", 1), -EPIPE);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_SEND), 2);
	ck_assert_uint_eq(nk_fault_failed(NK_FAULT_SEND), 1);
	nk_fault_reset();
	netkit_close(c4);
	netkit_close(s4);
	netkit_close(c6);
	netkit_close(s6);
}
END_TEST

START_TEST(getaddrinfo_failures_map_to_netkit_codes)
{
	static const struct { int eai, err, want; } cases[] = {
		{ EAI_AGAIN, 0, NETKIT_EAGAIN_RESOLVE },
		{ EAI_MEMORY, 0, -ENOMEM },
		{ EAI_SYSTEM, EMFILE, -EMFILE },
		{ EAI_SYSTEM, 0, -EIO },
	};
	netkit_addrinfo *out, *sentinel = (netkit_addrinfo *)&out;
	size_t i;
	int rc;

	nk_fault_install(0);
	for (i = 0; i < N_ELEMS(cases); i++) {
		out = sentinel;
		nk_fault_add(&(struct nk_fault_rule){
			.call = NK_FAULT_GETADDRINFO, .action = NK_FAULT_FAIL,
			.err = cases[i].eai, .value = cases[i].err,
			.count = 1 });
		rc = netkit_getaddrinfo("127.0.0.1", "80", AF_INET,
					SOCK_STREAM, 0, &out);
		ck_assert_msg(rc == cases[i].want, "case %zu: %s", i,
			      netkit_errname(rc));
		ck_assert_ptr_eq(out, sentinel);
	}
	/* A rule for IPv6 lookups leaves an IPv4 one alone. */
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_GETADDRINFO,
		.action = NK_FAULT_FAIL, .err = EAI_FAIL, .family = AF_INET6 });
	ck_assert_int_eq(netkit_getaddrinfo("127.0.0.1", "80", AF_INET,
					    SOCK_STREAM, 0, &out), 1);
	netkit_addrinfo_free(out);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETADDRINFO), 5);
}
END_TEST

START_TEST(accept_until_deadline_zero_takes_a_waiting_connection)
{
	int family, l, c, s;
	netkit_addr a;

	FAMILY_OR_SKIP(family);
	l = nk_listen(family, &a);
	ck_assert_int_eq(netkit_accept_until(l, NULL, NETKIT_NOW), -ETIMEDOUT);
	c = netkit_socket(family, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c, &a), 0);
	ck_assert(nk_readable(l, 2000));
	/* "Try once": a deadline already past still takes what is there. */
	s = netkit_accept_until(l, NULL, NETKIT_NOW);
	ck_assert_msg(s >= 0, "accept_until(0): %s", netkit_errname(s));
	netkit_close(s);
	netkit_close(c);
	netkit_close(l);
}
END_TEST

START_TEST(connect_until_returns_eagain_when_nothing_started)
{
	int family, l, c, s;
	netkit_addr a, peer;

	FAMILY_OR_SKIP(family);
	l = nk_listen(family, &a);
	c = netkit_socket(family, SOCK_STREAM, 0);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_CONNECT, EAGAIN, 1);
	/* Not "in progress": polling would find the unconnected socket
	 * writable at once and take SO_ERROR 0 for a connection. */
	ck_assert_int_eq(netkit_connect_until(c, &a, netkit_deadline_in(2000)),
			 -EAGAIN);
	ck_assert_int_eq(netkit_peer_addr(c, &peer), -ENOTCONN);
	ck_assert_int_eq(netkit_connect_until(c, &a, netkit_deadline_in(2000)),
			 0);
	nk_fault_reset();
	s = netkit_accept_until(l, NULL, netkit_deadline_in(2000));
	ck_assert_int_ge(s, 0);
	netkit_close(s);
	netkit_close(c);
	netkit_close(l);
}
END_TEST

START_TEST(poll_eagain_is_retried_within_the_deadline)
{
	int family, c, s;
	char b = 0;

	FAMILY_OR_SKIP(family);
	nk_tcp_pair(family, &c, &s);
	ck_assert_int_eq(netkit_send(c, "p", 1), 1);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_RECV, EAGAIN, 1);
	nk_fault_fail(NK_FAULT_POLL, EAGAIN, 3);
	ck_assert_int_eq(netkit_recv_until(s, &b, 1, netkit_deadline_in(2000)),
			 1);
	ck_assert_int_eq(b, 'p');
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_POLL), 4);
	nk_fault_reset();
	netkit_close(c);
	netkit_close(s);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("fault-codes");

	NK_ADD_FAULT_TEST_V4_V6(s,
		accept_gives_econnaborted_and_next_accept_succeeds);
	NK_ADD_FAULT_TEST_V4_V6(s,
		descriptor_limit_gives_emfile_from_socket_and_accept);
	NK_ADD_FAULT_TEST_V4_V6(s,
		connect_gives_etimedout_from_kernel_and_seam);
	NK_ADD_FAULT_TEST_V4_V6(s, bind_to_foreign_address_gives_eaddrnotavail);
	NK_ADD_FAULT_TEST(s, bind_to_port_80_unprivileged_gives_eacces);
	NK_ADD_FAULT_TEST(s,
		close_failing_with_eio_reports_it_and_still_closes);
	NK_ADD_FAULT_TEST_V4_V6(s, failure_leaving_errno_zero_gives_eio);
	NK_ADD_FAULT_TEST(s, family_rule_fails_only_that_family);
	NK_ADD_FAULT_TEST(s, getaddrinfo_failures_map_to_netkit_codes);
	NK_ADD_FAULT_TEST_V4_V6(s,
		accept_until_deadline_zero_takes_a_waiting_connection);
	NK_ADD_FAULT_TEST_V4_V6(s,
		connect_until_returns_eagain_when_nothing_started);
	NK_ADD_FAULT_TEST_V4_V6(s, poll_eagain_is_retried_within_the_deadline);
	return s;
}
