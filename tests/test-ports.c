/* SPDX-License-Identifier: MIT */
/*
 * Service text that is a port number, over real loopback sockets.
 *
 * glibc's getaddrinfo() reads a numeric service with strtoul() and
 * keeps its low 16 bits: "99999" is port 34463, "65536" and "" are
 * port 0 (any free port), "-4294967216" is port 80, and leading blanks
 * and signs are skipped. netkit refuses every such text with -EINVAL
 * before any lookup, bind or connect: only 1 to 5 decimal digits
 * ("0" to "65535", leading zeros allowed) are a port. Text that is not
 * a number at all ("http", "80abc") is a service name and is looked up
 * as Python looks it up.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "helpers.h"

/* Text that must never become a port: glibc wraps or skips its way to
 * one (the port it would give, for the message). */
static const struct {
	const char *text;
	int glibc_port;
} bad_ports[] = {
	{ "65536", 0 },
	{ "70000", 4464 },
	{ "99999", 34463 },
	{ "4294967376", 80 },
	{ "99999999999999999999", -1 },
	{ "", 0 },
	{ "+80", 80 },
	{ "+0", 0 },
	{ " 80", 80 },
	{ "\t80", 80 },
	{ "\n80", 80 },
	{ "-1", -1 },
	{ "-0", 0 },
	{ "-4294967216", 80 },
};

/* The port fd is bound to, for a failure message. */
static int
bound_port(int fd)
{
	netkit_addr a;

	return netkit_local_addr(fd, &a) == 0 ? netkit_addr_port(&a) : -1;
}

/* netkit_create_server(host, text) must answer want and listen nowhere. */
static void
assert_no_server(const char *host, const char *text, int want)
{
	int fd = netkit_create_server(host, text, NULL, NETKIT_FOREVER);

	if (fd >= 0) {
		int port = bound_port(fd);

		netkit_close(fd);
		ck_abort_msg("service \"%s\": listening on port %d", text,
			     port);
	}
	ck_assert_msg(fd == want, "service \"%s\": %s, not %s", text,
		      netkit_errname(fd), netkit_errname(want));
}

START_TEST(server_refuses_port_text_glibc_would_wrap_or_skip)
{
	size_t i;

	for (i = 0; i < N_ELEMS(bad_ports); i++)
		assert_no_server("127.0.0.1", bad_ports[i].text, -EINVAL);
}
END_TEST

START_TEST(server_on_a_wrapped_port_leaves_that_port_free)
{
	netkit_addr a;
	int fd, probe;

	/* 99999 is 34463 to glibc: after the refusal, that port is free
	 * (this suite runs in a network namespace of its own). */
	assert_no_server(NULL, "99999", -EINVAL);
	nk_loopback(AF_INET, 34463, &a);
	probe = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(probe, 0);
	ck_assert_int_eq(netkit_connect(probe, &a), -ECONNREFUSED);
	netkit_close(probe);
	fd = netkit_create_server("127.0.0.1", "34463", NULL, NETKIT_FOREVER);
	if (fd == -EADDRINUSE)
		NK_SKIP("port 34463 is in use here (no private namespace)");
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bound_port(fd), 34463);
	netkit_close(fd);
}
END_TEST

START_TEST(connection_to_a_port_plus_65536_does_not_reach_the_port)
{
	netkit_connect_opts o = { 0 };
	netkit_connect_report rep = { .count = 99 };
	netkit_addr a;
	char text[16];
	int lfd, fd;

	lfd = nk_listen(AF_INET, &a);
	snprintf(text, sizeof(text), "%d", netkit_addr_port(&a) + 65536);
	fd = netkit_create_connection("127.0.0.1", text, &o, &rep,
				      netkit_deadline_in(5000));
	if (fd >= 0) {
		netkit_close(fd);
		netkit_close(lfd);
		ck_abort_msg("service \"%s\" connected to port %d", text,
			     netkit_addr_port(&a));
	}
	ck_assert_int_eq(fd, -EINVAL);
	/* Bad arguments leave the report alone. */
	ck_assert_uint_eq(rep.count, 99);
	/* The plain lookup (NETKIT_FOREVER) refuses it the same way. */
	ck_assert_int_eq(netkit_create_connection("127.0.0.1", text, NULL, NULL,
						  NETKIT_FOREVER),
			 -EINVAL);
	ck_assert(!nk_readable(lfd, 0));
	netkit_close(lfd);
}
END_TEST

START_TEST(connection_refuses_port_text_glibc_would_wrap_or_skip)
{
	size_t i;
	int fd;

	for (i = 0; i < N_ELEMS(bad_ports); i++) {
		fd = netkit_create_connection("127.0.0.1", bad_ports[i].text, NULL, NULL,
					      netkit_deadline_in(5000));
		if (fd >= 0)
			netkit_close(fd);
		ck_assert_msg(fd == -EINVAL, "service \"%s\": %s, not -EINVAL",
			      bad_ports[i].text, netkit_errname(fd));
	}
}
END_TEST

START_TEST(getaddrinfo_refuses_port_text_and_leaves_out_alone)
{
	netkit_addrinfo *sentinel = (netkit_addrinfo *)&sentinel, *out;
	size_t i;
	int rc;

	for (i = 0; i < N_ELEMS(bad_ports); i++) {
		const char *t = bad_ports[i].text;

		out = sentinel;
		rc = netkit_getaddrinfo("127.0.0.1", t, AF_INET, SOCK_STREAM,
					0, &out);
		if (rc > 0) {
			int port = netkit_addr_port(&out->addr);

			netkit_addrinfo_free(out);
			ck_abort_msg("\"%s\" gave port %d (glibc: %d)", t,
				     port, bad_ports[i].glibc_port);
		}
		ck_assert_msg(rc == -EINVAL, "\"%s\": %s", t,
			      netkit_errname(rc));
		ck_assert_ptr_eq(out, sentinel);
		/* With a NULL host, AI_NUMERICSERV, and a deadline too. */
		rc = netkit_getaddrinfo(NULL, t, 0, 0,
					NETKIT_AI_PASSIVE |
					NETKIT_AI_NUMERICSERV, &out);
		ck_assert_msg(rc == -EINVAL, "\"%s\" passive: %s", t,
			      netkit_errname(rc));
		rc = netkit_getaddrinfo_until("localhost", t, NULL, &out,
					      netkit_deadline_in(5000));
		ck_assert_msg(rc == -EINVAL, "\"%s\" until: %s", t,
			      netkit_errname(rc));
		ck_assert_ptr_eq(out, sentinel);
	}
}
END_TEST

/* The port of the first answer for service, or the error. */
static int
port_of(const char *service, int flags)
{
	netkit_addrinfo *out = NULL;
	int rc;

	rc = netkit_getaddrinfo("127.0.0.1", service, AF_INET, SOCK_STREAM,
				flags, &out);
	if (rc < 0)
		return rc;
	rc = netkit_addr_port(&out->addr);
	netkit_addrinfo_free(out);
	return rc;
}

START_TEST(ports_0_to_65535_and_leading_zeros_are_taken)
{
	ck_assert_int_eq(port_of("0", 0), 0);
	ck_assert_int_eq(port_of("1", 0), 1);
	ck_assert_int_eq(port_of("80", 0), 80);
	ck_assert_int_eq(port_of("080", 0), 80);
	ck_assert_int_eq(port_of("00000000000080", 0), 80);
	ck_assert_int_eq(port_of("65535", 0), 65535);
	ck_assert_int_eq(port_of("065535", NETKIT_AI_NUMERICSERV), 65535);
	ck_assert_int_eq(port_of("00000", 0), 0);
}
END_TEST

START_TEST(service_names_are_still_looked_up)
{
	if (netkit_getservbyname("http", "tcp") != 80)
		NK_SKIP("no \"http\" in this machine's services database");
	ck_assert_int_eq(port_of("http", 0), 80);
	/* A name is no port number: with AI_NUMERICSERV, glibc's "no
	 * such name", as Python. */
	ck_assert_int_eq(port_of("http", NETKIT_AI_NUMERICSERV),
			 NETKIT_ENONAME);
	/* Not numbers, so names (RFC 6335 names may start with a digit);
	 * none is known: Python's gaierror EAI_SERVICE. */
	ck_assert_int_eq(port_of("80abc", 0), NETKIT_ENOSERVICE);
	ck_assert_int_eq(port_of("0x50", 0), NETKIT_ENOSERVICE);
	ck_assert_int_eq(port_of("80 ", 0), NETKIT_ENOSERVICE);
	ck_assert_int_eq(port_of("1e3", 0), NETKIT_ENOSERVICE);
	assert_no_server("127.0.0.1", "0x50", NETKIT_ENOSERVICE);
}
END_TEST

START_TEST(server_and_connection_on_valid_port_text_work)
{
	netkit_addr a;
	char text[16];
	int lfd, fd;

	lfd = netkit_create_server("127.0.0.1", "0", NULL, NETKIT_FOREVER);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_gt(bound_port(lfd), 0);
	ck_assert_int_eq(netkit_local_addr(lfd, &a), 0);
	/* Leading zeros: the same port. */
	snprintf(text, sizeof(text), "00%d", netkit_addr_port(&a));
	fd = netkit_create_connection("127.0.0.1", text, NULL, NULL,
				      netkit_deadline_in(5000));
	ck_assert_int_ge(fd, 0);
	nk_assert_connected_to(fd, lfd, &a);
	netkit_close(fd);
	netkit_close(lfd);
	lfd = netkit_create_server("127.0.0.1", "65535", NULL, NETKIT_FOREVER);
	if (lfd == -EADDRINUSE)
		NK_SKIP("port 65535 is in use here (no private namespace)");
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bound_port(lfd), 65535);
	netkit_close(lfd);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("ports");

	NK_ADD_TEST(s, server_refuses_port_text_glibc_would_wrap_or_skip);
	NK_ADD_TEST(s, server_on_a_wrapped_port_leaves_that_port_free);
	NK_ADD_TEST(s, connection_to_a_port_plus_65536_does_not_reach_the_port);
	NK_ADD_TEST(s, connection_refuses_port_text_glibc_would_wrap_or_skip);
	NK_ADD_TEST(s, getaddrinfo_refuses_port_text_and_leaves_out_alone);
	NK_ADD_TEST(s, ports_0_to_65535_and_leading_zeros_are_taken);
	NK_ADD_TEST(s, service_names_are_still_looked_up);
	NK_ADD_TEST(s, server_and_connection_on_valid_port_text_work);
	return s;
}
