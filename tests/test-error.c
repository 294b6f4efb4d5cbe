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

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
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

START_TEST(library_codes_cannot_collide_with_errno)
{
	ck_assert_int_lt(NETKIT_EBASE, -4095);
	ck_assert_int_lt(NETKIT_ENONAME, NETKIT_EBASE + 1);
	ck_assert_int_lt(NETKIT_ENOADDR, NETKIT_EBASE + 1);
	ck_assert_str_ne(netkit_strerror(NETKIT_ENONAME),
			 netkit_strerror(NETKIT_ENOSERVICE));
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
	TCase *tc = nk_tcase("error");

	tcase_add_test(tc, errname_names_errno_and_library_codes);
	tcase_add_test(tc, errname_of_success_and_unknown);
	tcase_add_test(tc, strerror_is_never_null_nor_empty);
	tcase_add_test(tc, every_errno_has_a_name_and_message);
	tcase_add_test(tc, library_codes_cannot_collide_with_errno);
	tcase_add_test(tc, version_string_matches_macros_and_project);
	suite_add_tcase(s, tc);
	return s;
}
