/* SPDX-License-Identifier: MIT */
/*
 * Broadcast and multicast, only inside a network namespace each test
 * creates: a forked child enters it (the test process is unchanged),
 * brings lo up with multicast on and routes 224.0.0.0/4 to it with
 * ip(8), makes the checks and reports the first failure through a
 * pipe. IPv6 multicast is not looped back over lo by Linux, so the
 * IPv6 test adds a veth pair inside the namespace (nothing leaves it)
 * with a ULA address that needs no duplicate detection. The multicast
 * interface getter meets veth links with shared, own and no IPv4
 * addresses, and an address removed under it. Where
 * namespaces or ip(8) are unavailable the test says SKIP. Never a real
 * broadcast: 127.255.255.255 inside the namespace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define WAIT_MS 5000

static char fail_msg[512];

static void note_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* In the child: notes the first failure; the child then exits 1. */
static void
note_fail(const char *fmt, ...)
{
	va_list ap;

	if (fail_msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
}

#define CHECK_EQ(got, want) \
	do { \
		long long g_ = (got), w_ = (want); \
		if (g_ != w_) \
			note_fail("line %d: %s is %lld (%s), not %lld", __LINE__, \
			     #got, g_, g_ < 0 ? netkit_errname((int)g_) : "", \
			     w_); \
	} while (0)

static void
setup_v4(void)
{
	char *up[] = { "ip", "link", "set", "lo", "up", "multicast", "on",
		       NULL };
	char *route[] = { "ip", "route", "add", "224.0.0.0/4", "dev", "lo",
			  NULL };

	if (!nk_run_ip(up) || !nk_run_ip(route))
		_exit(NK_NETNS_NO_LINKS);
}

/* Waits (at most 10 s) until ifname is running. A link set up has its
 * carrier at once, but its queue starts only when the kernel's link
 * watch gets to it, later on a busy machine: a datagram sent before
 * that is dropped without a word. */
static void
wait_running(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), i;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	for (i = 0; fd >= 0 && i < 1000; i++) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
		    (ifr.ifr_flags & IFF_RUNNING))
			break;
		poll(NULL, 0, 10);
	}
	if (fd >= 0)
		close(fd);
}

static void
setup_v6(void)
{
	char *veth[] = { "ip", "link", "add", "nk0", "type", "veth", "peer",
			 "name", "nk1", NULL };
	char *up0[] = { "ip", "link", "set", "nk0", "up", NULL };
	char *up1[] = { "ip", "link", "set", "nk1", "up", NULL };
	char *addr[] = { "ip", "-6", "addr", "add", "fd00::1/64", "dev",
			 "nk0", "nodad", NULL };

	setup_v4();
	if (!nk_run_ip(veth) || !nk_run_ip(up0) || !nk_run_ip(up1) ||
	    !nk_run_ip(addr))
		_exit(NK_NETNS_NO_LINKS);
	wait_running("nk0");
}

struct netns_run {
	void (*setup)(void);
	void (*check)(void);
};

static void
netns_body(void *arg, char *msg, size_t len)
{
	const struct netns_run *run = arg;

	run->setup();
	run->check();
	snprintf(msg, len, "%s", fail_msg);
}

/* Runs setup() then check() in a child in a new namespace (see
 * nk_in_netns()). */
static void
run_in_netns(const char *test, void (*setup)(void), void (*check)(void))
{
	struct netns_run run = { setup, check };
	char why[128];

	snprintf(why, sizeof(why), "ip(8) cannot set up the links (%s)", test);
	nk_in_netns(0, why, netns_body, &run);
}

/* A datagram socket bound to ip at a free port; *bound its address. */
static int
bound_udp(int family, const char *ipt, netkit_addr *bound)
{
	netkit_addr a;
	int fd = netkit_socket(family, SOCK_DGRAM, 0);

	if (fd < 0 || netkit_addr_from_ip(&a, ipt, 0) < 0 ||
	    netkit_bind(fd, &a) < 0 || netkit_local_addr(fd, bound) < 0)
		note_fail("socket bound to %s", ipt);
	return fd;
}

/* Receives one datagram within WAIT_MS and checks its bytes. */
static void
expect(int fd, const char *want)
{
	char buf[64];
	ssize_t n;

	n = netkit_recv_datagram(fd, buf, sizeof(buf), NULL, NULL,
				 netkit_deadline_in(WAIT_MS));
	CHECK_EQ(n, (long long)strlen(want));
	if (n > 0 && memcmp(buf, want, (size_t)n) != 0)
		note_fail("received \"%.*s\", not \"%s\"", (int)n, buf, want);
}

static void
check_broadcast(void)
{
	netkit_addr ra, bc, sa;
	int r, s;

	r = bound_udp(AF_INET, "0.0.0.0", &ra);
	s = bound_udp(AF_INET, "127.0.0.1", &sa);
	netkit_addr_from_ip(&bc, "127.255.255.255", netkit_addr_port(&ra));
	CHECK_EQ(netkit_get_broadcast(s), 0);
	CHECK_EQ(netkit_send_datagram(s, "no", 2, &bc, NETKIT_NOW), -EACCES);
	CHECK_EQ(netkit_set_broadcast(s, true), 0);
	CHECK_EQ(netkit_send_datagram(s, "all", 3, &bc, NETKIT_NOW), 3);
	expect(r, "all");
	netkit_close(s);
	netkit_close(r);
}

START_TEST(broadcast_needs_so_broadcast_then_arrives)
{
	run_in_netns(__func__, setup_v4, check_broadcast);
}
END_TEST

/* After leaving, a datagram to the group is not delivered: the marker
 * sent to uni after it must be the next one in. */
static void
expect_left(int r, int s, const netkit_addr *group, const netkit_addr *uni)
{
	CHECK_EQ(netkit_send_datagram(s, "group", 5, group, NETKIT_NOW), 5);
	CHECK_EQ(netkit_send_datagram(s, "marker", 6, uni, NETKIT_NOW), 6);
	expect(r, "marker");
}

/* Sends msg to group until r sees it: up to 5 tries of WAIT_MS / 5
 * each, then nothing more is queued on r. A group just joined on a
 * veth link that has just come up may drop the first datagrams
 * (multicast is not reliable, and MLD/IGMP state settles in the
 * background): the test asserts arrival, not arrival at the first try. */
static void
send_until_seen(int s, int r, const char *msg, const netkit_addr *group)
{
	size_t len = strlen(msg);
	char buf[64];
	ssize_t n = -ETIMEDOUT;
	int k;

	for (k = 0; k < 5 && n == -ETIMEDOUT; k++) {
		CHECK_EQ(netkit_send_datagram(s, msg, len, group, NETKIT_NOW),
			 (long long)len);
		n = netkit_recv_datagram(r, buf, sizeof(buf), NULL, NULL,
					 netkit_deadline_in(WAIT_MS / 5));
	}
	CHECK_EQ(n, (long long)len);
	if (n > 0 && memcmp(buf, msg, len) != 0)
		note_fail("received \"%.*s\", not \"%s\"", (int)n, buf, msg);
	/* Late copies of earlier tries must not answer a later expect(). */
	while (netkit_recv_datagram(r, buf, sizeof(buf), NULL, NULL,
				    netkit_deadline_in(50)) > 0)
		;
}

static void
check_multicast(int family, const char *any, const char *grp,
		const char *uni_ip, const char *ifname)
{
	netkit_addr ra, sa, group, uni;
	unsigned idx = if_nametoindex(ifname);
	char text[64];
	int r, s;

	r = bound_udp(family, any, &ra);
	s = bound_udp(family, family == AF_INET ? "0.0.0.0" : "::", &sa);
	snprintf(text, sizeof(text), "%s%s%s", grp,
		 family == AF_INET6 ? "%" : "", family == AF_INET6 ? ifname : "");
	CHECK_EQ(netkit_addr_from_ip(&group, text, netkit_addr_port(&ra)), 0);
	CHECK_EQ(netkit_addr_from_ip(&uni, uni_ip, netkit_addr_port(&ra)), 0);
	CHECK_EQ(netkit_join_multicast(r, &group, idx), 0);
	CHECK_EQ(netkit_join_multicast(r, &group, idx), -EADDRINUSE);
	CHECK_EQ(netkit_set_multicast_if(s, idx), 0);
	CHECK_EQ(netkit_get_multicast_if(s), (long long)idx);
	CHECK_EQ(netkit_set_multicast_loop(s, true), 0);
	CHECK_EQ(netkit_set_multicast_ttl(s, 0), 0);
	send_until_seen(s, r, "to all", &group);
	CHECK_EQ(netkit_leave_multicast(r, &group, idx), 0);
	CHECK_EQ(netkit_leave_multicast(r, &group, idx), -EADDRNOTAVAIL);
	expect_left(r, s, &group, &uni);
	netkit_close(s);
	netkit_close(r);
}

static void
check_multicast_v4(void)
{
	check_multicast(AF_INET, "0.0.0.0", "239.1.2.3", "127.0.0.1", "lo");
}

START_TEST(multicast_v4_by_index_arrives_until_left)
{
	run_in_netns(__func__, setup_v4, check_multicast_v4);
}
END_TEST

static void
check_multicast_v6(void)
{
	check_multicast(AF_INET6, "::", "ff02::1234", "fd00::1", "nk0");
}

START_TEST(multicast_v6_by_index_arrives_until_left)
{
	run_in_netns(__func__, setup_v6, check_multicast_v6);
}
END_TEST

static void
check_multicast_on_addr(void)
{
	netkit_addr ra, sa, group, uni, lo;
	int r, s;

	r = bound_udp(AF_INET, "0.0.0.0", &ra);
	s = bound_udp(AF_INET, "127.0.0.1", &sa);
	netkit_addr_from_ip(&group, "239.4.5.6", netkit_addr_port(&ra));
	netkit_addr_from_ip(&uni, "127.0.0.1", netkit_addr_port(&ra));
	netkit_addr_from_ip(&lo, "127.0.0.1", 0);
	CHECK_EQ(netkit_join_multicast_on(r, &group, &lo), 0);
	CHECK_EQ(netkit_set_multicast_if(s, if_nametoindex("lo")), 0);
	CHECK_EQ(netkit_send_datagram(s, "by addr", 7, &group, NETKIT_NOW), 7);
	expect(r, "by addr");
	CHECK_EQ(netkit_leave_multicast_on(r, &group, &lo), 0);
	CHECK_EQ(netkit_leave_multicast_on(r, &group, &lo), -EADDRNOTAVAIL);
	expect_left(r, s, &group, &uni);
	netkit_close(s);
	netkit_close(r);
}

START_TEST(multicast_v4_by_address_arrives_until_left)
{
	run_in_netns(__func__, setup_v4, check_multicast_on_addr);
}
END_TEST

/* A veth pair name/peer, up, with the IPv4 addresses of addrs (NULL
 * ended). */
static bool
make_link(const char *name, const char *peer, const char *const *addrs)
{
	char *add[] = { "ip", "link", "add", (char *)name, "type", "veth",
			"peer", "name", (char *)peer, NULL };
	char *up[] = { "ip", "link", "set", (char *)name, "up", NULL };
	char *addr[] = { "ip", "addr", "add", NULL, "dev", (char *)name,
			 NULL };

	if (!nk_run_ip(add) || !nk_run_ip(up))
		return false;
	for (; *addrs; addrs++) {
		addr[3] = (char *)*addrs;
		if (!nk_run_ip(addr))
			return false;
	}
	return true;
}

/* nk0: 10.9.0.1 (also nk1's) and 10.9.0.2 of its own; nk1: 10.9.0.1
 * and 10.9.1.1 of its own; nk2: no IPv4 address. */
static void
setup_ifaces(void)
{
	static const char *const a0[] = { "10.9.0.1/24", "10.9.0.2/24", NULL };
	static const char *const a1[] = { "10.9.0.1/24", "10.9.1.1/24", NULL };
	static const char *const none[] = { NULL };

	setup_v4();
	if (!make_link("nk0", "nk0p", a0) || !make_link("nk1", "nk1p", a1) ||
	    !make_link("nk2", "nk2p", none))
		_exit(NK_NETNS_NO_LINKS);
}

/* The address the kernel keeps for IPv4's IP_MULTICAST_IF, as text. */
static const char *
kept_addr(int fd, char *buf, size_t len)
{
	struct in_addr a = { 0 };
	socklen_t n = sizeof(a);

	if (getsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, &n) < 0 ||
	    netkit_inet_ntop(AF_INET, &a, buf, len) < 0)
		snprintf(buf, len, "?");
	return buf;
}

#define CHECK_KEPT(fd, want) \
	do { \
		char b_[32]; \
		if (strcmp(kept_addr((fd), b_, sizeof(b_)), (want)) != 0) \
			note_fail("line %d: IP_MULTICAST_IF keeps %s, not %s", \
				  __LINE__, b_, (want)); \
	} while (0)

static void
check_multicast_if_ifaces(void)
{
	char *del[] = { "ip", "addr", "del", "10.9.1.1/24", "dev", "nk1",
			NULL };
	long long lo = if_nametoindex("lo"), nk0 = if_nametoindex("nk0");
	long long nk1 = if_nametoindex("nk1"), nk2 = if_nametoindex("nk2");
	int s = netkit_socket(AF_INET, SOCK_DGRAM, 0);
	int s6 = netkit_socket(AF_INET6, SOCK_DGRAM, 0);
	netkit_addr group;

	/* Each interface by an address of its own, which leads back. */
	CHECK_EQ(netkit_set_multicast_if(s, (unsigned)nk0), 0);
	CHECK_KEPT(s, "10.9.0.2");
	CHECK_EQ(netkit_get_multicast_if(s), nk0);
	CHECK_EQ(netkit_set_multicast_if(s, (unsigned)nk1), 0);
	CHECK_KEPT(s, "10.9.1.1");
	CHECK_EQ(netkit_get_multicast_if(s), nk1);
	CHECK_EQ(netkit_set_multicast_if(s, (unsigned)lo), 0);
	CHECK_EQ(netkit_get_multicast_if(s), lo);
	/* No IPv4 address: refused, the choice before kept. */
	CHECK_EQ(netkit_set_multicast_if(s, (unsigned)nk2), -EADDRNOTAVAIL);
	CHECK_EQ(netkit_get_multicast_if(s), lo);
	CHECK_EQ(netkit_set_multicast_if(s, 0), 0);
	CHECK_KEPT(s, "0.0.0.0");
	CHECK_EQ(netkit_get_multicast_if(s), 0);
	/* IPv6 names the interface by index alone: any interface. */
	CHECK_EQ(netkit_set_multicast_if(s6, (unsigned)nk2), 0);
	CHECK_EQ(netkit_get_multicast_if(s6), nk2);
	/* The address gone from the interface: said by the getter, and
	 * by a datagram to a group. */
	CHECK_EQ(netkit_set_multicast_if(s, (unsigned)nk1), 0);
	if (!nk_run_ip(del))
		note_fail("ip addr del 10.9.1.1/24 dev nk1 failed");
	CHECK_EQ(netkit_get_multicast_if(s), -EADDRNOTAVAIL);
	CHECK_EQ(netkit_addr_from_ip(&group, "239.1.2.3", 9), 0);
	CHECK_EQ(netkit_send_datagram(s, "x", 1, &group,
				      netkit_deadline_in(0)), -ENETUNREACH);
	netkit_close(s6);
	netkit_close(s);
}

START_TEST(multicast_if_reads_back_each_interface_by_index)
{
	run_in_netns(__func__, setup_ifaces, check_multicast_if_ifaces);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("udp-netns");

	NK_ADD_TEST(s, broadcast_needs_so_broadcast_then_arrives);
	NK_ADD_TEST(s, multicast_v4_by_index_arrives_until_left);
	NK_ADD_TEST(s, multicast_v6_by_index_arrives_until_left);
	NK_ADD_TEST(s, multicast_v4_by_address_arrives_until_left);
	NK_ADD_TEST(s, multicast_if_reads_back_each_interface_by_index);
	return s;
}
