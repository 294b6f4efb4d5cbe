/*
 * Shared test helpers: loopback servers on port 0, connected pairs, and
 * the descriptor-leak fixture every test case uses.
 */
#ifndef NETKIT_TEST_HELPERS_H
#define NETKIT_TEST_HELPERS_H

#include <check.h>
#include <netkit.h>

/* Each tests/test-<concern>.c defines this; main.c runs it. */
Suite *netkit_test_suite(void);

/* A TCase with the fd-leak fixture and a 30 s timeout already added. */
TCase *nk_tcase(const char *name);

/* Number of open descriptors of this process (/proc/self/fd). */
int nk_count_fds(void);

/* Is ::1 usable here? (Tests skip IPv6 cases when not.) */
bool nk_have_ipv6(void);

/* Loopback address of a family (127.0.0.1 or ::1) with a port. */
void nk_loopback(int family, int port, netkit_addr *out);

/* A listening TCP socket on loopback at a free port; *bound gets its
 * address. Fails the test on error. */
int nk_listen(int family, netkit_addr *bound);

/* A connected TCP pair over loopback: *client and *server. */
void nk_tcp_pair(int family, int *client, int *server);

/* A UDP socket bound to loopback at a free port. */
int nk_udp(int family, netkit_addr *bound);

/* An address where nothing listens (a port just freed). */
void nk_refused_addr(int family, netkit_addr *out);

/* Runs fn(arg) in a thread; nk_join waits at most 10 s for it. */
typedef struct nk_thread nk_thread;
nk_thread *nk_spawn(void *(*fn)(void *), void *arg);
void *nk_join(nk_thread *t);

/* Waits until fd is readable, at most ms milliseconds; true if it is. */
bool nk_readable(int fd, int ms);

#endif
