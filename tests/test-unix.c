/* SPDX-License-Identifier: MIT */
/*
 * Unix domain sockets: socket pairs, stream / datagram / seqpacket
 * exchanges over path and abstract addresses through the ordinary
 * calls, and the peer's credentials. Paths live in a fresh temporary
 * directory, removed at the end of each test.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "fault.h"

static bool
is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	ck_assert_int_ge(flags, 0);
	return (flags & FD_CLOEXEC) != 0;
}

/* A fresh directory and a socket path "<dir>/<name>" in it. */
struct sock_dir {
	char dir[64];
	char path[96];
};

static void
sock_dir_make(struct sock_dir *d, const char *name)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/nk-unix-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, name);
}

static void
sock_dir_clean(struct sock_dir *d)
{
	unlink(d->path);
	ck_assert_int_eq(rmdir(d->dir), 0);
}

/* An abstract address unique to this process and tag. */
static void
abstract_addr(netkit_addr *a, const char *tag)
{
	char name[64];
	int n;

	n = snprintf(name, sizeof(name), "netkit-test-%ld-%s",
		     (long)getpid(), tag);
	ck_assert_int_eq(netkit_addr_from_abstract(a, name, (size_t)n), 0);
}

/* Sends msg from a to b and checks that b reads exactly it. */
static void
assert_exchange(int a, int b, const char *msg)
{
	char buf[64];
	size_t n = strlen(msg);

	ck_assert_int_eq(netkit_send(a, msg, n), (ssize_t)n);
	ck_assert(nk_readable(b, 5000));
	ck_assert_int_eq(netkit_recv(b, buf, sizeof(buf)), (ssize_t)n);
	ck_assert_mem_eq(buf, msg, n);
}

START_TEST(socketpair_of_each_type_carries_bytes_both_ways)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET,
		SOCK_STREAM | SOCK_NONBLOCK };
	int sv[2], type;
	size_t i;
	socklen_t len = sizeof(int);

	for (i = 0; i < N_ELEMS(types); i++) {
		ck_assert_int_eq(netkit_socketpair(types[i], sv), 0);
		ck_assert(is_cloexec(sv[0]) && is_cloexec(sv[1]));
		ck_assert_int_eq(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type,
					    &len), 0);
		ck_assert_int_eq(type, types[i] & ~SOCK_NONBLOCK);
		ck_assert_int_eq((fcntl(sv[1], F_GETFL) & O_NONBLOCK) != 0,
				 (types[i] & SOCK_NONBLOCK) != 0);
		assert_exchange(sv[0], sv[1], "ping");
		assert_exchange(sv[1], sv[0], "pong");
		netkit_close(sv[0]);
		netkit_close(sv[1]);
	}
}
END_TEST

START_TEST(socketpair_refuses_bad_arguments_and_leaves_fds)
{
	int sv[2] = { -7, -7 };

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, NULL), -EINVAL);
	ck_assert_int_eq(netkit_socketpair(SOCK_RAW, sv), -EINVAL);
	ck_assert_int_eq(netkit_socketpair(12345, sv), -EINVAL);
	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM | 0x40000000, sv),
			 -EINVAL);
	ck_assert_int_eq(sv[0], -7);
	ck_assert_int_eq(sv[1], -7);
	/* The kernel's refusal comes back as its code, fds untouched. */
	nk_fault_install(1);
	nk_fault_fail(NK_FAULT_SOCKETPAIR, EMFILE, 1);
	ck_assert_int_eq(netkit_socketpair(SOCK_DGRAM, sv), -EMFILE);
	nk_fault_reset();
	ck_assert_int_eq(sv[0], -7);
	ck_assert_int_eq(sv[1], -7);
}
END_TEST

START_TEST(stream_over_a_path_reports_both_addresses)
{
	struct sock_dir d;
	netkit_addr a, got, unnamed;
	int l, c, s;

	sock_dir_make(&d, "stream.sock");
	ck_assert_int_eq(netkit_addr_from_path(&a, d.path), 0);
	ck_assert_int_eq(netkit_addr_parse(&unnamed, "unix:"), 0);
	l = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(netkit_bind(l, &a), 0);
	ck_assert_int_eq(netkit_listen(l, 4), 0);
	c = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect_until(c, &a, netkit_deadline_in(5000)),
			 0);
	s = netkit_accept_until(l, &got, netkit_deadline_in(5000));
	ck_assert_int_ge(s, 0);
	ck_assert(is_cloexec(s));
	nk_assert_addr_equal(&got, &unnamed);
	ck_assert_int_eq(netkit_peer_addr(c, &got), 0);
	nk_assert_addr_equal(&got, &a);
	ck_assert_int_eq(netkit_local_addr(s, &got), 0);
	nk_assert_addr_equal(&got, &a);
	assert_exchange(c, s, "over a path");
	assert_exchange(s, c, "and back");
	netkit_close(s);
	netkit_close(c);
	/* A second bind to a path that exists is the kernel's refusal. */
	c = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_bind(c, &a), -EADDRINUSE);
	netkit_close(c);
	netkit_close(l);
	sock_dir_clean(&d);
}
END_TEST

START_TEST(datagrams_over_paths_name_their_sender)
{
	struct sock_dir d1, d2;
	netkit_addr a, b, from;
	char buf[32];
	int x, y;

	sock_dir_make(&d1, "a.sock");
	sock_dir_make(&d2, "b.sock");
	ck_assert_int_eq(netkit_addr_from_path(&a, d1.path), 0);
	ck_assert_int_eq(netkit_addr_from_path(&b, d2.path), 0);
	x = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	y = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_eq(netkit_bind(x, &a), 0);
	ck_assert_int_eq(netkit_bind(y, &b), 0);
	ck_assert_int_eq(netkit_sendto(x, "to b", 4, &b), 4);
	memset(&from, 0, sizeof(from));
	ck_assert_int_eq(netkit_recvfrom_until(y, buf, sizeof(buf), &from,
					       netkit_deadline_in(5000)), 4);
	ck_assert_mem_eq(buf, "to b", 4);
	nk_assert_addr_equal(&from, &a);
	/* The answer goes to the address recvfrom reported. */
	ck_assert_int_eq(netkit_sendto_until(y, "to a", 4, &from,
					     netkit_deadline_in(5000)), 4);
	ck_assert_int_eq(netkit_recvfrom(x, buf, sizeof(buf), &from), 4);
	ck_assert_mem_eq(buf, "to a", 4);
	nk_assert_addr_equal(&from, &b);
	netkit_close(x);
	netkit_close(y);
	/* Nobody bound there any more: the kernel says so. */
	x = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	unlink(d2.path);
	ck_assert_int_eq(netkit_sendto(x, "?", 1, &b), -ENOENT);
	netkit_close(x);
	sock_dir_clean(&d1);
	sock_dir_clean(&d2);
}
END_TEST

/* netkit_send_datagram() takes an AF_UNIX destination as its siblings
 * netkit_sendto() and netkit_recv_datagram() do: to a path, to the
 * sender address recv_datagram reported, and to an abstract name. */
START_TEST(send_datagram_takes_a_unix_destination)
{
	struct sock_dir d1, d2;
	netkit_addr a, b, c, from;
	netkit_datagram_info info;
	char buf[32];
	int x, y, z;

	sock_dir_make(&d1, "a.sock");
	sock_dir_make(&d2, "b.sock");
	ck_assert_int_eq(netkit_addr_from_path(&a, d1.path), 0);
	ck_assert_int_eq(netkit_addr_from_path(&b, d2.path), 0);
	abstract_addr(&c, "dgram");
	x = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	y = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	z = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_eq(netkit_bind(x, &a), 0);
	ck_assert_int_eq(netkit_bind(y, &b), 0);
	ck_assert_int_eq(netkit_bind(z, &c), 0);
	ck_assert_int_eq(netkit_send_datagram(x, "to b", 4, &b,
					      netkit_deadline_in(5000)), 4);
	ck_assert_int_eq(netkit_recv_datagram(y, buf, sizeof(buf), &from,
					      &info, netkit_deadline_in(5000)),
			 4);
	ck_assert_mem_eq(buf, "to b", 4);
	nk_assert_addr_equal(&from, &a);
	ck_assert_int_eq(netkit_send_datagram(y, "back", 4, &from,
					      netkit_deadline_in(5000)), 4);
	ck_assert_int_eq(netkit_recv_datagram(x, buf, sizeof(buf), &from,
					      NULL, netkit_deadline_in(5000)),
			 4);
	ck_assert_mem_eq(buf, "back", 4);
	nk_assert_addr_equal(&from, &b);
	ck_assert_int_eq(netkit_send_datagram(x, "abstract", 8, &c,
					      netkit_deadline_in(5000)), 8);
	ck_assert_int_eq(netkit_recv_datagram(z, buf, sizeof(buf), NULL,
					      NULL, netkit_deadline_in(5000)),
			 8);
	ck_assert_mem_eq(buf, "abstract", 8);
	netkit_close(x);
	netkit_close(y);
	netkit_close(z);
	sock_dir_clean(&d1);
	sock_dir_clean(&d2);
}
END_TEST

START_TEST(seqpacket_over_an_abstract_name_keeps_boundaries)
{
	netkit_addr a, got;
	char buf[32];
	int l, c, s;

	abstract_addr(&a, "seq");
	l = netkit_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ck_assert_int_eq(netkit_bind(l, &a), 0);
	ck_assert_int_eq(netkit_listen(l, 4), 0);
	ck_assert_int_eq(netkit_local_addr(l, &got), 0);
	nk_assert_addr_equal(&got, &a);
	c = netkit_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ck_assert_int_eq(netkit_connect(c, &a), 0);
	s = netkit_accept(l, NULL);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(netkit_send(c, "one", 3), 3);
	ck_assert_int_eq(netkit_send(c, "two!", 4), 4);
	ck_assert_int_eq(netkit_recv_until(s, buf, sizeof(buf),
					   netkit_deadline_in(5000)), 3);
	ck_assert_mem_eq(buf, "one", 3);
	ck_assert_int_eq(netkit_recv(s, buf, sizeof(buf)), 4);
	ck_assert_mem_eq(buf, "two!", 4);
	netkit_close(s);
	netkit_close(c);
	netkit_close(l);
	/* The name is gone with its socket: connecting is refused. */
	c = netkit_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ck_assert_int_eq(netkit_connect(c, &a), -ECONNREFUSED);
	netkit_close(c);
}
END_TEST

START_TEST(peer_credentials_are_this_process)
{
	netkit_cred cr;
	netkit_addr a;
	int sv[2], l, c, s;

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	ck_assert_int_eq(netkit_peer_cred(sv[0], &cr), 0);
	ck_assert_int_eq(cr.pid, getpid());
	ck_assert_int_eq(cr.uid, geteuid());
	ck_assert_int_eq(cr.gid, getegid());
	ck_assert_int_eq(cr.uid, getuid());
	ck_assert_int_eq(cr.gid, getgid());
	netkit_close(sv[0]);
	netkit_close(sv[1]);

	/* Both ends of an accepted connection. */
	abstract_addr(&a, "cred");
	l = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_bind(l, &a), 0);
	ck_assert_int_eq(netkit_listen(l, 1), 0);
	c = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_connect(c, &a), 0);
	s = netkit_accept(l, NULL);
	memset(&cr, 0, sizeof(cr));
	ck_assert_int_eq(netkit_peer_cred(s, &cr), 0);
	ck_assert_int_eq(cr.pid, getpid());
	ck_assert_int_eq(cr.uid, getuid());
	ck_assert_int_eq(cr.gid, getgid());
	memset(&cr, 0, sizeof(cr));
	ck_assert_int_eq(netkit_peer_cred(c, &cr), 0);
	ck_assert_int_eq(cr.pid, getpid());
	netkit_close(s);
	netkit_close(c);
	netkit_close(l);
}
END_TEST

START_TEST(peer_credentials_of_a_forked_peer_are_its_own)
{
	netkit_cred cr;
	netkit_addr a;
	int sv[2], st, l, s, fd;
	pid_t pid;
	char c;

	/* A child connects to our listener and holds the connection until
	 * we have looked (sv tells it when). */
	abstract_addr(&a, "fork");
	l = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_bind(l, &a), 0);
	ck_assert_int_eq(netkit_listen(l, 1), 0);
	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, netkit_addr_sockaddr(&a, NULL),
				      a.len) < 0)
			_exit(2);
		_exit(read(sv[1], &c, 1) == 1 ? 0 : 3);
	}
	s = netkit_accept_until(l, NULL, netkit_deadline_in(5000));
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(netkit_peer_cred(s, &cr), 0);
	ck_assert_int_eq(cr.pid, pid);
	ck_assert_int_eq(cr.uid, getuid());
	ck_assert_int_eq(cr.gid, getgid());
	ck_assert_int_eq(write(sv[0], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	netkit_close(s);
	netkit_close(l);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

START_TEST(peer_credentials_refuse_what_has_no_peer)
{
	netkit_cred cr, ref;
	int fd, p[2], c, s;

	memset(&cr, SENTINEL, sizeof(cr));
	memset(&ref, SENTINEL, sizeof(ref));
	ck_assert_int_eq(netkit_peer_cred(0, NULL), -EINVAL);
	ck_assert_int_eq(netkit_peer_cred(-1, &cr), -EBADF);
	/* An unconnected Unix socket, and a TCP connection: no creds. */
	fd = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(netkit_peer_cred(fd, &cr), -ENOTCONN);
	netkit_close(fd);
	nk_tcp_pair(AF_INET, &c, &s);
	ck_assert_int_eq(netkit_peer_cred(c, &cr), -ENOTCONN);
	netkit_close(c);
	netkit_close(s);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(netkit_peer_cred(p[0], &cr), -ENOTSOCK);
	close(p[0]);
	close(p[1]);
	ck_assert_mem_eq(&cr, &ref, sizeof(cr));
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("unix");

	NK_ADD_TEST(s, socketpair_of_each_type_carries_bytes_both_ways);
	NK_ADD_TEST(s, socketpair_refuses_bad_arguments_and_leaves_fds);
	NK_ADD_TEST(s, stream_over_a_path_reports_both_addresses);
	NK_ADD_TEST(s, datagrams_over_paths_name_their_sender);
	NK_ADD_TEST(s, send_datagram_takes_a_unix_destination);
	NK_ADD_TEST(s, seqpacket_over_an_abstract_name_keeps_boundaries);
	NK_ADD_TEST(s, peer_credentials_are_this_process);
	NK_ADD_TEST(s, peer_credentials_of_a_forked_peer_are_its_own);
	NK_ADD_TEST(s, peer_credentials_refuse_what_has_no_peer);
	return s;
}
