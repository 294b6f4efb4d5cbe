/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	ck_assert_str_eq(netkit_errname(5), "OK");
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
	NK_ADD_TEST(s, version_string_matches_macros_and_project);
	return s;
}
