/* SPDX-License-Identifier: MIT */
/*
 * A library built without TLS (-Dtls=disabled): <netkit/features.h>
 * says so, the calls exist (one ABI for every build) and each answers
 * -ENOTSUP, or nothing for those that cannot fail.
 */
#include "config.h"

#include <errno.h>

#include "helpers.h"

_Static_assert(NETKIT_HAS_TLS == 0, "built without TLS");

START_TEST(every_tls_call_answers_enotsup)
{
	netkit_tls_opts o = { .role = NETKIT_TLS_CLIENT };
	netkit_tls_ctx *ctx = NULL;
	netkit_tls *t = (netkit_tls *)&o;
	size_t n = 7;
	char b[4];

	ck_assert_int_eq(netkit_tls_ctx_new(&ctx, &o), -ENOTSUP);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(netkit_tls_connect(&t, ctx, 0, "localhost",
					    NETKIT_NOW), -ENOTSUP);
	ck_assert_ptr_null(t);
	t = (netkit_tls *)&o;
	ck_assert_int_eq(netkit_tls_accept(&t, ctx, 0, NETKIT_NOW), -ENOTSUP);
	ck_assert_ptr_null(t);
	t = (netkit_tls *)&o;
	ck_assert_int_eq(netkit_tls_create_connection(&t, ctx, "localhost",
		"443", NULL, NULL, NETKIT_NOW), -ENOTSUP);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(netkit_tls_handshake(NULL, NETKIT_NOW), -ENOTSUP);
	ck_assert_int_eq(netkit_tls_send(NULL, b, 1, NETKIT_NOW), -ENOTSUP);
	ck_assert_int_eq(netkit_tls_recv(NULL, b, 1, NETKIT_NOW), -ENOTSUP);
	ck_assert_int_eq(netkit_tls_send_all(NULL, b, 1, &n, NETKIT_NOW),
			 -ENOTSUP);
	ck_assert_uint_eq(n, 0);
	n = 7;
	ck_assert_int_eq(netkit_tls_recv_exact(NULL, b, 1, &n, NETKIT_NOW),
			 -ENOTSUP);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(netkit_tls_close(NULL, NETKIT_NOW), 0);
	ck_assert_ptr_null(netkit_tls_alpn(NULL));
	ck_assert_uint_eq(netkit_tls_wants(NULL), 0);
	ck_assert_int_eq(netkit_tls_ktls(NULL), 0);
	n = 7;
	ck_assert_int_eq(netkit_tls_sendfile(NULL, 0, 0, 0, &n, NETKIT_NOW),
			 -ENOTSUP);
	ck_assert_uint_eq(n, 0);
	netkit_tls_free(NULL);
	netkit_tls_ctx_free(NULL);
}
END_TEST

Suite *
netkit_test_suite(void)
{
	Suite *s = suite_create("tls-none");

	NK_ADD_TEST(s, every_tls_call_answers_enotsup);
	return s;
}
