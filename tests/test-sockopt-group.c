/* SPDX-License-Identifier: MIT */
/*
 * Grouped socket options, one struct set and read in one call each
 * way: keep-alive (on and its three timers: read back as set, zero
 * timers left as they are, bad values refused before any system call,
 * a socket that is not TCP refused with nothing changed, the timers
 * put back when the kernel refuses a later call) and linger (read
 * back, and on with 0 seconds a reset on close).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fault.h"
#include "helpers.h"
#include "sockopt-common.h"

/* Fails the test unless fd's keep-alive reads as want. */
#define ASSERT_KEEPALIVE(fd, ...) \
	assert_keepalive((fd), (netkit_keepalive){ __VA_ARGS__ }, __LINE__)
static void
assert_keepalive(int fd, netkit_keepalive want, int line)
{
	netkit_keepalive got;
	int rc = netkit_get_keepalive(fd, &got);

	ck_assert_msg(rc == 0, "line %d: get_keepalive: %s", line,
		      netkit_errname(rc));
	ck_assert_msg(got.on == want.on && got.idle == want.idle &&
		      got.interval == want.interval && got.count == want.count,
		      "line %d: keepalive reads {%d, %d, %d, %d}, not "
		      "{%d, %d, %d, %d}", line, got.on, got.idle, got.interval,
		      got.count, want.on, want.idle, want.interval, want.count);
}

START_TEST(keepalive_reads_the_systems_values_until_set)
{
	int fd = tcp_socket(AF_INET);

	ASSERT_KEEPALIVE(fd, .on = false,
			 .idle = sysctl_int("net/ipv4/tcp_keepalive_time"),
			 .interval = sysctl_int("net/ipv4/tcp_keepalive_intvl"),
			 .count = sysctl_int("net/ipv4/tcp_keepalive_probes"));
	netkit_close(fd);
}
END_TEST

START_TEST(keepalive_is_set_and_read_back_as_one)
{
	int fd = tcp_socket(AF_INET);
	netkit_keepalive ka = { .on = true, .idle = 60, .interval = 7,
				.count = 3 };

	ck_assert_int_eq(netkit_set_keepalive(fd, &ka), 0);
	ASSERT_KEEPALIVE(fd, .on = true, .idle = 60, .interval = 7,
			 .count = 3);
	/* Off, and zero timers leave the ones set before. */
	ck_assert_int_eq(netkit_set_keepalive(fd, &(netkit_keepalive){ 0 }),
			 0);
	ASSERT_KEEPALIVE(fd, .on = false, .idle = 60, .interval = 7,
			 .count = 3);
	ck_assert_int_eq(netkit_set_keepalive(fd, &(netkit_keepalive){
		.on = true, .interval = 20 }), 0);
	ASSERT_KEEPALIVE(fd, .on = true, .idle = 60, .interval = 20,
			 .count = 3);
	/* The kernel's own bounds are taken. */
	ck_assert_int_eq(netkit_set_keepalive(fd, &(netkit_keepalive){
		true, 32767, 32767, 127 }), 0);
	ASSERT_KEEPALIVE(fd, .on = true, .idle = 32767, .interval = 32767,
			 .count = 127);
	netkit_close(fd);
}
END_TEST

START_TEST(keepalive_out_of_range_is_refused_with_nothing_changed)
{
	static const struct {
		netkit_keepalive ka;
		const char *what;
	} bad[] = {
		{ { true, -1, 7, 3 }, "idle -1" },
		{ { true, 32768, 7, 3 }, "idle 32768" },
		{ { true, 60, -1, 3 }, "interval -1" },
		{ { true, 60, 32768, 3 }, "interval 32768" },
		{ { true, 60, 7, -1 }, "count -1" },
		{ { true, 60, 7, 128 }, "count 128" },
		{ { false, 60, 7, 128 }, "count 128, off" },
	};
	int fd = tcp_socket(AF_INET), rc;
	netkit_keepalive out, ref;
	size_t i;

	ck_assert_int_eq(netkit_set_keepalive(fd, &(netkit_keepalive){
		false, 50, 5, 2 }), 0);
	count_begin();
	for (i = 0; i < N_ELEMS(bad); i++) {
		rc = netkit_set_keepalive(fd, &bad[i].ka);
		ck_assert_msg(rc == -EINVAL, "%s: %s", bad[i].what,
			      netkit_errname(rc));
	}
	ck_assert_int_eq(netkit_set_keepalive(fd, NULL), -EINVAL);
	ck_assert_int_eq(netkit_get_keepalive(fd, NULL), -EINVAL);
	ck_assert_int_eq(netkit_set_keepalive(-1, &bad[0].ka), -EINVAL);
	ck_assert_int_eq(netkit_set_keepalive(-1, &(netkit_keepalive){ 0 }),
			 -EBADF);
	memset(&out, SENTINEL, sizeof(out));
	memcpy(&ref, &out, sizeof(ref));
	ck_assert_int_eq(netkit_get_keepalive(-1, &out), -EBADF);
	ck_assert_int_eq(memcmp(&out, &ref, sizeof(out)), 0);
	ck_assert_uint_eq(count_end(), 0);
	ASSERT_KEEPALIVE(fd, .on = false, .idle = 50, .interval = 5,
			 .count = 2);
	netkit_close(fd);
}
END_TEST

/* A timer asked of a UDP socket is refused before SO_KEEPALIVE, which a
 * UDP socket would take, is touched. */
START_TEST(keepalive_on_a_udp_socket_is_refused_with_nothing_changed)
{
	int u = udp_socket(AF_INET), v = SENTINEL, rc;
	socklen_t len = sizeof(v);
	netkit_keepalive out, ref;

	rc = netkit_set_keepalive(u, &(netkit_keepalive){ .on = true,
							  .idle = 60 });
	ck_assert_msg(rc == -EOPNOTSUPP || rc == -ENOPROTOOPT, "%s",
		      netkit_errname(rc));
	ck_assert_int_eq(netkit_getsockopt(u, SOL_SOCKET, SO_KEEPALIVE, &v,
					   &len), 0);
	ck_assert_int_eq(v, 0);
	memset(&out, SENTINEL, sizeof(out));
	memcpy(&ref, &out, sizeof(ref));
	rc = netkit_get_keepalive(u, &out);
	ck_assert_msg(rc == -EOPNOTSUPP || rc == -ENOPROTOOPT, "%s",
		      netkit_errname(rc));
	ck_assert_int_eq(memcmp(&out, &ref, sizeof(out)), 0);
	netkit_close(u);
}
END_TEST

/* The next call of option name at level fails with err. */
static void
fail_option(enum nk_fault_call call, int level, int name, int err)
{
	nk_fault_add(&(struct nk_fault_rule){ .call = call,
		.action = NK_FAULT_FAIL, .err = err, .level = level,
		.op = name, .count = 1 });
}

/* When the kernel refuses a call after others took effect, the timers
 * already set are put back: the socket reads as before the call. */
START_TEST(keepalive_failing_midway_puts_the_timers_back)
{
	static const struct {
		enum nk_fault_call call;
		int level, name;
	} faults[] = {
		{ NK_FAULT_SETSOCKOPT, IPPROTO_TCP, TCP_KEEPCNT },
		{ NK_FAULT_SETSOCKOPT, SOL_SOCKET, SO_KEEPALIVE },
		{ NK_FAULT_GETSOCKOPT, IPPROTO_TCP, TCP_KEEPINTVL },
	};
	netkit_keepalive ka = { true, 100, 20, 5 };
	int fd = tcp_socket(AF_INET), rc;
	size_t i;

	ck_assert_int_eq(netkit_set_keepalive(fd, &(netkit_keepalive){
		false, 60, 7, 3 }), 0);
	for (i = 0; i < N_ELEMS(faults); i++) {
		nk_fault_install(1);
		fail_option(faults[i].call, faults[i].level, faults[i].name,
			    ENOMEM);
		rc = netkit_set_keepalive(fd, &ka);
		ck_assert_msg(rc == -ENOMEM, "fault %zu: %s", i,
			      netkit_errname(rc));
		ck_assert_uint_eq(nk_fault_failed(faults[i].call), 1);
		nk_fault_reset();
		ASSERT_KEEPALIVE(fd, .on = false, .idle = 60, .interval = 7,
				 .count = 3);
	}
	netkit_close(fd);
}
END_TEST

/* Fails the test unless fd's linger reads as {on, seconds}. */
static void
assert_linger(int fd, bool on, int seconds)
{
	netkit_linger l = { !on, -1 };

	ck_assert_int_eq(netkit_get_linger(fd, &l), 0);
	ck_assert_msg(l.on == on && l.seconds == seconds,
		      "linger reads {%d, %d}, not {%d, %d}", l.on, l.seconds,
		      on, seconds);
}

START_TEST(linger_is_set_and_read_back_as_one)
{
	int fd = tcp_socket(AF_INET);
	netkit_linger out, ref;

	assert_linger(fd, false, 0);
	ck_assert_int_eq(netkit_set_linger(fd, &(netkit_linger){ true, 5 }),
			 0);
	assert_linger(fd, true, 5);
	count_begin();
	ck_assert_int_eq(netkit_set_linger(fd, &(netkit_linger){ true, -1 }),
			 -EINVAL);
	ck_assert_int_eq(netkit_set_linger(fd, &(netkit_linger){ false, -1 }),
			 -EINVAL);
	ck_assert_int_eq(netkit_set_linger(fd, NULL), -EINVAL);
	ck_assert_int_eq(netkit_get_linger(fd, NULL), -EINVAL);
	/* A failed read leaves the output alone. */
	memset(&out, SENTINEL, sizeof(out));
	memcpy(&ref, &out, sizeof(ref));
	ck_assert_int_eq(netkit_get_linger(-1, &out), -EBADF);
	ck_assert_int_eq(memcmp(&out, &ref, sizeof(out)), 0);
	ck_assert_uint_eq(count_end(), 0);
	assert_linger(fd, true, 5);
	/* Off: Linux keeps the seconds of before (5), of no effect. */
	ck_assert_int_eq(netkit_set_linger(fd, &(netkit_linger){ false, 0 }),
			 0);
	ck_assert_int_eq(netkit_get_linger(fd, &out), 0);
	ck_assert(!out.on);
	netkit_close(fd);
}
END_TEST

/* On with 0 seconds, closing resets the connection: the peer reads
 * -ECONNRESET, not the end of the stream. */
START_TEST(linger_on_zero_seconds_resets_on_close)
{
	int c, s;
	char b;

	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_set_linger(c, &(netkit_linger){ true, 0 }),
			 0);
	netkit_close(c);
	ck_assert(nk_readable(s, 5000));
	ck_assert_int_eq(netkit_recv(s, &b, 1), -ECONNRESET);
	netkit_close(s);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("sockopt-group");

	NK_ADD_TEST(s, keepalive_reads_the_systems_values_until_set);
	NK_ADD_TEST(s, keepalive_is_set_and_read_back_as_one);
	NK_ADD_FAULT_TEST(s,
		keepalive_out_of_range_is_refused_with_nothing_changed);
	NK_ADD_TEST(s, keepalive_on_a_udp_socket_is_refused_with_nothing_changed);
	NK_ADD_FAULT_TEST(s, keepalive_failing_midway_puts_the_timers_back);
	NK_ADD_FAULT_TEST(s, linger_is_set_and_read_back_as_one);
	NK_ADD_TEST(s, linger_on_zero_seconds_resets_on_close);
	return s;
}
