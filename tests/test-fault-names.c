/* SPDX-License-Identifier: MIT */
/*
 * The error paths of the resolver and interface calls, through the
 * seam (tests/fault.h): what gethostname(), getnameinfo(), the _r
 * lookups, getifaddrs(), if_nametoindex() and if_indextoname() answer
 * when they fail, as the headers document it, with every output left
 * untouched. A real system gives these failures rarely or never on
 * demand (a full scratch buffer, a resolver out of memory, no socket
 * left for the interface list).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fault.h"

/* glibc reports a system error inside gethostby*_r (ERANGE, ENOMEM...)
 * with h_errno NETDB_INTERNAL, which musl does not define: there, the
 * simulated glibc failures are left out. */
#ifndef NETDB_INTERNAL
#define NETDB_INTERNAL NO_RECOVERY
#define NO_NETDB_INTERNAL 1
#endif

/* The number of tries a scratch buffer that doubles from its first
 * size up to 1 MiB takes. */
#define HOST_TRIES 7		/* 16 KiB .. 1 MiB */
#define SERV_TRIES 11		/* 1 KiB .. 1 MiB */

static const char sentinel_text[] = "untouched";

static void
fail_next(enum nk_fault_call call, int err, int value)
{
	nk_fault_add(&(struct nk_fault_rule){ .call = call,
		.action = NK_FAULT_FAIL, .err = err, .value = value,
		.count = 1 });
}

START_TEST(gethostname_failure_is_returned_and_buf_untouched)
{
	char buf[64];

	strcpy(buf, sentinel_text);
	nk_fault_install(0);
	fail_next(NK_FAULT_GETHOSTNAME, ENAMETOOLONG, 0);
	ck_assert_int_eq(netkit_gethostname(buf, sizeof(buf)), -ENAMETOOLONG);
	/* A libc that fails and leaves errno 0. */
	fail_next(NK_FAULT_GETHOSTNAME, 0, 0);
	ck_assert_int_eq(netkit_gethostname(buf, sizeof(buf)), -EIO);
	ck_assert_str_eq(buf, sentinel_text);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETHOSTNAME), 2);
	ck_assert_int_gt(netkit_gethostname(buf, sizeof(buf)), 0);
}
END_TEST

/* gethostby*_r's (returned number, h_errno) and netkit's code. */
static const struct {
	int rc, h_err, want;
} host_failures[] = {
	{ 0, HOST_NOT_FOUND, NETKIT_ENONAME },
	{ 0, NO_DATA, NETKIT_ENONAME },
	{ 0, TRY_AGAIN, NETKIT_EAGAIN_RESOLVE },
	{ 0, NO_RECOVERY, NETKIT_ERESOLVE },
#ifndef NO_NETDB_INTERNAL
	{ ENOMEM, NETDB_INTERNAL, -ENOMEM },
	{ EMFILE, NETDB_INTERNAL, -EMFILE },
	{ 0, NETDB_INTERNAL, NETKIT_ERESOLVE },
#endif
};

START_TEST(gethostbyname_ex_failures_map_to_documented_codes)
{
	netkit_hostent *h = NULL, *sentinel = (netkit_hostent *)&h;
	size_t i;
	int rc;

	nk_fault_install(0);
	for (i = 0; i < N_ELEMS(host_failures); i++) {
		h = sentinel;
		fail_next(NK_FAULT_GETHOSTBYNAME_R, host_failures[i].rc,
			  host_failures[i].h_err);
		rc = netkit_gethostbyname_ex("127.0.0.1", &h);
		ck_assert_msg(rc == host_failures[i].want, "case %zu: %s", i,
			      netkit_errname(rc));
		ck_assert_ptr_eq(h, sentinel);
	}
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETHOSTBYNAME_R),
			  N_ELEMS(host_failures));
}
END_TEST

START_TEST(gethostbyname_ex_grows_its_scratch_to_1_mib_then_erange)
{
	netkit_hostent *h = NULL;

#ifdef NO_NETDB_INTERNAL
	NK_SKIP("no NETDB_INTERNAL: glibc's ERANGE cannot be simulated");
#endif
	nk_fault_install(0);
	nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETHOSTBYNAME_R, .action = NK_FAULT_FAIL,
		.err = ERANGE, .value = NETDB_INTERNAL });
	ck_assert_int_eq(netkit_gethostbyname_ex("127.0.0.1", &h), -ERANGE);
	ck_assert_ptr_null(h);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETHOSTBYNAME_R), HOST_TRIES);
	nk_fault_reset();
	/* Two ERANGEs, then room: the entry comes. */
	nk_fault_install(0);
	nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETHOSTBYNAME_R, .action = NK_FAULT_FAIL,
		.err = ERANGE, .value = NETDB_INTERNAL, .count = 2 });
	ck_assert_int_eq(netkit_gethostbyname_ex("127.0.0.1", &h), 0);
	ck_assert_str_eq(h->addresses[0], "127.0.0.1");
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETHOSTBYNAME_R), 3);
	netkit_hostent_free(h);
}
END_TEST

START_TEST(gethostbyaddr_failures_map_to_documented_codes)
{
	netkit_hostent *h = NULL, *sentinel = (netkit_hostent *)&h;
	size_t i;
	int rc;

	nk_fault_install(0);
	for (i = 0; i < N_ELEMS(host_failures); i++) {
		h = sentinel;
		fail_next(NK_FAULT_GETHOSTBYADDR_R, host_failures[i].rc,
			  host_failures[i].h_err);
		rc = netkit_gethostbyaddr("127.0.0.1", &h);
		ck_assert_msg(rc == host_failures[i].want, "case %zu: %s", i,
			      netkit_errname(rc));
		ck_assert_ptr_eq(h, sentinel);
	}
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETHOSTBYADDR_R),
			  N_ELEMS(host_failures));
#ifndef NO_NETDB_INTERNAL
	/* A rule for IPv6 lookups leaves this IPv4 one alone; then every
	 * size of scratch buffer is too small. */
	nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETHOSTBYADDR_R, .action = NK_FAULT_FAIL,
		.err = EAGAIN, .value = TRY_AGAIN, .family = AF_INET6 });
	nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETHOSTBYADDR_R, .action = NK_FAULT_FAIL,
		.err = ERANGE, .value = NETDB_INTERNAL, .family = AF_INET });
	ck_assert_int_eq(netkit_gethostbyaddr("127.0.0.1", &h), -ERANGE);
	ck_assert_ptr_eq(h, sentinel);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETHOSTBYADDR_R),
			  N_ELEMS(host_failures) + HOST_TRIES);
#endif
}
END_TEST

START_TEST(getservbyname_failures_and_scratch_growth)
{
	nk_fault_install(0);
	fail_next(NK_FAULT_GETSERVBYNAME_R, ENOMEM, 0);
	ck_assert_int_eq(netkit_getservbyname("ssh", "tcp"), -ENOMEM);
	/* No entry and no error: not found. */
	fail_next(NK_FAULT_GETSERVBYNAME_R, 0, 0);
	ck_assert_int_eq(netkit_getservbyname("ssh", "tcp"),
			 NETKIT_ENOSERVICE);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETSERVBYNAME_R), 2);
	nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETSERVBYNAME_R, .action = NK_FAULT_FAIL,
		.err = ERANGE });
	ck_assert_int_eq(netkit_getservbyname("ssh", "tcp"), -ERANGE);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETSERVBYNAME_R),
			  2 + SERV_TRIES);
	nk_fault_reset();
	nk_fault_install(0);
	fail_next(NK_FAULT_GETSERVBYNAME_R, ERANGE, 0);
	ck_assert_int_eq(netkit_getservbyname("ssh", "tcp"), 22);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETSERVBYNAME_R), 2);
}
END_TEST

START_TEST(getservbyport_failures_leave_buf_untouched)
{
	char buf[32];

	strcpy(buf, sentinel_text);
	nk_fault_install(0);
	fail_next(NK_FAULT_GETSERVBYPORT_R, ENOMEM, 0);
	ck_assert_int_eq(netkit_getservbyport(22, "tcp", buf, sizeof(buf)),
			 -ENOMEM);
	fail_next(NK_FAULT_GETSERVBYPORT_R, 0, 0);
	ck_assert_int_eq(netkit_getservbyport(22, "tcp", buf, sizeof(buf)),
			 NETKIT_ENOSERVICE);
	nk_fault_add(&(struct nk_fault_rule){
		.call = NK_FAULT_GETSERVBYPORT_R, .action = NK_FAULT_FAIL,
		.err = ERANGE });
	ck_assert_int_eq(netkit_getservbyport(22, "tcp", buf, sizeof(buf)),
			 -ERANGE);
	ck_assert_str_eq(buf, sentinel_text);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETSERVBYPORT_R),
			  2 + SERV_TRIES);
}
END_TEST

START_TEST(getnameinfo_failures_map_to_documented_codes)
{
	static const struct { int eai, err, want; } cases[] = {
		{ EAI_NONAME, 0, NETKIT_ENONAME },
		{ EAI_AGAIN, 0, NETKIT_EAGAIN_RESOLVE },
		{ EAI_MEMORY, 0, -ENOMEM },
		{ EAI_FAIL, 0, NETKIT_ERESOLVE },
		{ EAI_SYSTEM, EMFILE, -EMFILE },
		{ EAI_SYSTEM, 0, -EIO },
	};
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	netkit_addr a;
	size_t i;
	int rc;

	ck_assert_int_eq(netkit_addr_parse(&a, "127.0.0.1:22"), 0);
	strcpy(host, sentinel_text);
	strcpy(serv, sentinel_text);
	nk_fault_install(0);
	for (i = 0; i < N_ELEMS(cases); i++) {
		fail_next(NK_FAULT_GETNAMEINFO, cases[i].eai, cases[i].err);
		rc = netkit_getnameinfo(&a, 0, host, sizeof(host), serv,
					sizeof(serv));
		ck_assert_msg(rc == cases[i].want, "case %zu: %s", i,
			      netkit_errname(rc));
	}
	ck_assert_str_eq(host, sentinel_text);
	ck_assert_str_eq(serv, sentinel_text);
	/* A rule for IPv6 addresses leaves an IPv4 one alone. */
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_GETNAMEINFO,
		.action = NK_FAULT_FAIL, .err = EAI_FAIL, .family = AF_INET6 });
	ck_assert_int_eq(netkit_getnameinfo(&a, NETKIT_NI_NUMERICHOST |
					    NETKIT_NI_NUMERICSERV, host,
					    sizeof(host), serv, sizeof(serv)),
			 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_str_eq(serv, "22");
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETNAMEINFO),
			  N_ELEMS(cases) + 1);
}
END_TEST

START_TEST(iface_list_returns_getifaddrs_errors_and_leaves_out_alone)
{
	static const int errs[] = { ENOMEM, EMFILE, ENOBUFS };
	netkit_iface *out, *sentinel = (netkit_iface *)&out;
	size_t i;

	nk_fault_install(0);
	for (i = 0; i < N_ELEMS(errs); i++) {
		out = sentinel;
		fail_next(NK_FAULT_GETIFADDRS, errs[i], 0);
		ck_assert_int_eq(netkit_iface_list(&out), -errs[i]);
		ck_assert_ptr_eq(out, sentinel);
	}
	/* The list made, then the failure: freed, nothing leaks. */
	nk_fault_add(&(struct nk_fault_rule){ .call = NK_FAULT_GETIFADDRS,
		.action = NK_FAULT_AFTER, .err = EMFILE, .count = 1 });
	ck_assert_int_eq(netkit_iface_list(&out), -EMFILE);
	ck_assert_ptr_eq(out, sentinel);
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_GETIFADDRS),
			  N_ELEMS(errs) + 1);
}
END_TEST

START_TEST(iface_list_gives_index_0_when_the_index_lookup_fails)
{
	netkit_iface *list = NULL;
	int n, i;

	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_IF_NAMETOINDEX, EMFILE, 0);
	n = netkit_iface_list(&list);
	ck_assert_int_ge(n, 1);
	for (i = 0; i < n; i++)
		ck_assert_msg(list[i].index == 0, "%s: index %d",
			      list[i].name, list[i].index);
	ck_assert_uint_ge(nk_fault_seen(NK_FAULT_IF_NAMETOINDEX), 1);
	netkit_iface_list_free(list);
}
END_TEST

START_TEST(if_nametoindex_failure_is_enodev_and_a_scope_name_einval)
{
	netkit_addr a, ref;

	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_IF_NAMETOINDEX, EMFILE, 0);
	/* Python's "no interface with this name", whatever errno. */
	ck_assert_int_eq(netkit_if_nametoindex("lo"), -ENODEV);
	nk_sentinel_addr(&a, &ref);
	ck_assert_int_eq(netkit_addr_parse(&a, "[fe80::1%lo]:80"), -EINVAL);
	ck_assert_int_eq(netkit_addr_from_ip(&a, "fe80::1%lo", 80), -EINVAL);
	ck_assert_mem_eq(&a, &ref, sizeof(a));
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_IF_NAMETOINDEX), 3);
	nk_fault_reset();
	ck_assert_int_eq(netkit_if_nametoindex("lo"), 1);
}
END_TEST

START_TEST(if_indextoname_failure_is_returned_and_format_falls_back)
{
	char buf[NETKIT_IFNAMESIZE], text[NETKIT_ADDRSTRLEN];
	netkit_addr a, back;

	strcpy(buf, "untouched");
	ck_assert_int_eq(netkit_addr_parse(&a, "[fe80::1%1]:80"), 0);
	nk_fault_install(0);
	nk_fault_fail(NK_FAULT_IF_INDEXTONAME, EMFILE, 1);
	ck_assert_int_eq(netkit_if_indextoname(1, buf, sizeof(buf)), -EMFILE);
	nk_fault_fail(NK_FAULT_IF_INDEXTONAME, ENXIO, 1);
	ck_assert_int_eq(netkit_if_indextoname(1, buf, sizeof(buf)), -ENXIO);
	ck_assert_str_eq(buf, "untouched");
	/* With no name for the scope, its number: it parses back. */
	nk_fault_fail(NK_FAULT_IF_INDEXTONAME, ENXIO, 1);
	ck_assert_int_gt(netkit_addr_format(&a, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "[fe80::1%1]:80");
	ck_assert_int_eq(netkit_addr_parse(&back, text), 0);
	ck_assert(netkit_addr_equal(&a, &back));
	ck_assert_uint_eq(nk_fault_seen(NK_FAULT_IF_INDEXTONAME), 3);
	nk_fault_reset();
	ck_assert_int_eq(netkit_if_indextoname(1, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "lo");
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("fault-names");

	NK_ADD_FAULT_TEST(s, gethostname_failure_is_returned_and_buf_untouched);
	NK_ADD_FAULT_TEST(s, gethostbyname_ex_failures_map_to_documented_codes);
	NK_ADD_FAULT_TEST(s,
		gethostbyname_ex_grows_its_scratch_to_1_mib_then_erange);
	NK_ADD_FAULT_TEST(s, gethostbyaddr_failures_map_to_documented_codes);
	NK_ADD_FAULT_TEST(s, getservbyname_failures_and_scratch_growth);
	NK_ADD_FAULT_TEST(s, getservbyport_failures_leave_buf_untouched);
	NK_ADD_FAULT_TEST(s, getnameinfo_failures_map_to_documented_codes);
	NK_ADD_FAULT_TEST(s,
		iface_list_returns_getifaddrs_errors_and_leaves_out_alone);
	NK_ADD_FAULT_TEST(s,
		iface_list_gives_index_0_when_the_index_lookup_fails);
	NK_ADD_FAULT_TEST(s,
		if_nametoindex_failure_is_enodev_and_a_scope_name_einval);
	NK_ADD_FAULT_TEST(s,
		if_indextoname_failure_is_returned_and_format_falls_back);
	return s;
}
