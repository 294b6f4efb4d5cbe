/* SPDX-License-Identifier: MIT */
/*
 * Interface listing and index/name lookups, checked against the
 * system's own view (if_nameindex(), if_nametoindex()).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "helpers.h"

static const netkit_iface *
find(const netkit_iface *list, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return &list[i];
	return NULL;
}

START_TEST(list_has_loopback)
{
	netkit_iface *list = NULL;
	const netkit_iface *lo;
	char ip[NETKIT_ADDRSTRLEN];
	size_t j;
	int n;

	n = netkit_iface_list(&list);
	ck_assert_int_ge(n, 1);
	lo = find(list, n, "lo");
	ck_assert_ptr_nonnull(lo);
	ck_assert(lo->flags & NETKIT_IFF_LOOPBACK);
	ck_assert_int_eq(lo->index, (int)if_nametoindex("lo"));
	for (j = 0; j < lo->naddrs; j++) {
		const netkit_iface_addr *a = &lo->addrs[j];

		ck_assert(netkit_addr_is_loopback(&a->addr));
		if (netkit_addr_family(&a->addr) != AF_INET)
			continue;
		/* 127.0.0.1/8, netmask 255.0.0.0 */
		ck_assert_int_eq(a->prefix, 8);
		ck_assert_int_ge(netkit_addr_ip(&a->netmask, ip, sizeof(ip)),
				 0);
		ck_assert_str_eq(ip, "255.0.0.0");
	}
	netkit_iface_list_free(list);
}
END_TEST

START_TEST(list_matches_if_nameindex)
{
	struct if_nameindex *sys, *p;
	netkit_iface *list = NULL;
	const netkit_iface *f;
	int n;

	n = netkit_iface_list(&list);
	ck_assert_int_ge(n, 0);
	sys = if_nameindex();
	ck_assert_ptr_nonnull(sys);
	/* every interface the kernel lists is there, with its index; those
	 * without any address too */
	for (p = sys; p->if_index; p++) {
		f = find(list, n, p->if_name);
		ck_assert_msg(f != NULL, "%s is missing", p->if_name);
		ck_assert_int_eq(f->index, (int)p->if_index);
	}
	if_freenameindex(sys);
	netkit_iface_list_free(list);
}
END_TEST

START_TEST(list_addresses_are_consistent)
{
	netkit_iface *list = NULL;
	int n, i, family, bits;
	size_t j;

	n = netkit_iface_list(&list);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_gt(strlen(list[i].name), 0);
		ck_assert(list[i].naddrs == 0 || list[i].addrs != NULL);
		for (j = 0; j < list[i].naddrs; j++) {
			const netkit_iface_addr *a = &list[i].addrs[j];

			family = netkit_addr_family(&a->addr);
			ck_assert(family == AF_INET || family == AF_INET6);
			ck_assert_int_eq(netkit_addr_port(&a->addr), 0);
			bits = family == AF_INET ? 32 : 128;
			ck_assert_int_le(a->prefix, bits);
			ck_assert_int_ge(a->prefix, -1);
			/* IPv4 first */
			if (j > 0 && family == AF_INET)
				ck_assert_int_eq(netkit_addr_family(
					&list[i].addrs[j - 1].addr), AF_INET);
			if (netkit_addr_family(&a->broadcast) > 0) {
				ck_assert_int_eq(family, AF_INET);
				ck_assert(list[i].flags & NETKIT_IFF_BROADCAST);
			}
		}
	}
	netkit_iface_list_free(list);
}
END_TEST

START_TEST(list_rejects_null_and_free_accepts_it)
{
	ck_assert_int_eq(netkit_iface_list(NULL), -EINVAL);
	netkit_iface_list_free(NULL);
}
END_TEST

START_TEST(nametoindex_and_back)
{
	char buf[NETKIT_IFNAMESIZE];
	int idx;

	idx = netkit_if_nametoindex("lo");
	ck_assert_int_ge(idx, 1);
	ck_assert_int_eq(netkit_if_indextoname(idx, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "lo");
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(netkit_if_indextoname(idx, buf, 2), -ENOSPC);
	ck_assert_int_eq(buf[0], 'x');
	ck_assert_int_eq(netkit_if_indextoname(idx, buf, 3), 2);
}
END_TEST

START_TEST(lookup_errors)
{
	char buf[NETKIT_IFNAMESIZE];

	ck_assert_int_eq(netkit_if_nametoindex("no-such-if0"), -ENODEV);
	ck_assert_int_eq(netkit_if_nametoindex(""), -ENODEV);
	ck_assert_int_eq(netkit_if_nametoindex(
				 "a-name-much-too-long-for-an-interface"),
			 -ENODEV);
	ck_assert_int_eq(netkit_if_nametoindex(NULL), -EINVAL);
	ck_assert_int_eq(netkit_if_indextoname(0, buf, sizeof(buf)), -ENXIO);
	ck_assert_int_eq(netkit_if_indextoname(-1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(netkit_if_indextoname(1, NULL, 16), -EINVAL);
}
END_TEST

START_TEST(nametoindex_reads_no_further_than_ifnamsiz)
{
	size_t lens[2] = { IF_NAMESIZE, 1024 * 1024 }, i;
	struct nk_guarded g;
	const char *name;

	for (i = 0; i < 2; i++) {
		name = nk_guarded_fill(&g, 'x', lens[i]);
		/* Python: OSError("no interface with this name") */
		ck_assert_int_eq(netkit_if_nametoindex(name), -ENODEV);
		nk_guarded_free(&g);
	}
	ck_assert_int_eq(netkit_if_nametoindex("xxxxxxxxxxxxxxx"), -ENODEV);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("iface");

	NK_ADD_TEST(s, list_has_loopback);
	NK_ADD_TEST(s, list_matches_if_nameindex);
	NK_ADD_TEST(s, list_addresses_are_consistent);
	NK_ADD_TEST(s, list_rejects_null_and_free_accepts_it);
	NK_ADD_TEST(s, nametoindex_and_back);
	NK_ADD_TEST(s, lookup_errors);
	NK_ADD_TEST(s, nametoindex_reads_no_further_than_ifnamsiz);
	return s;
}
