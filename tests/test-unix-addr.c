/* SPDX-License-Identifier: MIT */
/*
 * AF_UNIX addresses in a netkit_addr: paths (107 bytes at most),
 * abstract names (NULs included), the unnamed address, their text forms
 * and round trips, and every bad input answered with its code and
 * nothing changed. Sockets bound here live in a fresh temporary
 * directory (paths) or the abstract namespace, and are cleaned up.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "helpers.h"

/* A temporary directory for socket files, and a path of exactly n bytes
 * inside it (n >= its length + 2). */
struct tmp_path {
	char dir[64];
	char path[200];
};

static void
tmp_path_make(struct tmp_path *t, size_t n)
{
	size_t d;

	snprintf(t->dir, sizeof(t->dir), "/tmp/nk-unix-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	d = strlen(t->dir);
	ck_assert_uint_lt(d + 2, n);
	ck_assert_uint_lt(n, sizeof(t->path));
	memcpy(t->path, t->dir, d);
	t->path[d] = '/';
	memset(t->path + d + 1, 's', n - d - 1);
	t->path[n] = '\0';
}

static void
tmp_path_clean(struct tmp_path *t)
{
	unlink(t->path);
	ck_assert_int_eq(rmdir(t->dir), 0);
}

/* Fails unless a formats to want and want parses back to a. */
static void
assert_text(const netkit_addr *a, const char *want)
{
	char text[NETKIT_UNIX_ADDRSTRLEN];
	netkit_addr back;

	ck_assert_int_eq(netkit_addr_format(a, text, sizeof(text)),
			 (int)strlen(want));
	ck_assert_str_eq(text, want);
	ck_assert_int_eq(netkit_addr_parse(&back, text), 0);
	ck_assert(netkit_addr_equal(&back, a));
	ck_assert_int_eq(netkit_addr_family(&back), AF_UNIX);
}

START_TEST(path_of_107_bytes_binds_and_108_is_too_long)
{
	struct tmp_path t;
	netkit_addr a, out, ref;
	char text[NETKIT_UNIX_ADDRSTRLEN + 8];
	int fd;

	tmp_path_make(&t, 107);
	ck_assert_int_eq(netkit_addr_from_path(&a, t.path), 0);
	snprintf(text, sizeof(text), "unix:%s", t.path);
	assert_text(&a, text);
	fd = netkit_socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), 0);
	ck_assert_int_eq(access(t.path, F_OK), 0);
	ck_assert_int_eq(netkit_local_addr(fd, &out), 0);
	nk_assert_addr_equal(&out, &a);
	netkit_close(fd);

	/* One byte more: its NUL no longer fits sun_path. */
	strcat(t.path, "s");
	memset(&out, SENTINEL, sizeof(out));
	memset(&ref, SENTINEL, sizeof(ref));
	ck_assert_int_eq(netkit_addr_from_path(&out, t.path), -ENAMETOOLONG);
	snprintf(text, sizeof(text), "unix:%s", t.path);
	ck_assert_int_eq(netkit_addr_parse(&out, text), -ENAMETOOLONG);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
	t.path[strlen(t.path) - 1] = '\0';
	tmp_path_clean(&t);
}
END_TEST

START_TEST(abstract_names_keep_embedded_nuls)
{
	char name[32], want[64], big[108];
	netkit_addr a, b, out, ref;
	int fd, n;

	/* The abstract namespace is the machine's (per network namespace):
	 * the pid keeps concurrent runs apart. */
	n = snprintf(name, sizeof(name), "nk%ld", (long)getpid());
	memcpy(name + n, "\0x\0", 3);
	ck_assert_int_eq(netkit_addr_from_abstract(&a, name,
						   (size_t)n + 3), 0);
	snprintf(want, sizeof(want), "unix:@nk%ld\\x00x\\x00",
		 (long)getpid());
	assert_text(&a, want);
	/* Python: sock.bind(b'\x00nk\x00x\x00'); getsockname() is the same
	 * bytes, trailing NUL and all. */
	fd = netkit_socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_bind(fd, &a), 0);
	ck_assert_int_eq(netkit_local_addr(fd, &out), 0);
	nk_assert_addr_equal(&out, &a);
	/* A name one NUL shorter is another name. */
	ck_assert_int_eq(netkit_addr_from_abstract(&b, name,
						   (size_t)n + 2), 0);
	ck_assert(!netkit_addr_equal(&a, &b));
	netkit_close(fd);

	memset(big, 'z', sizeof(big));
	ck_assert_int_eq(netkit_addr_from_abstract(&a, big, 107), 0);
	memset(&out, SENTINEL, sizeof(out));
	memset(&ref, SENTINEL, sizeof(ref));
	ck_assert_int_eq(netkit_addr_from_abstract(&out, big, 108),
			 -ENAMETOOLONG);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
	/* The empty abstract name is a name too: "unix:@". */
	ck_assert_int_eq(netkit_addr_from_abstract(&a, "", 0), 0);
	assert_text(&a, "unix:@");
}
END_TEST

START_TEST(socketpair_ends_have_the_unnamed_address)
{
	netkit_addr out, unnamed;
	int sv[2];

	ck_assert_int_eq(netkit_socketpair(SOCK_STREAM, sv), 0);
	ck_assert_int_eq(netkit_local_addr(sv[0], &out), 0);
	assert_text(&out, "unix:");
	ck_assert_int_eq(netkit_addr_parse(&unnamed, "unix:"), 0);
	ck_assert_int_eq(netkit_peer_addr(sv[1], &out), 0);
	nk_assert_addr_equal(&out, &unnamed);
	ck_assert_int_eq(netkit_addr_port(&out), -EAFNOSUPPORT);
	netkit_close(sv[0]);
	netkit_close(sv[1]);
}
END_TEST

START_TEST(every_byte_survives_format_and_parse)
{
	char name[107], want[NETKIT_UNIX_ADDRSTRLEN];
	netkit_addr a;
	int c, i;

	/* Each byte value in the middle of an abstract name, as Python's
	 * bytes repr writes it ('\\' doubled, other non-printables \xHH). */
	for (c = 0; c < 256; c++) {
		name[0] = 'a';
		name[1] = (char)c;
		name[2] = 'z';
		ck_assert_int_eq(netkit_addr_from_abstract(&a, name, 3), 0);
		if (c == '\\')
			snprintf(want, sizeof(want), "unix:@a\\\\z");
		else if (c >= 0x20 && c <= 0x7e)
			snprintf(want, sizeof(want), "unix:@a%cz", c);
		else
			snprintf(want, sizeof(want), "unix:@a\\x%02xz", c);
		assert_text(&a, want);
	}
	/* The longest text: 107 escaped bytes. */
	memset(name, 0x80, sizeof(name));
	ck_assert_int_eq(netkit_addr_from_abstract(&a, name, sizeof(name)), 0);
	i = snprintf(want, sizeof(want), "unix:@");
	for (c = 0; c < (int)sizeof(name); c++)
		i += snprintf(want + i, sizeof(want) - (size_t)i, "\\x80");
	assert_text(&a, want);
	/* Paths: a leading '@' is escaped (raw, it means abstract); later
	 * ones are not. Relative paths stay relative. */
	ck_assert_int_eq(netkit_addr_from_path(&a, "@x@"), 0);
	assert_text(&a, "unix:\\x40x@");
	ck_assert_int_eq(netkit_addr_from_path(&a, "rel/\\ \x7f\xff"), 0);
	assert_text(&a, "unix:rel/\\\\ \\x7f\\xff");
	/* Upper-case hex parses too; format writes lower case. */
	ck_assert_int_eq(netkit_addr_parse(&a, "unix:@\\xAB"), 0);
	assert_text(&a, "unix:@\\xab");
}
END_TEST

/* Fails unless netkit_addr_parse(text) answers err and leaves out. */
static void
assert_parse_refused(const char *text, int err)
{
	netkit_addr out, ref;

	memset(&out, SENTINEL, sizeof(out));
	memset(&ref, SENTINEL, sizeof(ref));
	ck_assert_msg(netkit_addr_parse(&out, text) == err,
		      "parse(\"%s\") != %d", text, err);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
}

START_TEST(bad_unix_text_is_refused_and_changes_nothing)
{
	char longtext[NETKIT_UNIX_ADDRSTRLEN + 2];
	struct nk_guarded g;

	assert_parse_refused("unix:\\q", -EINVAL);
	assert_parse_refused("unix:\\x4", -EINVAL);
	assert_parse_refused("unix:\\xg0", -EINVAL);
	assert_parse_refused("unix:\\", -EINVAL);
	/* A path cannot hold a NUL; an abstract name can. */
	assert_parse_refused("unix:/a\\x00b", -EINVAL);
	assert_parse_refused("UNIX:/a", -EINVAL);
	/* 108 name bytes: too long, however written. */
	memset(longtext, 0, sizeof(longtext));
	memcpy(longtext, "unix:@", 6);
	memset(longtext + 6, 'n', 108);
	assert_parse_refused(longtext, -ENAMETOOLONG);
	/* Text past NETKIT_UNIX_ADDRSTRLEN is refused unread. */
	memset(longtext + 5, '/', NETKIT_UNIX_ADDRSTRLEN - 4);
	assert_parse_refused(longtext, -EINVAL);
	ck_assert_int_eq(netkit_addr_parse(NULL, "unix:/a"), -EINVAL);
	/* Unterminated text ending at a guard page is not read past. */
	memset(longtext, 'a', sizeof(longtext));
	memcpy(longtext, "unix:", 5);
	assert_parse_refused(nk_guarded_text(&g, longtext,
					     NETKIT_UNIX_ADDRSTRLEN), -EINVAL);
	nk_guarded_free(&g);
	ck_assert_int_eq(netkit_addr_from_path(NULL, "/a"), -EINVAL);
}
END_TEST

START_TEST(bad_unix_constructor_input_changes_nothing)
{
	netkit_addr out, ref;
	struct nk_guarded g;

	memset(&out, SENTINEL, sizeof(out));
	memset(&ref, SENTINEL, sizeof(ref));
	ck_assert_int_eq(netkit_addr_from_path(&out, NULL), -EINVAL);
	ck_assert_int_eq(netkit_addr_from_path(&out, ""), -EINVAL);
	ck_assert_int_eq(netkit_addr_from_abstract(&out, NULL, 0), -EINVAL);
	ck_assert_int_eq(netkit_addr_from_abstract(NULL, "x", 1), -EINVAL);
	/* An unterminated path is read no further than 108 bytes. */
	ck_assert_int_eq(netkit_addr_from_path(&out,
		nk_guarded_fill(&g, 'p', 108)), -ENAMETOOLONG);
	nk_guarded_free(&g);
	ck_assert_mem_eq(&out, &ref, sizeof(out));
}
END_TEST

START_TEST(unix_addresses_answer_the_ip_calls_with_their_codes)
{
	char buf[NETKIT_UNIX_ADDRSTRLEN], small[8];
	netkit_addr a, ip;

	ck_assert_int_eq(netkit_addr_from_path(&a, "/run/x.sock"), 0);
	ck_assert_int_eq(netkit_addr_family(&a), AF_UNIX);
	ck_assert_int_eq(netkit_addr_port(&a), -EAFNOSUPPORT);
	memset(buf, SENTINEL, sizeof(buf));
	ck_assert_int_eq(netkit_addr_ip(&a, buf, sizeof(buf)), -EAFNOSUPPORT);
	ck_assert_int_eq((unsigned char)buf[0], SENTINEL);
	ck_assert(!netkit_addr_is_loopback(&a));
	ck_assert(!netkit_addr_is_any(&a));
	ck_assert(!netkit_addr_is_multicast(&a));
	ck_assert(!netkit_addr_is_broadcast(&a));
	ck_assert_int_eq(netkit_addr_from_ip(&ip, "127.0.0.1", 0), 0);
	ck_assert(!netkit_addr_equal(&a, &ip));
	ck_assert(!netkit_addr_equal(&ip, &a));
	/* "unix:/run/x.sock" is 16 bytes: 8 is too small, 17 fits. */
	memset(small, SENTINEL, sizeof(small));
	ck_assert_int_eq(netkit_addr_format(&a, small, sizeof(small)),
			 -ENOSPC);
	ck_assert_int_eq((unsigned char)small[0], SENTINEL);
	ck_assert_int_eq(netkit_addr_format(&a, buf, 16), -ENOSPC);
	ck_assert_int_eq(netkit_addr_format(&a, buf, 17), 16);
	ck_assert_int_eq(netkit_addr_format(&a, NULL, 17), -EINVAL);
}
END_TEST

START_TEST(from_sockaddr_takes_a_full_sockaddr_un)
{
	struct sockaddr_un sun;
	socklen_t len;
	netkit_addr a, b;
	const struct sockaddr *sa;

	/* The common C idiom: the whole structure's size. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/tmp/x.sock");
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a,
		(struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(netkit_addr_from_path(&b, "/tmp/x.sock"), 0);
	nk_assert_addr_equal(&a, &b);
	sa = netkit_addr_sockaddr(&b, &len);
	ck_assert_ptr_nonnull(sa);
	ck_assert_int_eq(sa->sa_family, AF_UNIX);
	ck_assert_uint_eq(len, offsetof(struct sockaddr_un, sun_path) + 12);
	/* One byte short of the family, or longer than sockaddr_un. */
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a,
		(struct sockaddr *)&sun, 1), -EINVAL);
	ck_assert_int_eq(netkit_addr_from_sockaddr(&a,
		(struct sockaddr *)&sun, sizeof(sun) + 1), -EINVAL);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("unix-addr");

	NK_ADD_TEST(s, path_of_107_bytes_binds_and_108_is_too_long);
	NK_ADD_TEST(s, abstract_names_keep_embedded_nuls);
	NK_ADD_TEST(s, socketpair_ends_have_the_unnamed_address);
	NK_ADD_TEST(s, every_byte_survives_format_and_parse);
	NK_ADD_TEST(s, bad_unix_text_is_refused_and_changes_nothing);
	NK_ADD_TEST(s, bad_unix_constructor_input_changes_nothing);
	NK_ADD_TEST(s, unix_addresses_answer_the_ip_calls_with_their_codes);
	NK_ADD_TEST(s, from_sockaddr_takes_a_full_sockaddr_un);
	return s;
}
