/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

START_TEST(errname_names_errno_and_library_codes)
{
	ck_assert_str_eq(netkit_errname(-ECONNREFUSED), "ECONNREFUSED");
	ck_assert_str_eq(netkit_errname(-EINVAL), "EINVAL");
	ck_assert_str_eq(netkit_errname(-EPIPE), "EPIPE");
	ck_assert_str_eq(netkit_errname(NETKIT_ENONAME), "NETKIT_ENONAME");
	ck_assert_str_eq(netkit_errname(NETKIT_EAGAIN_RESOLVE),
			 "NETKIT_EAGAIN_RESOLVE");
	ck_assert_str_eq(netkit_errname(NETKIT_ENOSERVICE),
			 "NETKIT_ENOSERVICE");
	ck_assert_str_eq(netkit_errname(NETKIT_ERESOLVE), "NETKIT_ERESOLVE");
	ck_assert_str_eq(netkit_errname(NETKIT_ENOADDR), "NETKIT_ENOADDR");
	ck_assert_str_eq(netkit_errname(NETKIT_ETOOLONG), "NETKIT_ETOOLONG");
	ck_assert_str_eq(netkit_strerror(NETKIT_ETOOLONG),
			 "line longer than the buffer");
}
END_TEST

START_TEST(errname_of_success_and_unknown)
{
	ck_assert_str_eq(netkit_errname(0), "OK");
	ck_assert_str_eq(netkit_errname(-9999), "UNKNOWN");
	ck_assert_str_eq(netkit_errname(NETKIT_EBASE - 999), "UNKNOWN");
	ck_assert_str_eq(netkit_errname(-2147483647 - 1), "UNKNOWN");
}
END_TEST

START_TEST(strerror_is_never_null_nor_empty)
{
	static const int codes[] = { 0, 1, -1, -EINVAL, -ECONNRESET, -4095,
		-4096, -9999, NETKIT_EBASE, NETKIT_ENONAME, NETKIT_ENOADDR,
		NETKIT_ETOOLONG,
		-20000, -2147483647 - 1, 2147483647 };
	size_t i;

	for (i = 0; i < N_ELEMS(codes); i++) {
		const char *s = netkit_strerror(codes[i]);

		ck_assert_ptr_nonnull(s);
		ck_assert_int_gt(strlen(s), 0);
		ck_assert_ptr_nonnull(netkit_errname(codes[i]));
	}
	ck_assert_str_eq(netkit_strerror(0), "success");
	ck_assert_str_eq(netkit_strerror(-9999), "unknown error");
}
END_TEST

START_TEST(every_errno_has_a_name_and_message)
{
	int e;

	/* glibc knows names for errno 1..133; each one maps to "E..." */
	for (e = 1; e <= 133; e++) {
		const char *name = netkit_errname(-e);

		if (strcmp(name, "UNKNOWN") == 0)
			continue; /* holes in the errno table (41, 58) */
		ck_assert_msg(name[0] == 'E', "errno %d named %s", e, name);
		ck_assert_str_ne(netkit_strerror(-e), "unknown error");
	}
}
END_TEST

/* What a program gets when it passes errno itself (positive) instead
 * of a netkit code: not "success", not "OK", and not a text or name that
 * passes for the negative code's. */
START_TEST(positive_value_is_answered_as_no_error_code)
{
	static const int positives[] = { 1, EPIPE, ECONNREFUSED, 4095, 4096,
					 10001, 2147483647 };
	size_t i;

	for (i = 0; i < N_ELEMS(positives); i++) {
		int v = positives[i];
		const char *msg = netkit_strerror(v), *name = netkit_errname(v);

		ck_assert_msg(strcmp(msg, "success") != 0, "%d: \"%s\"", v,
			      msg);
		ck_assert_msg(strstr(msg, "not an error code"), "%d: \"%s\"",
			      v, msg);
		ck_assert_msg(strcmp(name, "OK") != 0 &&
			      strcmp(name, netkit_errname(-v)) != 0,
			      "%d named %s", v, name);
		ck_assert_str_eq(name, "POSITIVE");
	}
}
END_TEST

/* One style for every text: a lower-case start (an acronym such as
 * "RFS" may stay) and no final period, whichever table it comes from. */
static void
assert_house_style(int code)
{
	const char *s = netkit_strerror(code);
	size_t n = strlen(s);

	ck_assert_msg(n > 0, "%d: empty", code);
	ck_assert_msg(!(isupper((unsigned char)s[0]) &&
			!isupper((unsigned char)s[1])),
		      "%d (%s): \"%s\" starts in upper case", code,
		      netkit_errname(code), s);
	ck_assert_msg(s[n - 1] != '.', "%d (%s): \"%s\" ends in a period",
		      code, netkit_errname(code), s);
}

START_TEST(every_text_is_lower_case_without_a_final_period)
{
	int e;

	for (e = 1; e <= 4096; e++)
		assert_house_style(-e);
	for (e = 0; e < 20; e++)
		assert_house_style(NETKIT_EBASE - e);
	assert_house_style(0);
	assert_house_style(5);
	ck_assert_str_eq(netkit_strerror(-EEXIST), "file exists");
}
END_TEST

/* epoll refuses a regular file with EPERM: nothing to do with
 * privileges, which is all the text used to name. */
START_TEST(eperm_text_covers_epoll_refusing_a_regular_file)
{
	netkit_poller *p;
	FILE *f = tmpfile();
	const char *s;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(netkit_poller_new(&p, 0), 0);
	ck_assert_int_eq(netkit_poller_add(p, fileno(f), NETKIT_POLLER_READ,
					   NULL), -EPERM);
	netkit_poller_free(p);
	fclose(f);
	s = netkit_strerror(-EPERM);
	ck_assert_msg(strstr(s, "not permitted") && strstr(s, "privilege") &&
		      strstr(s, "kind of descriptor"), "\"%s\"", s);
}
END_TEST

/* A send on a TCP socket that never connected, or on a listening one,
 * is EPIPE too: there was never a peer to close anything. */
START_TEST(epipe_text_covers_a_socket_that_never_connected)
{
	int fd = netkit_socket(AF_INET, SOCK_STREAM, 0), l;
	netkit_addr a;
	const char *s;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(netkit_send(fd, "x", 1), -EPIPE);
	netkit_close(fd);
	l = nk_listen(AF_INET, &a);
	ck_assert_int_eq(netkit_send(l, "x", 1), -EPIPE);
	netkit_close(l);
	s = netkit_strerror(-EPIPE);
	ck_assert_msg(strstr(s, "broken pipe") && strstr(s, "closed") &&
		      strstr(s, "never connected"), "\"%s\"", s);
}
END_TEST

/* ENOSPC is also a full disk (file.c writes files), not only a small
 * buffer; EADDRNOTAVAIL is also connect() without a free local port. */
START_TEST(enospc_and_eaddrnotavail_texts_cover_their_other_causes)
{
	const char *s = netkit_strerror(-ENOSPC);

	ck_assert_msg(strstr(s, "buffer") && strstr(s, "device"), "\"%s\"",
		      s);
	s = netkit_strerror(-EADDRNOTAVAIL);
	ck_assert_msg(strstr(s, "this machine") && strstr(s, "local port"),
		      "\"%s\"", s);
}
END_TEST

/* Every row of the public list, as a program expanding it sees it. */
static const struct {
	int code;
	const char *name, *msg;
} library_codes[] = {
#define ROW(name, value, msg) { value, "NETKIT_" #name, msg },
	NETKIT_ERRNO_MAP(ROW)
#undef ROW
};

START_TEST(every_library_code_has_its_own_name_and_message)
{
	size_t i, j;

	ck_assert_uint_ge(N_ELEMS(library_codes), 6);
	for (i = 0; i < N_ELEMS(library_codes); i++) {
		int code = library_codes[i].code;

		ck_assert_str_eq(netkit_errname(code), library_codes[i].name);
		ck_assert_str_eq(netkit_strerror(code), library_codes[i].msg);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(netkit_strerror(code),
					 library_codes[j].msg);
	}
	/* The code another branch adds, with the same number and text. */
	ck_assert_str_eq(netkit_errname(-10006), "NETKIT_ETOOLONG");
	ck_assert_str_eq(netkit_strerror(-10006),
			 "line longer than the buffer");
}
END_TEST

/* The classifiers' documented lists: each code in exactly one. */
enum { TEMPORARY = 1, DISCONNECT = 2, RESOURCE = 4 };

static const struct {
	int code, cls;
} classified[] = {
	{ -EAGAIN, TEMPORARY }, { -EWOULDBLOCK, TEMPORARY },
	{ -EINTR, TEMPORARY }, { -ETIMEDOUT, TEMPORARY },
	{ NETKIT_EAGAIN_RESOLVE, TEMPORARY },
	{ -ECONNRESET, DISCONNECT }, { -EPIPE, DISCONNECT },
	{ -ECONNABORTED, DISCONNECT }, { -ECONNREFUSED, DISCONNECT },
	{ -ENOTCONN, DISCONNECT }, { -ESHUTDOWN, DISCONNECT },
	{ -ENETDOWN, DISCONNECT }, { -ENETUNREACH, DISCONNECT },
	{ -ENETRESET, DISCONNECT }, { -EHOSTDOWN, DISCONNECT },
	{ -EHOSTUNREACH, DISCONNECT }, { -ENONET, DISCONNECT },
	{ -EPROTO, DISCONNECT },
	/* TLS: a stream cut without close_notify is a peer gone. */
	{ NETKIT_ETLS_TRUNCATED, DISCONNECT },
	{ -EMFILE, RESOURCE }, { -ENFILE, RESOURCE }, { -ENOBUFS, RESOURCE },
	{ -ENOMEM, RESOURCE },
};

/* What the three classifiers say of code, as a set of classes. */
static int
class_of(int code)
{
	return (netkit_err_is_temporary(code) ? TEMPORARY : 0) |
	       (netkit_err_is_disconnect(code) ? DISCONNECT : 0) |
	       (netkit_err_is_resource(code) ? RESOURCE : 0);
}

/* What the documented lists say of code. */
static int
listed_class(int code)
{
	size_t i;

	for (i = 0; i < N_ELEMS(classified); i++)
		if (classified[i].code == code)
			return classified[i].cls;
	return 0;
}

START_TEST(each_listed_code_is_in_its_class_alone)
{
	size_t i;

	for (i = 0; i < N_ELEMS(classified); i++) {
		int code = classified[i].code;

		ck_assert_msg(class_of(code) == classified[i].cls,
			      "%s is in classes %d, not %d",
			      netkit_errname(code), class_of(code),
			      classified[i].cls);
	}
}
END_TEST

/* Every other code, errno values, library codes, success and positive
 * counts, is in no class. */
START_TEST(every_other_code_is_in_no_class)
{
	static const int edges[] = { -2147483647 - 1, 2147483647,
				     NETKIT_EBASE };
	size_t i;
	int e;

	for (e = -4200; e <= 4200; e++)
		ck_assert_msg(class_of(e) == listed_class(e),
			      "%d (%s) is in classes %d, not %d", e,
			      netkit_errname(e), class_of(e), listed_class(e));
	for (i = 0; i < N_ELEMS(library_codes); i++) {
		e = library_codes[i].code;
		ck_assert_msg(class_of(e) == listed_class(e), "%s: %d",
			      library_codes[i].name, class_of(e));
	}
	for (i = 0; i < N_ELEMS(edges); i++)
		ck_assert_int_eq(class_of(edges[i]), 0);
}
END_TEST

/* A peer that reset the connection: the sends after it fail with
 * codes that mean "the peer is gone". */
START_TEST(a_send_to_a_reset_peer_is_a_disconnect)
{
	int c, s, i;
	ssize_t rc;

	nk_tcp_pair(AF_INET, &c, &s);
	nk_set_linger_zero(s);
	netkit_close(s);
	ck_assert(nk_readable(c, 5000));
	for (i = 0; i < 2; i++) {
		rc = netkit_send(c, "x", 1);
		ck_assert_msg(rc == -ECONNRESET || rc == -EPIPE, "send %d: %s",
			      i, netkit_errname((int)rc));
		ck_assert_msg(class_of((int)rc) == DISCONNECT, "%s: %d",
			      netkit_errname((int)rc), class_of((int)rc));
	}
	netkit_close(c);
}
END_TEST

START_TEST(a_refused_connect_is_a_disconnect)
{
	netkit_addr refused;
	int fd, rc;

	nk_refused_addr(AF_INET, &refused);
	fd = netkit_socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	rc = netkit_connect(fd, &refused);
	ck_assert_int_eq(rc, -ECONNREFUSED);
	ck_assert_int_eq(class_of(rc), DISCONNECT);
	netkit_close(fd);
}
END_TEST

/* Nothing to read yet: -EAGAIN from a non-blocking socket, -ETIMEDOUT
 * from a deadline already reached; both "try again later". */
START_TEST(a_recv_that_would_block_is_temporary)
{
	int sp[2];
	char b;
	ssize_t rc;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sp), 0);
	rc = netkit_recv(sp[0], &b, 1);
	ck_assert_int_eq(rc, -EAGAIN);
	ck_assert_int_eq(class_of((int)rc), TEMPORARY);
	rc = netkit_recv_until(sp[0], &b, 1, netkit_deadline_in(0));
	ck_assert_int_eq(rc, -ETIMEDOUT);
	ck_assert_int_eq(class_of((int)rc), TEMPORARY);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

/* In a forked child whose descriptor limit is its lowest free number,
 * a new socket fails with -EMFILE: out of resources. The child's exit
 * status says what it got. */
START_TEST(no_descriptor_left_is_a_resource_error)
{
	int status = -1, free_fd;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit rl;
		int rc;

		free_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (free_fd < 0)
			_exit(100);
		close(free_fd);
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(101);
		/* The soft limit only: valgrind refuses to move the hard
		 * one. */
		rl.rlim_cur = (rlim_t)free_fd;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(102);
		rc = netkit_socket(AF_INET, SOCK_STREAM, 0);
		if (rc != -EMFILE)
			_exit(rc < 0 ? -rc & 0x7f : 103);
		_exit(class_of(rc) == RESOURCE ? 0 : 104);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: status %#x (errno or 100+ step)", status);
}
END_TEST

START_TEST(version_string_matches_macros_and_project)
{
	char macros[32];
	const char *want = getenv("NETKIT_TEST_VERSION");

	snprintf(macros, sizeof(macros), "%d.%d.%d", NETKIT_VERSION_MAJOR,
		 NETKIT_VERSION_MINOR, NETKIT_VERSION_PATCH);
	ck_assert_str_eq(netkit_version_string(), macros);
	if (want)
		ck_assert_str_eq(netkit_version_string(), want);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("error");

	NK_ADD_TEST(s, errname_names_errno_and_library_codes);
	NK_ADD_TEST(s, errname_of_success_and_unknown);
	NK_ADD_TEST(s, strerror_is_never_null_nor_empty);
	NK_ADD_TEST(s, every_errno_has_a_name_and_message);
	NK_ADD_TEST(s, every_library_code_has_its_own_name_and_message);
	NK_ADD_TEST(s, positive_value_is_answered_as_no_error_code);
	NK_ADD_TEST(s, every_text_is_lower_case_without_a_final_period);
	NK_ADD_TEST(s, eperm_text_covers_epoll_refusing_a_regular_file);
	NK_ADD_TEST(s, epipe_text_covers_a_socket_that_never_connected);
	NK_ADD_TEST(s, enospc_and_eaddrnotavail_texts_cover_their_other_causes);
	NK_ADD_TEST(s, each_listed_code_is_in_its_class_alone);
	NK_ADD_TEST(s, every_other_code_is_in_no_class);
	NK_ADD_TEST(s, a_send_to_a_reset_peer_is_a_disconnect);
	NK_ADD_TEST(s, a_refused_connect_is_a_disconnect);
	NK_ADD_TEST(s, a_recv_that_would_block_is_temporary);
	NK_ADD_TEST(s, no_descriptor_left_is_a_resource_error);
	NK_ADD_TEST(s, version_string_matches_macros_and_project);
	return s;
}
